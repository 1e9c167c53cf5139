/**
 * The one command template every kit gets: `modelkit <kit> INPUT… [-o DIR] [--json]
 * [--visualize] [--threads N] [model and kit flags]` and `modelkit <kit> eval --data DIR`.
 * Flags come from the kit's option schemas, so every kit takes the same common flags, and
 * outputs follow the same rules (never overwrite an input, never collide).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ErrorCodes, ModelkitError } from '../errors';
import { makeDirs } from '../fs/index';
import type { RgbImage } from '../image/index';
import type { KitDefinition, KitOutputWriter, KitResult } from '../kit/kit-definition';
import { checkOptions } from '../kit/option-schema';
import type { AnyOptionSchema } from '../kit/option-schema';
import { ProgressBar } from '../progress-bar';
import type { CliCommand, CliIO, CliOption } from './cli-command';
import { forEachInput, roundTo, writeJsonLine } from './each-input';
import { OutputPaths } from './output-paths';
import { optionsFromFlags, schemaFlags } from './schema-flags';

/** The output folder when `-o` is not given. */
export const DEFAULT_OUTPUT_DIR = 'out';

// The flags of every kit command besides the kit's own options.
const COMMON_FLAGS: CliOption[] = [
  { flags: '-o, --out <dir>', description: `folder for written files (default: ${DEFAULT_OUTPUT_DIR}); an input's path under its folder is kept, inputs are never overwritten` },
  { flags: '--json', description: 'print one JSON object per input per line: {"image" (or "video"), …result, "timings"}' },
  { flags: '--visualize', description: 'write a picture of each result to the output folder' },
  { flags: '--sha256 <hex>', description: 'sha256 of a model given by URL (or append #sha256=HEX to the URL)' },
];

type AnyKit = KitDefinition<unknown, Record<string, unknown>, Record<string, unknown>, KitResult, object>;

function modelKeys(schema: AnyOptionSchema): string[] {
  return Object.entries(schema)
    .filter(([, s]) => s.type === 'model')
    .map(([k]) => k);
}

/** Applies `--sha256` to the one model option given as a URL. */
function applySha256(kitName: string, schema: AnyOptionSchema, options: Record<string, unknown>, sha256: unknown): void {
  if (sha256 === undefined) return;
  const urls = modelKeys(schema).filter((k) => typeof options[k] === 'string' && /^https?:\/\//i.test(options[k] as string));
  if (urls.length !== 1) {
    throw new ModelkitError(
      ErrorCodes.USAGE,
      urls.length === 0
        ? `${kitName}: --sha256 belongs to a model given by URL, but no model option is a URL`
        : `${kitName}: several models are URLs; give each its hash as URL#sha256=HEX instead of --sha256`,
    );
  }
  const key = urls[0];
  const url = options[key] as string;
  if (/#sha256=/i.test(url)) throw new ModelkitError(ErrorCodes.USAGE, `${kitName}: the model URL already has #sha256=; drop --sha256`);
  options[key] = `${url}#sha256=${String(sha256)}`;
}

/** Create options from flags: schema-checked (one message for every kit). */
function createOptionsOf(kit: AnyKit, flags: Record<string, unknown>, base: Record<string, unknown> = {}): Record<string, unknown> {
  const options = { ...base, ...optionsFromFlags(kit.createOptions, flags) };
  applySha256(kit.name, kit.createOptions, options, flags.sha256);
  return checkOptions(kit.name, kit.createOptions, options) as Record<string, unknown>;
}

function progressOf(io: CliIO): { bar: ProgressBar | undefined; update: ((e: Parameters<ProgressBar['update']>[0]) => void) | undefined } {
  const bar = io.interactive ? new ProgressBar(io.stderr, { tty: true }) : undefined;
  return { bar, update: bar?.update };
}

async function runInputs(kit: AnyKit, inputs: string[], flags: Record<string, unknown>, io: CliIO): Promise<number> {
  if (inputs.length === 0) throw new ModelkitError(ErrorCodes.USAGE, `${kit.name}: give at least one input`);
  const createOptions = createOptionsOf(kit, flags);
  const runOptions = kit.checkRunOptions(optionsFromFlags(kit.runOptions, flags)) as Record<string, unknown>;
  // Extra flags are read before the models load, so a bad value costs nothing.
  const writer: KitOutputWriter<KitResult> | undefined = await kit.cli?.prepare?.(flags);
  const visualize = flags.visualize === true;
  const json = flags.json === true;
  const video = kit.input === 'video';
  if (visualize && video && !kit.preview) {
    throw new ModelkitError(ErrorCodes.USAGE, `${kit.name}: --visualize needs a picture of each video, and this kit makes none`);
  }
  let paths: OutputPaths | undefined;
  if (visualize || writer) {
    paths = new OutputPaths(typeof flags.out === 'string' ? flags.out : DEFAULT_OUTPUT_DIR, inputs);
    await makeDirs(paths.dir);
  }
  const { bar, update } = progressOf(io);
  const pipeline = await kit.load(createOptions, { onProgress: update }).finally(() => bar?.stop());
  try {
    return await forEachInput(inputs, io, { json }, async (input) => {
      const t0 = performance.now();
      // Decode once: a visualisation draws on the same pixels the model saw. Imported here so
      // the contract's entry (`@modelkit/core/kit`) does not load sharp.
      const image: RgbImage | undefined = kit.input === 'image' ? await (await import('../image/load-image')).loadImage(input) : undefined;
      const result = await kit.run(pipeline, image ?? input, runOptions);
      const ms = performance.now() - t0;
      const written: string[] = [];
      if (paths) {
        const out = paths;
        // Video kits draw on the picture their preview makes of the result (a contact sheet).
        const picture = image ?? (kit.preview ? await kit.preview(result, input) : undefined);
        await makeDirs(dirname(out.path(input, '')));
        if (writer && picture) written.push(...(await writer.write({ result, image: picture, output: (suffix) => out.path(input, suffix) })));
        if (visualize && picture) {
          const file = out.path(input, `.${kit.name}.png`);
          await kit.saveVisualization(result, picture, file);
          written.push(file);
        }
      }
      if (json) {
        writeJsonLine(io.stdout, { [video ? 'video' : 'image']: input, ...(await kit.resultToJSON(result)), ...(written.length > 0 && { files: written }) });
        return;
      }
      if (inputs.length > 1) io.stdout.write(`==> ${input} <==\n`);
      const text = kit.formatText(result);
      if (text !== '') io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      io.stderr.write(`${input}: ${kit.summarize(result)} in ${roundTo(ms, 0)} ms\n`);
      for (const file of written) io.stderr.write(`wrote ${file}\n`);
    });
  } finally {
    await kit.dispose(pipeline);
  }
}

/**
 * Checks that `dataDir` holds the kit's labelled set before any model loads.
 * @throws ModelkitError `E_FILE_NOT_FOUND` naming the folder or the missing file.
 */
export function checkEvalData(kit: Pick<AnyKit, 'name' | 'evalFiles'>, dataDir: string, gt?: string): void {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${kit.name} eval: the data folder ${dataDir} does not exist`, { details: { path: dataDir } });
  }
  const main = gt ?? kit.evalFiles(dataDir)[0];
  if (main !== undefined && !existsSync(main)) {
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${kit.name} eval: ${dataDir} has no ${main}, the labelled set this command reads (see the ${kit.name} kit's README)`, {
      details: { path: main },
    });
  }
}

