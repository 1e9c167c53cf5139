// @ts-check
// Scores every engine with @modelkit/ocr's own `evaluate`, so all engines (modelkit
// included) go through exactly the kit's protocol: ICDAR2015 detection (IoU >= 0.5, "###"
// ignored) and end-to-end text match on matched pairs, plus 1 - normalised edit distance.
//
// `evaluate(ocr, dataDir)` calls `ocr.run(dataDir/<image>)` for every entry of
// dataDir/ocr/ocr_gt.json. We hand it a stand-in whose `run` replays an engine's recorded
// predictions, and a temporary data folder (deleted at once) holding only the ocr_gt.json
// entries being benchmarked, so the kit's rec-only and RapidOCR checks (which need a real
// Ocr) find no files and are skipped. No image is read or copied.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadKit } from '../engines/modelkit.mjs';

/**
 * @typedef {{ precision: number, recall: number, hmean: number }} Prf
 * @typedef {{ detection: Prf & { gt: number, predicted: number, matched: number }, endToEnd: Prf & { matched: number, oneMinusNormalizedEditDistance: number } }} Score
 */

/**
 * @param {readonly object[]} gtEntries entries of ocr_gt.json (all, or the first K with --images)
 * @param {ReadonlyMap<string, import('./engine.mjs').BenchLine[]>} predictions keyed by the GT entry's `image`
 * @returns {Promise<Score>}
 */
export async function scoreEngine(gtEntries, predictions) {
  const { evaluate } = loadKit();
  const dir = mkdtempSync(join(tmpdir(), 'ocr-peers-score-'));
  try {
    mkdirSync(join(dir, 'ocr'));
    writeFileSync(join(dir, 'ocr/ocr_gt.json'), JSON.stringify(gtEntries));
    const replay = {
      run: async (/** @type {string} */ path) => {
        const image = relative(dir, path);
        const lines = predictions.get(image);
        if (!lines) throw new Error(`no recorded prediction for ${image}`);
        return { lines: lines.map((l) => ({ text: l.text, score: 1, box: l.box })), width: 0, height: 0, timings: { total: 0, inference: 0 } };
      },
    };
    const report = await evaluate(replay, dir);
    const { detection: d, endToEnd: e } = report;
    return {
      detection: { precision: d.precision, recall: d.recall, hmean: d.hmean, gt: d.gt, predicted: d.predicted, matched: d.matched },
      endToEnd: { precision: e.precision, recall: e.recall, hmean: e.hmean, matched: e.matched, oneMinusNormalizedEditDistance: e.oneMinusNormalizedEditDistance },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
