#!/usr/bin/env node
// Throughput of the job queue against `modelkit batch` on the same images, on this machine:
//   - batch: runBatch in this process, 1 runner with every core's threads;
//   - queue: 1 worker process (concurrency 1, threads = cores), then 2 worker processes
//     (concurrency 1, threads = cores / 2), jobs added in one go, timed from the first
//     completed job to the last (so model loading and process start are left out of both).
// Images/s is (images − 1) / that time; the per-job overhead of the queue is its ms/image
// minus batch's at the same cores. Redis runs with appendfsync always, as docs/queue.md
// recommends. Needs `npx nx run-many -t build` and redis-server.
//
//   node tools/bench/queue/bench.mjs [--images 200] [--runs 3] [--kits det,bright]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const require = createRequire(join(root, 'packages', 'queue', 'package.json'));
const sharp = require('sharp');
const { QueueSession, addJobs, checkRedis, drainResults, walkInput } = require('@modelkit/queue');
const CLI = join(root, 'packages', 'cli', 'bin', 'modelkit.js');
const KITS_PATH = join(root, 'tools', 'fixtures', 'kits');

function args() {
  const o = { images: 200, runs: 3, kits: 'det,bright' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown option --${key}`);
    o[key] = key === 'kits' ? argv[i + 1] : Number(argv[i + 1]);
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `count` distinct JPEGs from det's two samples: crops, sizes and flips vary. */
async function makeImages(dir, count) {
  mkdirSync(dir, { recursive: true });
  const samples = ['astronaut.jpg', 'chelsea.jpg'].map((f) => join(root, 'packages', 'det', 'samples', f));
  const sides = await Promise.all(samples.map(async (f) => Math.min((await sharp(f).metadata()).width, (await sharp(f).metadata()).height) - 40));
  for (let i = 0; i < count; i++) {
    const size = 320 + ((i * 37) % 193);
    const side = sides[i % 2];
    let img = sharp(samples[i % 2]).extract({ left: i % 40, top: (i * 3) % 40, width: side, height: side }).resize(size, size);
    if (i % 4 >= 2) img = img.flop();
    await img.jpeg({ quality: 90 }).toFile(join(dir, `img-${String(i).padStart(3, '0')}.jpg`));
  }
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let t = 0; ; t++) {
    try {
      await checkRedis(url, 500);
      break;
    } catch (err) {
      if (t > 100) {
        child.kill('SIGTERM');
        throw err;
      }
      await sleep(50);
    }
  }
  return { url, stop: () => child.kill('SIGTERM') };
}

async function startWorker(url, kit, threads, prefix) {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--kits', kit, '--concurrency', '1', '--threads', String(threads), '--prefix', prefix], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MODELKIT_KITS_PATH: KITS_PATH },
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  while (!err.includes('worker: ready')) {
    if (child.exitCode !== null) throw new Error(`worker exited: ${err}`);
    await sleep(20);
  }
  return { stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}

/**
 * Steady-state images/s of batch: first image done to last image done. In a child process
 * of its own, like the workers, so this process's state (sharp's caches after making the
 * images, the Redis client) cannot tilt the comparison.
 */
async function batchRate(kitName, dir, out) {
  const code = `
    const { loadKits, runBatch } = require(${JSON.stringify(require.resolve('@modelkit/serve'))});
    const stamps = [];
    runBatch({ kit: loadKits([${JSON.stringify(kitName)}])[0], input: ${JSON.stringify(dir)}, out: ${JSON.stringify(out)}, concurrency: 1,
      onProgress: (e) => e.phase === 'progress' && stamps.push(performance.now()) })
      .then(() => console.log((stamps.length - 1) / ((stamps.at(-1) - stamps[0]) / 1000)));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, MODELKIT_KITS_PATH: KITS_PATH } });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  const exit = await new Promise((r) => child.once('exit', r));
  if (exit !== 0) throw new Error(`batch exited with ${exit}`);
  return Number(text.trim());
}

