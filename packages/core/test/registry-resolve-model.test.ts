import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRegistry, findInt8Variant, loadUserCards, parseModelUrl, requireInt8Variant, resolveModel } from '../src';
import type { ModelCard } from '../src';
import { startServer } from './registry-test-server';
import type { TestServer } from './registry-test-server';

const body = Buffer.from('not really onnx, but bytes with a hash');
const sha = createHash('sha256').update(body).digest('hex');
const like: ModelCard = {
  id: 'base',
  task: 'detection',
  version: '1',
  files: [{ name: 'model.onnx', sha256: sha, size: body.length, source: { type: 'bundled', path: 'x.onnx' } }],
  input: { width: 416 },
  labels: ['a', 'b'],
  license: 'Apache-2.0',
  origin: { name: 'us' },
};

let dir: string;
let server: TestServer;
const saved = { home: process.env.MODELKIT_HOME, offline: process.env.MODELKIT_OFFLINE };
beforeAll(async () => {
  server = await startServer({ '/m/model.onnx': { body } });
});
afterAll(() => server.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mk-res-'));
  process.env.MODELKIT_HOME = join(dir, 'home');
  delete process.env.MODELKIT_OFFLINE;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [k, v] of [['MODELKIT_HOME', saved.home], ['MODELKIT_OFFLINE', saved.offline]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('resolveModel', () => {
  it('downloads a URL once into the cache by sha256, reading it like the kit card', async () => {
    const url = `${server.url('/m/model.onnx')}#sha256=${sha}`;
    const first = await resolveModel(url, { like, what: 'model (--model)' });
    expect(first.kind).toBe('url');
    expect(first.paths['model.onnx']).toBe(join(dir, 'home', 'models', 'url', sha, 'model.onnx'));
    expect(first.card).toMatchObject({ task: 'detection', input: { width: 416 }, labels: ['a', 'b'], license: 'NOASSERTION', files: [{ sha256: sha, size: body.length }] });
    const requests = server.requests.length;
    process.env.MODELKIT_OFFLINE = '1';
    await resolveModel(url, { like });
    expect(server.requests.length).toBe(requests); // cached: no network, offline is fine
  });

  it('refuses a URL without a sha256, a wrong sha256, and downloads while offline', async () => {
    await expect(resolveModel(server.url('/m/model.onnx'), { what: 'detModel (--det-model)' })).rejects.toMatchObject({
      code: 'E_INVALID_ARGUMENT',
      message: expect.stringContaining('detModel (--det-model): a model URL needs'),
    });
    await expect(resolveModel(`${server.url('/m/model.onnx')}#sha256=${'0'.repeat(64)}`)).rejects.toMatchObject({ code: 'E_CHECKSUM_MISMATCH' });
    process.env.MODELKIT_OFFLINE = '1';
    await expect(resolveModel(`${server.url('/m/model.onnx')}#sha256=${sha}`)).rejects.toMatchObject({ code: 'E_OFFLINE' });
  });

  it('reads files, card files and folders written by training; names the option when missing', async () => {
    const file = join(dir, 'm.onnx');
    writeFileSync(file, body);
    expect(await resolveModel(file, { like })).toMatchObject({ kind: 'file', paths: { 'model.onnx': file }, card: { input: { width: 416 } } });
    await expect(resolveModel(join(dir, 'missing.onnx'), { what: 'clsModel (--cls-model)' })).rejects.toMatchObject({
      code: 'E_FILE_NOT_FOUND',
      message: expect.stringContaining('clsModel (--cls-model)'),
    });
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'x.onnx'), body);
    writeFileSync(join(run, 'model.card.json'), JSON.stringify({ ...like, id: 'trained' }));
    const folder = await resolveModel(run, { registry: new ModelRegistry() });
    expect(folder).toMatchObject({ kind: 'folder', card: { id: 'trained' }, paths: { 'model.onnx': join(run, 'x.onnx') } });
    await expect(resolveModel(dir)).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining('no model.card.json') });
  });

  it('finds the int8 variant of a model in the user cards, and says how to make a missing one', () => {
    const registry = new ModelRegistry();
    registry.register(like);
    expect(findInt8Variant('base', registry)).toBeUndefined();
    expect(() => requireInt8Variant('base', 'det', registry)).toThrow(expect.objectContaining({ code: 'E_MODEL_NOT_FOUND', message: expect.stringContaining('modelkit compress quantize --kit det') }));
    mkdirSync(join(dir, 'home', 'cards'), { recursive: true });
    writeFileSync(join(dir, 'home', 'cards', 'base-int8.json'), JSON.stringify({ ...like, id: 'base-int8' }));
    expect(findInt8Variant('base', registry)).toBe('base-int8');
    expect(requireInt8Variant('base-int8', 'det', registry)).toBe('base-int8');
  });

  it('finds user cards in MODELKIT_HOME/cards and lists known ids for an unknown one', async () => {
    const registry = new ModelRegistry();
    await expect(resolveModel('mine', { registry })).rejects.toMatchObject({ code: 'E_MODEL_NOT_FOUND' });
    mkdirSync(join(dir, 'home', 'cards'), { recursive: true });
    const card = { ...like, id: 'mine', files: [{ ...like.files[0], source: { type: 'url', url: server.url('/m/model.onnx') } }] };
    writeFileSync(join(dir, 'home', 'cards', 'mine.json'), JSON.stringify(card));
    const r = await resolveModel('mine', { registry });
    expect(r.kind).toBe('registry');
    expect(loadUserCards(registry).map((c) => c.id)).toEqual(['mine']);
    // A user card may carry its own file next to it (what a tool like compress writes).
    mkdirSync(join(dir, 'home', 'cards', 'local'));
    writeFileSync(join(dir, 'home', 'cards', 'local', 'model.onnx'), body);
    const local = { ...like, id: 'local-int8', files: [{ ...like.files[0], source: { type: 'bundled', path: 'local/model.onnx' } }] };
    writeFileSync(join(dir, 'home', 'cards', 'local-int8.json'), JSON.stringify(local));
    expect((await resolveModel('local-int8', { registry })).paths['model.onnx']).toBe(join(dir, 'home', 'cards', 'local', 'model.onnx'));
    writeFileSync(join(dir, 'home', 'cards', 'bad.json'), '{');
    expect(() => loadUserCards(new ModelRegistry())).toThrow(expect.objectContaining({ code: 'E_BAD_JSON' }));
  });

  it('parseModelUrl splits the sha256 fragment', () => {
    expect(parseModelUrl('https://h/x.onnx#sha256=ABC')).toEqual({ url: 'https://h/x.onnx', sha256: 'abc' });
    expect(parseModelUrl('https://h/x.onnx')).toEqual({ url: 'https://h/x.onnx' });
  });
});
