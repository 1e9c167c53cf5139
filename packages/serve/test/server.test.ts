import { readFileSync } from 'node:fs';
import { ErrorCodes } from '@modelkit/core';
import { startServer } from '../src/server';
import type { ServerHandle } from '../src/server';
import { SAMPLE_IMAGE, SAMPLE_TEXT, TS_WORKER, renderTextPng, textsOf } from './helpers/fixtures';

const sample = readFileSync(SAMPLE_IMAGE);

async function post(server: ServerHandle, path: string, body: string | Buffer | FormData | undefined, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', body, headers });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json: json as Record<string, unknown> & { error?: { code: string; message: string } } };
}

function multipart(image: Buffer, fields: Record<string, string> = {}, field = 'image'): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append(field, new Blob([image], { type: 'image/png' }), 'sample.png');
  return form;
}

describe('serve: worker-thread server with the real OCR kit', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ kits: ['ocr'], host: '127.0.0.1', port: 0, workers: 1, queue: 4, workerScript: TS_WORKER });
    await server.ready;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('binds to loopback on the port it was given', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('GET /healthz and /readyz', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, kits: { ocr: { slots: 1, busy: 0, waiting: 0 } } });
  });

  it('GET /v1/models lists the OCR cards with versions and sha256', async () => {
    const body = (await (await fetch(`${server.url}/v1/models`)).json()) as { kits: { name: string; models: { id: string; version: string; files: { sha256: string }[] }[] }[] };
    expect(body.kits.map((k) => k.name)).toEqual(['ocr']);
    const det = body.kits[0].models.find((m) => m.id === 'ppocr-v4-det');
    expect(det?.version).toBe('4.0.0');
    expect(det?.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('GET / serves the demo page', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('<select id="kit">');
  });

  it('POST /v1/ocr with multipart/form-data reads the text', async () => {
    const res = await post(server, '/v1/ocr', multipart(sample));
    expect(res.status).toBe(200);
    expect(textsOf(res.json)).toEqual(SAMPLE_TEXT);
    expect(res.json).toMatchObject({ width: 640, height: 200 });
  });

  it('POST /v1/ocr with a raw image/png body reads a rendered image', async () => {
    const res = await post(server, '/v1/ocr', await renderTextPng('Serving 8866'), { 'content-type': 'image/png' });
    expect(res.status).toBe(200);
    expect(textsOf(res.json)).toEqual(['Serving 8866']);
  });

  it('POST /v1/ocr with JSON base64 (PaddleHub style) and options from JSON and query', async () => {
    const body = JSON.stringify({ image: sample.toString('base64'), dropScore: 0.5 });
    const res = await post(server, '/v1/ocr', body, { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(textsOf(res.json)).toEqual(SAMPLE_TEXT);
    // A per-call dropScore of 1 keeps only perfect lines: fewer than the defaults return.
    const strict = await post(server, '/v1/ocr?dropScore=0.5', JSON.stringify({ image: sample.toString('base64'), dropScore: 1 }), {
      'content-type': 'application/json',
    });
    expect(strict.status).toBe(200);
    expect((strict.json.lines as unknown[]).length).toBeLessThan(SAMPLE_TEXT.length);
    const viaQuery = await post(server, '/v1/ocr?dropScore=1', sample, { 'content-type': 'image/png' });
    expect(viaQuery.json.lines).toEqual(strict.json.lines);
    const viaForm = await post(server, '/v1/ocr', multipart(sample, { dropScore: '1' }));
    expect(viaForm.json.lines).toEqual(strict.json.lines);
  });

  it('400 with the typed code for bad options, content types, images and JSON', async () => {
    const badOption = await post(server, '/v1/ocr?dropScore=2', sample, { 'content-type': 'image/png' });
    expect([badOption.status, badOption.json.error?.code]).toEqual([400, ErrorCodes.INVALID_ARGUMENT]);
    const creationOnly = await post(server, '/v1/ocr?limitSideLen=640', sample, { 'content-type': 'image/png' });
    expect([creationOnly.status, creationOnly.json.error?.code]).toEqual([400, ErrorCodes.INVALID_ARGUMENT]);
    expect(creationOnly.json.error?.message).toContain('limitSideLen');

    const text = await post(server, '/v1/ocr', 'hello', { 'content-type': 'text/plain' });
    expect([text.status, text.json.error?.code]).toEqual([400, ErrorCodes.UNSUPPORTED_MEDIA_TYPE]);

    const corrupt = await post(server, '/v1/ocr', Buffer.concat([sample.subarray(0, 16), Buffer.alloc(400, 7)]), { 'content-type': 'image/png' });
    expect([corrupt.status, corrupt.json.error?.code]).toEqual([400, ErrorCodes.IMAGE_DECODE]);
    expect(corrupt.json.error?.message).toMatch(/could not be decoded/);

    const noImage = await post(server, '/v1/ocr', JSON.stringify({ picture: 'x' }), { 'content-type': 'application/json' });
    expect([noImage.status, noImage.json.error?.code]).toEqual([400, ErrorCodes.INVALID_ARGUMENT]);
    const badBase64 = await post(server, '/v1/ocr', JSON.stringify({ image: 'not base64!' }), { 'content-type': 'application/json' });
    expect([badBase64.status, badBase64.json.error?.code]).toEqual([400, ErrorCodes.INVALID_ARGUMENT]);
    const badJson = await post(server, '/v1/ocr', '{"image": ', { 'content-type': 'application/json' });
    expect([badJson.status, badJson.json.error?.code]).toEqual([400, ErrorCodes.BAD_JSON]);
    const wrongField = await post(server, '/v1/ocr', multipart(sample, {}, 'file'));
    expect([wrongField.status, wrongField.json.error?.code]).toEqual([400, ErrorCodes.INVALID_ARGUMENT]);
    const empty = await post(server, '/v1/ocr', Buffer.alloc(0), { 'content-type': 'image/png' });
    expect(empty.status).toBe(400);
  });

  it('404 E_KIT_NOT_FOUND for a kit that is not served', async () => {
    const res = await post(server, '/v1/nope', sample, { 'content-type': 'image/png' });
    expect([res.status, res.json.error?.code]).toEqual([404, ErrorCodes.KIT_NOT_FOUND]);
  });

  it('GET /metrics reports requests, latency, queue depth, rejections and RSS', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/modelkit_requests_total\{kit="ocr",status="200"\} \d+/);
    expect(text).toMatch(/modelkit_requests_total\{kit="ocr",status="400"\} \d+/);
    expect(text).toMatch(/modelkit_requests_total\{kit="unknown",status="404"\} 1/);
    expect(text).toMatch(/modelkit_request_duration_seconds_bucket\{le="0.5",kit="ocr"\} \d+/);
    expect(text).toMatch(/modelkit_queue_depth\{kit="ocr"\} 0/);
    expect(text).toContain('# TYPE modelkit_rejections_total counter');
    expect(text).toMatch(/modelkit_rss_bytes \d+/);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
  });

  it('close() lets an in-flight request finish, then refuses new connections', async () => {
    const inFlight = post(server, '/v1/ocr', sample, { 'content-type': 'image/png' });
    await new Promise((r) => setTimeout(r, 30));
    const closing = server.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(textsOf(res.json)).toEqual(SAMPLE_TEXT);
    await closing;
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

describe('serve: limits (in-process runner, no queue)', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ kits: ['ocr'], port: 0, workers: 0, queue: 0, timeoutMs: 5, maxBodyBytes: 16 * 1024 });
    await server.ready;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('413 E_PAYLOAD_TOO_LARGE over the body limit, for raw, JSON and multipart bodies', async () => {
    const big = Buffer.alloc(40 * 1024, 1);
    const raw = await post(server, '/v1/ocr', big, { 'content-type': 'image/png' });
    expect([raw.status, raw.json.error?.code]).toEqual([413, ErrorCodes.PAYLOAD_TOO_LARGE]);
    const json = await post(server, '/v1/ocr', JSON.stringify({ image: big.toString('base64') }), { 'content-type': 'application/json' });
    expect([json.status, json.json.error?.code]).toEqual([413, ErrorCodes.PAYLOAD_TOO_LARGE]);
    const form = await post(server, '/v1/ocr', multipart(big));
    expect([form.status, form.json.error?.code]).toEqual([413, ErrorCodes.PAYLOAD_TOO_LARGE]);
  });

  it('503 E_TIMEOUT past the time limit, 429 with Retry-After while the runner is busy', async () => {
    // Three at once: the first takes the only runner and outlives its 5 ms limit; with no
    // queue the others are refused at once.
    const results = await Promise.all([0, 1, 2].map(() => post(server, '/v1/ocr', sample, { 'content-type': 'image/png' })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([429, 429, 503]);
    const timedOut = results.find((r) => r.status === 503)!;
    expect(timedOut.json.error?.code).toBe(ErrorCodes.TIMEOUT);
    for (const r of results.filter((x) => x.status === 429)) {
      expect(r.json.error?.code).toBe(ErrorCodes.SERVER_BUSY);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/modelkit_rejections_total\{kit="ocr",reason="queue_full"\} 2/);
    expect(metrics).toMatch(/modelkit_rejections_total\{kit="ocr",reason="timeout"\} 1/);
  });
});
