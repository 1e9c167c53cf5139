// The kit contract: option schemas, defineKit's runner, and the command template, on a
// tiny kit whose "model" measures the mean brightness of an image (real pixels in, real
// numbers out, no model files needed).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOptions, createMemoryIO, defineKit, encodeImage, kitCommands, makeDirs, saveImage, toRgbImage } from '../src';
import type { CliCommand, KitResult, OptionSchema, RgbImage } from '../src';

interface Brightness extends KitResult {
  mean: number;
  bright: boolean;
}

class Meter {
  released = false;
  constructor(readonly scale: number) {}
}

function brightnessKit(evalPassed = true) {
  return defineKit({
    name: 'bright',
    description: 'mean brightness',
    modelCards: [],
    createOptions: { scale: { type: 'number', min: 0, description: 'multiplier', default: 1 } } as OptionSchema<{ scale?: number }>,
    runOptions: { threshold: { type: 'number', min: 0, max: 255, description: 'bright above this', default: 128 } } as OptionSchema<{ threshold?: number }>,
    evalOptions: { limit: { type: 'integer', min: 1, description: 'images to score' } },
    async create(o, { session }) {
      expect(session).toEqual(expect.any(Object));
      return new Meter(o.scale ?? 1);
    },
    async run(m, input, o): Promise<Brightness> {
      const t0 = performance.now();
      const img = await toRgbImage(input);
      let sum = 0;
      for (const v of img.data) sum += v;
      const mean = (m.scale * sum) / img.data.length;
      const total = performance.now() - t0;
      return { mean, bright: mean > (o.threshold ?? 128), timings: { decode: 0, preprocess: 0, inference: total, postprocess: 0, total } };
    },
    async dispose(m) {
      m.released = true;
    },
    summarize: (r) => `mean ${r.mean.toFixed(1)}`,
    formatText: (r) => (r.bright ? 'bright' : 'dark'),
    async saveVisualization(_r, image, file) {
      await saveImage(image, file);
    },
    evalFiles: (dir) => [join(dir, 'bright', 'gt.json')],
    async evaluate(_m, _dir, o) {
      return { images: Number(o.limit ?? 3), passed: evalPassed, ...(o.gt !== undefined && { gt: o.gt }) };
    },
  });
}

function gray(value: number, w = 4, h = 3): RgbImage {
  return { width: w, height: h, data: new Uint8Array(w * h * 3).fill(value) };
}

