import { ModelRegistry, parseModelCard, type ModelCard } from '../src';

const GOOD: ModelCard = {
  id: 'demo-det',
  task: 'detection',
  version: '2.1',
  description: 'a demo card',
  license: 'Apache-2.0',
  origin: { name: 'modelkit', url: 'https://example.invalid/demo' },
  input: { layout: 'nchw', mean: [1, 2, 3] },
  labels: ['cat', 'dog'],
  files: [
    { name: 'model.onnx', sha256: 'AB'.repeat(32), size: 10, source: { type: 'url', url: 'https://example.invalid/m.onnx' } },
    { name: 'keys.txt', sha256: 'cd'.repeat(32), size: 5, source: { type: 'npm', package: '@scope/pkg', path: 'assets/keys.txt' } },
    { name: 'labels.txt', sha256: 'ef'.repeat(32), size: 3, source: { type: 'bundled', path: 'models/labels.txt' } },
  ],
};

/** A deep copy of GOOD with one change applied. */
function variant(change: (c: Record<string, any>) => void): unknown {
  const c = structuredClone(GOOD) as unknown as Record<string, any>;
  change(c);
  return c;
}

function codeAndField(fn: () => unknown): { code?: string; field?: unknown; message?: string } {
  try {
    fn();
  } catch (err) {
    const e = err as { code?: string; details?: { field?: unknown }; message?: string };
    return { code: e.code, field: e.details?.field, message: e.message };
  }
  throw new Error('expected an error');
}

describe('parseModelCard', () => {
  it('accepts a good card, from an object or JSON text, and lower-cases sha256', () => {
    const card = parseModelCard(GOOD);
    expect(card.files[0]!.sha256).toBe('ab'.repeat(32));
    expect(card).toEqual({ ...GOOD, files: [{ ...GOOD.files[0]!, sha256: 'ab'.repeat(32) }, GOOD.files[1], GOOD.files[2]] });
    expect(parseModelCard(JSON.stringify(GOOD), 'card.json')).toEqual(card);
    // The input is copied, not shared or mutated.
    expect(card.input).not.toBe(GOOD.input);
    expect(GOOD.files[0]!.sha256).toBe('AB'.repeat(32));
  });

  it('rejects bad JSON text naming the source', () => {
    const r = codeAndField(() => parseModelCard('{"id": "x",', 'models/x.json'));
    expect(r.code).toBe('E_BAD_JSON');
    expect(r.message).toContain('models/x.json');
    expect(r.message).toContain('not valid JSON');
  });

  it.each([
    ['missing id', (c: Record<string, any>) => delete c.id, 'id', 'is missing'],
    ['id with a slash', (c: Record<string, any>) => (c.id = '../evil'), 'id', 'invalid'],
    ['missing license', (c: Record<string, any>) => delete c.license, 'license', 'is missing'],
    ['version with a path', (c: Record<string, any>) => (c.version = 'a/b'), 'version', 'invalid'],
    ['files not an array', (c: Record<string, any>) => (c.files = {}), 'files', 'must be an array'],
    ['no files', (c: Record<string, any>) => (c.files = []), 'files', 'at least one'],
    ['short sha256', (c: Record<string, any>) => (c.files[1].sha256 = 'abc'), 'files[1].sha256', '64 hex'],
    ['non-hex sha256', (c: Record<string, any>) => (c.files[0].sha256 = 'zz'.repeat(32)), 'files[0].sha256', '64 hex'],
    ['negative size', (c: Record<string, any>) => (c.files[0].size = -1), 'files[0].size', 'non-negative integer'],
    ['missing size', (c: Record<string, any>) => delete c.files[2].size, 'files[2].size', 'is missing'],
    ['bad source type', (c: Record<string, any>) => (c.files[0].source = { type: 'ftp' }), 'files[0].source.type', '"bundled", "npm" or "url"'],
    ['ftp url', (c: Record<string, any>) => (c.files[0].source.url = 'ftp://x/y'), 'files[0].source.url', 'http(s) URL'],
    ['npm path escaping the package', (c: Record<string, any>) => (c.files[1].source.path = '../other/x'), 'files[1].source.path', 'inside the package'],
    ['absolute bundled path', (c: Record<string, any>) => (c.files[2].source.path = '/etc/passwd'), 'files[2].source.path', 'relative'],
    ['file name with a slash', (c: Record<string, any>) => (c.files[0].name = 'a/b.onnx'), 'files[0].name', 'plain file name'],
    ['duplicate file names', (c: Record<string, any>) => (c.files[1].name = 'model.onnx'), 'files[1].name', 'repeats'],
    ['labels not strings', (c: Record<string, any>) => (c.labels = ['a', 3]), 'labels[1]', 'must be a string'],
    ['origin without name', (c: Record<string, any>) => (c.origin = {}), 'origin.name', 'is missing'],
  ])('rejects %s with E_BAD_JSON and the field path', (_label, change, field, problem) => {
    const r = codeAndField(() => parseModelCard(variant(change)));
    expect(r).toMatchObject({ code: 'E_BAD_JSON', field });
    expect(r.message).toContain(field);
    expect(r.message).toContain(problem);
  });

  it('rejects non-objects', () => {
    expect(codeAndField(() => parseModelCard(42))).toMatchObject({ code: 'E_BAD_JSON' });
    expect(codeAndField(() => parseModelCard('[1,2]'))).toMatchObject({ code: 'E_BAD_JSON' });
  });
});

