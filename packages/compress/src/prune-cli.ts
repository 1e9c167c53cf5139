/**
 * `modelkit compress prune`: structured channel pruning of a `train classify` run to a
 * FLOPs target, then the real cost of the result: onnxruntime time (1 thread, interleaved
 * with the unpruned model) and file size.
 *
 * The pruning itself (tfjs models, sensitivity, fine-tuning) lives in
 * `@modelkit/train-core`, an optional peer: compress's quantization never loads tfjs, so
 * train-core is imported only when this command runs.
 */
import { readFile, stat } from 'node:fs/promises';
import { ErrorCodes, ModelkitError, ProgressBar, flagNumber, flagString, writeFileAtomic } from '@modelkit/core';
import type { CliCommand, CliIO } from '@modelkit/core';
import { timeInterleaved } from './speed/interleaved-timing';

type TrainCore = typeof import('@modelkit/train-core');
type PruneResult = Awaited<ReturnType<TrainCore['pruneClassifier']>>;

const TRAIN_CORE = '@modelkit/train-core';

/** Speed and size of the pruned model against the unpruned one. */
interface PruneSpeed {
  /** Median ms per image, batch 1, 1 onnxruntime thread, interleaved. */
  unprunedMs: number;
  prunedMs: number;
  speedup: number;
  unprunedBytes: number;
  prunedBytes: number;
  rounds: number;
}

function isMissingModule(err: unknown, name: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return (e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND') && typeof e.message === 'string' && e.message.includes(name);
}

/**
 * Imports `@modelkit/train-core` (or what `importer` returns, for tests).
 *
 * @throws ModelkitError `E_UNAVAILABLE` naming `npm install @modelkit/train-core` when it is not installed.
 */
export async function loadTrainCore(importer: () => Promise<TrainCore> = () => import('@modelkit/train-core')): Promise<TrainCore> {
  try {
    return await importer();
  } catch (err) {
    if (!isMissingModule(err, TRAIN_CORE)) throw err;
    throw new ModelkitError(ErrorCodes.UNAVAILABLE, `compress prune trains with tfjs through ${TRAIN_CORE}, which is not installed: npm install ${TRAIN_CORE}`, {
      cause: err,
      details: { package: TRAIN_CORE },
    });
  }
}

/** A fixed pseudo-random image batch of 1 (timing does not depend on the pixels). */
function timingFeeds(size: number, count: number): Record<string, { data: Float32Array; dims: number[] }>[] {
  let s = 12345;
  return Array.from({ length: count }, () => ({
    image: { data: Float32Array.from({ length: size * size * 3 }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32)), dims: [1, size, size, 3] },
  }));
}

