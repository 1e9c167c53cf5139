/** The text forms of a result: the CLI's stdout lines and its one-line summary. */
import type { VideoTagResult } from './tagger/video-tag-result';

const sec = (t: number): string => `${t.toFixed(1)}s`;

/** One line per tag (`label  score  source  spans`), then people, content classes, scenes and notes. */
export function formatResult(r: VideoTagResult): string {
  const lines = r.tags.map((t) => {
    const spans = t.segments.map(([s, e]) => `${sec(s)}-${sec(e)}`).join(',');
    const support = t.support !== undefined ? `\tsupport ${t.support.toFixed(2)}` : '';
    return `${t.label}\t${t.score.toFixed(3)}\t${t.source}\t${spans}${support}`;
  });
  if (r.people) lines.push(`people\tmax ${r.people.max}\tmean ${r.people.mean.toFixed(2)}\t${r.people.timeline.map((p) => `${sec(p.time)}:${p.count}`).join(' ')}`);
  lines.push(`safety\t${Object.entries(r.safety).map(([k, v]) => `${k} ${v.toFixed(3)}`).join('\t')}`);
  if (r.scenes) lines.push(`scenes\t${r.scenes.cuts.length} cuts${r.scenes.cuts.length ? `\t${r.scenes.cuts.map((c) => sec(c.time)).join(' ')}` : ''}`);
  for (const n of r.notes) lines.push(`note\t${n}`);
  return lines.join('\n');
}

/** A few words for the CLI's per-video line. */
export function summarizeResult(r: VideoTagResult): string {
  const top = r.tags.slice(0, 3).map((t) => `${t.label} ${t.score.toFixed(2)}`).join(', ');
  return `${r.duration.toFixed(1)} s, ${r.frames} frames${r.cached ? ' (cached)' : ''}: ${r.tags.length} tag${r.tags.length === 1 ? '' : 's'}${top ? ` (${top})` : ''}`;
}
