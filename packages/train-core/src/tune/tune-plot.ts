/**
 * `tune_results.png`: validation accuracy per trial as bars in the order the trials
 * finished, shaded by rung (more epochs, darker), the best one highlighted and labelled,
 * failed trials marked ×, and the chance level dashed. Drawn as SVG, rasterised by
 * core's image helpers (sharp), so no plotting dependency.
 */
import { loadImage, saveImage } from '@modelkit/core';
import type { TuneTrial } from './trial-store';

/** Size of the plot in pixels. */
export const TUNE_PLOT_SIZE = { width: 900, height: 480 } as const;

const RUNG_COLOURS = ['#9ecae1', '#4292c6', '#08519c', '#08306b'];
const BEST_COLOUR = '#e6550d';

const epochs = (n: number): string => `${n} epoch${n === 1 ? '' : 's'}`;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Options of {@link tunePlotSvg}. */
interface PlotOptions {
  best?: TuneTrial;
  /** Number of classes: draws the chance level 1/classes. */
  classes?: number;
  title?: string;
}

/** The plot as an SVG document. */
function tunePlotSvg(trials: readonly TuneTrial[], options: PlotOptions = {}): string {
  const { width: W, height: H } = TUNE_PLOT_SIZE;
  const left = 64;
  const right = 76;
  const top = 56;
  const bottom = 92;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const y = (v: number): number => top + plotH * (1 - Math.min(1, Math.max(0, v)));
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="#ffffff"/>`];
  const font = 'font-family="DejaVu Sans, Arial, sans-serif"';
  const title = options.title ?? `validation accuracy per trial (${trials.length} trials)`;
  parts.push(`<text x="${W / 2}" y="24" ${font} font-size="17" text-anchor="middle" fill="#222">${esc(title)}</text>`);
  if (options.best) {
    const b = options.best;
    const cfg = Object.entries(b.config)
      .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(3)) : v}`)
      .join(' ');
    parts.push(`<text x="${W / 2}" y="44" ${font} font-size="12" text-anchor="middle" fill="${BEST_COLOUR}">${esc(`best ${b.trialId}: ${((b.metric ?? 0) * 100).toFixed(1)}% after ${epochs(b.epochs)} — ${cfg}`)}</text>`);
  }
  // Axes and gridlines at 0, 25, 50, 75, 100 %.
  for (const g of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" y1="${y(g)}" x2="${W - right}" y2="${y(g)}" stroke="${g === 0 ? '#444' : '#ddd'}" stroke-width="1"/>`);
    parts.push(`<text x="${left - 6}" y="${y(g) + 4}" ${font} font-size="11" text-anchor="end" fill="#444">${g * 100}%</text>`);
  }
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${y(0)}" stroke="#444" stroke-width="1"/>`);
  parts.push(`<text x="16" y="${top + plotH / 2}" ${font} font-size="12" text-anchor="middle" fill="#444" transform="rotate(-90 16 ${top + plotH / 2})">val accuracy</text>`);

  const n = Math.max(1, trials.length);
  const slot = plotW / n;
  const barW = Math.max(1, Math.min(48, slot * 0.75));
  const labelEvery = Math.ceil(n / Math.max(1, Math.floor(plotW / 14)));
  const rungs = new Set<number>();
  trials.forEach((t, i) => {
    const cx = left + slot * (i + 0.5);
    const isBest = t === options.best;
    rungs.add(t.rung);
    if (t.metric === null) {
      parts.push(`<text x="${cx}" y="${y(0) - 4}" ${font} font-size="14" text-anchor="middle" fill="#c00">×</text>`);
    } else {
      const colour = isBest ? BEST_COLOUR : RUNG_COLOURS[Math.min(t.rung, RUNG_COLOURS.length - 1)];
      parts.push(`<rect x="${(cx - barW / 2).toFixed(2)}" y="${y(t.metric).toFixed(2)}" width="${barW.toFixed(2)}" height="${(y(0) - y(t.metric)).toFixed(2)}" fill="${colour}"/>`);
      if (isBest || n <= 24) {
        parts.push(`<text x="${cx}" y="${y(t.metric) - 4}" ${font} font-size="${isBest ? 12 : 10}" text-anchor="middle" fill="${isBest ? BEST_COLOUR : '#333'}">${(t.metric * 100).toFixed(0)}</text>`);
      }
    }
    if (i % labelEvery === 0 || isBest) {
      const ly = y(0) + 10;
      parts.push(`<text x="${cx}" y="${ly}" ${font} font-size="10" text-anchor="end" fill="${isBest ? BEST_COLOUR : '#444'}" transform="rotate(-60 ${cx} ${ly})">${esc(t.trialId)}</text>`);
    }
  });
  if (options.classes && options.classes > 1) {
    const cy = y(1 / options.classes);
    parts.push(`<line x1="${left}" y1="${cy}" x2="${W - right}" y2="${cy}" stroke="#888" stroke-dasharray="6 4" stroke-width="1"/>`);
    parts.push(`<text x="${W - right + 4}" y="${cy + 4}" ${font} font-size="10" fill="#666">chance ${(100 / options.classes).toFixed(0)}%</text>`);
  }
  // Legend: epochs per rung.
  const legend = [...rungs].sort((a, b) => a - b).map((r) => ({ colour: RUNG_COLOURS[Math.min(r, RUNG_COLOURS.length - 1)]!, label: epochs(trials.find((t) => t.rung === r)!.epochs) }));
  legend.push({ colour: BEST_COLOUR, label: 'best' });
  legend.forEach((l, i) => {
    const lx = left + i * 110;
    const ly = H - 14;
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${l.colour}"/>`);
    parts.push(`<text x="${lx + 17}" y="${ly}" ${font} font-size="11" fill="#333">${esc(l.label)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
}

/** Rasterises {@link tunePlotSvg} to a PNG at `path` (written atomically). */
export async function writeTunePlot(path: string, trials: readonly TuneTrial[], options: PlotOptions = {}): Promise<void> {
  const image = await loadImage(Buffer.from(tunePlotSvg(trials, options)), { name: 'tune plot' });
  await saveImage(image, path);
}
