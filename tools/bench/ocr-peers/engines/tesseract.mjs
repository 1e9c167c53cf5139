// @ts-check
// Debian's tesseract (apt-get install -y tesseract-ocr; English traineddata), one process
// per image with TSV output. Process start-up is part of the timed call: it is what a Node
// user of the CLI pays per image.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rectQuad } from '../lib/engine.mjs';

const run = promisify(execFile);
const BIN = process.env.TESSERACT_BIN ?? 'tesseract';
/** TSV level of a word (1 page, 2 block, 3 paragraph, 4 line, 5 word). */
const WORD_LEVEL = 5;

/**
 * Word boxes from tesseract's TSV: level-5 rows with non-empty text (and a real confidence;
 * non-word rows have conf -1). Words are the unit ICDAR2015 labels, so no grouping.
 * @param {string} tsv
 * @returns {import('../lib/engine.mjs').BenchLine[]}
 */
export function parseTesseractTsv(tsv) {
  const rows = tsv.split('\n');
  const header = rows[0].split('\t');
  const col = (/** @type {string} */ name) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`tesseract TSV has no "${name}" column: ${rows[0]}`);
    return i;
  };
  const [level, left, top, width, height, conf, text] = ['level', 'left', 'top', 'width', 'height', 'conf', 'text'].map(col);
  /** @type {import('../lib/engine.mjs').BenchLine[]} */
  const words = [];
  for (const row of rows.slice(1)) {
    const f = row.split('\t');
    if (f.length < header.length || Number(f[level]) !== WORD_LEVEL) continue;
    const t = f[text].trim();
    if (t === '' || Number(f[conf]) < 0) continue;
    words.push({ text: t, box: rectQuad(Number(f[left]), Number(f[top]), Number(f[width]), Number(f[height])) });
  }
  return words;
}

/** @returns {Promise<import('../lib/engine.mjs').Engine>} */
export async function create() {
  let version;
  try {
    version = (await run(BIN, ['--version'])).stdout.split('\n')[0].trim();
  } catch (cause) {
    throw new Error(`cannot run "${BIN}": install it with \`apt-get install -y tesseract-ocr\` (or set TESSERACT_BIN)`, { cause });
  }
  return {
    name: 'tesseract',
    version,
    threads: `OpenMP default (OMP_THREAD_LIMIT=${process.env.OMP_THREAD_LIMIT ?? 'unset'}: all cores)`,
    notes: 'tesseract IMAGE stdout -l eng tsv (default --psm 3, LSTM), one process per image, words (TSV level 5) as regions',
    run: async (path) => (await run(BIN, [path, 'stdout', '-l', 'eng', 'tsv'], { maxBuffer: 64 << 20 })).stdout,
    toLines: async (raw) => parseTesseractTsv(/** @type {string} */ (raw)),
    ortRunMs: undefined,
    dispose: async () => {},
  };
}
