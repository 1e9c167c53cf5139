/**
 * The `modelkit ocr` command: `ocr IMAGE... [--json] [--visualize DIR]` and
 * `ocr eval --data DIR`.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { ErrorCodes, ModelkitError, isModelkitError, loadImage } from '@modelkit/core';
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
  { flags: '--limit-side-len <n>', description: 'detector input side limit', defaultValue: 960 },
  { flags: '--limit-type <type>', description: 'max: longest side <= limit; min: shortest side >= limit', defaultValue: 'max', choices: ['max', 'min'] },
  { flags: '--thresh <p>', description: 'DB pixel threshold', defaultValue: 0.3 },
  { flags: '--box-thresh <p>', description: 'DB box score threshold', defaultValue: 0.6 },
  { flags: '--unclip-ratio <r>', description: 'DB box expansion ratio', defaultValue: 1.5 },
  { flags: '--max-candidates <n>', description: 'DB maximum contours per image', defaultValue: 1000 },
  { flags: '--use-dilation', description: 'dilate the DB text mask (2x2) before finding boxes' },
  { flags: '--score-mode <mode>', description: 'DB box scoring', defaultValue: 'fast', choices: ['fast', 'slow'] },
  { flags: '--box-type <type>', description: 'quad boxes or polygons for curved text', defaultValue: 'quad', choices: ['quad', 'poly'] },
  { flags: '--drop-score <p>', description: 'drop lines recognised with a lower score', defaultValue: 0.5 },
  { flags: '--rec-batch-size <n>', description: 'crops per recognition batch', defaultValue: 6 },
  { flags: '--threads <n>', description: 'onnxruntime intra-op threads (default: onnxruntime chooses)' },
];

/** Turns parsed CLI flags into {@link OcrOptions}, with usage errors for bad numbers. */
export function cliOcrOptions(o: Record<string, unknown>): OcrOptions {
  const num = (key: string): number | undefined => {
    const v = o[key];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n)) throw new ModelkitError(ErrorCodes.USAGE, `--${kebab(key)} must be a number, got ${String(v)}`);
    return n;
  };
  const str = (key: string): string | undefined => (typeof o[key] === 'string' ? (o[key] as string) : undefined);
  const threads = num('threads');
  return {
    detModel: str('detModel'),
    recModel: str('recModel'),
    clsModel: str('clsModel'),
    dictionary: str('dictionary'),
    useAngleCls: o.cls !== false,
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
    session: threads === undefined ? undefined : { threads },
  };
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function write(stream: CliIO['stdout'], text: string): void {
  stream.write(text);
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

async function runOcr(images: string[], o: Record<string, unknown>, io: CliIO): Promise<number> {
  if (images.length === 0) throw new ModelkitError(ErrorCodes.USAGE, 'ocr: give at least one image');
  const ocr = await Ocr.create(cliOcrOptions(o));
  const visualize = typeof o.visualize === 'string' ? o.visualize : undefined;
  if (visualize) await mkdir(visualize, { recursive: true });
  let failures = 0;
  try {
    for (const image of images) {
      const t0 = performance.now();
      try {
        const result = await ocr.run(image);
        const ms = performance.now() - t0;
        const lines = result.lines.map((l) => ({ text: l.text, score: round(l.score, 4), box: l.box }));
        if (o.json) {
          write(io.stdout, `${JSON.stringify({ image, lines, ms: round(ms, 1) })}\n`);
        } else {
          if (images.length > 1) write(io.stdout, `==> ${image} <==\n`);
          for (const l of lines) write(io.stdout, `${l.text}\n`);
          write(io.stderr, `${image}: ${lines.length} lines in ${ms.toFixed(0)} ms\n`);
        }
        if (visualize) {
          const out = join(visualize, `${basename(image, extname(image))}.ocr.png`);
          await saveOcrVisualization(out, await loadImage(image), result.lines);
          if (!o.json) write(io.stderr, `wrote ${out}\n`);
        }
      } catch (err) {
        if (!isModelkitError(err)) throw err;
        failures++;
        if (o.json) write(io.stdout, `${JSON.stringify({ image, error: err.toJSON() })}\n`);
        else write(io.stderr, `${image}: ${err.code}: ${err.message}\n`);
      }
    }
  } finally {
    await ocr.dispose();
  }
  return failures === 0 ? 0 : 1;
}

async function runEval(_args: string[], o: Record<string, unknown>, io: CliIO): Promise<number> {
  const data = typeof o.data === 'string' ? o.data : undefined;
  if (!data) throw new ModelkitError(ErrorCodes.USAGE, 'ocr eval: --data DIR is required');
  const files = ocrEvalFiles(data);
  if (!existsSync(files.ocrGt)) {
    write(io.stderr, `ocr eval: skipped, no ${files.ocrGt} (the evaluation data folder is absent)\n`);
    return 0;
  }
  const ocr = await Ocr.create(cliOcrOptions(o));
  try {
    const report = await evaluateOcr(ocr, data);
    write(io.stdout, `${JSON.stringify(report, null, 2)}\n`);
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
