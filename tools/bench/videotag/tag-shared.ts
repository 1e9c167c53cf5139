/**
 * What the default tagger says about each clip of the shared evaluation set, and how long
 * each takes (first run decodes; the second reads the feature cache). Skips cleanly when
 * the data folder is absent.
 *
 *   npx tsx tools/bench/videotag/tag-shared.ts [DATA_DIR=../shared/data] [--segments 32]
 *
 * Prints a markdown table (and one JSON line per clip on stderr). The clips are never copied.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kit } from '../../../packages/videotag/src';

interface GtEntry {
  file: string;
  labels: Record<string, string>;
  derived_mp4?: string;
}

async function main(): Promise<void> {
  const data = resolve(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? '../shared/data');
  const gtFile = join(data, 'video', 'video_gt.json');
  if (!existsSync(gtFile)) {
    console.error(`no ${gtFile}: nothing to do`);
    return;
  }
  const i = process.argv.indexOf('--segments');
  const segments = i >= 0 ? Number(process.argv[i + 1]) : 32;
  // A private feature cache, so the first run really decodes.
  const home = mkdtempSync(join(tmpdir(), 'videotag-shared-'));
  process.env.MODELKIT_HOME = home;
  const gt = JSON.parse(readFileSync(gtFile, 'utf8')) as GtEntry[];
  const tagger = await kit.load({ threads: 1 });
  console.log(`| clip | label (video_gt.json) | length | object tags (score, support) | people max / mean | content (mean p) | cuts | ms first run | ms cached |`);
  console.log('|---|---|---|---|---|---|---|---|---|');
  try {
    for (const e of gt) {
      const file = join(data, e.file);
      const load = loadavg()[0].toFixed(1);
      const r = await kit.run(tagger, file, { segments });
      const again = await kit.run(tagger, file, { segments });
      const objects = r.tags.filter((t) => t.source === 'objects').slice(0, 5).map((t) => `${t.label} ${t.score.toFixed(2)} (${t.support!.toFixed(2)})`).join(', ') || '—';
      const top = Object.entries(r.safety).sort((a, b) => b[1] - a[1])[0];
      const label = Object.values(e.labels)[0];
      console.log(
        `| ${e.file.replace(/^video\/clips\//, '')} | ${label} | ${r.duration.toFixed(1)} s, ${r.width}×${r.height} | ${objects} | ${r.people?.max ?? '—'} / ${r.people?.mean.toFixed(2) ?? '—'} | ${top[0]} ${top[1].toFixed(2)} | ${r.scenes?.cuts.map((c) => c.time.toFixed(1)).join(', ') || '—'} | ${r.timings.total.toFixed(0)} | ${again.timings.total.toFixed(0)} |`,
      );
      console.error(JSON.stringify({ file: e.file, load, ...(await kit.resultToJSON(r)) }));
    }
  } finally {
    await kit.dispose(tagger);
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
