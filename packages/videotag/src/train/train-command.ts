/**
 * `modelkit videotag train`: a subcommand of the kit's own command. (train-core's `train`
 * command is one package's command and two packages cannot both define `train`; the kit
 * contract's `cli.subcommands` is the one place a kit adds commands without touching
 * another package.) The training code, and tfjs with it, loads only when this runs.
 */
import { ErrorCodes, flagNumber, flagSession, flagString, ModelkitError, ProgressBar, writeJsonLine, type CliCommand, type CliIO, type ProgressCallback } from '@modelkit/core';
import { HEAD_NAMES, parseHeads, TRAIN_DEFAULTS, type FeatureSet } from './train-config';
import type { TrainTaggerSummary } from './train-tagger';

function lines(io: CliIO): ProgressCallback {
  return (e) => {
    if (e.task === 'train' && e.phase === 'progress' && e.message?.endsWith(' eval')) {
      const v = Object.entries(e.values ?? {}).filter(([k]) => k.startsWith('val_') || k === 'loss').map(([k, x]) => `${k}=${typeof x === 'number' ? x.toFixed(4) : x}`).join(' ');
      io.stderr.write(`${e.message.replace(/ eval$/, '')}: step ${e.done}/${e.total ?? '?'} ${v}\n`);
    }
  };
}

const pct = (v: number | undefined): string => (v === undefined ? 'n/a' : v.toFixed(3));

function summaryText(s: TrainTaggerSummary): string {
  const out = [
    `trained ${s.heads.map((h) => h.head).join('+')} (${s.config.preset}) on ${s.trainVideos} videos, ${s.labels.length} labels, ${s.config.segments} segments × ${s.config.perSegment}, features ${s.config.features}, backend ${s.backend}, ${s.seconds.toFixed(1)} s`,
    `features: ${s.features.decoded} decoded, ${s.features.cached} from the cache (${s.features.seconds.toFixed(1)} s)${s.skipped.length ? `; ${s.skipped.length} unreadable videos skipped` : ''}`,
    ...s.heads.map((h) => `  ${h.head.padEnd(8)} ${String(h.params).padStart(9)} params, ${h.steps} steps, val GAP ${pct(h.val?.gap)} Hit@1 ${pct(h.val?.hit1)} PERR ${pct(h.val?.perr)} mAP ${pct(h.val?.map)}${s.heads.length > 1 ? `, weight ${h.weight.toFixed(3)}` : ''}`),
    s.val ? `model: val GAP ${pct(s.val.gap)} Hit@1 ${pct(s.val.hit1)} PERR ${pct(s.val.perr)} mAP ${pct(s.val.map)} on ${s.valVideos} videos` : 'no validation videos: exported the last weights',
    `model        ${s.files.onnx}`,
    `labels       ${s.files.labels}`,
    `model card   ${s.files.card}   (use: modelkit videotag VIDEO --model ${s.files.card.replace(/[\\/]model\.card\.json$/, '')})`,
  ];
  return `${out.join('\n')}\n`;
}

async function run(o: Record<string, unknown>, io: CliIO): Promise<number> {
  const data = flagString(o, 'data');
  if (!data) throw new ModelkitError(ErrorCodes.USAGE, 'videotag train: --data DIR is required');
  const { trainVideoTagger } = await import('./train-tagger');
  const bar = io.interactive ? new ProgressBar(io.stderr) : undefined;
  try {
    const summary = await trainVideoTagger({
      data,
      out: flagString(o, 'out') ?? 'runs/videotag',
      heads: typeof o.heads === 'string' ? parseHeads(o.heads) : undefined,
      preset: flagString(o, 'preset') as 'lite' | 'paddle' | undefined,
      segments: flagNumber(o, 'segments'),
      perSegment: flagNumber(o, 'perSegment'),
      features: flagString(o, 'features') as FeatureSet | undefined,
      epochs: flagNumber(o, 'epochs'),
      batchSize: flagNumber(o, 'batchSize'),
      lr: flagNumber(o, 'lr'),
      seed: flagNumber(o, 'seed'),
      valSplit: flagNumber(o, 'valSplit'),
      ema: o.ema === true ? true : undefined,
      keyframesOnly: o.keyframesOnly === true ? true : undefined,
      resume: o.resume === true,
      backend: flagString(o, 'backend') as 'node' | 'wasm' | 'cpu' | undefined,
      session: flagSession(o),
      onProgress: bar ? bar.update : lines(io),
      onMessage: (line) => io.stderr.write(`${line}\n`),
    });
    bar?.stop();
    if (o.json === true) writeJsonLine(io.stdout, { ...summary, files: { onnx: summary.files.onnx, labels: summary.files.labels, card: summary.files.card } });
    else io.stdout.write(summaryText(summary));
    return 0;
  } finally {
    bar?.stop();
  }
}

const d = TRAIN_DEFAULTS;

/** The `videotag train` command. */
export const trainCommand: CliCommand = {
  name: 'train',
  description:
    'Train sequence heads on cached frame features of DIR/<label>/*.mp4 (or DIR/labels.json with multi-labels; DIR/train + DIR/val for a fixed split); writes checkpoints, model.onnx, labels.json and model.card.json into --out',
  options: [
    { flags: '--data <dir>', description: 'class subfolders of videos, or a folder with labels.json: [{"video", "labels": [...]}]', required: true },
    { flags: '--out <dir>', description: 'output folder (default: runs/videotag)' },
    { flags: '--heads <list>', description: `comma-separated ${Object.keys(HEAD_NAMES).join(', ')}, or all; several are fused (default: ${d.heads.join(',')})` },
    { flags: '--preset <name>', description: `head sizes: lite (CPU) or paddle (the anchors') (default: ${d.preset})`, choices: ['lite', 'paddle'] },
    { flags: '--segments <n>', description: `TSN segments per video (default: ${d.segments})`, type: 'integer' },
    { flags: '--per-segment <n>', description: `frames cached per segment; training draws one at random (default: ${d.perSegment})`, type: 'integer' },
    { flags: '--features <set>', description: `rgb (MobileNetV2) or rgb+objects (plus the det kit's 80 class scores) (default: ${d.features})`, choices: ['rgb', 'rgb+objects'] },
    { flags: '--epochs <n>', description: `epochs (default: ${d.epochs}); with --resume, raise it to train longer`, type: 'integer' },
    { flags: '--batch-size <n>', description: `batch size (default: ${d.batchSize})`, type: 'integer' },
    { flags: '--lr <rate>', description: `peak learning rate of the cosine schedule, Adam (default: ${d.lr})`, type: 'number' },
    { flags: '--seed <n>', description: `seed of the split, init, shuffles and frame draws (default: ${d.seed})`, type: 'integer' },
    { flags: '--val-split <fraction>', description: `share of each label's videos held out (default: ${d.valSplit}; 0 = none)`, type: 'number' },
    { flags: '--ema', description: 'keep an exponential moving average of the weights and export it' },
    { flags: '--keyframes-only', description: 'decode keyframes only (much faster on long videos)' },
    { flags: '--resume', description: 'continue --out from each head’s last checkpoint with the saved settings' },
    { flags: '--backend <name>', description: 'tfjs backend (default: fastest that loads)', choices: ['node', 'wasm', 'cpu'] },
    { flags: '--threads <n>', description: 'onnxruntime threads of the feature models', type: 'integer' },
    { flags: '--json', description: 'print the summary as one JSON object' },
  ],
  run: (_args, options, io) => run(options, io),
};
