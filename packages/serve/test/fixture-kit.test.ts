// A kit that is only a folder with a package.json field (tools/fixtures/kits, shared with
// the CLI's tests) is served over HTTP, in a worker thread, and run by batch jobs, with no
// edit to @modelkit/serve: discovery finds it through MODELKIT_KITS_PATH.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import sharp from 'sharp';
import { createMemoryIO } from '@modelkit/core';
import { runBatchCommand } from '../src/cli';
import { startServer } from '../src/server';
import type { ServerHandle } from '../src/server';
import { TS_WORKER } from './helpers/fixtures';

const FIXTURES = join(__dirname, '..', '..', '..', 'tools', 'fixtures', 'kits');
const saved = process.env.MODELKIT_KITS_PATH;
let dir: string;
let png: Buffer;

beforeAll(async () => {
  process.env.MODELKIT_KITS_PATH = FIXTURES;
  dir = mkdtempSync(join(tmpdir(), 'modelkit-serve-fixture-'));
  png = await sharp({ create: { width: 6, height: 4, channels: 3, background: { r: 200, g: 200, b: 200 } } }).png().toBuffer();
  await sharp(png).toFile(join(dir, 'grey.png'));
});
afterAll(() => {
  if (saved === undefined) delete process.env.MODELKIT_KITS_PATH;
  else process.env.MODELKIT_KITS_PATH = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['in the server thread', 0],
  ['in a worker thread', 1],
])('serving a kit found by discovery, %s', (_label, workers) => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ kits: ['bright'], port: 0, workers, workerScript: TS_WORKER });
    await server.ready;
  });
  afterAll(() => server?.close());

  it('runs it, and refuses its unknown options with 400', async () => {
    const ok = await fetch(`${server.url}/v1/bright?threshold=250`, { method: 'POST', body: png, headers: { 'content-type': 'image/png' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ mean: 200, bright: false, timings: { total: expect.any(Number) } });
    const bad = await fetch(`${server.url}/v1/bright?thresh=1`, { method: 'POST', body: png, headers: { 'content-type': 'image/png' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe("Unknown bright run option 'thresh'; valid options: threshold");
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { kits: { name: string }[] };
    expect(models.kits.map((k) => k.name)).toEqual(['bright']);
  });
});

it('batch runs it resumably', async () => {
  const out = join(dir, 'rows.jsonl');
  const io = createMemoryIO();
  expect(await runBatchCommand(['bright', dir], { out, kitOptions: '{"gain":0.5}' }, io, new EventEmitter())).toBe(0);
  const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(rows).toEqual([expect.objectContaining({ kit: 'bright', options: { create: { gain: 0.5 }, run: {} }, result: expect.objectContaining({ mean: 100 }) })]);
  expect(await runBatchCommand(['bright', dir], { out, kitOptions: '{"gain":0.5}' }, createMemoryIO(), new EventEmitter())).toBe(0);
  expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(1);
});
