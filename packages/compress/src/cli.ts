/**
 * `modelkit compress`: `quantize` (int8 models for a kit or an ONNX file, within an
 * accuracy budget), `report` (print a quantization report again), `storage` (smaller
 * files: fp16 or int8 weights, float arithmetic) and `prune` (structured channel pruning of
 * a `train classify` run, in prune-cli.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, ModelkitError, ProgressBar, encodeOnnx, flagNumber, flagString } from '@modelkit/core';
import type { CliCommand, CliIO } from '@modelkit/core';
import type { CalibrationMethod } from './calibrate/range-methods';
import { findKit } from './kit/find-kit';
import { imageModelKit } from './kit/image-model-kit';
import { pruneCommand } from './prune-cli';
import { compressStorage, type StorageFormat } from './quantize/storage';
import { quantizeKit } from './quantize-kit';
import { formatReport } from './report/format-report';
import type { CompressReport } from './report/report-types';

const METHODS = ['minmax', 'percentile', 'entropy', 'mse'] as const;

function kitOptionsFlag(o: Record<string, unknown>): Record<string, unknown> {
  const text = flagString(o, 'kitOptions');
  if (text === undefined) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new ModelkitError(ErrorCodes.USAGE, `--kit-options must be a JSON object, e.g. '{"model":"meet"}': ${(err as Error).message}`);
  }
}

async function runQuantize(o: Record<string, unknown>, io: CliIO): Promise<number> {
  const kitName = flagString(o, 'kit');
  const modelFile = flagString(o, 'model');
  const calib = flagString(o, 'calib');
  if (!kitName && !modelFile) throw new ModelkitError(ErrorCodes.USAGE, 'compress quantize: give --kit <name> or --model FILE.onnx');
  if (!calib) throw new ModelkitError(ErrorCodes.USAGE, 'compress quantize: --calib DIR is required (images like the ones the model will see)');
  const kitOptions = kitOptionsFlag(o);
  const kit = kitName ? findKit(kitName) : imageModelKit(modelFile!);
  if (kitName && modelFile) {
    // --model with --kit replaces the kit's main model (its first model option).
    const main = Object.entries(kit.createOptions as Record<string, { type: string }>).find(([, s]) => s.type === 'model')?.[0];
    if (main === undefined) throw new ModelkitError(ErrorCodes.USAGE, `compress quantize: kit '${kitName}' has no model option for --model`);
    kitOptions[main] = modelFile;
  }
  const method = (flagString(o, 'method') ?? 'mse') as CalibrationMethod;
  const prefer = (flagString(o, 'prefer') ?? 'speed') as 'speed' | 'size';
  const metric = flagString(o, 'metric');
  const bar = io.interactive ? new ProgressBar(io.stderr) : undefined;
  try {
    const { report, files } = await quantizeKit({
      kit,
      kitOptions,
      calib,
      val: flagString(o, 'val'),
      method,
      percentile: flagNumber(o, 'percentile'),
      entropyBins: flagNumber(o, 'entropyBins'),
      maxLoss: flagNumber(o, 'maxLoss'),
      prefer,
      metrics: metric ? metric.split(',').map((m) => m.trim()).filter(Boolean) : undefined,
      calibLimit: flagNumber(o, 'calibLimit'),
      valLimit: flagNumber(o, 'valLimit'),
      out: flagString(o, 'out') ?? join('compressed', kit.name),
      register: o.register !== false,
      keepCandidates: o.keepCandidates === true,
      biasCorrection: o.biasCorrection !== false,
      threads: flagNumber(o, 'threads'),
      rounds: flagNumber(o, 'rounds'),
      onProgress: bar?.update,
      onMessage: (line) => {
        bar?.stop();
        io.stderr.write(`${line}\n`);
      },
    });
    bar?.stop();
    if (o.json === true) io.stdout.write(`${JSON.stringify(report)}\n`);
    else io.stdout.write(formatReport(report));
    io.stderr.write(`report: ${files.report}\n${files.models.map((m) => `model: ${m}\n`).join('')}`);
    return 0;
  } finally {
    bar?.stop();
  }
}

async function runReport(dir: string, o: Record<string, unknown>, io: CliIO): Promise<number> {
  const file = dir.endsWith('.json') ? dir : join(dir, 'report.json');
  let report: CompressReport;
  try {
    report = JSON.parse(await readFile(file, 'utf8')) as CompressReport;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ErrorCodes.FILE_NOT_FOUND : ErrorCodes.BAD_JSON;
    throw new ModelkitError(code, `compress report: cannot read ${file}: ${(err as Error).message}`, { cause: err, details: { file } });
  }
  io.stdout.write(o.json === true ? `${JSON.stringify(report)}\n` : formatReport(report));
  return 0;
}

async function runStorage(model: string, o: Record<string, unknown>, io: CliIO): Promise<number> {
  const to = flagString(o, 'to') as StorageFormat | undefined;
  const out = flagString(o, 'out');
  if (!to || !out) throw new ModelkitError(ErrorCodes.USAGE, 'compress storage: give --to fp16|int8-weights and --out FILE.onnx');
  const { model: m, report } = await compressStorage(model, to);
  const bytes = encodeOnnx(m);
  await writeFile(out, bytes);
  io.stdout.write(`${out}: ${report.tensors} weight tensors as ${to}, ${(report.bytesBefore / 1e6).toFixed(2)} MB -> ${(report.bytesAfter / 1e6).toFixed(2)} MB of weights; file ${(bytes.length / 1e6).toFixed(2)} MB\n`);
  return 0;
}

/** compress's CLI commands, mounted by `@modelkit/cli`. */
export const commands: CliCommand[] = [
  {
    name: 'compress',
    description: 'Make models smaller and faster: int8 quantization within an accuracy budget, fp16 / int8 weight storage, channel pruning of trained classifiers',
    subcommands: [
      {
        name: 'quantize',
        description:
          "Static int8 (QDQ) models for a kit's models (or one .onnx), calibrated through the kit's own preprocessing; keeps the most sensitive layers float until the kit's metric is within --max-loss points, keeps only int8 models that are faster; writes models, cards and a report into --out and registers the cards",
        options: [
          { flags: '--kit <name>', description: 'the kit whose models to quantize (ocr, det, seg, ...)' },
          { flags: '--model <file>', description: "an .onnx file: with --kit it replaces the kit's main model; alone, a bare image model (generic preprocessing, output agreement)" },
          { flags: '--calib <path>', description: "calibration images: a folder, a data folder in the kit's eval layout, or an eval .json", required: true },
          { flags: '--val <path>', description: "labelled validation: a data folder in the kit's eval layout or an eval .json (images also in --calib are split by a hash of their path); a plain image folder means output agreement" },
          { flags: '--method <name>', description: 'calibration ranges (default: mse)', choices: METHODS },
          { flags: '--percentile <p>', description: 'percentile method: share of values kept per tail (default: 99.999)', type: 'number' },
          { flags: '--entropy-bins <n>', description: 'entropy method: histogram bins (default: 2048)', type: 'integer' },
          { flags: '--max-loss <points>', description: 'allowed loss of each headline metric, in points x100 (default: 1)', type: 'number' },
          { flags: '--prefer <what>', description: 'speed: int8 only when faster (default); size: smallest model within the budget', choices: ['speed', 'size'] },
          { flags: '--metric <paths>', description: "metrics to budget, comma-separated paths into the kit's eval report (default: the kit's headline metrics)" },
          { flags: '--calib-limit <n>', description: 'at most this many calibration images (default: 32)', type: 'integer' },
          { flags: '--val-limit <n>', description: 'at most this many validation images (default: all)', type: 'integer' },
          { flags: '--out <dir>', description: 'output folder (default: compressed/<kit>)' },
          { flags: '--kit-options <json>', description: 'create options of the kit, e.g. \'{"model":"meet"}\'' },
          { flags: '--threads <n>', description: 'onnxruntime threads for calibration and evaluation (timing always uses 1)', type: 'integer' },
          { flags: '--rounds <n>', description: 'interleaved timing rounds per candidate (default: 20)', type: 'integer' },
          { flags: '--no-register', description: 'do not register the cards in MODELKIT_HOME/cards' },
          { flags: '--keep-candidates', description: 'also keep every evaluated candidate model in --out/candidates/' },
          { flags: '--no-bias-correction', description: 'skip the empirical bias correction of quantized convolutions' },
          { flags: '--json', description: 'print the report as JSON' },
        ],
        run: (_args, options, io) => runQuantize(options, io),
      },
      {
        name: 'report',
        description: 'Print the report of an earlier compress quantize run (its --out folder or report.json)',
        arguments: '<dir>',
        options: [{ flags: '--json', description: 'print the report as JSON' }],
        run: (args, options, io) => runReport(args[0]!, options, io),
      },
      {
        name: 'storage',
        description: 'Store the weights of an .onnx model as fp16 or int8 (computation stays float32): a smaller file to ship, slower to run in onnxruntime (weights are converted every run)',
        arguments: '<model>',
        options: [
          { flags: '--to <format>', description: 'fp16 (half the size) or int8-weights (a quarter)', choices: ['fp16', 'int8-weights'], required: true },
          { flags: '--out <file>', description: 'the output .onnx file', required: true },
        ],
        run: (args, options, io) => runStorage(args[0]!, options, io),
      },
      pruneCommand,
    ],
  },
];
