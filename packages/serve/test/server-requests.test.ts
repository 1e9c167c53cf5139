import { ErrorCodes, InvalidArgumentError } from '@modelkit/core';
import type { KitDefinition } from '@modelkit/core';
import { queryOptions } from '../src/request-image';
import { startServer } from '../src/server';
import type { ServerHandle } from '../src/server';
import { fakeKit } from './helpers/fake-kit';

type Json = Record<string, unknown> & { error?: { code: string; message: string; details?: Record<string, unknown> } };

async function send(server: ServerHandle, method: string, path: string, body?: string | Buffer | FormData, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { method, body, headers });
  const text = await res.text();
  let json: Json | undefined;
  try {
    json = JSON.parse(text) as Json;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json: json ?? {} };
}

const png = (bytes: string): Blob => new Blob([Buffer.from(bytes)], { type: 'image/png' });

describe('serve: requests to an in-memory kit', () => {
  let server: ServerHandle;
  const log: string[] = [];

  beforeAll(async () => {
    // A kit whose runner refuses every request the way a kit refuses a bad option.
    const refuser: KitDefinition = {
      ...fakeKit({ name: 'refuser' }),
      async createRunner() {
        return {
          run: async () => {
            throw new InvalidArgumentError("Unknown refuser run option 'x'; it takes no options", { details: { option: 'x', valid: [] } });
          },
          dispose: async () => undefined,
        };
      },
    };
    server = await startServer({ kits: [fakeKit({ log }), refuser], port: 0, workers: 0 });
    await server.ready;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('runs a raw body with options from the query, JSON or form fields', async () => {
    const raw = await send(server, 'POST', '/v1/fake?offset=2', Buffer.from('abcd'), { 'content-type': 'image/png' });
    expect([raw.status, raw.json.bytes, raw.json.offset]).toEqual([200, 4, 2]);
    const json = await send(server, 'POST', '/v1/fake', JSON.stringify({ image: Buffer.from('abc').toString('base64'), offset: 3 }), {
      'content-type': 'application/json',
    });
    expect([json.status, json.json.bytes, json.json.offset]).toEqual([200, 3, 3]);
    const form = new FormData();
    form.append('offset', '4');
    form.append('image', png('ab'), 'a.png');
    const multi = await send(server, 'POST', '/v1/fake', form);
    expect([multi.status, multi.json.bytes, multi.json.offset]).toEqual([200, 2, 4]);
  });

  it('400 E_INVALID_ARGUMENT for options the kit does not take, from any part of the request', async () => {
    const query = await send(server, 'POST', '/v1/fake?limitSideLen=640', Buffer.from('abcd'), { 'content-type': 'image/png' });
    expect([query.status, query.json.error?.code]).toEqual([400, ErrorCodes.INVALID_ARGUMENT]);
    expect(query.json.error?.message).toContain('limitSideLen');
    expect(query.json.error?.message).toContain('offset'); // lists the valid ones
    const json = await send(server, 'POST', '/v1/fake', JSON.stringify({ image: 'YWJj', dropScore: 1 }), { 'content-type': 'application/json' });
    expect([json.status, json.json.error?.code]).toEqual([400, ErrorCodes.INVALID_ARGUMENT]);
    const form = new FormData();
    form.append('dropScore', '1');
    form.append('image', png('ab'), 'a.png');
    const multi = await send(server, 'POST', '/v1/fake', form);
    expect([multi.status, multi.json.error?.code]).toEqual([400, ErrorCodes.INVALID_ARGUMENT]);
    const badValue = await send(server, 'POST', '/v1/fake?offset=abc', Buffer.from('abcd'), { 'content-type': 'image/png' });
    expect([badValue.status, badValue.json.error?.code]).toEqual([400, ErrorCodes.INVALID_ARGUMENT]);

    const refused = await send(server, 'POST', '/v1/refuser?x=1', Buffer.from('abcd'), { 'content-type': 'image/png' });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toEqual({
      code: ErrorCodes.INVALID_ARGUMENT,
      message: "Unknown refuser run option 'x'; it takes no options",
      details: { option: 'x', valid: [] },
    });
  });

  it('two or more files in one multipart request: 400 E_INVALID_ARGUMENT, send one image per request', async () => {
    const runs = log.length;
    for (const count of [2, 3]) {
      const form = new FormData();
      for (let i = 0; i < count; i++) form.append(i === 0 ? 'image' : `other${i}`, png('abcd'), `${i}.png`);
      const res = await send(server, 'POST', '/v1/fake', form);
      expect([res.status, res.json.error?.code]).toEqual([400, ErrorCodes.INVALID_ARGUMENT]);
      expect(res.json.error?.message).toContain('send one image per request');
    }
    const twoImages = new FormData();
    twoImages.append('image', png('abcd'), 'a.png');
    twoImages.append('image', png('efgh'), 'b.png');
    const res = await send(server, 'POST', '/v1/fake', twoImages);
    expect([res.status, res.json.error?.code]).toEqual([400, ErrorCodes.INVALID_ARGUMENT]);
    expect(log.length).toBe(runs); // nothing ran
    // The server still answers normally afterwards.
    const ok = new FormData();
    ok.append('image', png('abcd'), 'a.png');
    expect((await send(server, 'POST', '/v1/fake', ok)).status).toBe(200);
  });

  it('405 E_METHOD_NOT_ALLOWED with Allow: POST on the kit route', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const res = await send(server, method, '/v1/fake');
      expect([method, res.status, res.headers.get('allow'), res.json.error?.code]).toEqual([method, 405, 'POST', ErrorCodes.METHOD_NOT_ALLOWED]);
    }
    const get = await send(server, 'GET', '/v1/fake?offset=1');
    expect(get.json.error?.message).toBe('GET /v1/fake is not allowed; this route takes POST');
    const head = await send(server, 'HEAD', '/v1/fake');
    expect([head.status, head.headers.get('allow')]).toEqual([405, 'POST']);
    // Any name, served or not: the method is wrong before the name is.
    expect((await send(server, 'GET', '/v1/nope')).status).toBe(405);
  });

  it('405 with Allow: GET, HEAD on the read-only routes; HEAD and GET still work', async () => {
    for (const path of ['/', '/healthz', '/readyz', '/metrics', '/v1/models']) {
      const res = await send(server, 'POST', path, '{}', { 'content-type': 'application/json' });
      expect([path, res.status, res.headers.get('allow'), res.json.error?.code]).toEqual([path, 405, 'GET, HEAD', ErrorCodes.METHOD_NOT_ALLOWED]);
      expect((await send(server, 'HEAD', path)).status).toBe(200);
    }
    expect((await send(server, 'DELETE', '/healthz')).status).toBe(405);
    const models = await send(server, 'GET', '/v1/models');
    expect((models.json.kits as { name: string }[]).map((k) => k.name)).toEqual(['fake', 'refuser']);
  });

  it('404 for a path that does not exist, with any method', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await send(server, method, '/v2/fake');
      expect([res.status, res.json.error?.code]).toEqual([404, ErrorCodes.INVALID_ARGUMENT]);
    }
  });

  it('counts only POSTs to kits in the request metrics', async () => {
    const text = (await send(server, 'GET', '/metrics')).json;
    expect(text).toEqual({}); // Prometheus text, not JSON
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/modelkit_requests_total\{kit="fake",status="400"\} \d+/);
    expect(metrics).not.toMatch(/status="405"/);
  });
});

describe('queryOptions', () => {
  it('parses scalars and keeps server-level parameters out of the kit options', () => {
    expect(queryOptions({ offset: '2', flag: 'true', name: 'x' })).toEqual({ offset: 2, flag: true, name: 'x' });
    expect(queryOptions({ offset: '2', token: 'secret' }, new Set(['token']))).toEqual({ offset: 2 });
    expect(queryOptions(undefined)).toEqual({});
  });
});
