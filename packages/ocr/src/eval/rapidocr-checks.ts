import { join } from 'node:path';
import type { Ocr } from '../ocr';
import { readJson } from './read-json';

/** The outcome of one RapidOCR expectation. */
export interface RapidOcrCheck {
  image: string;
  task: string;
  pass: boolean;
  expected: string | string[];
  got: string | string[];
  /** Extra observations that are not part of the pass/fail rule (e.g. line counts). */
  notes?: Record<string, unknown>;
}

interface Expectation {
  image: string;
  task: string;
  text?: string;
  angle_class?: string;
  expect_first_lines_in_reading_order?: string[];
  expect_first_line?: string;
  expect_num_lines_pp_ocr_default?: number;
}

/**
 * Checks RapidOCR's own regression expectations for the Chinese PP-OCR path
 * (`rapidocr_zh_asserts/expectations.json`): first lines of a full run in reading
 * order, recognition of a single-line crop, the classifier turning an upside-down crop,
 * and a JPEG with EXIF orientation 3.
 */
export async function checkRapidOcrExpectations(ocr: Ocr, dataDir: string, path: string): Promise<RapidOcrCheck[]> {
  const expectations = await readJson<Expectation[]>(path);
  const checks: RapidOcrCheck[] = [];
  for (const e of expectations) {
    const image = join(dataDir, e.image);
    if (e.expect_first_lines_in_reading_order) {
      const want = e.expect_first_lines_in_reading_order;
      const result = await ocr.run(image);
      const got = result.lines.slice(0, want.length).map((l) => l.text);
      checks.push({
        image: e.image,
        task: e.task,
        pass: want.every((t, i) => got[i] === t),
        expected: want,
        got,
        notes: { lines: result.lines.length, rapidocrLines: e.expect_num_lines_pp_ocr_default },
      });
    } else if (e.expect_first_line !== undefined) {
      const result = await ocr.run(image);
      const got = result.lines[0]?.text ?? '';
      checks.push({ image: e.image, task: e.task, pass: got === e.expect_first_line, expected: e.expect_first_line, got });
    } else if (e.text !== undefined) {
      // Rec-only for a plain crop (RapidOCR test_only_rec); with the classifier when an angle is expected.
      const [r] = await ocr.recognize([image], { cls: e.angle_class !== undefined });
      const angleOk = e.angle_class === undefined || String(r.angle) === e.angle_class;
      checks.push({
        image: e.image,
        task: e.task,
        pass: r.text === e.text && angleOk,
        expected: e.angle_class ? [e.text, `angle ${e.angle_class}`] : e.text,
        got: e.angle_class ? [r.text, `angle ${r.angle}`] : r.text,
        notes: { score: r.score, angleScore: r.angleScore },
      });
    }
  }
  return checks;
}
