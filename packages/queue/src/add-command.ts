/** `modelkit queue add`: one job per input, streamed. */
import { existsSync } from 'node:fs';
import { ErrorCodes, ModelkitError, checkOptions } from '@modelkit/core';
import type { CliCommand, CliIO, KitDefinition } from '@modelkit/core';
import { loadKits } from '@modelkit/serve';
import { DEFAULT_ATTEMPTS, DEFAULT_PRIORITY, addJobs } from './add-jobs';
import type { AddSummary } from './add-jobs';
import { CONNECTION_OPTIONS, connectionOf, intOption, jsonObjectOption } from './cli-options';
import { readInputList, walkInput } from './input-walk';
import type { InputItem } from './input-walk';
import { QueueSession } from './queue-session';

async function* allInputs(specs: readonly string[], list: string | undefined): AsyncGenerator<InputItem> {
  for (const spec of specs) yield* walkInput(spec);
  if (list !== undefined) yield* readInputList(list);
}

function summaryLine(s: AddSummary): string {
  return `${s.inputs} inputs: ${s.added} added, ${s.existing} already queued, ${s.drained} already in a results file`;
}

/**
 * Runs `modelkit queue add KIT INPUT... [--list FILE]`.
 * @param findKit Loads the named kit; tests pass their own.
 */
async function runAddCommand(
  args: string[],
  o: Record<string, unknown>,
  io: CliIO,
  findKit: (name: string) => KitDefinition = (name) => loadKits([name])[0],
): Promise<number> {
  const [kitName, ...specs] = args;
  const list = typeof o.list === 'string' ? o.list : undefined;
  if (!kitName || (specs.length === 0 && list === undefined)) {
    throw new ModelkitError(ErrorCodes.USAGE, "queue add: give a kit and inputs (directories, globs such as 'scans/**/*.jpg', files, http(s) URLs) or --list FILE");
  }
  if (list !== undefined && list !== '-' && !existsSync(list)) {
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `The list file ${list} does not exist`, { details: { file: list } });
  }
  // Checked here, before anything is queued: a typo fails now, not in every job.
  const kit = findKit(kitName);
  const options = { create: jsonObjectOption(o.kitOptions, '--kit-options'), run: jsonObjectOption(o.options, '--options') };
  checkOptions(kit.name, kit.createOptions, options.create);
  kit.checkRunOptions(options.run);
  const priority = intOption(o.priority, DEFAULT_PRIORITY);
  if (!Number.isInteger(priority) || priority < 1 || priority > 2 ** 21) {
    throw new ModelkitError(ErrorCodes.USAGE, `--priority must be an integer from 1 (first) to 2097152, got ${priority}`);
  }
  const { redis, prefix } = connectionOf(o);
  const session = await QueueSession.open(redis, prefix);
  let last = 0;
  try {
    const summary = await addJobs({
      queue: session.queue(kit.name),
      redis: session.redis,
      prefix,
      kit: kit.name,
      options,
      inputs: allInputs(specs, list),
      priority,
      attempts: intOption(o.attempts, DEFAULT_ATTEMPTS),
      onProgress: (s) => {
        const now = Date.now();
        if (io.interactive && now - last > 200) {
          last = now;
          io.stderr.write(`\rqueue add ${kit.name}: ${summaryLine(s)}`);
        }
      },
    });
    if (io.interactive && last > 0) io.stderr.write('\n');
    if (summary.inputs === 0) {
      throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `No inputs found at ${[...specs, ...(list ? [`--list ${list}`] : [])].join(' ')} (directories, globs such as 'dir/**/*.jpg', files or URLs)`, {
        details: { inputs: specs },
      });
    }
    io.stderr.write(`queue add ${kit.name}: ${summaryLine(summary)}\n`);
    return 0;
  } finally {
    await session.close();
  }
}

/** The `queue add` command. */
export const addCommand: CliCommand = {
  name: 'add',
  description:
    'Queue one job per input (a file path the workers can read at the same path, or an http(s) URL they download); adding the same input with the same options again is a no-op',
  arguments: '<kit> [inputs...]',
  options: [
    ...CONNECTION_OPTIONS,
    { flags: '--list <file>', description: "more inputs, one path or URL a line ('-' for stdin)" },
    { flags: '--options <json>', description: 'run options of every job, e.g. \'{"dropScore":0.8}\'' },
    { flags: '--kit-options <json>', description: 'model (create) options of every job, e.g. \'{"limitSideLen":1280}\'' },
    { flags: '--priority <n>', description: 'lower runs first (1 to 2097152)', defaultValue: DEFAULT_PRIORITY, type: 'integer' },
    { flags: '--attempts <n>', description: 'runs per job before it fails (bad inputs fail at once)', defaultValue: DEFAULT_ATTEMPTS, type: 'integer' },
  ],
  run: (args, options, io) => runAddCommand(args, options, io),
};
