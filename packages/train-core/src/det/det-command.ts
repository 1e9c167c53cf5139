/** The `modelkit train det` subcommand (mounted by src/cli.ts). */
import { ErrorCodes, ModelkitError, flagNumber, flagString } from '@modelkit/core';
import type { CliCommand, CliIO } from '@modelkit/core';
import { DET_BOX_LOSSES, DET_TRAIN_PRESET_CONFIGS, DET_TRAIN_PRESETS, type DetTrainPreset } from './det-config';
import type { DetBoxLoss } from './gfl-loss';
import { trainDetector, type DetSummary } from './train-detector';
import { runTraining } from '../train-cli-output';

type Subcommand = NonNullable<CliCommand['subcommands']>[number];

function summaryText(s: DetSummary): string {
  const ap = (v: number | undefined): string => (v === undefined ? 'n/a' : v.toFixed(3));
  const c = s.config;
  return [
    `trained a GFL detector (MobileNetV2${c.pretrained ? ' ImageNet' : ''} + PAN, ${c.size}x${c.size}, preset ${c.preset}, ${c.frozenBlocks} of 17 backbone blocks frozen) on ${s.trainImages} images of ${s.classNames.length} classes (${s.classNames.join(', ')}), backend ${s.backend}`,
    `steps ${s.steps}${s.resumedFromStep !== undefined ? ` (resumed from ${s.resumedFromStep})` : ''}, epochs ${s.epochs}/${c.epochs}, ${s.seconds.toFixed(1)} s` +
      (s.skipped.length ? `, ${s.skipped.length} unreadable images skipped` : ''),
    s.valImages > 0 ? `val AP@[.5:.95] ${ap(s.valAp)}, AP50 ${ap(s.valAp50)} on ${s.valImages} held-out images (EMA weights, exported)` : 'no validation images (--val-split 0)',
    ...s.warnings.map((w) => `warning: ${w}`),
    `model        ${s.files.onnx}`,
    `labels       ${s.files.labels}`,
    `model card   ${s.files.card}`,
    `log          ${s.files.log}`,
    ...(s.files.valGt ? [`val split    ${s.files.valGt}`] : []),
    ...(s.evalCommand ? [`evaluate     ${s.evalCommand}`] : []),
    `detect       npx modelkit det IMAGE --model ${s.files.checkpoints}`,
    '',
  ].join('\n');
}

async function runDet(o: Record<string, unknown>, io: CliIO): Promise<number> {
  const data = flagString(o, 'data');
  if (!data && o.resume !== true) throw new ModelkitError(ErrorCodes.USAGE, 'train det: --data DIR|coco.json is required');
  return runTraining(
    io,
    o.json === true,
    (reporters) =>
      trainDetector({
        data: data ?? '',
        images: flagString(o, 'images'),
        out: flagString(o, 'out') ?? 'runs/det',
        preset: flagString(o, 'preset') as DetTrainPreset | undefined,
        size: flagNumber(o, 'size'),
        epochs: flagNumber(o, 'epochs'),
        batchSize: flagNumber(o, 'batchSize'),
        microBatch: flagNumber(o, 'microBatch'),
        lr: flagNumber(o, 'lr'),
        frozenBlocks: flagNumber(o, 'freeze'),
        boxLoss: flagString(o, 'boxLoss') as DetBoxLoss | undefined,
        mosaic: flagNumber(o, 'mosaic'),
        augment: flagString(o, 'augment') as 'default' | 'none' | undefined,
        valSplit: flagNumber(o, 'valSplit'),
        seed: flagNumber(o, 'seed'),
        apWarnEpochs: flagNumber(o, 'apWarnEpochs'),
        resume: o.resume === true,
        saveInterval: flagNumber(o, 'saveInterval'),
        backend: flagString(o, 'backend') as 'node' | 'wasm' | 'cpu' | undefined,
        ...reporters,
      }),
    summaryText, (k) => k === 'ap' || k === 'ap50',
  );
}

const D = DET_TRAIN_PRESET_CONFIGS.default;
const S = DET_TRAIN_PRESET_CONFIGS['small-data'];

/** `train det`: trains a NanoDet-style detector and exports a det-kit model folder. */
export const detCommand: Subcommand = {
  name: 'det',
  description:
    'Train a one-stage GFL detector (ImageNet MobileNetV2 + PAN, QFL/DFL/GIoU, ATSS, EMA) on COCO JSON or YOLO folders; writes checkpoints, train.log.jsonl, val.json, ' +
    'model.onnx, labels.json, model.card.json into --out, loadable by `modelkit det --model OUT`',
  options: [
    { flags: '--data <path>', description: 'COCO instances JSON, or YOLO folder (images/ + labels/ + classes.txt or data.yaml; train/ + val/ for a split)', required: false },
    { flags: '--images <dir>', description: 'folder the COCO file_names are relative to (default: next to the JSON or the nearest folder above it holding them)' },
    { flags: '--out <dir>', description: 'output folder (default: runs/det)' },
    {
      flags: '--preset <name>',
      description: `default: backbone blocks 0-${D.frozenBlocks - 1} frozen, lr ${D.lr}; small-data (a few hundred images or fewer): whole backbone frozen, lr ${S.lr}`,
      choices: DET_TRAIN_PRESETS,
    },
    { flags: '--size <px>', description: `square input side, a multiple of 32 (default: ${D.size})`, type: 'integer' },
    { flags: '--epochs <n>', description: `epochs (default: ${D.epochs}); with --resume, raise it to train longer`, type: 'integer' },
    { flags: '--batch-size <n>', description: `images per optimizer step (default: ${D.batchSize})`, type: 'integer' },
    { flags: '--micro-batch <n>', description: 'gradient accumulation: run each batch as micro-batches of n images (less memory)', type: 'integer' },
    { flags: '--lr <rate>', description: 'peak learning rate of the cosine schedule with warm-up (default: from the preset)', type: 'number' },
    { flags: '--freeze <blocks>', description: 'MobileNetV2 blocks (of 17, from the stem) kept frozen (default: from the preset)', type: 'integer' },
    { flags: '--box-loss <name>', description: 'box regression term (default: giou)', choices: DET_BOX_LOSSES },
    { flags: '--mosaic <p>', description: 'probability of a 4-image mosaic per training sample (default: 0)', type: 'number' },
    { flags: '--augment <preset>', description: 'default: flip, crop/expand and multi-scale jitter, photometric distortion; none: letterbox only', choices: ['default', 'none'] },
    { flags: '--val-split <fraction>', description: 'share of the images held out when the data has no split (default: 0.2)', type: 'number' },
    { flags: '--seed <n>', description: 'seed of split, init, shuffles and augmentation (default: 0)', type: 'integer' },
    { flags: '--ap-warn-epochs <n>', description: 'warn when validation AP50 is still 0 after this many epochs (default: 10)', type: 'integer' },
    { flags: '--resume', description: 'continue the run in --out from its last checkpoint with its saved settings' },
    { flags: '--save-interval <steps>', description: 'also checkpoint every this many steps within an epoch', type: 'integer' },
    { flags: '--backend <name>', description: 'tfjs backend (default: fastest that loads)', choices: ['node', 'wasm', 'cpu'] },
    { flags: '--json', description: 'print the final summary as one JSON object' },
  ],
  run: (_args, options, io) => runDet(options, io),
};
