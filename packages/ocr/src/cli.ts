/**
 * The `modelkit ocr` command: `ocr IMAGE... [--json] [--visualize DIR]` and
 * `ocr eval --data DIR`.
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
import { evaluateOcr, ocrEvalFiles } from './eval/evaluate';
import { Ocr } from './ocr';
import type { OcrOptions } from './types';
import { saveOcrVisualization } from './visualize';

const MODEL_OPTIONS: CliOption[] = [
  { flags: '--det-model <id|path>', description: 'detection model: registry id or .onnx path', defaultValue: 'ppocr-v4-det' },
  { flags: '--rec-model <id|path>', description: 'recognition model: registry id or .onnx path', defaultValue: 'ppocr-v4-rec-ch' },
  { flags: '--cls-model <id|path>', description: 'angle classifier: registry id or .onnx path', defaultValue: 'ppocr-mobile-v2-cls' },
  { flags: '--dictionary <file>', description: 'character list for a recognition model given by path' },
  { flags: '--no-cls', description: 'skip the 0/180 degree angle classifier' },
  { flags: '--no-cls-verify', description: 'trust the classifier alone (PaddleOCR); by default a turned crop is also read as is and the better reading wins' },
  { flags: '--limit-side-len <n>', description: 'detector input side limit', defaultValue: 960, type: 'integer' },
  { flags: '--limit-type <type>', description: 'max: longest side <= limit; min: shortest side >= limit', defaultValue: 'max', choices: ['max', 'min'] },
  { flags: '--thresh <p>', description: 'DB pixel threshold', defaultValue: 0.3, type: 'number' },
  { flags: '--box-thresh <p>', description: 'DB box score threshold', defaultValue: 0.6, type: 'number' },
  { flags: '--unclip-ratio <r>', description: 'DB box expansion ratio', defaultValue: 1.5, type: 'number' },
  { flags: '--max-candidates <n>', description: 'DB maximum contours per image', defaultValue: 1000, type: 'integer' },
  { flags: '--use-dilation', description: 'dilate the DB text mask (2x2) before finding boxes' },
  { flags: '--score-mode <mode>', description: 'DB box scoring', defaultValue: 'fast', choices: ['fast', 'slow'] },
  { flags: '--box-type <type>', description: 'quad boxes or polygons for curved text', defaultValue: 'quad', choices: ['quad', 'poly'] },
  { flags: '--drop-score <p>', description: 'drop lines recognised with a lower score', defaultValue: 0.5, type: 'number' },
  { flags: '--rec-batch-size <n>', description: 'crops per recognition batch', defaultValue: 6, type: 'integer' },
  { flags: '--threads <n>', description: 'onnxruntime intra-op threads (default: onnxruntime chooses)', type: 'integer' },
];

/** Turns parsed CLI flags into {@link OcrOptions}, with usage errors for bad numbers. */
export function cliOcrOptions(o: Record<string, unknown>): OcrOptions {
  const num = (key: string): number | undefined => flagNumber(o, key);
  const str = (key: string): string | undefined => flagString(o, key);
  return {
    detModel: str('detModel'),
    recModel: str('recModel'),
    clsModel: str('clsModel'),
    dictionary: str('dictionary'),
    useAngleCls: o.cls !== false,
    clsVerify: o.clsVerify === false ? false : undefined,
    limitSideLen: num('limitSideLen'),
    limitType: str('limitType') as OcrOptions['limitType'],
    thresh: num('thresh'),
    boxThresh: num('boxThresh'),
    unclipRatio: num('unclipRatio'),
    maxCandidates: num('maxCandidates'),
    useDilation: o.useDilation === true ? true : undefined,
    scoreMode: str('scoreMode') as OcrOptions['scoreMode'],
    boxType: str('boxType') as OcrOptions['boxType'],
    dropScore: num('dropScore'),
    recBatchSize: num('recBatchSize'),
    session: flagSession(o),
  };
}

async function runOcr(images: string[], o: Record<string, unknown>, io: CliIO): Promise<number> {
  if (images.length === 0) throw new ModelkitError(ErrorCodes.USAGE, 'ocr: give at least one image');
  const ocr = await Ocr.create(cliOcrOptions(o));
  const visualize = flagString(o, 'visualize');
  if (visualize) await mkdir(visualize, { recursive: true });
  const json = o.json === true;
  try {
    return await forEachImage(images, io, { json }, async (image) => {
      const t0 = performance.now();
      // Decode once: the visualisation draws on the same pixels the model saw.
      const photo = await loadImage(image);
      const result = await ocr.run(photo);
      const ms = performance.now() - t0;
      const lines = result.lines.map((l) => ({ text: l.text, score: roundTo(l.score, 4), box: l.box }));
      if (json) {
        writeJsonLine(io.stdout, { image, lines, ms: roundTo(ms, 1) });
      } else {
        if (images.length > 1) io.stdout.write(`==> ${image} <==\n`);
        for (const l of lines) io.stdout.write(`${l.text}\n`);
        io.stderr.write(`${image}: ${lines.length} lines in ${ms.toFixed(0)} ms\n`);
      }
      if (visualize) {
        const out = outputPathFor(visualize, image, '.ocr.png');
        await saveOcrVisualization(out, photo, result.lines);
        if (!json) io.stderr.write(`wrote ${out}\n`);
      }
    });
  } finally {
    await ocr.dispose();
  }
}

async function runEval(_args: string[], o: Record<string, unknown>, io: CliIO): Promise<number> {
  const data = flagString(o, 'data');
  if (!data) throw new ModelkitError(ErrorCodes.USAGE, 'ocr eval: --data DIR is required');
  const files = ocrEvalFiles(data);
  if (!existsSync(files.ocrGt)) {
    io.stderr.write(`ocr eval: skipped, no ${files.ocrGt} (the evaluation data folder is absent)\n`);
    return 0;
  }
  const ocr = await Ocr.create(cliOcrOptions(o));
  try {
    const report = await evaluateOcr(ocr, data);
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.rapidocr && report.rapidocr.passed < report.rapidocr.total ? 1 : 0;
  } finally {
    await ocr.dispose();
  }
}

/** The OCR kit's CLI commands, mounted by `@modelkit/cli`. */
export const commands: CliCommand[] = [
  {
    name: 'ocr',
    description: 'Detect and recognise text (PP-OCRv4). Prints the text, or JSONL with --json.',
    arguments: '<images...>',
    options: [
      { flags: '--json', description: 'print one JSON object per image per line: {"image","lines":[{"text","score","box"}],"ms"}' },
      { flags: '--visualize <dir>', description: 'write <dir>/<image>.ocr.png with boxes and texts' },
      ...MODEL_OPTIONS,
    ],
    run: (args, options, io) => runOcr(args, options, io),
    subcommands: [
      {
        name: 'eval',
        description:
          'Evaluate on DIR/ocr/ocr_gt.json (ICDAR2015 detection P/R/H, end-to-end P/R/H, 1-NED), DIR/ocr/rec_gt.json and RapidOCR checks; prints JSON',
        options: [{ flags: '--data <dir>', description: 'evaluation data folder (holds ocr/ocr_gt.json)' }, ...MODEL_OPTIONS],
        run: (args, options, io) => runEval(args, options, io),
      },
    ],
  },
];
