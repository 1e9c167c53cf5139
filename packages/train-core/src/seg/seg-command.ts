/**
 * `modelkit train seg --data DIR|JSON ...` (train, export, check) and
 * `modelkit train seg lint --data ... [--remap 255:1] [--fix OUT]` (find and repair what
 * breaks segmentation data sets).
 */
import { ErrorCodes, ModelkitError, flagNumber, flagString, writeJsonLine } from '@modelkit/core';
import type { CliCommand, CliIO } from '@modelkit/core';
import { SEG_DEFAULT_SIZE, SEG_DEFAULTS, SEG_MODELS, SEG_OPTIMIZERS, type SegTrainConfig } from './seg-config';
import { readSegSources } from './seg-data';
import { SEG_AUGMENTS } from './seg-dataset';
import { fixSegData, lintSegData, parseRemap, type SegLintReport } from './seg-lint';
import { SEG_LOSSES } from './seg-losses';
import { trainSeg, type SegTrainSummary } from './train-seg';
import { runTraining } from '../train-cli-output';

function list(v: unknown): string[] | undefined {
  const s = typeof v === 'string' ? v : undefined;
  return s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean);
}

function summaryText(s: SegTrainSummary): string {
  const f4 = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(4));
  const perClass = s.val ? s.classNames.map((n) => `${n} ${f4(s.val![`iou_${n}`])}`).join(', ') : '';
  const lines = [
    `trained ${s.config.model}${s.config.backbone === 'mobilenetv2' ? ' (pretrained MobileNetV2)' : ''} ${s.config.size}x${s.config.size} on ${s.trainImages} images, ${s.classNames.length} classes, backend ${s.backend}`,
    `steps ${s.steps}${s.resumedFromStep !== undefined ? ` (resumed from ${s.resumedFromStep})` : ''}, epochs ${s.epochs}/${s.config.epochs}, training ${s.seconds.toFixed(1)} s, data ${s.dataSeconds.toFixed(1)} s`,
    s.val
      ? `val (${s.valImages} images, ${s.config.size}x${s.config.size}, ${s.exported} weights): mIoU ${f4(s.val.miou)}, pixel acc ${f4(s.val.pixelAcc)}; per class IoU: ${perClass}`
      : 'no validation images (--val-split 0): exported the last weights',
    ...(s.parity
      ? [`export check: ONNX mIoU ${f4(s.parity.onnxMiou)} vs tfjs ${f4(s.parity.tfjsMiou)}, max |logit diff| ${s.parity.maxAbsDiff.toExponential(2)}, argmax agreement ${(100 * s.parity.pixelAgreement).toFixed(3)}%`]
      : []),
    ...s.lintWarnings.map((w) => `lint warning: ${w.message}${w.fix ? ` (try ${w.fix})` : ''}`),
    `model        ${s.files.onnx}`,
    `labels       ${s.files.labels}`,
    `model card   ${s.files.card}   (modelkit seg IMAGE --model ${s.files.checkpoints})`,
    `log          ${s.files.log}`,
  ];
  return `${lines.join('\n')}\n`;
}

async function runTrain(o: Record<string, unknown>, io: CliIO): Promise<number> {
  const data = list(o.data);
  if (!data?.length) throw new ModelkitError(ErrorCodes.USAGE, 'train seg: --data DIR|JSON is required');
  return runTraining(
    io,
    o.json === true,
    (reporters) =>
      trainSeg({
        data,
        val: list(o.val),
        root: flagString(o, 'root'),
        exclude: list(o.exclude),
        classNames: list(o.classes),
        out: flagString(o, 'out') ?? 'runs/seg',
        model: flagString(o, 'model') as SegTrainConfig['model'] | undefined,
        backbone: flagString(o, 'backbone') as SegTrainConfig['backbone'] | undefined,
        size: flagNumber(o, 'size'),
        width: flagNumber(o, 'width'),
        epochs: flagNumber(o, 'epochs'),
        batchSize: flagNumber(o, 'batchSize'),
        microBatch: flagNumber(o, 'microBatch'),
        lr: flagNumber(o, 'lr'),
        optimizer: flagString(o, 'optimizer') as SegTrainConfig['optimizer'] | undefined,
        loss: flagString(o, 'loss') as SegTrainConfig['loss'] | undefined,
        ohem: o.ohem === true ? true : undefined,
        augment: flagString(o, 'augment') as SegTrainConfig['augment'] | undefined,
        ema: o.ema === true ? true : undefined,
        seed: flagNumber(o, 'seed'),
        valSplit: flagNumber(o, 'valSplit'),
        remap: flagString(o, 'remap'),
        resume: o.resume === true,
        saveInterval: flagNumber(o, 'saveInterval'),
        export: flagString(o, 'export') as 'last' | 'best' | undefined,
        backend: flagString(o, 'backend') as 'node' | 'wasm' | 'cpu' | undefined,
        lint: flagString(o, 'lint') as 'fail' | 'warn' | undefined,
        ...reporters,
      }),
    summaryText, (k) => k.includes('iou_'),
  );
}