/** Times the pruned export against the unpruned one and reads both sizes. */
async function measurePruned(result: PruneResult, options: { rounds?: number; images?: number } = {}): Promise<PruneSpeed> {
  const rounds = options.rounds ?? 20;
  const images = options.images ?? 8;
  const [unpruned, pruned] = await timeInterleaved(
    [
      { name: 'unpruned', source: result.files.unprunedOnnx },
      { name: 'pruned', source: result.files.onnx },
    ],
    timingFeeds(result.config.size, images),
    { rounds, threads: 1 },
  );
  return {
    unprunedMs: unpruned!.medianMs / images,
    prunedMs: pruned!.medianMs / images,
    speedup: unpruned!.medianMs / pruned!.medianMs,
    unprunedBytes: (await stat(result.files.unprunedOnnx)).size,
    prunedBytes: (await stat(result.files.onnx)).size,
    rounds,
  };
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const mega = (v: number): string => (v / 1e6).toFixed(2);

function summary(r: PruneResult, speed: PruneSpeed): string {
  const acc = r.accuracy;
  const lines = [
    `pruned ${r.config.model} ${r.config.size}x${r.config.size} (${r.checkpoint}/ of ${r.run}) with ${r.criterion}, ${r.method}: ${pct(r.flopsRatio)} of the FLOPs kept (target ${pct(r.target)}${r.reached ? '' : ', not reached'})`,
    '',
    '|  | unpruned | pruned |',
    '|---|---|---|',
    `| MFLOPs (MACs) | ${mega(r.before.flops)} | ${mega(r.after.flops)} |`,
    `| params | ${r.before.params} | ${r.after.params} |`,
    `| ONNX size (MB) | ${mega(speed.unprunedBytes)} | ${mega(speed.prunedBytes)} |`,
    `| ms/image (onnxruntime, 1 thread) | ${speed.unprunedMs.toFixed(3)} | ${speed.prunedMs.toFixed(3)} (${speed.speedup.toFixed(2)}x) |`,
    `| val accuracy (${acc.images} images) | ${pct(acc.baseline)} | ${pct(acc.fineTuned ?? acc.pruned)}${acc.fineTuned !== undefined ? ` (${pct(acc.pruned)} before fine-tuning)` : ''} |`,
    '',
    `groups: ${r.groups.map((g) => `${g.layers[0]}${g.layers.length > 1 ? `+${g.layers.length - 1}` : ''} ${g.kept}/${g.channels}`).join(', ')}`,
    `model        ${r.files.onnx}`,
    `report       ${r.files.report}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `compress prune` as a function of parsed flags (`importer` replaces the train-core import in tests). */
export async function runPrune(o: Record<string, unknown>, io: CliIO, importer?: () => Promise<TrainCore>): Promise<number> {
  const run = flagString(o, 'run');
  const flops = flagNumber(o, 'flops');
  if (!run) throw new ModelkitError(ErrorCodes.USAGE, 'compress prune: --run DIR (a train classify output folder) is required');
  if (flops === undefined) throw new ModelkitError(ErrorCodes.USAGE, 'compress prune: --flops F is required: the fraction of FLOPs to keep, e.g. 0.5');
  const tc = await loadTrainCore(importer);
  tc.checkFlopsTarget(flops);
  const criterion = tc.checkCriterion(flagString(o, 'criterion') ?? 'l1');
  const method = (flagString(o, 'method') ?? 'sensitivity') as PruneResult['method'];
  const out = flagString(o, 'out') ?? `${run.replace(/[/\\]+$/, '')}-pruned-${Math.round(flops * 100)}`;
  const bar = io.interactive ? new ProgressBar(io.stderr) : undefined;
  const say = (line: string): void => {
    bar?.stop();
    io.stderr.write(`${line}\n`);
  };
  let result: PruneResult;
  try {
    result = await tc.pruneClassifier({
      run,
      data: flagString(o, 'data'),
      out,
      flops,
      criterion,
      method,
      epochs: flagNumber(o, 'epochs'),
      lr: flagNumber(o, 'lr'),
      batchSize: flagNumber(o, 'batchSize'),
      sensitivityImages: flagNumber(o, 'sensitivityImages'),
      channelMultiple: flagNumber(o, 'channelMultiple'),
      checkpoint: flagString(o, 'checkpoint') as 'best' | 'last' | undefined,
      backend: flagString(o, 'backend') as Parameters<TrainCore['pruneClassifier']>[0]['backend'],
      onProgress: bar?.update,
      onMessage: say,
    });
  } finally {
    bar?.stop();
  }
  say('timing the pruned model against the unpruned one (onnxruntime, 1 thread, interleaved)');
  const speed = await measurePruned(result, { rounds: flagNumber(o, 'rounds') });
  // The report keeps the measured speed next to the plan.
  const report = JSON.parse(await readFile(result.files.report, 'utf8')) as Record<string, unknown>;
  await writeFileAtomic(result.files.report, `${JSON.stringify({ ...report, speed }, null, 2)}\n`);
  io.stdout.write(o.json === true ? `${JSON.stringify({ ...result, speed })}\n` : summary(result, speed));
  return 0;
}

/** The `prune` subcommand of `modelkit compress`. */
export const pruneCommand: CliCommand = {
  name: 'prune',
  description:
    'Structured channel pruning of a `modelkit train classify` run to a FLOPs target (channel groups through residual adds, depthwise convs and concatenations; L1 / FPGM / BN-scale; per-group sensitivity), fine-tuning, ONNX export, and its measured speed and size against the unpruned model (needs @modelkit/train-core)',
  options: [
    { flags: '--run <dir>', description: 'a train classify output folder (config.json + last/ or best/ checkpoint)', required: true },
    { flags: '--flops <fraction>', description: 'fraction of the FLOPs to keep, in (0, 1), e.g. 0.5', type: 'number', required: true },
    { flags: '--data <dir>', description: "class-folder data with the run's classes (default: the run's own --data)" },
    { flags: '--criterion <name>', description: 'channel importance (default: l1)', choices: ['l1', 'fpgm', 'bn-scale'] },
    { flags: '--method <name>', description: 'sensitivity: per-group ratios from a sweep of 0.1-0.7 per group (default); uniform: one ratio for all', choices: ['sensitivity', 'uniform'] },
    { flags: '--epochs <n>', description: 'fine-tuning epochs after pruning (default: 3; 0 = none)', type: 'integer' },
    { flags: '--lr <rate>', description: "peak fine-tuning learning rate (default: 0.3 x the run's)", type: 'number' },
    { flags: '--batch-size <n>', description: "fine-tuning batch size (default: the run's)", type: 'integer' },
    { flags: '--channel-multiple <n>', description: 'round kept channels of every group to a multiple of this: onnxruntime is faster on multiples of 8, odd counts can be slower than unpruned (default: 8; 1 = exact ratios)', type: 'integer' },
    { flags: '--sensitivity-images <n>', description: 'at most this many validation images for the sweep (default: all)', type: 'integer' },
    { flags: '--checkpoint <which>', description: 'the checkpoint to prune (default: last, else best)', choices: ['last', 'best'] },
    { flags: '--backend <name>', description: 'tfjs backend (default: the fastest that loads)', choices: ['node', 'wasm', 'cpu'] },
    { flags: '--out <dir>', description: 'output folder: model.onnx, labels.json, model.card.json, unpruned.onnx, prune-report.json (default: RUN-pruned-<percent>)' },
    { flags: '--rounds <n>', description: 'interleaved timing rounds (default: 20)', type: 'integer' },
    { flags: '--json', description: 'print the result as JSON' },
  ],
  run: (_args, options, io) => runPrune(options, io),
};
