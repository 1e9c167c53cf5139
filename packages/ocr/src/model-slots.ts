import type { ModelCard } from '@modelkit/core';
import { PPOCR_MOBILE_V2_CLS, PPOCR_V4_DET, PPOCR_V4_REC_CH } from './model-cards';

/** The {@link OcrOptions} that choose a model, one per pipeline stage. */
export type ModelOption = 'detModel' | 'recModel' | 'clsModel';

/** Options whose errors name the `modelkit ocr` flag too. */
export type FlaggedOption = ModelOption | 'dictionary';

// The one place that knows which CLI flag sets which option: errors about a model name
// both, since the user may have given it either way.
const CLI_FLAGS: Readonly<Record<FlaggedOption, string>> = {
  detModel: '--det-model',
  recModel: '--rec-model',
  clsModel: '--cls-model',
  dictionary: '--dictionary',
};

/** What each model option holds, for error messages, and its default card. */
export const MODEL_SLOTS: Readonly<Record<ModelOption, { role: string; defaultCard: ModelCard }>> = {
  detModel: { role: 'the PP-OCR text detector (DB)', defaultCard: PPOCR_V4_DET },
  recModel: { role: 'the PP-OCR text recognizer (CTC)', defaultCard: PPOCR_V4_REC_CH },
  clsModel: { role: 'the PP-OCR angle classifier', defaultCard: PPOCR_MOBILE_V2_CLS },
};

/** How errors name an option: `clsModel (--cls-model)`. */
export function optionLabel(option: FlaggedOption): string {
  return `${option} (${CLI_FLAGS[option]})`;
}