function lintText(r: SegLintReport): string {
  const lines = [
    `${r.images} images, ${r.numClasses} classes; label pixels: ${Object.entries(r.histogram).map(([v, n]) => `${v}: ${n}`).join(', ')}`,
    ...r.findings.map((f) => `${f.severity}: ${f.message}${f.fix ? `\n  fix: ${f.fix}` : ''}${f.files.length ? `\n  e.g. ${f.files.slice(0, 3).join('\n       ')}` : ''}`),
    r.ok ? (r.findings.length ? 'no errors' : 'no problems found') : 'errors found: training would refuse this data (or pass --lint warn)',
  ];
  return `${lines.join('\n')}\n`;
}

async function runLint(o: Record<string, unknown>, io: CliIO): Promise<number> {
  const data = list(o.data);
  if (!data?.length) throw new ModelkitError(ErrorCodes.USAGE, 'train seg lint: --data DIR|JSON is required');
  const remapText = flagString(o, 'remap');
  const remap = remapText ? parseRemap(remapText) : undefined;
  const src = await readSegSources(data, { root: flagString(o, 'root') });
  const classNames = list(o.classes) ?? src.classNames;
  const report = await lintSegData(src.entries, { remap, classNames, numClasses: flagNumber(o, 'numClasses') ?? classNames?.length });
  const fixDir = flagString(o, 'fix');
  const fixed = fixDir ? await fixSegData(src.entries, fixDir, { remap }) : undefined;
  if (o.json === true) writeJsonLine(io.stdout, { ...report, ...(fixed && { fixed: { out: fixDir, ...fixed } }) });
  else {
    io.stdout.write(lintText(report));
    if (fixed) io.stdout.write(`wrote ${fixed.written} image/mask pairs to ${fixDir} (images/, masks/)${fixed.skipped.length ? `; skipped ${fixed.skipped.length} unreadable` : ''}\n`);
  }
  // Errors fail the command unless --fix wrote a repaired copy.
  return report.ok || fixed ? 0 : 1;
}

// --data is checked in run, not marked required: commander checks a parent's mandatory
// options for its subcommands too, so `train seg lint --data X` would fail on `train seg`'s.
const DATA_FLAGS = [
  { flags: '--data <paths>', description: 'required: comma-separated folders with images/ + masks/ (PNG label maps), JSON lists [{"image","mask"}], COCO JSON with polygons' },
  { flags: '--root <dir>', description: 'folder the paths inside JSON files are relative to (default: the JSON\'s folder or the first parent where the images exist)' },
  { flags: '--classes <names>', description: 'comma-separated class names, background first (default: COCO categories, mask_values, else class0..)' },
  { flags: '--remap <from:to,...>', description: 'label remap applied to every mask, e.g. 255:1 for masks saved as 0/255' },
];

