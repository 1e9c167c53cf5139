/**
 * videotag's decode + feature benchmark: peak memory and throughput of streamed decoding
 * (the kit) against decoding every frame first (PaddleHub's reader), on generated 1080p
 * clips of growing length. Each measurement runs in its own process; this harness samples
 * the whole process tree's RSS (Node and its ffmpeg) every 50 ms from /proc.
 *
 *   npx tsx tools/bench/videotag/bench.ts [--minutes 1,2,5,10] [--baseline-minutes 1,2] [--segments 300] [--dir /tmp/videotag-bench]
 *
 * Linux only (reads /proc). Prints a markdown table; numbers on a shared machine are noisy
 * (the load average is printed with each row).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchClip } from './make-clip';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

/** RSS in KiB of a process and all its descendants. */
function treeRssKiB(pid: number): number {
  let total = 0;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    total += m ? Number(m[1]) : 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(/\s+/) : []) total += treeRssKiB(Number(k));
    }
  } catch {
    // the process ended between reads
  }
  return total;
}

interface Row {
  mode: string;
  minutes: number;
  decoded: number;
  embedded: number;
  seconds: number;
  nodePeakRssMiB: number;
  treePeakMiB: number;
  load: string;
}

function measure(mode: string, clip: string, minutes: number, segments: number, extra: string[] = []): Promise<Row> {
  return new Promise((resolve, reject) => {
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'memory-child.ts'), mode, clip, String(segments), ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, treeRssKiB(child.pid!))), 50);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.once('close', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`${mode} ${clip} exited with ${code}`));
      const r = JSON.parse(out.trim().split('\n').pop()!) as Omit<Row, 'treePeakMiB' | 'load' | 'minutes'>;
      resolve({ ...r, mode: mode + (extra.length ? ` ${extra.join(' ')}` : ''), minutes, treePeakMiB: peak / 1024, load });
    });
  });
}

async function main(): Promise<void> {
  const dir = arg('--dir', '/tmp/videotag-bench');
  const segments = Number(arg('--segments', '300'));
  const minutes = arg('--minutes', '1,2,5,10').split(',').map(Number);
  const baseline = arg('--baseline-minutes', '1,2').split(',').filter(Boolean).map(Number);
  const rows: Row[] = [];
  for (const m of minutes) {
    const clip = benchClip(dir, m);
    rows.push(await measure('stream', clip, m, segments));
    rows.push(await measure('stream', clip, m, segments, ['--keyframes']));
    if (baseline.includes(m)) rows.push(await measure('all-first', clip, m, segments));
    console.error(JSON.stringify(rows[rows.length - 1]));
  }
  console.log(`| mode | clip | frames decoded | frames embedded | s | decoded frames/s | embedded frames/s | peak RSS Node | peak RSS Node+ffmpeg | load avg |`);
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.mode} | ${r.minutes} min 1080p30 | ${r.decoded} | ${r.embedded} | ${r.seconds.toFixed(1)} | ${(r.decoded / r.seconds).toFixed(0)} | ${(r.embedded / r.seconds).toFixed(1)} | ${r.nodePeakRssMiB.toFixed(0)} MiB | ${r.treePeakMiB.toFixed(0)} MiB | ${r.load} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
