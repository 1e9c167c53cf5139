import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRegistry } from '@modelkit/core';
import type { ModelCard } from '@modelkit/core';
import type { InstalledKit } from '../src';
import { kitsLoader, run } from './helpers';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

// Bytes made here, so the test owns its fixtures.
const goodBytes = Buffer.from('weights of a tiny test model\n'.repeat(40));
const labelsBytes = Buffer.from('cat\ndog\n');
const remoteBytes = Buffer.from('weights served over http\n'.repeat(100));

function card(id: string, files: ModelCard['files'], extra: Partial<ModelCard> = {}): ModelCard {
  return { id, task: 'classification', version: '1.0.0', license: 'Apache-2.0', origin: { name: 'modelkit tests' }, files, ...extra };
}

describe('models commands', () => {
  let dir: string;
  let home: string;
  let server: Server;
  let baseUrl: string;
  let registry: ModelRegistry;
  const savedHome = process.env['MODELKIT_HOME'];

  const goodCard = (): ModelCard =>
    card(
      'good-model',
      [
        { name: 'model.onnx', sha256: sha256(goodBytes), size: goodBytes.length, source: { type: 'bundled', path: 'models/good.onnx' } },
        { name: 'labels.txt', sha256: sha256(labelsBytes), size: labelsBytes.length, source: { type: 'bundled', path: 'models/labels.txt' } },
      ],
      {
        description: 'a model for tests',
        input: { layout: 'nchw', channelOrder: 'bgr', height: 32, width: 32 },
        labels: ['cat', 'dog', 'bird', 'fish', 'cow', 'pig', 'hen', 'fox', 'owl', 'bee'],
        origin: { name: 'modelkit tests', url: 'https://example.invalid/origin', notice: 'Copyright the tests' },
      },
    );
  // Same size, wrong hash: the file on disk has been tampered with.
  const badCard = (): ModelCard =>
    card('bad-model', [{ name: 'model.onnx', sha256: sha256(Buffer.from('something else')), size: goodBytes.length, source: { type: 'bundled', path: 'models/good.onnx' } }]);
  const remoteCard = (): ModelCard =>
    card('remote-model', [{ name: 'remote.bin', sha256: sha256(remoteBytes), size: remoteBytes.length, source: { type: 'url', url: `${baseUrl}/remote.bin` } }], {
      task: 'detection',
      license: 'MIT',
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modelkit-cli-models-'));
    mkdirSync(join(dir, 'models'));
    writeFileSync(join(dir, 'models', 'good.onnx'), goodBytes);
    writeFileSync(join(dir, 'models', 'labels.txt'), labelsBytes);
    server = createServer((req, res) => {
      if (req.url === '/remote.bin') res.writeHead(200, { 'content-length': remoteBytes.length }).end(remoteBytes);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    // A fresh, empty cache per test: URL files start "not downloaded".
    home = mkdtempSync(join(dir, 'home-'));
    process.env['MODELKIT_HOME'] = home;
    registry = new ModelRegistry();
    registry.register(goodCard(), { baseDir: dir });
    registry.register(remoteCard());
  });

  afterEach(() => {
    if (savedHome === undefined) delete process.env['MODELKIT_HOME'];
    else process.env['MODELKIT_HOME'] = savedHome;
  });

  describe('list', () => {
    it('prints a table of every card', async () => {
      const r = await run(['models', 'list'], { registry });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]?.split(/\s{2,}/)).toEqual(['ID', 'TASK', 'VERSION', 'LICENCE', 'FILES', 'SOURCES']);
      expect(lines[1]?.split(/\s{2,}/)).toEqual(['good-model', 'classification', '1.0.0', 'Apache-2.0', '2 (1.17 kB)', 'bundled']);
      expect(lines[2]?.split(/\s{2,}/)).toEqual(['remote-model', 'detection', '1.0.0', 'MIT', '1 (2.50 kB)', 'url']);
    });

    it('prints the cards as JSON', async () => {
      const r = await run(['models', 'list', '--json'], { registry });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([goodCard(), remoteCard()]);
    });

    it('adds the cards installed kits export', async () => {
      const kit: InstalledKit = { name: 'fake', commands: [], loadModelCards: async () => [badCard(), goodCard()] };
      const r = await run(['models', 'list'], { registry, kits: kitsLoader(kit) });
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').map((l) => l.split(' ')[0])).toEqual(['ID', 'bad-model', 'good-model', 'remote-model', '']);
    });

    it('says when there are no cards', async () => {
      const r = await run(['models', 'list'], { registry: new ModelRegistry() });
      expect(r).toEqual({ code: 0, stdout: 'No model cards: install a kit, e.g. npm i @modelkit/ocr\n', stderr: '' });
    });
  });

  describe('info', () => {
    it('describes a card as text', async () => {
      const r = await run(['models', 'info', 'good-model'], { registry });
      expect(r.code).toBe(0);
      const c = goodCard();
      expect(r.stdout).toContain('id:          good-model\ntask:        classification\nversion:     1.0.0\n');
      expect(r.stdout).toContain('licence:     Apache-2.0\n');
      expect(r.stdout).toContain('origin:      modelkit tests <https://example.invalid/origin>\n');
      expect(r.stdout).toContain('notice:      Copyright the tests\n');
      expect(r.stdout).toContain('input:       layout=nchw channelOrder=bgr height=32 width=32\n');
      expect(r.stdout).toContain('labels:      cat, dog, bird, fish, cow, pig, hen, fox, ... (10 in all)\n');
      expect(r.stdout).toContain('files: 2 (1.17 kB)\n  model.onnx\n');
      expect(r.stdout).toContain(`    sha256: ${c.files[0]?.sha256}\n`);
      expect(r.stdout).toContain('    source: bundled models/good.onnx\n');
      expect(r.stdout).toContain(`    size:   1.16 kB (${goodBytes.length} bytes)\n`);
    });

    it('prints a card as JSON', async () => {
      const r = await run(['models', 'info', 'remote-model', '--json'], { registry });
      expect(JSON.parse(r.stdout)).toEqual(remoteCard());
    });

    it('fails on an unknown id with one line naming the known ids', async () => {
      const r = await run(['models', 'info', 'nope'], { registry });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('modelkit: Unknown model "nope". Known models: good-model, remote-model. (E_MODEL_NOT_FOUND)\n');
    });
  });

  describe('verify', () => {
    it('re-hashes good files and reports URL files that are not cached', async () => {
      const r = await run(['models', 'verify'], { registry });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')).toEqual([
        `OK         good-model/model.onnx  ${join(dir, 'models', 'good.onnx')}`,
        `OK         good-model/labels.txt  ${join(dir, 'models', 'labels.txt')}`,
        'NOT CACHED remote-model/remote.bin  not downloaded yet (`modelkit models verify --download` fetches and checks it)',
        '2 models, 3 files: 2 ok, 0 failed, 1 not cached',
        '',
      ]);
    });

    it('fails with exit 1 when a file does not match its card', async () => {
      registry.register(badCard(), { baseDir: dir });
      const r = await run(['models', 'verify'], { registry });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`FAILED     bad-model/model.onnx  sha256 ${sha256(goodBytes)}, expected ${badCard().files[0]?.sha256}\n`);
      expect(r.stdout).toContain('OK         good-model/model.onnx');
      expect(r.stdout).toContain('3 models, 4 files: 2 ok, 1 failed, 1 not cached\n');
      expect(r.stderr).toBe('modelkit: 1 of 4 model files failed verification (E_CHECKSUM_MISMATCH)\n');
    });

    it('verifies only the ids given, and rejects unknown ids before hashing', async () => {
      registry.register(badCard(), { baseDir: dir });
      const ok = await run(['models', 'verify', 'good-model'], { registry });
      expect(ok.code).toBe(0);
      expect(ok.stdout).not.toContain('bad-model');
      const unknown = await run(['models', 'verify', 'good-model', 'nope'], { registry });
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toMatch(/^modelkit: Unknown model "nope".* \(E_MODEL_NOT_FOUND\)\n$/);
    });

    it('fails when a bundled file is missing', async () => {
      registry.register(card('lost-model', [{ name: 'gone.onnx', sha256: sha256(goodBytes), size: 1, source: { type: 'bundled', path: 'models/gone.onnx' } }]), {
        baseDir: dir,
      });
      const r = await run(['models', 'verify', 'lost-model'], { registry });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^FAILED {5}lost-model\/gone\.onnx {2}.*gone\.onnx does not exist\n/);
      expect(r.stderr).toBe('modelkit: 1 of 1 model files failed verification (E_FILE_NOT_FOUND)\n');
    });

    it('downloads missing URL files with --download, with a progress bar when interactive', async () => {
      const r = await run(['models', 'verify', 'remote-model', '--download'], { registry, interactive: true });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`OK         remote-model/remote.bin  ${join(home, 'models', 'remote-model', '1.0.0', 'remote.bin')}\n1 models, 1 files: 1 ok, 0 failed\n`);
      expect(r.stderr).toContain('download remote-model/remote.bin');
      // Cached now: a plain verify (which never downloads) finds and re-hashes it.
      const again = await run(['models', 'verify', 'remote-model', '--json'], { registry });
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ id: 'remote-model', result: 'OK', name: 'remote.bin', status: 'ok', actual: sha256(remoteBytes) });
    });

    it('reports a failed download as FAILED', async () => {
      registry.register(card('missing-remote', [{ name: 'x.bin', sha256: sha256(remoteBytes), size: remoteBytes.length, source: { type: 'url', url: `${baseUrl}/absent.bin` } }]));
      const r = await run(['models', 'verify', 'missing-remote', '--download'], { registry });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^FAILED {5}missing-remote\/x\.bin {2}.*HTTP 404.*\(E_DOWNLOAD_FAILED\)\n/);
      expect(r.stderr).toBe('modelkit: 1 of 1 model files failed verification (E_DOWNLOAD_FAILED)\n');
    });
  });

  describe('add', () => {
    const kit = (): InstalledKit => ({
      name: 'fake',
      commands: [],
      loadModelCards: async () => [goodCard()],
      loadDefinition: async () => ({ createOptions: { recModel: { type: 'model', description: '', default: 'good-model', flag: '--rec-model <x>' } } }) as never,
    });

    it('downloads once, checks the sha256, writes a card read like the kit card, then lists and verifies it', async () => {
      const url = `${baseUrl}/remote.bin`;
      const r = await run(['models', 'add', url, '--sha256', sha256(remoteBytes), '--kit', 'fake', '--name', 'mine', '--license', 'MIT'], { registry, kits: kitsLoader(kit()) });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('use it: modelkit fake --rec-model mine IMAGE...');
      expect(r.stdout).toContain('note: good-model also has labels.txt');
      // Downloaded once, straight to where the card resolves: no copy left in the URL cache.
      expect(readdirSync(join(home, 'models', 'url'))).toEqual([]);
      const list = await run(['models', 'info', 'mine', '--json'], { registry: new ModelRegistry(), kits: kitsLoader(kit()) });
      expect(JSON.parse(list.stdout)).toMatchObject({
        id: 'mine',
        task: 'classification',
        license: 'MIT',
        input: goodCard().input,
        labels: goodCard().labels,
        files: [{ name: 'model.onnx', sha256: sha256(remoteBytes), size: remoteBytes.length, source: { type: 'url', url } }],
      });
      const verify = await run(['models', 'verify', 'mine'], { registry: new ModelRegistry() });
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(/^OK\s+mine\/model\.onnx/);
      const again = await run(['models', 'add', url, '--sha256', sha256(remoteBytes), '--kit', 'fake', '--name', 'mine'], { registry: new ModelRegistry(), kits: kitsLoader(kit()) });
      expect(again.stderr).toMatch(/a model named 'mine' exists already; pick another --name or pass --force/);
    });

    it('refuses a wrong hash, keeping nothing, and names missing pieces', async () => {
      const url = `${baseUrl}/remote.bin`;
      const bad = await run(['models', 'add', url, '--sha256', '0'.repeat(64), '--kit', 'fake'], { registry, kits: kitsLoader(kit()) });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('E_CHECKSUM_MISMATCH');
      expect((await run(['models', 'list', '--json'], { registry: new ModelRegistry() })).stdout.trim()).toBe('[]');
      expect((await run(['models', 'add', url, '--kit', 'fake'], { registry, kits: kitsLoader(kit()) })).stderr).toContain('give --sha256 HEX');
      expect((await run(['models', 'add', url, '--sha256', sha256(remoteBytes), '--kit', 'nope'], { registry, kits: kitsLoader(kit()) })).stderr).toContain(
        "no installed kit 'nope'",
      );
      expect((await run(['models', 'add', url, '--sha256', sha256(remoteBytes), '--kit', 'fake', '--name', 'good-model'], { registry, kits: kitsLoader(kit()) })).stderr).toContain(
        "a model named 'good-model' exists already",
      );
    });
  });
});
