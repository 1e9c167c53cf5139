import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { withFsErrors } from '@modelkit/core';
import type { RgbImage } from '@modelkit/core';
import type { DetResult, Detection } from './types';

/** Options of {@link renderDetections}. */
export interface DetVisualizeOptions {
  /** Box outline width in pixels (default: 2, more on large images). */
  strokeWidth?: number;
  /** Label font size in pixels (default: scales with the image). */
  fontSize?: number;
  /** CSS font family list (default DejaVu Sans, then sans-serif). */
  fontFamily?: string;
}

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#469990', '#9a6324'];

/** Escapes text for SVG, so label names can never inject markup. */
function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/**
 * Draws each detection's box and a `label score` tag over the image (an SVG overlay
 * composited by sharp); colours are per class so the same class keeps its colour.
 * Returns PNG bytes.
 */
export async function renderDetections(image: RgbImage, detections: readonly Pick<Detection, 'label' | 'classId' | 'score' | 'box'>[], options: DetVisualizeOptions = {}): Promise<Buffer> {
  const { width: w, height: h } = image;
  const stroke = options.strokeWidth ?? Math.max(2, Math.round(Math.max(w, h) / 400));
  const size = options.fontSize ?? Math.max(11, Math.round(Math.max(w, h) / 45));
  const font = escapeXml(options.fontFamily ?? "'DejaVu Sans', sans-serif");
  const shapes: string[] = [];
  // Lowest scores first so the most confident boxes and tags end up on top.
  for (const d of [...detections].sort((a, b) => a.score - b.score)) {
    const color = PALETTE[d.classId % PALETTE.length];
    const [x1, y1, x2, y2] = d.box.map((v) => Math.round(v * 10) / 10);
    const text = `${d.label} ${d.score.toFixed(2)}`;
    const tagW = Math.ceil(text.length * size * 0.62 + 6);
    const tagH = Math.ceil(size * 1.3);
    // The tag sits above the box, or inside it when the box touches the top edge.
    const ty = y1 - tagH >= 0 ? y1 - tagH : y1;
    const tx = Math.min(Math.max(0, x1), Math.max(0, w - tagW));
    shapes.push(`<rect x="${x1}" y="${y1}" width="${Math.max(0, x2 - x1)}" height="${Math.max(0, y2 - y1)}" fill="none" stroke="${color}" stroke-width="${stroke}"/>`);
    shapes.push(`<rect x="${tx}" y="${ty}" width="${tagW}" height="${tagH}" fill="${color}"/>`);
    shapes.push(`<text x="${tx + 3}" y="${ty + tagH / 2}" dominant-baseline="central" font-family="${font}" font-size="${size}" fill="#fff">${escapeXml(text)}</text>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${shapes.join('')}</svg>`;
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: w, height: h, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}

/** Draws a result's detections on the image it came from and writes the PNG to `file`. */
export async function saveVisualization(result: Pick<DetResult, 'detections'>, image: RgbImage, file: string, options?: DetVisualizeOptions): Promise<void> {
  const png = await renderDetections(image, result.detections, options);
  await withFsErrors(file, 'write', () => writeFile(file, png));
}
