/**
 * The `modelkit train` command: `train classify --data DIR` trains, checkpoints, resumes
 * and exports an image classifier; `train predict --model OUT/model.onnx IMAGE...` runs
 * the export on onnxruntime.
 */
import { ErrorCodes, ModelkitError, flagNumber, flagSession, flagString, forEachInput, roundTo, writeJsonLine } from '@modelkit/core';
import type { CliCommand, CliIO } from '@modelkit/core';
import { CLASSIFY_AUGMENTS, CLASSIFY_DEFAULTS, CLASSIFY_MODELS, CLASSIFY_OPTIMIZERS, DISTILL_DEFAULTS, PRETRAINED_DEFAULT_SIZE } from './classify/classify-config';
import { classifyFlagSettings } from './classify/classify-flags';
import { OnnxClassifier } from './classify/onnx-classifier';
import { PRETRAINED_BACKBONES } from './pretrained/pretrained-backbone';
import { trainClassifier, type ClassifySummary } from './classify/train-classifier';
import { tuneCommand } from './tune/tune-command';
import { detCommand } from './det/det-command';
import { segCommand } from './seg/seg-command';
import { runTraining } from './train-cli-output';

function summaryText(s: ClassifySummary): string {
  const pct = (v: number | undefined): string => (v === undefined ? 'n/a' : `${(v * 100).toFixed(1)}%`);
  const what = s.config.pretrained === 'none' ? s.config.model : `${s.config.pretrained} (pretrained, top ${s.config.unfreeze} blocks fine-tuned)`;
  const phases = s.transfer
    ? [`frozen features ${s.transfer.featureSeconds.toFixed(1)} s; ` + s.transfer.phases.map((p) => `${p.phase} ${p.epochs} epochs ${p.seconds.toFixed(1)} s`).join('; ')]
    : [];
  const lines = [
    `trained ${what} ${s.config.size}x${s.config.size} on ${s.trainImages} images of ${s.classNames.length} classes (${s.classNames.join(', ')}), backend ${s.backend}`,
    `steps ${s.steps}${s.resumedFromStep !== undefined ? ` (resumed from ${s.resumedFromStep})` : ''}, epochs ${s.epochs}/${s.config.epochs}, ${s.seconds.toFixed(1)} s` +
      (s.skipped.length ? `, ${s.skipped.length} unreadable images skipped` : ''),
    ...phases,
    ...(s.distill
      ? [`distilled from ${s.distill.path} (${s.distill.teacherSize.join('x')}, T ${s.distill.temperature}, alpha ${s.distill.alpha}): teacher ran on ${s.distill.teacherImages} images in ${s.distill.teacherSeconds.toFixed(1)} s`]
      : []),
    s.valImages > 0
      ? s.exported === 'last'
        ? `val accuracy ${pct(s.valAccuracy)} (last epoch, exported) on ${s.valImages} images; best epoch ${s.bestEpoch} had ${pct(s.bestValAccuracy)} (picked on the same images, so optimistic)`
        : `val accuracy ${pct(s.valAccuracy)} (best epoch ${s.bestEpoch}, exported; picked on these ${s.valImages} images, so optimistic); last epoch ${pct(s.lastValAccuracy)}`
      : 'no validation images (--val-split 0): exported the last weights',
    `model        ${s.files.onnx}`,
    `labels       ${s.files.labels}`,
    `model card   ${s.files.card}`,
    `log          ${s.files.log}`,
    `checkpoints  ${s.files.checkpoints}`,
  ];
  return `${lines.join('\n')}\n`;
}

