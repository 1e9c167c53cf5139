#!/usr/bin/env node
// @ts-check
// OCR peers benchmark: @modelkit/ocr vs @gutenye/ocr-node vs `paddleocr` (npm) vs Debian
// tesseract, on the images of DATA/ocr/ocr_gt.json. See README.md.
//
//   node bench.mjs [DATA_DIR] [--runs 3] [--warmup 1] [--engines modelkit,gutenye,paddleocr,tesseract] [--images K] [--json] [--save FILE]
//
// Each engine lives in its own worker process (lib/run-engine.mjs); the engines take turns
// on the same image, one run at a time, so load changes on a shared machine hit all of them
// alike. All are scored here by @modelkit/ocr's evaluator code (lib/score.mjs).
import { fork } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, DEFAULT_DATA_DIR } from './lib/paths.mjs';
import { mean, median } from './lib/stats.mjs';
import { scoreEngine } from './lib/score.mjs';
import { ENGINE_IDS } from './lib/run-engine.mjs';

const DEFAULT_ENGINES = ['modelkit', 'gutenye', 'paddleocr', 'tesseract'];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    runs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    engines: { type: 'string', default: DEFAULT_ENGINES.join(',') },
    images: { type: 'string' },
    json: { type: 'boolean', default: false },
    save: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('node bench.mjs [DATA_DIR] [--runs 3] [--warmup 1] [--engines modelkit,gutenye,paddleocr,tesseract] [--images K] [--json] [--save FILE]');
  process.exit(0);
}
const dataDir = resolve(values.data ?? positionals[0] ?? DEFAULT_DATA_DIR);
const gtPath = join(dataDir, 'ocr/ocr_gt.json');
if (!existsSync(gtPath)) {
  console.log(`ocr-peers bench: skipped, ${gtPath} not found (pass the data folder as the first argument)`);
  process.exit(0);
}
const runs = positiveInt(values.runs, 'runs');
const warmup = nonNegativeInt(values.warmup, 'warmup');
const engines = values.engines.split(',').map((e) => e.trim()).filter(Boolean);
for (const e of engines) if (!ENGINE_IDS.includes(e)) throw new Error(`unknown engine "${e}" (known: ${ENGINE_IDS.join(', ')})`);

/** @type {{ image: string }[]} */
let gt = JSON.parse(readFileSync(gtPath, 'utf8'));
if (values.images) gt = gt.slice(0, positiveInt(values.images, 'images'));

const log = (/** @type {string} */ m) => process.stderr.write(`${m}\n`);
const loadBefore = loadavg()[0];
/** @type {{ engine: string, error: string }[]} */
const failures = [];

/** @type {EngineRun[]} */
const live = [];
for (const id of engines) {
  const handle = await startWorker(id);
  if ('error' in handle) {
    failures.push({ engine: id, error: handle.error });
    log(`[${id}] FAILED to load: ${handle.error.split('\n')[0]}`);
  } else {
    log(`[${handle.info.name}] loaded in ${handle.info.loadMs.toFixed(0)} ms`);
    live.push({ id, worker: handle.worker, info: handle.info, images: gt.map((g) => ({ image: g.image, ms: [], ortMs: [], stages: [], outputs: [], lines: [], views: {} })) });
  }
}
log(`${warmup} warm-up run(s) on ${gt[0].image}, then ${runs} timed run(s) per image, engines taking turns`);
for (let w = 0; w < warmup; w++) for (const e of live) await runOne(e, -1, join(dataDir, gt[0].image));
for (let i = 0; i < gt.length; i++) {
  for (let r = 0; r < runs; r++) {
    // Rotate who goes first so no engine always runs right after the same neighbour.
    const order = live.map((_, k) => live[(k + i * runs + r) % live.length]);
    for (const e of order) await runOne(e, i, join(dataDir, gt[i].image));
  }
  log(`${gt[i].image}: ${live.filter((e) => !e.failed).map((e) => `${e.info.name} ${median(e.images[i].ms).toFixed(0)} ms (${e.images[i].lines.length})`).join(', ')}`);
}
/** @type {any[]} */
const rows = [];
for (const e of live) {
  const maxRssMb = await stopWorker(e);
  if (e.failed) continue;
  rows.push(await summarise(e, (img) => img.lines, e.info.name, maxRssMb));
  for (const view of Object.keys(e.images[0].views)) rows.push({ ...(await summarise(e, (img) => img.views[view], view, maxRssMb)), extraView: true });
}