async function run(cmd: CliCommand, args: string[], flags: Record<string, unknown>) {
  const io = createMemoryIO();
  const code = await cmd.run!(args, flags, io);
  return { code, out: io.out(), err: io.err() };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mk-kit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('checkOptions', () => {
  const schema = { n: { type: 'integer' as const, min: 1, description: '' }, mode: { type: 'string' as const, choices: ['a', 'b'], description: '' }, on: { type: 'boolean' as const, description: '' } };
  it('converts text, drops undefined and refuses unknown keys naming the valid ones', () => {
    expect(checkOptions('x', schema, { n: '3', on: 'false', mode: undefined })).toEqual({ n: 3, on: false });
    expect(() => checkOptions('det run', schema, { nn: 1 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: "Unknown det run option 'nn'; valid options: n, mode, on" }));
    expect(() => checkOptions('x', schema, { n: 0 })).toThrow("x option 'n' must be >= 1, got 0");
    expect(() => checkOptions('x', schema, { n: 1.5 })).toThrow('must be an integer');
    expect(() => checkOptions('x', schema, { mode: 'c' })).toThrow("one of 'a', 'b'");
    expect(() => checkOptions('x', {}, { a: 1 })).toThrow('it takes no options');
    expect(() => checkOptions('x', schema, [1])).toThrow('must be an object');
  });
});

describe('defineKit', () => {
  it('adds the shared session keys, checks options and runs one input at a time as JSON', async () => {
    const kit = brightnessKit();
    expect(Object.keys(kit.createOptions)).toEqual(['threads', 'spinning', 'optimization', 'scale']);
    await expect(kit.createRunner({ threads: 0 })).rejects.toThrow("bright option 'threads' must be >= 1");
    await expect(kit.createRunner({ model: 'x' } as Parameters<typeof kit.createRunner>[0])).rejects.toThrow("Unknown bright option 'model'; valid options: threads, spinning, optimization, scale");
    const runner = await kit.createRunner({ threads: 1, scale: 2 });
    const png = await encodeImage(gray(100), 'png');
    const [a, b] = await Promise.all([runner.run(png), runner.run(png, { threshold: '250' })]);
    expect(a).toMatchObject({ mean: 200, bright: true });
    expect(b).toMatchObject({ mean: 200, bright: false });
    await expect(runner.run(png, { thresh: 1 })).rejects.toThrow("Unknown bright run option 'thresh'; valid options: threshold");
    await runner.dispose();
    await expect(runner.run(png)).rejects.toMatchObject({ code: 'E_SESSION_RELEASED' });
  });

  it('refuses a bad kit name and a create option that shadows a session key', () => {
    const spec = { ...brightnessKit() };
    expect(() => defineKit({ ...spec, name: 'Bad Name' })).toThrow('lower-case');
    expect(() => defineKit({ ...spec, createOptions: { threads: { type: 'integer', description: '' } } as unknown as typeof spec.createOptions })).toThrow('shared session option');
  });
});

describe('kitCommands', () => {
  const [cmd] = kitCommands(brightnessKit());
  const evalCmd = cmd.subcommands!.find((c) => c.name === 'eval')!;

  it('has the common flags and the kit options as flags', () => {
    const flags = cmd.options!.map((o) => o.flags);
    expect(flags).toEqual(expect.arrayContaining(['-o, --out <dir>', '--json', '--visualize', '--sha256 <hex>', '--threads <n>', '--scale <n>', '--threshold <n>']));
    expect(cmd.options!.find((o) => o.flags === '--threshold <n>')!.description).toContain('(default: 128)');
    expect(evalCmd.options!.map((o) => o.flags)).toEqual(expect.arrayContaining(['--data <dir>', '--limit <n>', '--threads <n>']));
  });

  it('prints text or JSON per image, reports bad ones and exits 1', async () => {
    const a = join(dir, 'a.png');
    await saveImage(gray(200), a);
    writeFileSync(join(dir, 'broken.png'), 'not an image');
    const text = await run(cmd, [a, join(dir, 'broken.png')], { threshold: 100 });
    expect(text.code).toBe(1);
    expect(text.out).toBe(`==> ${a} <==\nbright\n`);
    expect(text.err).toMatch(/a\.png: mean 200\.0 in \d+ ms\n.*broken\.png: E_IMAGE_DECODE/s);
    const json = await run(cmd, [a], { json: true });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ image: a, mean: 200, bright: true, timings: { total: expect.any(Number) } });
  });

  it('keeps relative paths under -o, separates same-named inputs and never overwrites an input', async () => {
    for (const p of ['x/p.png', 'y/p.png', 'y/p.jpg']) {
      const file = join(dir, p);
      await makeDirs(join(file, '..'));
      await saveImage(gray(10), file);
    }
    const out = join(dir, 'out');
    const r = await run(cmd, [join(dir, 'x/p.png'), join(dir, 'y/p.png'), join(dir, 'y/p.jpg')], { visualize: true, out });
    expect(r.code).toBe(0);
    for (const f of ['x/p.bright.png', 'y/p.png.bright.png', 'y/p.jpg.bright.png']) expect(existsSync(join(out, f))).toBe(true);
    // An input whose name is another input's output: refused with a typed error, input intact.
    const victim = join(dir, 'x', 'p.bright.png');
    await saveImage(gray(99), victim);
    const before = readFileSync(victim);
    const r2 = await run(cmd, [join(dir, 'x/p.png'), victim], { visualize: true, out: join(dir, 'x') });
    expect(r2.code).toBe(1);
    expect(r2.err).toContain('E_OUTPUT_CONFLICT');
    expect(readFileSync(victim)).toEqual(before);
  });

  it('fails with a typed error when the output folder cannot be made, before loading models', async () => {
    const a = join(dir, 'a.png');
    await saveImage(gray(1), a);
    writeFileSync(join(dir, 'file'), 'x');
    await expect(run(cmd, [a], { visualize: true, out: join(dir, 'file', 'sub') })).rejects.toMatchObject({ code: 'E_NOT_A_DIRECTORY' });
    await expect(run(cmd, [a], { visualize: true, out: '/proc/modelkit-test/out' })).rejects.toMatchObject({ code: 'E_NOT_WRITABLE' });
  });

  it('eval: a missing data folder or labelled file is an error naming it; passed false exits 1', async () => {
    await expect(run(evalCmd, [], { data: join(dir, 'nope') })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining('nope does not exist') });
    await expect(run(evalCmd, [], { data: dir })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining('gt.json') });
    writeFileSync(join(dir, 'gt.json'), '{}');
    await makeDirs(join(dir, 'bright'));
    writeFileSync(join(dir, 'bright', 'gt.json'), '{}');
    const ok = await run(evalCmd, [], { data: dir, limit: 2 });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({ images: 2, passed: true });
    // --gt scores another labelled file, relative to the data folder; it must exist.
    writeFileSync(join(dir, 'bright', 'large.json'), '{}');
    const large = await run(evalCmd, [], { data: dir, gt: 'bright/large.json' });
    expect(JSON.parse(large.out)).toEqual({ images: 3, passed: true, gt: join(dir, 'bright', 'large.json') });
    await expect(run(evalCmd, [], { data: dir, gt: 'bright/none.json' })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining('none.json') });
    const [failing] = kitCommands(brightnessKit(false));
    const bad = await run(failing.subcommands!.find((c) => c.name === 'eval')!, [], { data: dir });
    expect(bad.code).toBe(1);
  });

  it('--sha256 needs exactly one model URL', async () => {
    const a = join(dir, 'a.png');
    await saveImage(gray(1), a);
    await expect(run(cmd, [a], { sha256: 'ab' })).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});

