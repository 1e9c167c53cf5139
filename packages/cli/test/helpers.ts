import { Writable } from 'node:stream';
import { ModelkitError, ErrorCodes } from '@modelkit/core';
import type { CliCommand, CliIO } from '@modelkit/core';
import { runCli } from '../src';
import type { InstalledKit, KitLoader, RunCliOptions } from '../src';

/** A writable that keeps what was written, for asserting on CLI output. */
class MemoryStream extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with memory streams; no kits unless given. */
export async function run(argv: string[], options: RunCliOptions & { interactive?: boolean } = {}): Promise<CliResult> {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  const io: CliIO = { stdout, stderr, interactive: options.interactive ?? false };
  const code = await runCli(argv, io, { kits: options.kits ?? noKits, env: options.env ?? {}, registry: options.registry });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const noKits: KitLoader = async () => [];

/** A loader that "installs" the given kits. */
export function kitsLoader(...kits: InstalledKit[]): KitLoader {
  return async () => kits;
}

/**
 * A fake kit shaped like a real one: `greet NAMES...` with its own run AND a subcommand
 * `greet stats --data DIR`, plus commands that fail in each way a kit can fail.
 */
export function fakeKitCommands(calls: { args: string[]; options: Record<string, unknown>; interactive: boolean }[]): CliCommand[] {
  return [
    {
      name: 'greet',
      description: 'greets people',
      arguments: '<names...>',
      options: [
        { flags: '--shout', description: 'upper-case the greeting' },
        { flags: '-n, --times <n>', description: 'how often', type: 'integer', defaultValue: 1 },
        { flags: '--style <style>', description: 'greeting style', choices: ['plain', 'fancy'], defaultValue: 'plain' },
      ],
      subcommands: [
        {
          name: 'stats',
          description: 'counts names in a directory',
          options: [
            { flags: '--data <dir>', description: 'data directory', required: true },
            { flags: '--threshold <t>', description: 'a score threshold', type: 'number', defaultValue: 0.5 },
            // Same flag as the parent's: it must reach the subcommand, not the parent.
            { flags: '--shout', description: 'upper-case the report' },
          ],
          run: async (args, options, io) => {
            calls.push({ args, options, interactive: io.interactive });
            const report = `stats of ${String(options['data'])} at ${String(options['threshold'])}`;
            io.stdout.write(`${options['shout'] ? report.toUpperCase() : report}\n`);
          },
        },
      ],
      run: async (args, options, io) => {
        calls.push({ args, options, interactive: io.interactive });
        const times = options['times'] as number;
        for (const name of args) {
          const line = `hello ${name}`;
          for (let i = 0; i < times; i++) io.stdout.write(`${options['shout'] ? line.toUpperCase() : line}\n`);
        }
      },
    },
    {
      name: 'fail',
      description: 'fails with a typed error',
      run: async () => {
        throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, 'Image /nowhere.png does not exist\nsecond line');
      },
    },
    {
      name: 'crash',
      description: 'fails with a bug',
      run: async () => {
        throw new TypeError('cannot read properties of undefined');
      },
    },
    {
      name: 'exit3',
      description: 'returns exit code 3',
      run: async () => 3,
    },
  ];
}