/** Steady-state images/s of `workers` worker processes: first job completed to last. */
async function queueRate(redis, kitName, dir, workers, run) {
  const prefix = `bench${run}w${workers}${kitName}`;
  const threads = Math.max(1, Math.floor(availableParallelism() / workers));
  const procs = await Promise.all(Array.from({ length: workers }, () => startWorker(redis.url, kitName, threads, prefix)));
  const session = await QueueSession.open(redis.url, prefix);
  const queue = session.queue(kitName);
  try {
    const tAdd = performance.now();
    const added = await addJobs({ queue, redis: session.redis, prefix, kit: kitName, options: { create: {}, run: {} }, inputs: walkInput(dir) });
    const addMs = performance.now() - tAdd;
    let first;
    let done = 0;
    while (done < added.added) {
      done = await queue.getCompletedCount();
      if (first === undefined && done > 0) first = { t: performance.now(), done };
      await sleep(5);
    }
    const last = performance.now();
    const out = join(dir, '..', `${prefix}.jsonl`);
    const tDrain = performance.now();
    const drained = await drainResults({ queue, redis: session.redis, prefix, kit: kitName, out });
    if (drained.results !== added.added) throw new Error(`drained ${drained.results} of ${added.added}`);
    return { rate: (done - first.done) / ((last - first.t) / 1000), addMs, drainMs: performance.now() - tDrain };
  } finally {
    await session.close();
    await Promise.all(procs.map((p) => p.stop()));
  }
}

async function main() {
  const o = args();
  process.env.MODELKIT_KITS_PATH = KITS_PATH;
  const model = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? 'unknown';
  const loadStart = loadavg()[0];
  const tmp = mkdtempSync(join(tmpdir(), 'modelkit-bench-queue-'));
  const images = join(tmp, 'images');
  await makeImages(images, o.images);
  const redis = await startRedis(tmp);
  const rows = [];
  try {
    for (const kitName of o.kits.split(',')) {
      const r = { batch: [], q1: [], q2: [], add: [], drain: [] };
      for (let run = 0; run < o.runs; run++) {
        // Odd runs measure batch last, so a drift in the machine's load does not always favour one side.
        const batch = () => batchRate(kitName, images, join(tmp, `batch-${kitName}-${run}.jsonl`));
        if (run % 2 === 0) r.batch.push(await batch());
        const one = await queueRate(redis, kitName, images, 1, run);
        const two = await queueRate(redis, kitName, images, 2, run);
        if (run % 2 === 1) r.batch.push(await batch());
        r.q1.push(one.rate);
        r.q2.push(two.rate);
        r.add.push(one.addMs, two.addMs);
        r.drain.push(one.drainMs, two.drainMs);
        console.error(`${kitName} run ${run + 1}/${o.runs}: batch ${r.batch.at(-1).toFixed(1)}, queue x1 ${one.rate.toFixed(1)}, queue x2 ${two.rate.toFixed(1)} images/s`);
      }
      const ms = (ips) => 1000 / ips;
      rows.push({ kit: kitName, batch: median(r.batch), q1: median(r.q1), q2: median(r.q2), overhead: ms(median(r.q1)) - ms(median(r.batch)), add: median(r.add), drain: median(r.drain) });
    }
  } finally {
    redis.stop();
  }
  const loadEnd = loadavg()[0];
  console.log(`machine: ${model}, ${availableParallelism()} cores; load average ${loadStart.toFixed(1)} at start, ${loadEnd.toFixed(1)} at end; ${o.images} images, median of ${o.runs} runs\n`);
  console.log(`| kit | batch (1 runner, all threads) | queue, 1 worker process | queue, 2 worker processes | queue overhead per job vs batch | add ${o.images} jobs | drain ${o.images} rows |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.kit} | ${r.batch.toFixed(1)} images/s | ${r.q1.toFixed(1)} images/s | ${r.q2.toFixed(1)} images/s | ${r.overhead >= 0 ? '+' : ''}${r.overhead.toFixed(1)} ms | ${r.add.toFixed(0)} ms | ${r.drain.toFixed(0)} ms |`);
  }
  rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
