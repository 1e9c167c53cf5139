#!/usr/bin/env node
// Load test of `modelkit serve` on loopback: autocannon at 4x the configured capacity
// against POST /v1/ocr, then N sequential small requests with the server's RSS sampled.
//
// The server runs as a child process (the real CLI binary, built dist/), so its RSS is
// not mixed with the load generator's. Needs `npx nx run-many -t build -p cli serve ocr`.
//
//   node tools/bench/serve-load/bench.mjs [--duration 60] [--warmup 10] [--workers 1]
//     [--queue 4] [--threads N] [--sequential 10000] [--factor 4] [--json out.json]
//   --workers 0 serves from the server's own thread (in-process) for comparison.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const require = createRequire(join(root, 'packages', 'serve', 'package.json'));
const sharp = require('sharp');

function args() {
  const o = { duration: 60, warmup: 10, workers: 1, queue: 4, threads: undefined, sequential: 10000, factor: 4, port: 18870, json: undefined, timeout: 30000 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown option --${key}`);
    o[key] = key === 'json' ? argv[i + 1] : Number(argv[i + 1]);
  }
  return o;
}

/** Resident set size of a process in bytes, from /proc (Linux). */
function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

const mb = (b) => Math.round((b / 1024 / 1024) * 10) / 10;

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function startServer(o) {
  const cli = join(root, 'packages', 'cli', 'bin', 'modelkit.js');
  const flags = ['serve', '--kits', 'ocr', '--port', String(o.port), '--workers', String(o.workers), '--queue', String(o.queue), '--timeout', String(o.timeout)];
  if (o.threads !== undefined) flags.push('--threads', String(o.threads));
  const child = spawn(process.execPath, [cli, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const t0 = Date.now();
  while (!err.includes('ready;')) {
    if (child.exitCode !== null) throw new Error(`server exited: ${err}`);
    if (Date.now() - t0 > 120000) throw new Error(`server not ready after 120 s: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: `http://127.0.0.1:${o.port}`, loadMs: Date.now() - t0, log: () => err };
}

function load(url, body, connections, duration) {
  const latencies2xx = [];
  const statuses = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: `${url}/v1/ocr`, method: 'POST', body, headers: { 'content-type': 'image/png' }, connections, duration, timeout: 60 },
      (err, result) => (err ? reject(err) : resolve({ result, latencies2xx: latencies2xx.sort((a, b) => a - b), statuses })),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) latencies2xx.push(responseTime);
    });
  });
}

async function main() {
  const o = args();
  const capacity = Math.max(1, o.workers) + o.queue;
  const connections = o.factor * capacity;
  const image = readFileSync(join(root, 'packages', 'ocr', 'samples', 'hello-modelkit.png'));
  // The sequential phase's "small request": one word rendered at 64x32 (~1 KB PNG), so
  // 10,000 requests stay within minutes while each still runs det + cls + rec.
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32"><rect width="100%" height="100%" fill="white"/><text x="4" y="23" font-family="DejaVu Sans" font-size="18">ok 42</text></svg>';
  const small = await sharp(Buffer.from(svg)).png().toBuffer();

  const server = await startServer(o);
  // Never leave the server behind when the benchmark fails half-way.
  process.on('exit', () => server.child.kill('SIGKILL'));
  const report = { options: { ...o, capacity, connections }, modelLoadMs: server.loadMs, rss: {} };
  report.rss.start = rssOf(server.child.pid);
  console.error(`server ready in ${server.loadMs} ms, RSS ${mb(report.rss.start)} MB; ${connections} connections (${o.factor}x capacity ${capacity})`);

  if (o.warmup > 0) {
    await load(server.url, image, connections, o.warmup);
    report.rss.afterWarmup = rssOf(server.child.pid);
    console.error(`warm-up ${o.warmup} s done, RSS ${mb(report.rss.afterWarmup)} MB`);
  }
  const { result, latencies2xx, statuses } = await load(server.url, image, connections, o.duration);
  report.rss.end = rssOf(server.child.pid);
  const count = (lo, hi) => Object.entries(statuses).reduce((n, [s, c]) => (Number(s) >= lo && Number(s) < hi ? n + c : n), 0);
  report.load = {
    durationS: o.duration,
    requests: result.requests.total,
    ok2xx: count(200, 300),
    rejected429: statuses[429] ?? 0,
    server5xx: count(500, 600),
    errors: result.errors,
    timeouts: result.timeouts,
    throughput2xxPerS: Math.round((count(200, 300) / o.duration) * 100) / 100,
    latency2xxMs: { p50: percentile(latencies2xx, 50), p99: percentile(latencies2xx, 99), max: latencies2xx.at(-1) },
    latencyAllMs: { p50: result.latency.p50, p99: result.latency.p99 },
    statuses,
  };
  const base = report.rss.afterWarmup ?? report.rss.start;
  report.rss.growthAfterWarmupPct = Math.round(((report.rss.end - base) / base) * 1000) / 10;
  console.error(`load: ${JSON.stringify(report.load)}`);

  if (o.sequential > 0) {
    // Let jobs the load left running finish, so the first sequential request is not refused.
    for (;;) {
      const state = await (await fetch(`${server.url}/readyz`)).json();
      if (state.kits.ocr.busy === 0 && state.kits.ocr.waiting === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const samples = [];
    const every = Math.max(1, Math.floor(o.sequential / 10));
    const t0 = performance.now();
    for (let i = 1; i <= o.sequential; i++) {
      const res = await fetch(`${server.url}/v1/ocr`, { method: 'POST', body: small, headers: { 'content-type': 'image/png' } });
      const body = await res.json();
      if (res.status !== 200) throw new Error(`sequential request ${i}: HTTP ${res.status}`);
      // A request that found no text would skip recognition and measure less than it claims.
      if (i === 1 && !(body.lines?.length > 0)) throw new Error(`the small image gave no text: ${JSON.stringify(body)}`);
      if (i % every === 0) {
        samples.push({ requests: i, rssMb: mb(rssOf(server.child.pid)) });
        console.error(`sequential ${i}/${o.sequential}: RSS ${samples.at(-1).rssMb} MB, ${Math.round(i / ((performance.now() - t0) / 1000))} req/s`);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const first = samples[0].rssMb;
    report.sequential = {
      requests: o.sequential,
      seconds: Math.round(seconds),
      perS: Math.round((o.sequential / seconds) * 10) / 10,
      rssMb: samples,
      growthAfterFirstSamplePct: Math.round(((samples.at(-1).rssMb - first) / first) * 1000) / 10,
    };
    console.error(`sequential: ${JSON.stringify(report.sequential)}`);
  }

  const tStop = Date.now();
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  report.shutdownMs = Date.now() - tStop;
  report.rss = Object.fromEntries(Object.entries(report.rss).map(([k, v]) => [k, k.endsWith('Pct') ? v : mb(v)]));
  console.log(JSON.stringify(report, null, 2));
  if (o.json) writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
  if (report.load.server5xx > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
