/**
 * The `modelkit seg` command: `seg IMAGE... --out DIR [--bg COLOR | --bg-image FILE |
 * --cutout | --overlay]` and `seg eval --data DIR`.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { ErrorCodes, ModelkitError, encodeImage, flagNumber, flagSession, flagString, forEachImage, loadImage, outputPathFor, roundTo } from '@modelkit/core';
import type { CliCommand, CliIO, CliOption, RgbImage } from '@modelkit/core';
import { ID_PHOTO_COLORS, parseColor } from './colors';
import { cutout, encodeMaskPng, overlayMask, replaceBackground } from './compose';
import { evaluateSeg, segEvalFile } from './eval/evaluate';
import { HumanSeg } from './human-seg';
import type { HumanSegOptions } from './human-seg';

const MODEL_OPTIONS: CliOption[] = [
  { flags: '--model <name|id|path>', description: "'selfie' (256x256), 'meet' (144x256), a registry id or an .onnx path", defaultValue: 'selfie' },
  { flags: '--refine', description: 'refine the mask edge with a guided filter on the photo (slower)' },
  { flags: '--threads <n>', description: 'onnxruntime intra-op threads (default: onnxruntime chooses)', type: 'integer' },
];

/** Turns parsed CLI flags into {@link HumanSegOptions}. */
export function cliSegOptions(o: Record<string, unknown>): HumanSegOptions {
  return {
    model: flagString(o, 'model'),
    refine: o.refine === true,
    session: flagSession(o),
  };
}

type OutputMode = { kind: 'mask' } | { kind: 'bg'; color: string } | { kind: 'bg-image'; file: string } | { kind: 'cutout' } | { kind: 'overlay' };

function outputMode(o: Record<string, unknown>): OutputMode {
  const modes: OutputMode[] = [];
  if (typeof o.bg === 'string') modes.push({ kind: 'bg', color: o.bg });
  if (typeof o.bgImage === 'string') modes.push({ kind: 'bg-image', file: o.bgImage });
  if (o.cutout === true) modes.push({ kind: 'cutout' });
  if (o.overlay === true) modes.push({ kind: 'overlay' });
  if (modes.length > 1) throw new ModelkitError(ErrorCodes.USAGE, 'seg: give at most one of --bg, --bg-image, --cutout, --overlay');
  const mode = modes[0] ?? { kind: 'mask' };
  if (mode.kind === 'bg') {
    try {
      parseColor(mode.color);
    } catch (err) {
      throw new ModelkitError(ErrorCodes.USAGE, `seg: --bg ${(err as Error).message}`);
    }
  }
  return mode;
}

async function runSeg(images: string[], o: Record<string, unknown>, io: CliIO): Promise<number> {
  if (images.length === 0) throw new ModelkitError(ErrorCodes.USAGE, 'seg: give at least one image');
  const out = flagString(o, 'out');
  if (!out) throw new ModelkitError(ErrorCodes.USAGE, 'seg: --out DIR is required');
  const mode = outputMode(o);
  // Load the background image once, before the model, so a bad file fails fast.
  const bgImage: RgbImage | undefined = mode.kind === 'bg-image' ? await loadImage(mode.file) : undefined;
  await mkdir(out, { recursive: true });
  const seg = await HumanSeg.create(cliSegOptions(o));
  try {
    return await forEachImage(images, io, {}, async (file) => {
      const t0 = performance.now();
      const image = await loadImage(file);
      const { mask } = await seg.run(image);
      let png: Buffer;
      if (mode.kind === 'bg') png = await encodeImage(await replaceBackground(image, mask, { color: mode.color }), 'png');
      else if (mode.kind === 'bg-image') png = await encodeImage(await replaceBackground(image, mask, { image: bgImage as RgbImage }), 'png');
      else if (mode.kind === 'cutout') png = await cutout(image, mask);
      else if (mode.kind === 'overlay') png = await encodeImage(overlayMask(image, mask), 'png');
      else png = await encodeMaskPng(mask);
      const target = outputPathFor(out, file, '.png');
      await writeFile(target, png);
      io.stderr.write(`${file}: wrote ${target} (${image.width}x${image.height}, ${(performance.now() - t0).toFixed(0)} ms)\n`);
    });
  } finally {
    await seg.dispose();
  }
}

async function runEval(_args: string[], o: Record<string, unknown>, io: CliIO): Promise<number> {
  const data = flagString(o, 'data');
  if (!data) throw new ModelkitError(ErrorCodes.USAGE, 'seg eval: --data DIR is required');
  const file = segEvalFile(data);
  if (!existsSync(file)) {
    io.stderr.write(`seg eval: skipped, no ${file} (the evaluation data folder is absent)\n`);
    return 0;
  }
  const threshold = flagNumber(o, 'threshold') ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) throw new ModelkitError(ErrorCodes.USAGE, `seg eval: --threshold must be in [0, 1], got ${threshold}`);
  const seg = await HumanSeg.create(cliSegOptions(o));
  try {
    const report = await evaluateSeg(seg, data, { threshold });
    const summary = { model: flagString(o, 'model') ?? 'selfie', refine: o.refine === true, ...report };
    const round4 = (_key: string, v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) ? roundTo(v, 4) : v);
    io.stdout.write(`${JSON.stringify(summary, round4, 2)}\n`);
    return 0;
  } finally {
    await seg.dispose();
  }
}

/** The segmentation kit's CLI commands, mounted by `@modelkit/cli`. */
export const commands: CliCommand[] = [
  {
    name: 'seg',
    description: 'Segment people: writes OUT/<image>.png, the 0-255 person mask, or the photo on a new background, or a transparent cut-out.',
    arguments: '<images...>',
    options: [
      { flags: '-o, --out <dir>', description: 'output folder (required)' },
      { flags: '--bg <color>', description: `replace the background with a colour: #RRGGBB or an ID-photo preset (${Object.entries(ID_PHOTO_COLORS).map(([k, v]) => `${k} ${v}`).join(', ')})` },
      { flags: '--bg-image <file>', description: 'replace the background with an image (scaled to cover, centre-cropped)' },
      { flags: '--cutout', description: 'write a transparent RGBA PNG of the person' },
      { flags: '--overlay', description: 'write the photo with the person region tinted red' },
      ...MODEL_OPTIONS,
    ],
    run: (args, options, io) => runSeg(args, options, io),
    subcommands: [
      {
        name: 'eval',
        description: 'Evaluate on DIR/seg/seg_gt.json: person IoU, mIoU (background + person), pixel accuracy (label 255 ignored); prints JSON',
        options: [
          { flags: '--data <dir>', description: 'evaluation data folder (holds seg/seg_gt.json)' },
          { flags: '--threshold <p>', description: 'probability at or above which a pixel is person', type: 'number', defaultValue: 0.5 },
          ...MODEL_OPTIONS,
        ],
        run: (args, options, io) => runEval(args, options, io),
      },
    ],
  },
];
