import type { ModelCard, ModelFileSource } from '@modelkit/core/registry';
import { formatBytes } from './text-table';

/** The distinct source types of a card's files, e.g. `bundled,url`. */
export function sourceTypes(card: ModelCard): string {
  return [...new Set(card.files.map((f) => f.source.type))].join(',');
}

/** Where a file comes from, as one short string. */
function describeSource(source: ModelFileSource): string {
  switch (source.type) {
    case 'bundled':
      return `bundled ${source.path}`;
    case 'npm':
      return `npm ${source.package}/${source.path}`;
    case 'url':
      return `url ${source.url}`;
  }
}

/** The file count and total size of a card, e.g. `3 (12.4 MB)`. */
export function filesSummary(card: ModelCard): string {
  const bytes = card.files.reduce((sum, f) => sum + f.size, 0);
  return `${card.files.length} (${formatBytes(bytes)})`;
}

// Labels lists can hold thousands of entries (an OCR dictionary): show the first few.
const LABELS_SHOWN = 8;

/** A card as readable text for `models info`. */
export function formatCard(card: ModelCard): string {
  const rows: [string, string][] = [
    ['id', card.id],
    ['task', card.task],
    ['version', card.version],
  ];
  if (card.description) rows.push(['description', card.description]);
  rows.push(['licence', card.license]);
  rows.push(['origin', card.origin.url ? `${card.origin.name} <${card.origin.url}>` : card.origin.name]);
  if (card.origin.notice) rows.push(['notice', card.origin.notice]);
  if (card.input) {
    const spec = Object.entries(card.input).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    rows.push(['input', spec.join(' ')]);
  }
  if (card.labels) {
    const shown = card.labels.slice(0, LABELS_SHOWN).join(', ');
    const more = card.labels.length > LABELS_SHOWN ? `, ... (${card.labels.length} in all)` : '';
    rows.push(['labels', `${shown}${more}`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`);
  lines.push(`files: ${filesSummary(card)}`);
  for (const file of card.files) {
    lines.push(`  ${file.name}`);
    lines.push(`    size:   ${formatBytes(file.size)} (${file.size} bytes)`);
    lines.push(`    sha256: ${file.sha256}`);
    lines.push(`    source: ${describeSource(file.source)}`);
  }
  return `${lines.join('\n')}\n`;
}
