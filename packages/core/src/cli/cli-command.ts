/**
 * The contract between kits and `@modelkit/cli`. A kit describes its commands as plain
 * data (no CLI framework dependency) from its `./cli` entry point; the CLI mounts the
 * commands of every kit that is installed.
 */
import type { Writable } from 'node:stream';

/** One `--flag` of a command. */
export interface CliOption {
  /** Commander-style flags, e.g. `--json`, `--visualize <dir>`, `-o, --out <dir>`. */
  flags: string;
  description: string;
  /** Default value shown in `--help` and used when the flag is absent. */
  defaultValue?: string | boolean | number | string[];
  /** Allowed values, checked by the CLI. */
  choices?: readonly string[];
  /**
   * How the CLI parses the flag's value (default `string`). `number` and `integer` reject
   * anything else with a usage error, so a kit's `run` receives a real number.
   */
  type?: 'string' | 'number' | 'integer';
  /** The flag must be given (a usage error otherwise), e.g. `--data <dir>` of an `eval`. */
  required?: boolean;
}

/** Where a command writes. Tests pass in-memory streams. */
export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  /** True when stderr is a terminal, so progress bars may be drawn. */
  interactive: boolean;
}

/** A command a kit contributes, e.g. `ocr` with a subcommand `eval`. */
export interface CliCommand {
  name: string;
  description: string;
  /** Positional arguments in commander syntax, e.g. `<images...>` or `[dir]`. */
  arguments?: string;
  options?: CliOption[];
  subcommands?: CliCommand[];
  /**
   * Runs the command. `args` are the positional arguments, `options` the parsed flags
   * (camel-cased). Resolve to an exit code (0 when omitted); throw a ModelkitError for a
   * one-line error message.
   */
  run?: (args: string[], options: Record<string, unknown>, io: CliIO) => Promise<number | void>;
}
