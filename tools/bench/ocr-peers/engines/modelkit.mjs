// @ts-check
// @modelkit/ocr, loaded from the repository's built dist (run `npm run build` at the repo
// root first): the bench must measure the code users get, not the TypeScript sources.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT, installedVersion } from '../lib/paths.mjs';
import { toQuad } from '../lib/engine.mjs';

const KIT_DIR = join(REPO_ROOT, 'packages/ocr');

/**
 * Loads `@modelkit/ocr` from packages/ocr/dist, with a clear message when it is not built.
 * @returns {any}
 */
export function loadKit() {
  if (!existsSync(join(KIT_DIR, 'dist/index.js'))) {
    throw new Error(`${KIT_DIR}/dist is missing: run \`npm run build\` (or \`npx nx build ocr\`) at the repository root first`);
  }
  return createRequire(import.meta.url)(KIT_DIR);
}

/**
 * @param {{ useAngleCls?: boolean, spinning?: boolean }} [options] only for the optional
 *   `modelkit-nocls` and `modelkit-spin` rows
 * @returns {Promise<import('../lib/engine.mjs').Engine>}
 */
export async function create(options = {}) {
  const { Ocr } = loadKit();
  // Defaults on purpose: PP-OCRv4 det/rec + mobile v2 cls, onnxruntime's default threads
  // (the kit turns thread spinning off by default; `modelkit-spin` turns it back on).
  const ocr = await Ocr.create({
    ...(options.useAngleCls === false && { useAngleCls: false }),
    ...(options.spinning === true && { session: { spinning: true } }),
  });
  return {
    name: options.useAngleCls === false ? 'modelkit (no cls)' : options.spinning === true ? 'modelkit (spinning)' : 'modelkit',
    version: JSON.parse(readFileSync(join(KIT_DIR, 'package.json'), 'utf8')).version + ` (onnxruntime-node ${installedVersion('onnxruntime-node', REPO_ROOT)})`,
    threads:
      options.spinning === true
        ? 'onnxruntime default (intraOpNumThreads unset = one per physical core), spinning on (onnxruntime default)'
        : 'onnxruntime default (intraOpNumThreads unset = one per physical core), spinning off (kit default)',
    notes:
      options.useAngleCls === false
        ? 'Ocr.create({ useAngleCls: false }): as the default but without the angle classifier (like both ONNX peers)'
        : options.spinning === true
          ? "Ocr.create({ session: { spinning: true } }): as the default but with onnxruntime's spinning thread pools (the peers' setting)"
          : 'Ocr.create() defaults: PP-OCRv4 det (max side 960) + mobile v2 angle classifier + PP-OCRv4 rec, batch 6',
    run: (path) => ocr.run(path),
    toLines: async (raw) => raw.lines.map((/** @type {any} */ l) => ({ text: l.text, box: toQuad(l.box) })),
    ortRunMs: (raw) => raw.timings.inference,
    stages: (raw) => ({ ...raw.timings }),
    dispose: () => ocr.dispose(),
  };
}

