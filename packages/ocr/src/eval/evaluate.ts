import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { emitProgress } from '@modelkit/core';
import type { Point, ProgressCallback } from '@modelkit/core';
import type { Ocr } from '../ocr';
import { normalizedEditDistance } from './edit-distance';
import { matchImage, prf } from './detection-metrics';
import type { GtRegion } from './detection-metrics';
import { checkRapidOcrExpectations } from './rapidocr-checks';
import type { RapidOcrCheck } from './rapidocr-checks';
import { readJson } from './read-json';

/** Precision / recall / hmean. */
export interface Prf {
  precision: number;
  recall: number;
  hmean: number;
}

/** What `ocr eval` prints. */
export interface OcrEvalReport {
  data: string;
  /** How texts and regions were compared, so numbers can be read correctly. */
  protocol: Record<string, string>;
  detection: Prf & { gt: number; predicted: number; matched: number; images: number };
  endToEnd: Prf & { matched: number; oneMinusNormalizedEditDistance: number };
  recognition?: { samples: number; accuracy: number; accuracyIgnoreCase: number; oneMinusNormalizedEditDistance: number; mistakes: { image: string; expected: string; got: string }[] };
  rapidocr?: { passed: number; total: number; checks: RapidOcrCheck[] };
  /** Detection and end-to-end hmean per `set` of the ground truth (e.g. ICDAR2015 photos vs receipts), when entries name one. */
  sets?: Record<string, { images: number; detection: Prf; endToEnd: Prf; medianMs: number }>;
  /** False when a RapidOCR check failed (`ocr eval` then exits 1); absent when there were no checks. */
  passed?: boolean;
  timing: { images: number; meanMs: number; medianMs: number; inferenceShare: number };
}

interface GtFileEntry {
  image: string;
  set?: string;
  lines: { text: string; box: Point[]; ignore?: boolean }[];
}

/**
 * The files `ocr eval --data DIR` reads: `ocr/ocr_gt.json` (required), then, when present,
 * `ocr/rec_gt.json` and RapidOCR's Chinese expectations.
 */
export function evalFiles(dataDir: string): string[] {
  return [join(dataDir, 'ocr', 'ocr_gt.json'), join(dataDir, 'ocr', 'rec_gt.json'), join(dataDir, 'ocr', 'rapidocr_zh_asserts', 'expectations.json')];
}

