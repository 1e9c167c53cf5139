import { Command, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';
import type { CliCommand, CliIO, CliOption } from '@modelkit/core/cli';

/** Receives the exit code a command's `run` resolved to. */
export type ExitCodeSink = (code: number) => void;

/**
 * Adds a kit's plain-data command (and its subcommands) under `parent`. A command may have
 * both subcommands and a `run` of its own: `ocr a.png` runs `ocr`, `ocr eval ...` runs the
 * subcommand, because commander tries subcommand names before the parent's arguments.
 */
export function mountCommand(parent: Command, spec: CliCommand, io: CliIO, setExitCode: ExitCodeSink): Command {
  // `parent.command()` (not `addCommand`) so the child inherits exitOverride and the
  // output configuration of the root.
  const cmd = parent.command(spec.name).description(spec.description);
  if (spec.arguments) cmd.arguments(spec.arguments);
  for (const option of spec.options ?? []) cmd.addOption(toOption(option));
  for (const sub of spec.subcommands ?? []) mountCommand(cmd, sub, io, setExitCode);
  const run = spec.run;
  if (run) {
    cmd.action(async (...actionArgs: unknown[]) => {
      // commander passes the declared arguments, then the options object, then the command.
      const positional = actionArgs.slice(0, cmd.registeredArguments.length);
      const args = positional.flatMap((value) =>
        value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)],
      );
      const code = await run(args, cmd.opts(), io);
      setExitCode(typeof code === 'number' ? code : 0);
    });
  }
  return cmd;
}

function toOption(spec: CliOption): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.type === 'number' || spec.type === 'integer') option.argParser(numberParser(spec.type));
  if (spec.choices) option.choices(spec.choices);
  if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
  if (spec.required) option.makeOptionMandatory(true);
  return option;
}

function numberParser(type: 'number' | 'integer'): (value: string) => number {
  return (value) => {
    const trimmed = value.trim();
    // Number('') is 0 and Number('0x1f') is 31: accept plain decimal notation only.
    const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : NaN;
    if (!Number.isFinite(n)) throw new CommanderArgumentError(`'${value}' is not a number.`);
    if (type === 'integer' && !Number.isInteger(n)) throw new CommanderArgumentError(`'${value}' is not an integer.`);
    return n;
  };
}
