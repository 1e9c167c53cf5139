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

const DEFAULT_THREADS = 'onnxruntime default (intraOpNumThreads unset = one per physical core), spinning off (kit default)';

/**
 * The kit's defaults and the optional variant rows, each with the `Ocr.create` options it
 * passes and how the report describes it.
 * @type {Record<string, { name: string, options: object, threads: string, notes: string }>}
 */
export const VARIANTS = {
  default: {
    name: 'modelkit',
    // Defaults on purpose: PP-OCRv4 det/rec + mobile v2 cls, onnxruntime's default threads.
    options: {},
    threads: DEFAULT_THREADS,
    notes: 'Ocr.create() defaults: PP-OCRv4 det (max side 960) + mobile v2 angle classifier (checked by clsVerify) + PP-OCRv4 rec, batch 6, graphs rewritten by optimizeGraph',
  },
  nocls: {
    name: 'modelkit (no cls)',
    options: { useAngleCls: false },
    threads: DEFAULT_THREADS,
    notes: 'Ocr.create({ useAngleCls: false }): as the default but without the angle classifier (like both ONNX peers)',
  },
  spin: {
    name: 'modelkit (spinning)',
    options: { session: { spinning: true } },
    threads: 'onnxruntime default (intraOpNumThreads unset = one per physical core), spinning on (onnxruntime default)',
    notes: "Ocr.create({ session: { spinning: true } }): as the default but with onnxruntime's spinning thread pools (the peers' setting)",
  },
  paddle: {
    name: 'modelkit (as PaddleOCR)',
    options: { clsVerify: false, session: { optimize: false } },
    threads: DEFAULT_THREADS,
    notes: "Ocr.create({ clsVerify: false, session: { optimize: false } }): the models as exported and the classifier's word final, i.e. PaddleOCR's predict_system",
  },
};

/**
 * @param {keyof typeof VARIANTS} [variant] `default`, or an optional variant row
 * @returns {Promise<import('../lib/engine.mjs').Engine>}
 */
export async function create(variant = 'default') {
  const { Ocr } = loadKit();
  const v = VARIANTS[variant];
  const ocr = await Ocr.create(v.options);
  return {
    name: v.name,
    version: JSON.parse(readFileSync(join(KIT_DIR, 'package.json'), 'utf8')).version + ` (onnxruntime-node ${installedVersion('onnxruntime-node', REPO_ROOT)})`,
    threads: v.threads,
    notes: v.notes,
    run: (path) => ocr.run(path),
    toLines: async (raw) => raw.lines.map((/** @type {any} */ l) => ({ text: l.text, box: toQuad(l.box) })),
    ortRunMs: (raw) => raw.timings.inference,
    stages: (raw) => ({ ...raw.timings }),
    dispose: () => ocr.dispose(),
  };
}

