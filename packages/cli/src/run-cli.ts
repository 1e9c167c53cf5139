import { Command, CommanderError } from 'commander';
import { defaultRegistry } from '@modelkit/core/registry';
import type { CliIO } from '@modelkit/core/cli';
import { formatError } from './error-line';
import { createKitLoader } from './kit-loader';
import type { InstalledKit, KitLoader } from './kit-loader';
import { convertCommand } from './convert-command';
import { addModelsCommand } from './models-command';
import type { CliRegistry } from './cli-registry';
import { mountCommand } from './mount-command';
import { version } from './version';

/** Options of {@link runCli}; the defaults are what the `modelkit` bin uses. */
export interface RunCliOptions {
  /** Finds the installed kits; default {@link createKitLoader}() over the known kits. */
  kits?: KitLoader;
  /** The registry `models` commands use; default core's `defaultRegistry`. */
  registry?: CliRegistry;
  /** Environment (for `MODELKIT_DEBUG`); default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

// Commands the CLI owns; a kit may not take these names.
const RESERVED = new Set(['models', 'convert', 'help']);

/**
 * Runs the `modelkit` program on `argv` (the user's arguments, without `node` and the
 * script) and resolves to the exit code. Never throws and never calls `process.exit`:
 * every failure becomes one line on `io.stderr` and a non-zero code, so tests and other
 * programs can embed the CLI.
 */
export async function runCli(argv: readonly string[], io: CliIO, options: RunCliOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const debug = env['MODELKIT_DEBUG'] === '1';
  let exitCode = 0;
  let installedNames: string[] = [];
  try {
    const kits = await (options.kits ?? createKitLoader())();
    installedNames = kits.filter((k) => k.isKit !== false).map((k) => k.name);
    const program = buildProgram(io, kits, options.registry ?? defaultRegistry, (code) => {
      exitCode = code;
    });
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    // --help and --version end in a CommanderError with exit code 0; their text is out.
    if (err instanceof CommanderError && isHelpOrVersion(err.code)) return err.exitCode;
    io.stderr.write(`${formatError(withKitHint(err, installedNames), debug)}\n`);
    return err instanceof CommanderError && err.exitCode !== 0 ? err.exitCode : 1;
  }
}

/**
 * An unknown command may be a kit that is not installed: say how kits are added, without a
 * list of kits that could go stale.
 */
function withKitHint(err: unknown, installed: readonly string[]): unknown {
  // A near miss ("Did you mean models?") is the better hint.
  if (!(err instanceof CommanderError) || err.code !== 'commander.unknownCommand' || err.message.includes('Did you mean')) return err;
  const name = /'([^']+)'/.exec(err.message)?.[1];
  if (name === undefined) return err;
  const hint = `installed kits: ${installed.length > 0 ? installed.join(', ') : 'none'}; if '${name}' is a modelkit kit, install it: npm i @modelkit/${name}`;
  return new CommanderError(err.exitCode, err.code, `${err.message.split('\n', 1)[0]} (${hint})`);
}

function isHelpOrVersion(code: string): boolean {
  return code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help';
}

function buildProgram(io: CliIO, kits: InstalledKit[], registry: CliRegistry, setExitCode: (code: number) => void): Command {
  const columns = (stream: unknown): number | undefined => (stream as { columns?: number }).columns;
  const program = new Command('modelkit')
    .description("PaddleHub's pipeline for Node.js: pretrained models for OCR, detection, segmentation and video, from one command")
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    // Settings made before any `.command()` call are inherited by every subcommand.
    // Positional options: a flag after a subcommand's name belongs to that subcommand, even
    // when the parent has the same flag (`ocr eval --no-cls` must not set `ocr`'s --no-cls).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      // Errors are printed once, in our one-line format, by runCli.
      outputError: () => undefined,
      getOutHelpWidth: () => columns(io.stdout) ?? 80,
      getErrHelpWidth: () => columns(io.stderr) ?? 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });

  addModelsCommand(program, { io, registry, kits });
  mountCommand(program, convertCommand, io, setExitCode);

  const owner = new Map<string, string>();
  for (const kit of kits) {
    for (const spec of kit.commands) {
      if (RESERVED.has(spec.name)) {
        throw new Error(`@modelkit/${kit.name} defines a command '${spec.name}', which modelkit reserves`);
      }
      const previous = owner.get(spec.name);
      if (previous !== undefined) {
        throw new Error(`@modelkit/${kit.name} and @modelkit/${previous} both define a command '${spec.name}'`);
      }
      owner.set(spec.name, kit.name);
      mountCommand(program, spec, io, setExitCode);
    }
  }

  program.addHelpText('after', kitsHelp(kits));
  return program;
}

function kitsHelp(kits: InstalledKit[]): string {
  const shown = (k: InstalledKit): string => (k.error ? `${k.name} (not loadable)` : k.name);
  const real = kits.filter((k) => k.isKit !== false);
  const others = kits.filter((k) => k.isKit === false);
  const lines = ['', `Installed kits: ${real.length ? real.map(shown).join(', ') : 'none'} (add one with: npm i @modelkit/<kit>)`];
  if (others.length) lines.push(`Commands from: ${others.map(shown).join(', ')}`);
  lines.push('Set MODELKIT_DEBUG=1 to see stack traces of errors.');
  return lines.join('\n');
}
