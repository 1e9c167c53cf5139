#!/usr/bin/env node
import { runCli } from './index';

// The bin only wires the real process to runCli; everything testable lives there.
runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: Boolean(process.stderr.isTTY),
}).then(
  (code) => {
    // exitCode (not exit()) lets stdout drain when it is a pipe.
    process.exitCode = code;
  },
  (err: unknown) => {
    // runCli never rejects; this is the last guard against a bug in it.
    process.stderr.write(`modelkit: internal error: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
