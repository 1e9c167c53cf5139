// Kits are found from package.json alone: the fixture packages under fixtures/kits are a
// complete third-party kit, a broken one and a commands-only package, loaded the way real
// installs are (Node's require from the package's own folder, not jest's module system).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createKitLoader } from '../src';
import { run } from './helpers';

// Shared with serve's tests: the same folders must work in every generic tool.
const FIXTURES = join(__dirname, '..', '..', '..', 'tools', 'fixtures', 'kits');
const kits = createKitLoader({ nodeModules: [FIXTURES] });

let dir: string;
let light: string;
let dark: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'modelkit-cli-kits-'));
  light = join(dir, 'light.png');
  dark = join(dir, 'dark.png');
  await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 250, g: 240, b: 230 } } }).png().toFile(light);
  await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toFile(dark);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createKitLoader', () => {
  it('finds the declared packages in order, and a broken one without breaking the others', async () => {
    const found = await kits();
    expect(found.map((k) => [k.name, k.error === undefined])).toEqual([
      ['bright', true],
      ['broken', false],
      ['extra', true],
    ]);
    expect(found[0].commands.map((c) => c.name)).toEqual(['bright']);
    expect(found[2].commands.map((c) => c.name)).toEqual(['hello']);
    expect(await found[0].loadModelCards()).toEqual([]);
  });
});

describe('a kit that is only a folder with a package.json field', () => {
  it('gets the template command: text, JSON, flags from its option schema', async () => {
    const text = await run(['bright', light, dark], { kits });
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`==> ${light} <==\nbright\n==> ${dark} <==\ndark\n`);
    const json = await run(['bright', '--json', '--threshold', '5', '--gain', '0.5', dark], { kits });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ image: dark, bright: true, mean: 10, timings: { total: expect.any(Number) } });
    const help = await run(['bright', '--help'], { kits });
    expect(help.stdout).toMatch(/--threshold <n>\s+bright above this \(default: 128\)/);
    expect(help.stdout).toMatch(/--threads <n>/);
  });

  it('gets eval, visualisations and the same errors as every kit', async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'bright.json'), JSON.stringify([{ image: '../light.png', bright: true }, { image: '../dark.png', bright: false }]));
    const ev = await run(['bright', 'eval', '--data', data], { kits });
    expect(ev.code).toBe(0);
    expect(JSON.parse(ev.stdout)).toEqual({ images: 2, accuracy: 1, passed: true });
    const missing = await run(['bright', 'eval', '--data', join(dir, 'nope')], { kits });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^modelkit: bright eval: the data folder .*nope does not exist \(E_FILE_NOT_FOUND\)\n$/);
    const vis = await run(['bright', '--visualize', '-o', join(dir, 'vis'), light], { kits });
    expect(vis.stderr).toContain(`wrote ${join(dir, 'vis', 'light.bright.png')}`);
    const bad = await run(['bright', '--gain', '-1', light], { kits });
    expect(bad.stderr).toBe("modelkit: bright option 'gain' must be >= 0, got -1 (E_INVALID_ARGUMENT)\n");
  });

  it('a broken kit reports why on its own command only', async () => {
    const r = await run(['broken', 'x'], { kits });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^modelkit: modelkit-kit-broken is installed but cannot be loaded: .*Cannot find module 'modelkit-no-such-dependency'.* \(E_UNAVAILABLE\)\n$/);
    expect((await run(['hello', 'you'], { kits })).stdout).toBe('hello you\n');
    const help = (await run(['--help'], { kits })).stdout;
    expect(help).toContain('Installed kits: bright, broken (not loadable) (add one with');
    expect(help).toContain('Commands from: extra');
  });

  it('an unknown command says how kits are installed', async () => {
    const r = await run(['videotag', 'clip.mp4'], { kits });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "modelkit: unknown command 'videotag' (installed kits: bright, broken; if 'videotag' is a modelkit kit, install it: npm i @modelkit/videotag) (E_USAGE)\n",
    );
  });
});