const base = rows.find((r) => r.name === 'modelkit');
for (const r of rows) r.medianRatioToModelkit = base ? r.medianMs / base.medianMs : null;

const report = {
  data: dataDir,
  images: gt.map((g) => g.image),
  runsPerImage: runs,
  warmupRuns: warmup,
  machine: {
    cpu: cpus()[0]?.model,
    cores: availableParallelism(),
    node: process.version,
    loadAverage1mBefore: loadBefore,
    loadAverage1mAfter: loadavg()[0],
  },
  timing: 'ms/image = median of the timed runs of that image (wall clock around the engine call, measured in its worker); engine median/mean are over images; engines take turns run by run',
  engines: rows,
  failures,
};

if (values.save) writeFileSync(values.save, JSON.stringify(report, null, 2));
if (values.json) console.log(JSON.stringify(report, null, 2));
else printTables(report);

/**
 * @param {EngineRun} e
 * @param {(img: ImageRuns) => import('./lib/engine.mjs').BenchLine[]} pick
 * @param {string} name
 * @param {number | undefined} maxRssMb
 */
async function summarise(e, pick, name, maxRssMb) {
  const perImage = e.images.map((img) => ({
    image: img.image,
    medianMs: median(img.ms),
    runsMs: img.ms.map((m) => Math.round(m * 10) / 10),
    regions: pick(img).length,
    // Every engine here should be deterministic; say so if one is not, rather than hide it.
    stable: img.outputs.every((o) => o === img.outputs[0]),
  }));
  const score = await scoreEngine(gt, new Map(e.images.map((img) => [img.image, pick(img)])));
  const wall = e.images.flatMap((i) => i.ms);
  const ort = e.images.flatMap((i) => i.ortMs);
  const stages = e.images.flatMap((i) => i.stages);
  /** @type {Record<string, number> | null} */
  let meanStagesMs = null;
  if (stages.length > 0) {
    meanStagesMs = {};
    for (const k of Object.keys(stages[0])) meanStagesMs[k] = mean(stages.map((s) => s[k]));
  }
  return {
    name,
    version: e.info.version,
    threads: e.info.threads,
    notes: e.info.notes,
    loadMs: e.info.loadMs,
    maxRssMb,
    medianMs: median(perImage.map((p) => p.medianMs)),
    meanMs: mean(perImage.map((p) => p.medianMs)),
    detection: score.detection,
    endToEnd: score.endToEnd,
    // Share of wall time outside onnxruntime `run`, only for engines that report ORT time.
    outsideOrtShare: ort.length === wall.length && ort.length > 0 ? 1 - ort.reduce((a, b) => a + b, 0) / wall.reduce((a, b) => a + b, 0) : null,
    meanStagesMs,
    perImage,
  };
}

