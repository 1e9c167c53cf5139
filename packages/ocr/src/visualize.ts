import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { withFsErrors } from '@modelkit/core';
import type { RgbImage } from '@modelkit/core';
import type { OcrLine } from './types';

/** Options of {@link renderOcrResult}. */
export interface VisualizeOptions {
  /** CSS font family list for the texts (default DejaVu Sans, then Noto CJK, then sans-serif). */
  fontFamily?: string;
  /** Outline stroke width in pixels (default: 2, or more on large images). */
  strokeWidth?: number;
}

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324'];

/**
 * Draws an OCR result like PaddleOCR's `draw_ocr_box_txt`: on the left the image with each
 * line's box outlined, on the right a white panel with the same boxes and the recognised
 * texts written inside them. Returns PNG bytes.
 */
export async function renderOcrResult(image: RgbImage, lines: readonly Pick<OcrLine, 'text' | 'box' | 'polygon'>[], options: VisualizeOptions = {}): Promise<Buffer> {
  const { width: w, height: h } = image;
  const stroke = options.strokeWidth ?? Math.max(2, Math.round(Math.max(w, h) / 500));
  const font = options.fontFamily ?? "'DejaVu Sans', 'Noto Sans CJK SC', sans-serif";
  const shapes: string[] = [];
  lines.forEach((line, i) => {
    const color = PALETTE[i % PALETTE.length];
    const outline = (line.polygon ?? line.box).map(([x, y]) => `${x},${y}`).join(' ');
    const right = (line.polygon ?? line.box).map(([x, y]) => `${x + w},${y}`).join(' ');
    shapes.push(`<polygon points="${outline}" fill="${color}" fill-opacity="0.15" stroke="${color}" stroke-width="${stroke}"/>`);
    shapes.push(`<polygon points="${right}" fill="none" stroke="${color}" stroke-width="${stroke}"/>`);
    const [tl, tr, , bl] = line.box;
    const boxH = Math.max(8, Math.hypot(bl[0] - tl[0], bl[1] - tl[1]));
    const boxW = Math.max(8, Math.hypot(tr[0] - tl[0], tr[1] - tl[1]));
    const angle = (Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI;
    // Size the text to the box height, shrunk so long texts still fit the box width.
    const chars = Math.max(1, [...line.text].length);
    const size = Math.max(6, Math.min(boxH * 0.8, (boxW / chars) * 1.6));
    const x = tl[0] + w;
    const y = tl[1];
    shapes.push(
      `<text x="${x}" y="${y}" transform="rotate(${angle.toFixed(2)} ${x} ${y})" dy="${(boxH * 0.5).toFixed(1)}" dominant-baseline="middle" ` +
        `font-family="${escapeXml(font)}" font-size="${size.toFixed(1)}" fill="#000">${escapeXml(line.text)}</text>`,
    );
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${h}">${shapes.join('')}</svg>`;
  const base = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: w, height: h, channels: 3 } })
    .extend({ right: w, background: { r: 255, g: 255, b: 255 } });
  const flat = await base.raw().toBuffer({ resolveWithObject: true });
  return sharp(flat.data, { raw: { width: flat.info.width, height: flat.info.height, channels: flat.info.channels } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}

/** Draws a result's lines beside the image they came from (PaddleOCR's side-by-side picture) and writes the PNG to `file`. */
export async function saveVisualization(result: { lines: readonly Pick<OcrLine, 'text' | 'box' | 'polygon'>[] }, image: RgbImage, file: string, options?: VisualizeOptions): Promise<void> {
  const png = await renderOcrResult(image, result.lines, options);
  await withFsErrors(file, 'write', () => writeFile(file, png));
}

/** Escapes text for SVG content and attributes, so recognised text can never inject markup. */
function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string).replace(
    // Control characters are not allowed in XML 1.0 at all.
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g,
    '',
  );
}