/** Case-folded, whitespace-free text: the end-to-end comparison key (see `protocol`). */
export function e2eKey(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

/**
 * Evaluates an {@link Ocr} on `DIR/ocr/ocr_gt.json` (ICDAR2015-style detection and
 * end-to-end), `DIR/ocr/rec_gt.json` (recognition of word crops) and RapidOCR's Chinese
 * expectations when present. Image paths in the JSON files are relative to `DIR`.
 */
export async function evaluate(
  ocr: Ocr,
  dataDir: string,
  options: { onProgress?: ProgressCallback; /** Detection/end-to-end ground truth instead of `DIR/ocr/ocr_gt.json`; the recognition set and RapidOCR checks are then skipped. */ gt?: string } = {},
): Promise<OcrEvalReport> {
  const [ocrGt, recGt, rapidocr] = evalFiles(dataDir);
  const files = options.gt === undefined ? { ocrGt, recGt, rapidocr } : { ocrGt: options.gt, recGt: '', rapidocr: '' };
  const gtEntries = await readJson<GtFileEntry[]>(files.ocrGt);
  let gtCare = 0;
  let predCare = 0;
  let matched = 0;
  let e2eHits = 0;
  let nedSum = 0;
  const wall: number[] = [];
  let inference = 0;
  const perSet = new Map<string, { gt: number; pred: number; matched: number; e2e: number; wall: number[] }>();
  const task = 'ocr eval';
  emitProgress(options.onProgress, { task, phase: 'start', done: 0, total: gtEntries.length, unit: 'images' });
  for (const entry of gtEntries) {
    const result = await ocr.run(join(dataDir, entry.image));
    emitProgress(options.onProgress, { task, phase: 'progress', done: wall.length + 1, total: gtEntries.length, unit: 'images' });
    wall.push(result.timings.total);
    inference += result.timings.inference;
    const gt: GtRegion[] = entry.lines.map((l) => ({ polygon: l.box, text: l.text, ignore: Boolean(l.ignore) || l.text === '###' || l.text.trim() === '' }));
    const pred = result.lines.map((l) => ({ polygon: l.polygon ?? l.box, text: l.text }));
    const m = matchImage(gt, pred);
    gtCare += m.gtCare;
    predCare += m.predCare;
    matched += m.pairs.length;
    const byGt = new Map(m.pairs.map(([g, p]) => [g, p]));
    let hits = 0;
    gt.forEach((g, gi) => {
      if (g.ignore) return;
      const pi = byGt.get(gi);
      const got = pi === undefined ? '' : pred[pi].text;
      if (pi !== undefined && e2eKey(got) === e2eKey(g.text)) hits++;
      nedSum += normalizedEditDistance(e2eKey(got), e2eKey(g.text));
    });
    e2eHits += hits;
    if (entry.set !== undefined) {
      const s = perSet.get(entry.set) ?? { gt: 0, pred: 0, matched: 0, e2e: 0, wall: [] };
      s.gt += m.gtCare;
      s.pred += m.predCare;
      s.matched += m.pairs.length;
      s.e2e += hits;
      s.wall.push(result.timings.total);
      perSet.set(entry.set, s);
    }
  }
  emitProgress(options.onProgress, { task, phase: 'end', done: gtEntries.length, total: gtEntries.length, unit: 'images' });
  const report: OcrEvalReport = {
    data: dataDir,
    protocol: {
      detection: 'ICDAR2015: polygon IoU >= 0.5, one-to-one greedy in GT order; "###"/ignore/empty-text GT neither missed nor matched; detections lying > 0.5 of their area inside an ignore region are dropped; P/R/H from counts summed over all images',
      endToEnd: 'a detection/GT pair from the detection matching whose texts are equal after removing whitespace and upper-casing (ICDAR e2e is case-insensitive; WildReceipt labels have no spaces)',
      editDistance: '1 - mean normalised Levenshtein distance (same text key) over non-ignored GT lines; a GT line without a matched detection counts as distance 1',
      recognition: 'Ocr.recognize on each whole crop without the angle classifier (rec-only); accuracy = exact match ignoring spaces (PaddleOCR RecMetric), also reported case-insensitive',
    },
    detection: { ...prf(matched, predCare, gtCare), gt: gtCare, predicted: predCare, matched, images: gtEntries.length },
    endToEnd: { ...prf(e2eHits, predCare, gtCare), matched: e2eHits, oneMinusNormalizedEditDistance: gtCare === 0 ? 0 : 1 - nedSum / gtCare },
    timing: {
      images: wall.length,
      meanMs: wall.reduce((a, b) => a + b, 0) / Math.max(1, wall.length),
      medianMs: median(wall),
      inferenceShare: inference / Math.max(1e-9, wall.reduce((a, b) => a + b, 0)),
    },
  };
  if (perSet.size > 0) {
    report.sets = Object.fromEntries(
      [...perSet].map(([name, c]) => [name, { images: c.wall.length, detection: prf(c.matched, c.pred, c.gt), endToEnd: prf(c.e2e, c.pred, c.gt), medianMs: median(c.wall) }]),
    );
  }
  if (files.recGt !== '' && existsSync(files.recGt)) report.recognition = await evaluateRecognition(ocr, dataDir, files.recGt);
  if (files.rapidocr !== '' && existsSync(files.rapidocr)) {
    const checks = await checkRapidOcrExpectations(ocr, dataDir, files.rapidocr);
    report.rapidocr = { passed: checks.filter((c) => c.pass).length, total: checks.length, checks };
    report.passed = report.rapidocr.passed === report.rapidocr.total;
  }
  return report;
}

async function evaluateRecognition(ocr: Ocr, dataDir: string, path: string): Promise<NonNullable<OcrEvalReport['recognition']>> {
  const entries = await readJson<{ image: string; text: string }[]>(path);
  const got = await ocr.recognize(
    entries.map((e) => join(dataDir, e.image)),
    { cls: false },
  );
  let exact = 0;
  let folded = 0;
  let ned = 0;
  const mistakes: { image: string; expected: string; got: string }[] = [];
  entries.forEach((e, i) => {
    const a = got[i].text.replace(/ /g, '');
    const b = e.text.replace(/ /g, '');
    if (a === b) exact++;
    else mistakes.push({ image: e.image, expected: e.text, got: got[i].text });
    if (a.toUpperCase() === b.toUpperCase()) folded++;
    ned += normalizedEditDistance(a, b);
  });
  const n = Math.max(1, entries.length);
  return { samples: entries.length, accuracy: exact / n, accuracyIgnoreCase: folded / n, oneMinusNormalizedEditDistance: 1 - ned / n, mistakes };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