async function runEval(kit: AnyKit, flags: Record<string, unknown>, io: CliIO): Promise<number> {
  const data = typeof flags.data === 'string' ? flags.data : undefined;
  if (!data) throw new ModelkitError(ErrorCodes.USAGE, `${kit.name} eval: --data DIR is required`);
  // --gt is relative to the data folder, like the paths inside the labelled files.
  const gt = typeof flags.gt === 'string' ? resolve(data, flags.gt) : undefined;
  checkEvalData(kit, data, gt);
  const createOptions = createOptionsOf(kit, flags, (kit.evalCreateOptions ?? {}) as Record<string, unknown>);
  const evalSchema = kit.evalOptions ?? {};
  const evalOptions = checkOptions(`${kit.name} eval`, evalSchema, optionsFromFlags(evalSchema, flags)) as Record<string, unknown>;
  const { bar, update } = progressOf(io);
  const pipeline = await kit.load(createOptions, { onProgress: update });
  try {
    const report = await kit.evaluate(pipeline, data, { ...evalOptions, onProgress: update, ...(gt !== undefined && { gt }) });
    bar?.stop();
    const round4 = (_key: string, v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) ? roundTo(v, 4) : v);
    io.stdout.write(`${JSON.stringify(report, round4, 2)}\n`);
    return report.passed === false ? 1 : 0;
  } finally {
    bar?.stop();
    await kit.dispose(pipeline);
  }
}

/**
 * The CLI commands of a kit, from its definition: the kit command (inputs in, text or
 * JSON out, files written on request) with an `eval` subcommand and the kit's own extras.
 * `@modelkit/cli` mounts these for every installed kit.
 */
export function kitCommands(kit: AnyKit): CliCommand[] {
  const modelFlags = schemaFlags(kit.createOptions);
  const inputName = kit.input === 'video' ? 'videos' : 'images';
  return [
    {
      name: kit.name,
      description: kit.description,
      arguments: `<${inputName}...>`,
      options: [...COMMON_FLAGS, ...modelFlags, ...schemaFlags(kit.runOptions), ...(kit.cli?.options ?? [])],
      run: (args, flags, io) => runInputs(kit, args, flags, io),
      subcommands: [
        {
          name: 'eval',
          description: `Score the ${kit.name} kit on a labelled data folder (${kit.evalFiles('DIR').join(', ')}); prints a JSON report, exit 1 when a check fails`,
          options: [
            { flags: '--data <dir>', description: 'the labelled data folder', required: true },
            { flags: '--gt <file>', description: `labelled file to score instead of ${kit.evalFiles('DIR')[0] ?? 'the default'}, relative to --data (e.g. a larger share in the same format)` },
            { flags: '--sha256 <hex>', description: 'sha256 of a model given by URL' },
            ...modelFlags,
            ...schemaFlags(kit.evalOptions ?? {}),
          ],
          run: (_args, flags, io) => runEval(kit, flags, io),
        },
        ...(kit.cli?.subcommands ?? []),
      ],
    },
  ];
}
