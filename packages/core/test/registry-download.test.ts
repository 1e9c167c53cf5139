import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { downloadFile, ModelRegistry, ProgressBar, type ModelCard, type ProgressEvent } from '../src';
import { fixtureBytes, startServer, type TestServer } from './registry-test-server';

const BODY = fixtureBytes(300_000, 7);
const SHA = createHash('sha256').update(BODY).digest('hex');

function urlCard(url: string, over: Partial<ModelCard['files'][number]> = {}): ModelCard {
  return {
    id: 'test-model',
    task: 'test',
    version: '1.0',
    license: 'Apache-2.0',
    origin: { name: 'modelkit tests' },
    files: [{ name: 'weights.bin', sha256: SHA, size: BODY.length, source: { type: 'url', url }, ...over }],
  };
}

/** Every file under a directory, relative paths. */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1));
}

describe('registry downloads', () => {
  let home: string;
  let server: TestServer;
  const savedHome = process.env.MODELKIT_HOME;
  const savedOffline = process.env.MODELKIT_OFFLINE;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'modelkit-home-'));
    process.env.MODELKIT_HOME = home;
    delete process.env.MODELKIT_OFFLINE;
  });
  afterEach(async () => {
    await server?.close();
    rmSync(home, { recursive: true, force: true });
    if (savedHome === undefined) delete process.env.MODELKIT_HOME;
    else process.env.MODELKIT_HOME = savedHome;
    if (savedOffline === undefined) delete process.env.MODELKIT_OFFLINE;
    else process.env.MODELKIT_OFFLINE = savedOffline;
  });

  it('downloads into <home>/models/<id>/<version>/<file> with progress events, then resolves from cache without network', async () => {
    server = await startServer({ '/w.bin': { body: BODY } });
    const registry = new ModelRegistry();
    registry.register(urlCard(server.url('/w.bin')));
    const events: ProgressEvent[] = [];
    const resolved = await registry.resolve('test-model', { onProgress: (e) => events.push(e) });

    const expected = join(home, 'models', 'test-model', '1.0', 'weights.bin');
    expect(resolved.paths).toEqual({ 'weights.bin': expected });
    expect(readFileSync(expected).equals(BODY)).toBe(true);
    expect(listFiles(home)).toEqual([join('models', 'test-model', '1.0', 'weights.bin')]);

    expect(events[0]).toMatchObject({ phase: 'start', task: 'download test-model/weights.bin', done: 0, total: BODY.length, unit: 'bytes' });
    expect(events.at(-1)).toMatchObject({ phase: 'end', done: BODY.length, total: BODY.length });
    const progress = events.filter((e) => e.phase === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);
    expect(server.requests).toHaveLength(1);

    // Second resolve, even from a fresh registry: no request, no events.
    const again = new ModelRegistry();
    again.register(urlCard(server.url('/w.bin')));
    const events2: ProgressEvent[] = [];
    await again.resolve('test-model', { onProgress: (e) => events2.push(e), verify: true });
    expect(server.requests).toHaveLength(1);
    expect(events2).toEqual([]);
  });

  it('drives a ProgressBar from download events', async () => {
    server = await startServer({ '/w.bin': { body: BODY } });
    let out = '';
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const bar = new ProgressBar(stream, { tty: false });
    await new ModelRegistry().resolve(urlCard(server.url('/w.bin')), { onProgress: bar.update });
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^download test-model\/weights\.bin \[-+\]   0% 0 B\/293 KiB /);
    expect(lines.at(-1)).toMatch(/^download test-model\/weights\.bin \[#+\] 100% 293 KiB\/293 KiB .* in \d+s$/);
  });

  it('rejects wrong bytes with E_CHECKSUM_MISMATCH and leaves nothing in the cache', async () => {
    const wrong = Buffer.from(BODY);
    wrong[1234] ^= 0xff;
    server = await startServer({ '/w.bin': { body: wrong } });
    const registry = new ModelRegistry();
    await expect(registry.resolve(urlCard(server.url('/w.bin')))).rejects.toMatchObject({ code: 'E_CHECKSUM_MISMATCH' });
    expect(listFiles(home)).toEqual([]);
  });

  it('rejects a file of the wrong size before downloading it', async () => {
    server = await startServer({ '/w.bin': { body: BODY.subarray(0, 1000) } });
    await expect(new ModelRegistry().resolve(urlCard(server.url('/w.bin')))).rejects.toMatchObject({ code: 'E_CHECKSUM_MISMATCH' });
    expect(listFiles(home)).toEqual([]);
  });

  it('resumes with a Range request after the server drops the connection mid-file (automatic retry)', async () => {
    server = await startServer({ '/w.bin': { body: BODY, dropAfter: 100_000 } });
    const events: ProgressEvent[] = [];
    const resolved = await new ModelRegistry().resolve(urlCard(server.url('/w.bin')), { onProgress: (e) => events.push(e), retries: 1, retryDelayMs: 10 });
    expect(server.requests).toEqual([
      { path: '/w.bin', range: undefined },
      { path: '/w.bin', range: 'bytes=100000-' },
    ]);
    expect(readFileSync(resolved.paths['weights.bin']!).equals(BODY)).toBe(true);
    expect(events.filter((e) => e.phase === 'end')).toHaveLength(1);
  });

  it('keeps the partial file when out of retries, and a later call resumes it', async () => {
    server = await startServer({ '/w.bin': { body: BODY, dropAfter: 120_000 } });
    const card = urlCard(server.url('/w.bin'));
    const target = join(home, 'models', 'test-model', '1.0', 'weights.bin');
    await expect(new ModelRegistry().resolve(card, { retries: 0 })).rejects.toMatchObject({ code: 'E_DOWNLOAD_FAILED' });
    expect(readFileSync(`${target}.part`).equals(BODY.subarray(0, 120_000))).toBe(true);
    expect(existsSync(target)).toBe(false);

    await new ModelRegistry().resolve(card, { retries: 0 });
    expect(server.requests.map((r) => r.range)).toEqual([undefined, 'bytes=120000-']);
    expect(readFileSync(target).equals(BODY)).toBe(true);
    expect(existsSync(`${target}.part`)).toBe(false);
  });

  it('restarts cleanly when the server ignores Range (200 after a partial file)', async () => {
    server = await startServer({ '/w.bin': { body: BODY, dropAfter: 50_000, range: false } });
    const target = join(home, 'models', 'test-model', '1.0', 'weights.bin');
    await new ModelRegistry().resolve(urlCard(server.url('/w.bin')), { retries: 1, retryDelayMs: 10 });
    expect(server.requests.map((r) => r.range)).toEqual([undefined, 'bytes=50000-']);
    expect(readFileSync(target).equals(BODY)).toBe(true);
  });

  it('discards a stale partial file that is not a prefix of the real file', async () => {
    server = await startServer({ '/w.bin': { body: BODY } });
    const target = join(home, 'models', 'test-model', '1.0', 'weights.bin');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(`${target}.part`, Buffer.alloc(1000, 1)); // garbage, not BODY's first bytes
    await expect(new ModelRegistry().resolve(urlCard(server.url('/w.bin')))).rejects.toMatchObject({ code: 'E_CHECKSUM_MISMATCH' });
    expect(listFiles(home)).toEqual([]);
    await new ModelRegistry().resolve(urlCard(server.url('/w.bin')));
    expect(readFileSync(target).equals(BODY)).toBe(true);
  });

  it('reports HTTP 404 as E_DOWNLOAD_FAILED without retrying', async () => {
    server = await startServer({});
    const err = await new ModelRegistry().resolve(urlCard(server.url('/missing.bin'))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_DOWNLOAD_FAILED', details: { status: 404 } });
    expect((err as Error).message).toContain('404');
    expect(server.requests).toHaveLength(1);
    expect(listFiles(home)).toEqual([]);
  });

  it('follows redirects', async () => {
    server = await startServer({ '/old': { redirectTo: '/w.bin' }, '/w.bin': { body: BODY } });
    const resolved = await new ModelRegistry().resolve(urlCard(server.url('/old')));
    expect(readFileSync(resolved.paths['weights.bin']!).equals(BODY)).toBe(true);
    expect(server.requests.map((r) => r.path)).toEqual(['/old', '/w.bin']);
  });

  it('times out a stalled server with E_DOWNLOAD_FAILED', async () => {
    server = await startServer({ '/w.bin': { body: BODY, stallMs: 2000 } });
    const t0 = Date.now();
    await expect(new ModelRegistry().resolve(urlCard(server.url('/w.bin')), { fetchTimeoutMs: 150, retries: 0 })).rejects.toMatchObject({
      code: 'E_DOWNLOAD_FAILED',
      message: expect.stringContaining('timed out'),
    });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('fails fast offline (env or option) with E_OFFLINE naming the URL and the cache path, without any request', async () => {
    server = await startServer({ '/w.bin': { body: BODY } });
    const card = urlCard(server.url('/w.bin'));
    const target = join(home, 'models', 'test-model', '1.0', 'weights.bin');
    process.env.MODELKIT_OFFLINE = '1';
    const err = await new ModelRegistry().resolve(card).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_OFFLINE', details: { url: server.url('/w.bin'), path: target } });
    expect((err as Error).message).toContain(server.url('/w.bin'));
    expect((err as Error).message).toContain(target);
    delete process.env.MODELKIT_OFFLINE;
    await expect(new ModelRegistry().resolve(card, { offline: true })).rejects.toMatchObject({ code: 'E_OFFLINE' });
    await expect(downloadFile(server.url('/w.bin'), join(home, 'x.bin'), { offline: true })).rejects.toMatchObject({ code: 'E_OFFLINE' });
    expect(server.requests).toHaveLength(0);

    // A file the user placed in the cache by hand is accepted offline.
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, BODY);
    const resolved = await new ModelRegistry().resolve(card, { offline: true });
    expect(resolved.paths['weights.bin']).toBe(target);
    expect(server.requests).toHaveLength(0);
  });

  it('replaces a corrupt cached file with a fresh download', async () => {
    server = await startServer({ '/w.bin': { body: BODY } });
    const target = join(home, 'models', 'test-model', '1.0', 'weights.bin');
    mkdirSync(dirname(target), { recursive: true });
    const bad = Buffer.from(BODY);
    bad[0] ^= 1;
    writeFileSync(target, bad);
    await new ModelRegistry().resolve(urlCard(server.url('/w.bin')));
    expect(readFileSync(target).equals(BODY)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('shares one download between concurrent resolves of the same file', async () => {
    server = await startServer({ '/w.bin': { body: BODY } });
    const card = urlCard(server.url('/w.bin'));
    const results = await Promise.all([new ModelRegistry().resolve(card), new ModelRegistry().resolve(card), new ModelRegistry().resolve(card)]);
    expect(server.requests).toHaveLength(1);
    for (const r of results) expect(readFileSync(r.paths['weights.bin']!).equals(BODY)).toBe(true);
  });

  it('downloadFile checks sha256 and size on its own', async () => {
    server = await startServer({ '/w.bin': { body: BODY } });
    const dest = join(home, 'sub', 'file.bin');
    await expect(downloadFile(server.url('/w.bin'), dest, { sha256: '0'.repeat(64) })).rejects.toMatchObject({ code: 'E_CHECKSUM_MISMATCH' });
    expect(listFiles(home)).toEqual([]);
    await downloadFile(server.url('/w.bin'), dest, { sha256: SHA, size: BODY.length });
    expect(readFileSync(dest).equals(BODY)).toBe(true);
  });
});