describe('ModelRegistry cards', () => {
  it('registers, lists sorted, gets, and validates on register', () => {
    const r = new ModelRegistry();
    r.register({ ...GOOD, id: 'zeta' });
    r.register(GOOD);
    expect(r.list().map((c) => c.id)).toEqual(['demo-det', 'zeta']);
    expect(r.get('demo-det').files).toHaveLength(3);
    expect(r.has('zeta')).toBe(true);
    expect(Object.isFrozen(r.get('demo-det').files[0])).toBe(true);
    expect(codeAndField(() => r.register({ ...GOOD, id: 'bad', files: [] }))).toMatchObject({ code: 'E_BAD_JSON', field: 'files' });
  });

  it('treats re-registering the same card as a no-op but refuses a different card under the same id', () => {
    const r = new ModelRegistry();
    r.register(GOOD);
    r.register(structuredClone(GOOD));
    expect(codeAndField(() => r.register({ ...GOOD, version: '3.0' }))).toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    expect(r.unregister('demo-det')).toBe(true);
    r.register({ ...GOOD, version: '3.0' });
    expect(r.get('demo-det').version).toBe('3.0');
  });

  it('registerDefaults adds missing cards and keeps a card the user registered under the same id', () => {
    const r = new ModelRegistry();
    const mine = { ...GOOD, description: 'my own build' };
    r.register(mine);
    const other = { ...GOOD, id: 'demo-other' };
    r.registerDefaults([GOOD, other]);
    r.registerDefaults([GOOD, other]);
    expect(r.get('demo-det').description).toBe('my own build');
    expect(r.list().map((c) => c.id)).toEqual(['demo-det', 'demo-other']);
  });

  it('get of an unknown id throws E_MODEL_NOT_FOUND listing the known ids', async () => {
    const r = new ModelRegistry();
    expect(codeAndField(() => r.get('nope')).message).toContain('No models are registered');
    r.register(GOOD);
    r.register({ ...GOOD, id: 'other' });
    const e = codeAndField(() => r.get('nope'));
    expect(e.code).toBe('E_MODEL_NOT_FOUND');
    expect(e.message).toContain('Known models: demo-det, other');
    await expect(r.resolve('nope')).rejects.toMatchObject({ code: 'E_MODEL_NOT_FOUND' });
  });
});
