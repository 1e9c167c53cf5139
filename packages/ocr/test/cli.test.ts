import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createMemoryIO, kitCommands } from '@modelkit/core';
import { kit, SAMPLE_IMAGE, SAMPLE_TEXT } from '../src';

const [ocrCommand] = kitCommands(kit);
const evalCommand = ocrCommand.subcommands!.find((c) => c.name === 'eval')!;

describe('modelkit ocr', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelkit-ocr-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one JSON object per image with --json, an error line for a bad image, and visualisations', async () => {
    const m = createMemoryIO();
    const missing = join(dir, 'missing.png');
    const code = await ocrCommand.run!([SAMPLE_IMAGE, missing], { json: true, visualize: true, out: join(dir, 'vis') }, m);
    expect(code).toBe(1);
    const rows = m.out().trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0])).toEqual(['image', 'lines', 'width', 'height', 'timings', 'files']);
    expect(rows[0].image).toBe(SAMPLE_IMAGE);
    expect(rows[0].lines.map((l: { text: string }) => l.text)).toEqual([...SAMPLE_TEXT]);
    expect(Object.keys(rows[0].lines[0])).toEqual(['text', 'score', 'box']);
    expect(rows[0].lines[0].box).toHaveLength(4);
    for (const k of ['decode', 'preprocess', 'inference', 'postprocess', 'total', 'det', 'crop', 'cls', 'rec']) expect(rows[0].timings[k]).toBeGreaterThanOrEqual(0);
    const t = rows[0].timings;
    expect(t.decode + t.preprocess + t.inference + t.postprocess).toBeCloseTo(t.total, 3);
    expect(rows[0].files).toEqual([join(dir, 'vis', 'hello-modelkit.ocr.png')]);
    expect(rows[1]).toMatchObject({ image: missing, error: { code: 'E_FILE_NOT_FOUND' } });
    const files = await readdir(join(dir, 'vis'));
    expect(files).toEqual(['hello-modelkit.ocr.png']);
    expect((await sharp(join(dir, 'vis', files[0])).metadata()).width).toBe(1280);
  });

  it('prints plain text without --json and honours knobs', async () => {
    const m = createMemoryIO();
    expect(await ocrCommand.run!([SAMPLE_IMAGE], { cls: false, limitSideLen: '640', boxThresh: '0.5' }, m)).toBe(0);
    expect(m.out()).toBe(`${SAMPLE_TEXT.join('\n')}\n`);
    await expect(ocrCommand.run!([SAMPLE_IMAGE], { thresh: 'abc' }, createMemoryIO())).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  it('eval: a missing data folder is an error naming it', async () => {
    await expect(evalCommand.run!([], { data: join(dir, 'no-data') }, createMemoryIO())).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND', message: expect.stringContaining('no-data') });
  });

  it('the runner refuses unknown per-call options with the valid ones, and creation-only knobs', async () => {
    const runner = await kit.createRunner({ threads: 1 });
    try {
      await expect(runner.run(SAMPLE_IMAGE, { boxThresh: 0.3 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: "Unknown ocr run option 'boxThresh'; valid options: dropScore" });
      const all = (await runner.run(SAMPLE_IMAGE)) as { lines: { score: number }[] };
      const strict = (await runner.run(SAMPLE_IMAGE, { dropScore: 0.999 })) as { lines: { score: number }[] };
      expect(strict.lines.length).toBeLessThanOrEqual(all.lines.length);
      expect(strict.lines.every((l) => l.score >= 0.999)).toBe(true);
    } finally {
      await runner.dispose();
    }
  });
});