async function runClassify(o: Record<string, unknown>, io: CliIO): Promise<number> {
  const data = flagString(o, 'data');
  if (!data) throw new ModelkitError(ErrorCodes.USAGE, 'train classify: --data DIR is required');
  const json = o.json === true;
  return runTraining(
    io,
    json,
    (reporters) =>
      trainClassifier({
        data,
        out: flagString(o, 'out') ?? 'runs/classify',
        ...classifyFlagSettings(o),
        epochs: flagNumber(o, 'epochs'),
        microBatch: flagNumber(o, 'microBatch'),
        teacher: flagString(o, 'teacher'),
        distillTemperature: flagNumber(o, 'distillTemperature'),
        distillAlpha: flagNumber(o, 'distillAlpha'),
        resume: o.resume === true,
        saveInterval: flagNumber(o, 'saveInterval'),
        export: (flagString(o, 'export') ?? undefined) as 'last' | 'best' | undefined,
        ...reporters,
      }),
    summaryText,
  );
}

async function runPredict(images: string[], o: Record<string, unknown>, io: CliIO): Promise<number> {
  const modelPath = flagString(o, 'model');
  if (!modelPath) throw new ModelkitError(ErrorCodes.USAGE, 'train predict: --model OUT/model.onnx is required');
  if (images.length === 0) throw new ModelkitError(ErrorCodes.USAGE, 'train predict: give at least one image');
  const top = flagNumber(o, 'top') ?? 3;
  if (!(Number.isInteger(top) && top >= 1)) throw new ModelkitError(ErrorCodes.USAGE, `--top must be an integer >= 1, got ${top}`);
  const json = o.json === true;
  const classifier = await OnnxClassifier.create(modelPath, { session: flagSession(o) });
  try {
    return await forEachInput(images, io, { json }, async (image) => {
      const scores = (await classifier.classify(image)).slice(0, top).map((c) => ({ label: c.label, score: roundTo(c.score, 4) }));
      if (json) writeJsonLine(io.stdout, { image, top: scores });
      else io.stdout.write(`${image}\t${scores.map((c) => `${c.label} ${c.score.toFixed(3)}`).join('\t')}\n`);
    });
  } finally {
    await classifier.dispose();
  }
}

