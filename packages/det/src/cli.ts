/**
 * The `modelkit det` command: `det IMAGE... [--json] [--visualize DIR]` and
 * `det eval --data DIR`.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import {
  ErrorCodes,
  ModelkitError,
  flagNumber,
  flagSession,
  flagString,
  forEachImage,
  loadImage,
  outputPathFor,
  roundTo,
  writeJsonLine,
} from '@modelkit/core';
import type { CliCommand, CliIO, CliOption } from '@modelkit/core';
import { Detector } from './detector';
import { detEvalFiles, evaluateDetector } from './eval/evaluate';
import type { DetectorOptions } from './types';
import { saveDetVisualization } from './visualize';

const MODEL_OPTIONS: CliOption[] = [
  { flags: '--model <id|path>', description: 'registry id or NanoDet-style .onnx path', defaultValue: 'nanodet-g-416' },
  { flags: '--preset <name>', description: 'threshold preset: visual (score > 0.35) or eval (score > 0.05)', choices: ['visual', 'eval'] },
  { flags: '--score-threshold <p>', description: 'minimum class score (default: from the preset)', type: 'number' },
  { flags: '--iou-threshold <p>', description: 'NMS IoU threshold (default 0.6)', type: 'number' },
  { flags: '--max-detections <n>', description: 'at most this many boxes per image (default 100)', type: 'integer' },
  { flags: '--nms <kind>', description: 'hard per-class NMS or Matrix NMS (default hard)', choices: ['hard', 'matrix'] },
  { flags: '--resize <mode>', description: 'fit images by letterbox (default) or plain resize', choices: ['letterbox', 'resize'] },
  { flags: '--threads <n>', description: 'onnxruntime intra-op threads (default: onnxruntime chooses)', type: 'integer' },
];

/** Turns parsed CLI flags into {@link DetectorOptions}, with usage errors for bad numbers. */
export function cliDetOptions(o: Record<string, unknown>, preset?: 'visual' | 'eval'): DetectorOptions {
  return {
    model: flagString(o, 'model'),
    preset: (flagString(o, 'preset') as DetectorOptions['preset']) ?? preset,
    scoreThreshold: flagNumber(o, 'scoreThreshold'),
    iouThreshold: flagNumber(o, 'iouThreshold'),
    maxDetections: flagNumber(o, 'maxDetections'),
    nms: flagString(o, 'nms') as DetectorOptions['nms'],
    resize: flagString(o, 'resize') as DetectorOptions['resize'],
    session: flagSession(o),
  };
}

async function runDet(images: string[], o: Record<string, unknown>, io: CliIO): Promise<number> {
  if (images.length === 0) throw new ModelkitError(ErrorCodes.USAGE, 'det: give at least one image');
  const det = await Detector.create(cliDetOptions(o));
  const visualize = flagString(o, 'visualize');
  if (visualize) await mkdir(visualize, { recursive: true });
  const json = o.json === true;
  try {
    return await forEachImage(images, io, { json }, async (image) => {
      const t0 = performance.now();
      // Decode once: the visualisation draws on the same pixels the model saw.
      const photo = await loadImage(image);
      const result = await det.run(photo);
      const ms = performance.now() - t0;
      const detections = result.detections.map((d) => ({ label: d.label, score: roundTo(d.score, 4), box: d.box.map((v) => roundTo(v, 1)) }));
      if (json) {
        writeJsonLine(io.stdout, { image, detections, ms: roundTo(ms, 1) });
      } else {
        if (images.length > 1) io.stdout.write(`==> ${image} <==\n`);
        for (const d of detections) io.stdout.write(`${d.label}\t${d.score.toFixed(2)}\t${d.box.join(',')}\n`);
        io.stderr.write(`${image}: ${detections.length} objects in ${ms.toFixed(0)} ms\n`);
      }
      if (visualize) {
        const out = outputPathFor(visualize, image, '.det.png');
        await saveDetVisualization(out, photo, result.detections);
        if (!json) io.stderr.write(`wrote ${out}\n`);
      }
    });
  } finally {
    await det.dispose();
  }
}

async function runEval(_args: string[], o: Record<string, unknown>, io: CliIO): Promise<number> {
  const data = flagString(o, 'data');
  if (!data) throw new ModelkitError(ErrorCodes.USAGE, 'det eval: --data DIR is required');
  const { gt } = detEvalFiles(data);
  if (!existsSync(gt)) {
    io.stderr.write(`det eval: skipped, no ${gt} (the evaluation data folder is absent)\n`);
    return 0;
  }
  const det = await Detector.create(cliDetOptions(o, 'eval'));
  try {
    const report = await evaluateDetector(det, data, { run: { scoreThreshold: det.postprocess.scoreThreshold, maxDetections: det.postprocess.maxDetections } });
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } finally {
    await det.dispose();
  }
}

/** The detection kit's CLI commands, mounted by `@modelkit/cli`. */
export const commands: CliCommand[] = [
  {
    name: 'det',
    description: 'Detect COCO objects (NanoDet-g). Prints label, score, box per line, or JSONL with --json.',
    arguments: '<images...>',
    options: [
      { flags: '--json', description: 'print one JSON object per image per line: {"image","detections":[{"label","score","box"}],"ms"}' },
      { flags: '--visualize <dir>', description: 'write <dir>/<image>.det.png with boxes and labels' },
      ...MODEL_OPTIONS,
    ],
    run: (args, options, io) => runDet(args, options, io),
    subcommands: [
      {
        name: 'eval',
        description: 'COCO bbox metrics (AP@[.5:.95], AP50, AP75, AP S/M/L, AR@1/10/100) on DIR/det/det_gt_coco.json; prints JSON',
        options: [{ flags: '--data <dir>', description: 'evaluation data folder (holds det/det_gt_coco.json)', required: true }, ...MODEL_OPTIONS],
        run: (args, options, io) => runEval(args, options, io),
      },
    ],
  },
];