/** The `train seg` subcommand (mounted under `train` in train-core's CLI). */
export const segCommand: CliCommand = {
  name: 'seg',
  description:
    'Train semantic segmentation (DeepLabV3+ on the pretrained MobileNetV2, U-Net, a fast two-branch net) on images + label maps or COCO polygons; writes checkpoints, train.log.jsonl and a model folder `modelkit seg --model OUT` loads, after checking the ONNX export against the trained model',
  options: [
    ...DATA_FLAGS,
    { flags: '--val <paths>', description: 'validation data (same forms as --data) instead of --val-split' },
    { flags: '--exclude <paths>', description: 'data whose images must not be trained on, e.g. an evaluation set (matched by image path)' },
    { flags: '--out <dir>', description: 'output folder (default: runs/seg)' },
    { flags: '--model <name>', description: `architecture (default: ${SEG_DEFAULTS.model})`, choices: [...SEG_MODELS] },
    { flags: '--backbone <name>', description: 'mobilenetv2 (pretrained, default for deeplabv3p) or none', choices: ['mobilenetv2', 'none'] },
    { flags: '--size <px>', description: `square input side, images stretched to it (default: ${Object.entries(SEG_DEFAULT_SIZE).map(([k, v]) => `${k} ${v}`).join(', ')})`, type: 'integer' },
    { flags: '--width <x>', description: 'channel multiplier of models trained from scratch (default 1)', type: 'number' },
    { flags: '--epochs <n>', description: `epochs (default: ${SEG_DEFAULTS.epochs}); with --resume, raise it to train longer`, type: 'integer' },
    { flags: '--batch-size <n>', description: `batch size (default: ${SEG_DEFAULTS.batchSize})`, type: 'integer' },
    { flags: '--micro-batch <n>', description: 'gradient accumulation: micro-batches of n images per step (less memory; default 4 for deeplabv3p, whose batch of 8 at 224² exceeds the 4 GiB of the wasm backend, else none)', type: 'integer' },
    { flags: '--lr <rate>', description: 'peak learning rate of the cosine schedule (default: 1e-3 with the pretrained backbone, 3e-3 otherwise; 0.01 for sgd)', type: 'number' },
    { flags: '--optimizer <name>', description: `optimizer (default: ${SEG_DEFAULTS.optimizer})`, choices: [...SEG_OPTIMIZERS] },
    { flags: '--loss <name>', description: `loss (default: ${SEG_DEFAULTS.loss}; ignore index 255)`, choices: [...SEG_LOSSES] },
    { flags: '--ohem', description: 'online hard example mining in the cross-entropy (thresh 0.7, min kept 10000)' },
    { flags: '--augment <preset>', description: `joint augmentation (default: ${SEG_DEFAULTS.augment})`, choices: [...SEG_AUGMENTS] },
    { flags: '--ema', description: 'keep an exponential moving average of the weights; evaluate and export it' },
    { flags: '--seed <n>', description: `seed of split, init, shuffles, augmentation (default: ${SEG_DEFAULTS.seed})`, type: 'integer' },
    { flags: '--val-split <fraction>', description: `share held out for validation without --val (default: ${SEG_DEFAULTS.valSplit})`, type: 'number' },
    { flags: '--lint <mode>', description: 'fail (default): refuse data with lint errors; warn: train anyway (skip unreadable, ignore bad labels)', choices: ['fail', 'warn'] },
    { flags: '--resume', description: 'continue the run in --out from its last checkpoint with its saved settings' },
    { flags: '--save-interval <steps>', description: 'also checkpoint every this many steps within an epoch', type: 'integer' },
    { flags: '--export <weights>', description: 'last (default) or best validation mIoU epoch (optimistic)', choices: ['last', 'best'] },
    { flags: '--backend <name>', description: 'tfjs backend (default: fastest that loads)', choices: ['node', 'wasm', 'cpu'] },
    { flags: '--json', description: 'print the summary as one JSON object' },
  ],
  run: (_args, options, io) => runTrain(options, io),
  subcommands: [
    {
      name: 'lint',
      description: 'Check a segmentation data set: 0/255 masks, labels >= classes, mask/image size mismatches, unreadable files, class imbalance; --fix OUT writes a repaired images/ + masks/ copy',
      options: [
        ...DATA_FLAGS,
        { flags: '--num-classes <n>', description: 'classes the model will have (default: from the class names, else max label + 1)', type: 'integer' },
        { flags: '--fix <dir>', description: 'write a repaired copy: masks remapped and resized to their images, unreadable pairs dropped' },
        { flags: '--json', description: 'print the report as one JSON object' },
      ],
      run: (_args, options, io) => runLint(options, io),
    },
  ],
};