/** train-core's CLI commands, mounted by `@modelkit/cli`: `train classify`, `train predict` and `tune classify`. */
export const commands: CliCommand[] = [
  {
    name: 'train',
    description: 'Train models on your own data (tfjs: tfjs-node if installed, else wasm with train-core kernels) and export them to ONNX',
    subcommands: [
      {
        name: 'classify',
        description:
          'Train an image classifier from DIR/<class>/<images> (or DIR/train + DIR/val); writes checkpoints, train.log.jsonl, model.onnx, labels.json, model.card.json into --out',
        options: [
          { flags: '--data <dir>', description: 'folder of class subfolders; with train/ and val/ subfolders those are the split', required: true },
          { flags: '--out <dir>', description: 'output folder (default: runs/classify)' },
          { flags: '--model <name>', description: `architecture (default: ${CLASSIFY_DEFAULTS.model})`, choices: CLASSIFY_MODELS },
          {
            flags: '--backbone <name>',
            description: 'start from a pretrained backbone shipped offline (mobilenetv2: ImageNet-initialised MobileNetV2): head on frozen features, then fine-tune the top blocks (default: none, train --model from scratch)',
            choices: ['none', ...PRETRAINED_BACKBONES],
          },
          { flags: '--size <px>', description: `square input side (default: ${CLASSIFY_DEFAULTS.size}; ${PRETRAINED_DEFAULT_SIZE} with --backbone)`, type: 'integer' },
          {
            flags: '--epochs <n>',
            description: `epochs (default: ${CLASSIFY_DEFAULTS.epochs}); with --backbone, of the fine-tuning phase; with --resume, raise it to train longer`,
            type: 'integer',
          },
          { flags: '--head-epochs <n>', description: `with --backbone: epochs of the head on the frozen backbone before fine-tuning (default: ${CLASSIFY_DEFAULTS.headEpochs})`, type: 'integer' },
          { flags: '--unfreeze <blocks>', description: `with --backbone: top blocks (of 17) to fine-tune; 0 = frozen backbone, the head trains --epochs (default: ${CLASSIFY_DEFAULTS.unfreeze})`, type: 'integer' },
          {
            flags: '--backbone-lr-scale <x>',
            description: `with --backbone: learning-rate and weight-decay multiplier of the unfrozen blocks relative to the head (default: ${CLASSIFY_DEFAULTS.backboneLrScale})`,
            type: 'number',
          },
          { flags: '--batch-size <n>', description: `batch size (default: ${CLASSIFY_DEFAULTS.batchSize})`, type: 'integer' },
          {
            flags: '--micro-batch <n>',
            description: 'gradient accumulation: run each batch as micro-batches of n images, one optimizer step per batch (less memory; batch norm sees micro-batch statistics)',
            type: 'integer',
          },
          {
            flags: '--lr <rate>',
            description: 'peak learning rate of the cosine schedule (default: 3e-3 for adam/adamw, 0.05 for sgd; with --backbone the head\'s: 1e-2 / 0.1, fine-tuning at 0.3x that)',
            type: 'number',
          },
          { flags: '--optimizer <name>', description: `optimizer (default: ${CLASSIFY_DEFAULTS.optimizer})`, choices: CLASSIFY_OPTIMIZERS },
          { flags: '--augment <preset>', description: `training augmentation (default: ${CLASSIFY_DEFAULTS.augment})`, choices: CLASSIFY_AUGMENTS },
          { flags: '--seed <n>', description: `seed of split, init, shuffles, augmentation (default: ${CLASSIFY_DEFAULTS.seed})`, type: 'integer' },
          { flags: '--val-split <fraction>', description: `share of each class held out when DIR has no train/val folders (default: ${CLASSIFY_DEFAULTS.valSplit}; 0 = none)`, type: 'number' },
          {
            flags: '--teacher <model>',
            description:
              'distil from this ONNX classifier (a model.onnx of train classify with labels.json next to it, its run folder, or a registry id): it runs in onnxruntime on each augmented training image at its own size; its classes must be the data\'s (default: none)',
          },
          { flags: '--distill-temperature <T>', description: `with --teacher: softmax temperature of the soft targets (default: ${DISTILL_DEFAULTS.temperature})`, type: 'number' },
          {
            flags: '--distill-alpha <a>',
            description: `with --teacher: weight of the distillation term, loss = a*T^2*KL + (1-a)*CE (default: ${DISTILL_DEFAULTS.alpha})`,
            type: 'number',
          },
          { flags: '--resume', description: 'continue the run in --out from its last checkpoint with its saved settings' },
          { flags: '--save-interval <steps>', description: 'also checkpoint every this many steps within an epoch (default: at epoch ends)', type: 'integer' },
          { flags: '--export <weights>', description: 'weights written to model.onnx: last epoch, or best epoch on the validation split (optimistic) (default: last)', choices: ['last', 'best'] },
          { flags: '--backend <name>', description: 'tfjs backend (default: fastest that loads)', choices: ['node', 'wasm', 'cpu'] },
          { flags: '--threads <n>', description: 'with --backbone: onnxruntime threads of the frozen-feature pass; with --teacher: of the teacher (default: 1)', type: 'integer' },
          { flags: '--json', description: 'print the final summary as one JSON object' },
        ],
        run: (_args, options, io) => runClassify(options, io),
      },
      {
        name: 'predict',
        description: 'Classify images with a model exported by train classify (onnxruntime); prints the top classes per image',
        arguments: '<images...>',
        options: [
          { flags: '--model <path>', description: 'model.onnx written by train classify (labels.json next to it)', required: true },
          { flags: '--top <k>', description: 'classes to print per image (default: 3)', type: 'integer' },
          { flags: '--threads <n>', description: 'onnxruntime intra-op threads (default: onnxruntime chooses)', type: 'integer' },
          { flags: '--json', description: 'print one JSON object per image: {"image","top":[{"label","score"}]}' },
        ],
        run: (args, options, io) => runPredict(args, options, io),
      },
      // `train det`: detection training (src/det/).
      detCommand,
      // `train seg` (and `train seg lint`): segmentation training (src/seg/).
      segCommand,
    ],
  },
  // `tune classify`: hyper-parameter search over train classify (src/tune/).
  tuneCommand,
];
