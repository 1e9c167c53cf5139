// Memory over a long OCR run: one Ocr (kit defaults, or options as JSON) runs every image
// of DATA/ocr/ocr_gt.json ROUNDS times in one process and prints RSS, JS heap and
// ArrayBuffer memory every 20 rounds (after a forced GC). Loads packages/ocr/dist, so build first.
// Run: npm run build && node --expose-gc tools/bench/ocr-memory.mjs [--data ../shared/data] [--rounds 100] [--options '{"session":{"optimize":false}}']
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({ options: { data: { type: 'string' }, rounds: { type: 'string', default: '100' }, options: { type: 'string', default: '{}' } } });
const data = resolve(values.data ?? join(root, '..', 'shared', 'data'));
const gtPath = join(data, 'ocr', 'ocr_gt.json');
if (!existsSync(gtPath)) {
  console.log(`no ${gtPath}: nothing to measure`);
  process.exit(0);
}
const images = JSON.parse(readFileSync(gtPath, 'utf8')).map((/** @type {{ image: string }} */ e) => join(data, e.image));
const { Ocr } = createRequire(import.meta.url)(join(root, 'packages', 'ocr'));
const rounds = Number(values.rounds);
const ocr = await Ocr.create(JSON.parse(values.options));
const mb = (/** @type {number} */ n) => (n / 1048576).toFixed(1);
console.log(`${images.length} images x ${rounds} rounds, options ${values.options}${globalThis.gc ? '' : ' (run with --expose-gc for stable numbers)'}`);
for (let round = 0; round < rounds; round++) {
  for (const image of images) await ocr.run(image);
  if (round % 20 === 0 || round === rounds - 1) {
    globalThis.gc?.();
    const m = process.memoryUsage();
    console.log(`after round ${String(round + 1).padStart(4)} (${(round + 1) * images.length} runs): rss ${mb(m.rss)} MB, heap ${mb(m.heapUsed)} MB, arrayBuffers ${mb(m.arrayBuffers)} MB`);
  }
}
await ocr.dispose();