describe('OutputPaths', () => {
  it('names outputs after inputs, adding folders or extensions only to tell them apart', () => {
    const { OutputPaths } = jest.requireActual('../src') as typeof import('../src');
    const inputs = ['/d/a/x.jpg', '/e/b/x.jpg', '/d/a/y.png', '/d/a/y.jpg', '/far/away/z.png'];
    const p = new OutputPaths('/out', inputs);
    expect(inputs.map((i) => p.path(i, '.k.png'))).toEqual(['/out/a/x.k.png', '/out/b/x.k.png', '/out/y.png.k.png', '/out/y.jpg.k.png', '/out/z.k.png']);
    expect(p.path('/d/a/x.jpg', '.other.png')).toBe('/out/a/x.other.png');
    expect(() => new OutputPaths('/d/a', ['/d/a/x.jpg', '/d/a/x.k.png']).path('/d/a/x.jpg', '.k.png')).toThrow(expect.objectContaining({ code: 'E_OUTPUT_CONFLICT' }));
  });
});

describe('kitCommands for a video kit', () => {
  // A "video" kit whose input is a text file of frame brightness values, one per line: the
  // template passes the path through (no image decoding), and the kit's preview makes the
  // picture --visualize draws on.
  interface Clip extends KitResult {
    frames: number[];
  }
  function videoKit(withPreview: boolean) {
    const none = {} as OptionSchema<Record<string, never>>;
    return defineKit<object, Record<string, never>, Record<string, never>, Clip, object>({
      name: 'clip',
      description: 'frames from a text file',
      input: 'video',
      modelCards: [],
      createOptions: none,
      runOptions: none,
      async create() {
        return {};
      },
      async run(_p, input): Promise<Clip> {
        expect(typeof input).toBe('string');
        const frames = readFileSync(input as string, 'utf8').trim().split('\n').map(Number);
        return { frames, timings: { decode: 0, preprocess: 0, inference: 0, postprocess: 0, total: 0 } };
      },
      async dispose() {},
      summarize: (r) => `${r.frames.length} frames`,
      formatText: (r) => r.frames.join(' '),
      async saveVisualization(_r, image, file) {
        await saveImage(image, file);
      },
      preview: withPreview ? async (r) => ({ width: r.frames.length, height: 1, data: Uint8Array.from(r.frames.flatMap((v) => [v, v, v])) }) : undefined,
      evalFiles: () => [],
      async evaluate() {
        return {};
      },
    });
  }

  it('passes paths through, prints {"video", …} and draws --visualize on the preview', async () => {
    const clip = join(dir, 'clip.txt');
    writeFileSync(clip, '10\n200\n30\n');
    const [cmd] = kitCommands(videoKit(true));
    expect(cmd.arguments).toBe('<videos...>');
    const out = join(dir, 'out');
    const r = await run(cmd, [clip], { json: true, visualize: true, out });
    expect(r.code).toBe(0);
    const line = JSON.parse(r.out);
    expect(line).toMatchObject({ video: clip, frames: [10, 200, 30], files: [join(out, 'clip.clip.png')] });
    expect(line).not.toHaveProperty('image');
    const drawn = await toRgbImage(join(out, 'clip.clip.png'));
    expect([drawn.width, drawn.height, drawn.data[3]]).toEqual([3, 1, 200]);
  });

  it('refuses --visualize before loading when a video kit has no preview', async () => {
    const clip = join(dir, 'clip.txt');
    writeFileSync(clip, '1\n');
    const [cmd] = kitCommands(videoKit(false));
    await expect(run(cmd, [clip], { visualize: true, out: join(dir, 'o') })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('--visualize') });
    expect(JSON.parse((await run(cmd, [clip], { json: true })).out)).toMatchObject({ video: clip, frames: [1] });
  });
});
