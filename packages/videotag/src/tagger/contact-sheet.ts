/**
 * The contact sheet of a tagged video (`--visualize`): up to 16 sampled frames in a grid,
 * each with its time, people count and detected objects, above a timeline of shots, scene
 * cuts, sampled frames and people over time, and the top tags. `contactSheetImage` makes
 * the picture (the kit's preview); `renderContactSheet` draws the annotations on it.
 */
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { withFsErrors, type RgbImage } from '@modelkit/core';
import { frameSize } from '../sampling/decode-args';
import { THUMB_HEIGHT, type VideoFeatures } from '../features/video-features';
import type { VideoTagResult } from './video-tag-result';

const GAP = 4;
const TIMELINE = 58;
const MAX_TILES = 16;
const COLS = 4;
const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45'];

/** Where everything goes on the sheet. */
interface Layout {
  frames: number[];
  tileW: number;
  tileH: number;
  cols: number;
  width: number;
  height: number;
  gridH: number;
}

function layoutOf(f: VideoFeatures): Layout {
  const n = f.times.length;
  const count = Math.min(MAX_TILES, n);
  const frames = Array.from({ length: count }, (_, i) => (count === 1 ? 0 : Math.round((i * (n - 1)) / (count - 1))));
  const decoded = frameSize(f.info, f.settings.size);
  const tileH = THUMB_HEIGHT;
  const tileW = Math.max(1, Math.round((decoded.width * tileH) / decoded.height));
  const cols = Math.max(1, Math.min(COLS, count));
  const rows = Math.ceil(count / cols);
  const width = Math.max(320, cols * tileW + (cols + 1) * GAP);
  const gridH = rows * tileH + (rows + 1) * GAP;
  return { frames, tileW, tileH, cols, width, height: gridH + TIMELINE, gridH };
}

function tilePos(l: Layout, i: number): { x: number; y: number } {
  return { x: GAP + (i % l.cols) * (l.tileW + GAP), y: GAP + Math.floor(i / l.cols) * (l.tileH + GAP) };
}

/** The sheet's picture: the sampled frames' thumbnails on a dark background, room for the timeline below. */
export async function contactSheetImage(f: VideoFeatures): Promise<RgbImage> {
  const l = layoutOf(f);
  const tiles = await Promise.all(
    l.frames.map(async (frame, i) => ({
      input: await sharp(f.thumbnails[frame]).resize(l.tileW, l.tileH, { fit: 'fill' }).png().toBuffer(),
      left: tilePos(l, i).x,
      top: tilePos(l, i).y,
    })),
  );
  const { data, info } = await sharp({ create: { width: l.width, height: l.height, channels: 3, background: '#202020' } })
    .composite(tiles)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

function text(x: number, y: number, s: string, size: number, fill = '#fff', anchor = 'start'): string {
  return `<text x="${x}" y="${y}" font-family="'DejaVu Sans', sans-serif" font-size="${size}" fill="${fill}" text-anchor="${anchor}" stroke="#000" stroke-width="0.6" paint-order="stroke">${escapeXml(s)}</text>`;
}

/** SVG annotations of the sheet. */
function overlay(result: VideoTagResult, f: VideoFeatures, l: Layout, objectThreshold: number): string {
  const parts: string[] = [];
  const decoded = frameSize(f.info, f.settings.size);
  const scale = l.tileH / decoded.height;
  l.frames.forEach((frame, i) => {
    const { x, y } = tilePos(l, i);
    for (const d of (f.detections?.[frame] ?? []).filter((d) => d.score >= objectThreshold)) {
      const [x1, y1, x2, y2] = d.box.map((v) => v * scale);
      const color = PALETTE[Math.max(0, d.classId) % PALETTE.length];
      parts.push(`<rect x="${(x + x1).toFixed(1)}" y="${(y + y1).toFixed(1)}" width="${Math.max(0, x2 - x1).toFixed(1)}" height="${Math.max(0, y2 - y1).toFixed(1)}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
      parts.push(text(x + x1 + 2, y + Math.max(9, y1 + 9), d.label, 9, color));
    }
    parts.push(text(x + 3, y + l.tileH - 4, `${f.times[frame].toFixed(1)} s`, 11));
    const people = result.people?.timeline[frame]?.count;
    if (people) parts.push(text(x + l.tileW - 3, y + 12, `${people} ${people === 1 ? 'person' : 'people'}`, 10, '#ffe066', 'end'));
  });
  // Timeline: shots alternate shades, cuts are red ticks, sampled frames white dots, people bars yellow.
  const x0 = GAP;
  const w = l.width - 2 * GAP;
  const y0 = l.gridH + 4;
  const barH = 16;
  const at = (t: number): number => x0 + (w * Math.min(Math.max(t, 0), result.duration)) / Math.max(result.duration, 1e-6);
  const shots = result.scenes?.shots ?? [[0, result.duration]];
  shots.forEach(([s, e], i) => parts.push(`<rect x="${at(s).toFixed(1)}" y="${y0}" width="${Math.max(0.5, at(e) - at(s)).toFixed(1)}" height="${barH}" fill="${i % 2 ? '#4a5a70' : '#36465c'}"/>`));
  for (const c of result.scenes?.cuts ?? []) parts.push(`<rect x="${(at(c.time) - 1).toFixed(1)}" y="${y0 - 2}" width="2" height="${barH + 4}" fill="#ff4040"/>`);
  const maxPeople = Math.max(1, result.people?.max ?? 0);
  f.times.forEach((t, i) => {
    const count = result.people?.timeline[i]?.count ?? 0;
    if (count > 0) parts.push(`<rect x="${(at(t) - 1.5).toFixed(1)}" y="${(y0 + barH - (barH * count) / maxPeople).toFixed(1)}" width="3" height="${((barH * count) / maxPeople).toFixed(1)}" fill="#ffe066" opacity="0.85"/>`);
    parts.push(`<circle cx="${at(t).toFixed(1)}" cy="${y0 + barH + 4}" r="1.5" fill="#fff"/>`);
  });
  parts.push(text(x0, y0 + barH + 18, `0 s`, 10, '#bbb'));
  parts.push(text(x0 + w, y0 + barH + 18, `${result.duration.toFixed(1)} s`, 10, '#bbb', 'end'));
  const top = result.tags.slice(0, 6).map((t) => `${t.label} ${t.score.toFixed(2)}`).join(' · ');
  parts.push(text(x0 + w / 2, y0 + barH + 18, top || 'no tags', 11, '#fff', 'middle'));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}">${parts.join('')}</svg>`;
}

/** PNG bytes of the annotated sheet, drawn on `image` (from {@link contactSheetImage}). */
export async function renderContactSheet(result: VideoTagResult, image: RgbImage, objectThreshold = 0.35): Promise<Buffer> {
  const f = result.features;
  const base = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } });
  if (!f || f.times.length === 0) return base.png().toBuffer();
  const l = layoutOf(f);
  return base.composite([{ input: Buffer.from(overlay(result, f, l, objectThreshold)), top: 0, left: 0 }]).png().toBuffer();
}

/** Writes the annotated sheet. */
export async function saveContactSheet(result: VideoTagResult, image: RgbImage, file: string): Promise<void> {
  const png = await renderContactSheet(result, image);
  await withFsErrors(file, 'write', () => writeFile(file, png));
}