/** @param {typeof report} r */
function printTables(r) {
  const f1 = (/** @type {number} */ x) => x.toFixed(1);
  const f3 = (/** @type {number} */ x) => x.toFixed(3);
  console.log(`\nOCR peers on ${r.images.length} images of ${r.data}/ocr/ocr_gt.json, ${r.warmupRuns} warm-up + ${r.runsPerImage} timed runs per image`);
  console.log(`machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, load avg ${f1(r.machine.loadAverage1mBefore)} -> ${f1(r.machine.loadAverage1mAfter)}\n`);
  const header = ['engine', 'median ms', 'mean ms', 'x modelkit', 'det P / R / H', 'e2e P / R / H', '1-NED', 'outside ORT'];
  const table = r.engines.map((e) => [
    e.name,
    f1(e.medianMs),
    f1(e.meanMs),
    e.medianRatioToModelkit === null ? '-' : `${e.medianRatioToModelkit.toFixed(2)}x`,
    `${f3(e.detection.precision)} / ${f3(e.detection.recall)} / ${f3(e.detection.hmean)}`,
    `${f3(e.endToEnd.precision)} / ${f3(e.endToEnd.recall)} / ${f3(e.endToEnd.hmean)}`,
    f3(e.endToEnd.oneMinusNormalizedEditDistance),
    e.outsideOrtShare === null ? 'n/a' : `${(e.outsideOrtShare * 100).toFixed(1)}%`,
  ]);
  printTable(header, table);
  console.log('\nx modelkit = engine median / modelkit median (above 1: slower than modelkit). Scores: @modelkit/ocr evaluate.');
  console.log('\nper image (median ms of the timed runs; regions returned):');
  printTable(
    ['image', ...r.engines.filter((e) => !e.extraView).map((e) => e.name)],
    r.images.map((img, i) => [img.replace(/^.*\//, ''), ...r.engines.filter((e) => !e.extraView).map((e) => `${f1(e.perImage[i].medianMs)} (${e.perImage[i].regions})`)]),
  );
  console.log('\nengines:');
  for (const e of r.engines.filter((x) => !x.extraView)) {
    console.log(`- ${e.name} ${e.version}; threads: ${e.threads}; load ${f1(e.loadMs)} ms; max RSS ${f1(e.maxRssMb)} MB`);
    console.log(`  ${e.notes}`);
    if (e.meanStagesMs) console.log(`  its own timings, mean ms/run: ${Object.entries(e.meanStagesMs).map(([k, v]) => `${k} ${f1(v)}`).join(', ')}`);
  }
  for (const x of r.failures) console.log(`FAILED ${x.engine}: ${x.error}`);
}

/**
 * @param {string[]} header
 * @param {string[][]} body
 */
function printTable(header, body) {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (/** @type {string[]} */ cells) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
}

/**
 * @typedef {{ image: string, ms: number[], ortMs: number[], stages: Record<string, number>[], outputs: string[], lines: import('./lib/engine.mjs').BenchLine[], views: Record<string, import('./lib/engine.mjs').BenchLine[]> }} ImageRuns
 * @typedef {{ name: string, version: string, threads: string, notes: string, loadMs: number }} EngineInfo
 * @typedef {{ id: string, worker: import('node:child_process').ChildProcess, info: EngineInfo, images: ImageRuns[], failed?: boolean }} EngineRun
 */

/**
 * Starts a worker process for one engine and waits until it has loaded its models.
 * @param {string} id
 * @returns {Promise<{ worker: import('node:child_process').ChildProcess, info: EngineInfo } | { error: string }>}
 */
async function startWorker(id) {
  const worker = fork(join(BENCH_DIR, 'lib/run-engine.mjs'), ['--engine', id], { cwd: BENCH_DIR, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const first = await request(worker, null);
  if (!first.ok) return { error: first.error };
  return { worker, info: first.info };
}

/**
 * One timed run of one engine on one image (`index` -1: warm-up, not recorded).
 * @param {EngineRun} e
 * @param {number} index
 * @param {string} path
 */
async function runOne(e, index, path) {
  if (e.failed) return;
  const res = await request(e.worker, { cmd: 'run', path });
  if (!res.ok) {
    e.failed = true;
    failures.push({ engine: e.info.name, error: `${path}: ${res.error}` });
    log(`[${e.info.name}] FAILED on ${path}: ${String(res.error).split('\n')[0]}`);
    return;
  }
  if (index < 0) return;
  const img = e.images[index];
  img.ms.push(res.ms);
  if (typeof res.ortMs === 'number') img.ortMs.push(res.ortMs);
  if (res.stages) img.stages.push(res.stages);
  img.outputs.push(JSON.stringify(res.lines));
  img.lines = res.lines;
  img.views = res.views ?? {};
}

/**
 * Asks a worker to dispose its engine and exit; returns its peak RSS in MB.
 * @param {EngineRun} e
 * @returns {Promise<number | undefined>}
 */
async function stopWorker(e) {
  if (e.worker.exitCode !== null) return undefined;
  const res = await request(e.worker, { cmd: 'exit' });
  return res.ok ? res.maxRssMb : undefined;
}

/**
 * Sends one message (or none, to wait for the greeting) and resolves with the reply; a
 * worker that dies first resolves with an error.
 * @param {import('node:child_process').ChildProcess} worker
 * @param {object | null} msg
 * @returns {Promise<any>}
 */
function request(worker, msg) {
  return new Promise((resolvePromise) => {
    const onMessage = (/** @type {any} */ reply) => {
      worker.off('exit', onExit);
      resolvePromise(reply);
    };
    const onExit = (/** @type {number | null} */ code) => {
      worker.off('message', onMessage);
      resolvePromise({ ok: false, error: `worker exited with code ${code}` });
    };
    worker.once('message', onMessage);
    worker.once('exit', onExit);
    if (msg) worker.send(msg);
  });
}

/**
 * @param {string} v
 * @param {string} name
 */
function positiveInt(v, name) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

/**
 * @param {string} v
 * @param {string} name
 */
function nonNegativeInt(v, name) {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
  return n;
}
