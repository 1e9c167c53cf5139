/** The report as text: a summary per model, the candidates, and every layer's sensitivity. */
import type { CompressReport, ModelReport } from './report-types';

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

const num = (v: number | undefined, digits = 3): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

function modelSection(m: ModelReport, metrics: string[]): string {
  const out = [`## ${m.option}: ${m.fp32.id} (${mb(m.fp32.bytes)}, ${m.calibrationRuns} calibration runs)`, '', m.decision, ''];
  if (m.candidates.length > 0) {
    out.push(
      table(
        ['candidate', 'int8 layers', 'kept float', ...metrics, 'loss (pt)', 'within budget', 'fp32 ms', 'int8 ms', 'speed-up', 'size'],
        m.candidates.map((c) => [c.name, c.int8Layers, c.keptFloat, ...metrics.map((k) => num(c.metrics[k], 4)), num(c.lossPoints, 2), c.passed ? 'yes' : 'no', num(c.fp32Ms, 1), num(c.int8Ms, 1), c.speedup === undefined ? '-' : `${c.speedup.toFixed(2)}x`, mb(c.bytes)]),
      ),
      '',
    );
  }
  if (m.layers.length > 0) {
    out.push(`Layer sensitivity (output SQNR with only that layer in int8; lower = more sensitive), ${m.layers.length} layers, most sensitive first:`, '');
    out.push(table(['layer', 'op', 'SQNR dB', 'chosen'], m.layers.map((l) => [l.name, l.opType, num(l.sqnr, 1), l.chosen])), '');
  }
  return out.join('\n');
}

/** Renders a report as Markdown-style text. */
export function formatReport(r: CompressReport): string {
  const metrics = r.metrics;
  const out = [
    `# modelkit compress: ${r.kit} (${r.createdAt})`,
    '',
    `method ${r.method}, max loss ${r.maxLoss} point(s), prefer ${r.prefer}, validation by ${r.validation === 'labels' ? `the kit's evaluator (${metrics.join(', ')})` : 'output agreement with the float model (100 x (1 - relative L2 error))'}`,
    `machine: ${r.machine.cpu}, ${r.machine.cores} cores, load ${r.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}, node ${r.machine.node}`,
    `calibration: ${r.data.calibration.images} images from ${r.data.calibration.source} (digest ${r.data.calibration.digest.slice(0, 16)}…)`,
    r.data.validation ? `validation: ${r.data.validation.images} images from ${r.data.validation.source}` : 'validation: none',
    `split: ${r.data.split}`,
    '',
  ];
  const chosen = r.models.filter((m) => m.chosen);
  out.push(
    table(
      ['model', 'fp32', 'int8 model', 'size', 'speed-up', 'loss (pt)'],
      r.models.map((m) => [m.option, m.fp32.id, m.chosen?.id ?? '(kept fp32)', m.chosen ? `${mb(m.fp32.bytes)} -> ${mb(m.chosen.bytes)}` : mb(m.fp32.bytes), m.chosen?.speedup === undefined ? '-' : `${m.chosen.speedup.toFixed(2)}x`, m.chosen ? num(m.chosen.lossPoints, 2) : '-']),
    ),
    '',
  );
  out.push(`float: ${metrics.map((k) => `${k} ${num(r.baseline[k], 4)}`).join(', ')}`);
  if (r.final) out.push(`int8 (${chosen.map((m) => m.chosen!.id).join(', ') || 'none'}): ${metrics.map((k) => `${k} ${num(r.final!.metrics[k], 4)}`).join(', ')}; loss ${num(r.final.lossPoints, 2)} point(s)`);
  out.push('');
  for (const m of r.models) out.push(modelSection(m, metrics));
  return `${out.join('\n')}\n`;
}
