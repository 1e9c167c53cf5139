import { join } from 'node:path';
import { SAMPLE_IMAGE, SAMPLE_TEXT } from '@modelkit/ocr';
import sharp from 'sharp';

/** The worker bootstrap that runs src/worker.ts from sources. */
export const TS_WORKER = join(__dirname, 'ts-worker.js');

export { SAMPLE_IMAGE, SAMPLE_TEXT };

/** A PNG of `text` in DejaVu Sans, black on white, rendered here (no committed fixture needed). */
export async function renderTextPng(text: string, width = 420, height = 80): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="white"/>
    <text x="20" y="${Math.round(height * 0.62)}" font-family="DejaVu Sans" font-size="${Math.round(height * 0.4)}" fill="black">${text}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Texts of an OCR result. */
export function textsOf(result: unknown): string[] {
  return ((result as { lines?: { text: string }[] }).lines ?? []).map((l) => l.text);
}
