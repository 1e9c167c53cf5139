// @ts-check
// The `paddleocr` npm package (caller brings models and pixels). We feed it the same
// PP-OCRv4 det/rec ONNX files and dictionary as the other engines, decode with sharp (part
// of the timed call, as decoding is inside the other engines' timed calls), and use its
// `PP-OCRv5_mobile` preset, whose det/rec settings are PP-OCRv4's too (BGR, max side 960,
// thresh 0.3, box 0.6, unclip 1.5, rec height 48 / min width 320).
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { PaddleOcrService } from 'paddleocr';
import { PPOCR_V4, installedVersion } from '../lib/paths.mjs';
import { rectQuad, toQuad } from '../lib/engine.mjs';

/** PaddleOCR's `drop_score`; paddleocr applies it only in `processRecognition`, so we apply it to `recognize`'s list. */
const DROP_SCORE = 0.5;

/** @param {Buffer} b */
function toArrayBuffer(b) {
  return /** @type {ArrayBuffer} */ (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** @returns {Promise<import('../lib/engine.mjs').Engine>} */
export async function create() {
  const [det, rec, dictText] = await Promise.all([readFile(PPOCR_V4.det), readFile(PPOCR_V4.rec), readFile(PPOCR_V4.dict, 'utf8')]);
  // ppocr_keys_v1.txt: 6623 lines, no trailing newline; the model has blank + 6623 + space classes.
  const dictionary = dictText.split(/\r?\n/).filter((c, i, all) => !(i === all.length - 1 && c === ''));
  const ocr = await PaddleOcrService.createInstance({
    ort: /** @type {any} */ (ort),
    modelPreset: 'PP-OCRv5_mobile',
    detection: { modelBuffer: toArrayBuffer(det) },
    recognition: { modelBuffer: toArrayBuffer(rec), charactersDictionary: [...dictionary, ' '] },
  });
  return {
    name: 'paddleocr',
    version: `${installedVersion('paddleocr')} (onnxruntime-node ${installedVersion('onnxruntime-node')})`,
    threads: 'onnxruntime default (it calls InferenceSession.create(buffer) without options)',
    notes: `preset PP-OCRv5_mobile with PP-OCRv4 det/rec files, no textline-orientation model, drop score ${DROP_SCORE}`,
    run: async (path) => {
      const { data, info } = await sharp(path).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return ocr.recognize({ width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) });
    },
    toLines: async (raw) =>
      /** @type {{ text: string, confidence: number, box: { x: number, y: number, width: number, height: number, points?: {x:number,y:number}[] } }[]} */ (raw)
        .filter((r) => r.confidence >= DROP_SCORE && r.text.trim() !== '')
        .map((r) => ({ text: r.text, box: r.box.points ? toQuad(r.box.points) : rectQuad(r.box.x, r.box.y, r.box.width, r.box.height) })),
    ortRunMs: undefined,
    dispose: () => ocr.destroy(),
  };
}
