import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createMemoryIO } from '@modelkit/core';
import { commands } from '../src/cli';
import { SAMPLE_IMAGE, SAMPLE_TEXT } from '../src';

const ocrCommand = commands.find((c) => c.name === 'ocr')!;
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
    const code = await ocrCommand.run!([SAMPLE_IMAGE, missing], { json: true, visualize: join(dir, 'vis') }, m);
    expect(code).toBe(1);
    const rows = m.out().trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0])).toEqual(['image', 'lines', 'ms']);
    expect(rows[0].image).toBe(SAMPLE_IMAGE);
    expect(rows[0].lines.map((l: { text: string }) => l.text)).toEqual([...SAMPLE_TEXT]);
    expect(Object.keys(rows[0].lines[0])).toEqual(['text', 'score', 'box']);
    expect(rows[0].lines[0].box).toHaveLength(4);
    expect(typeof rows[0].ms).toBe('number');
    expect(rows[1]).toMatchObject({ image: missing, error: { code: 'E_FILE_NOT_FOUND' } });
    const files = await readdir(join(dir, 'vis'));
    expect(files).toEqual(['hello-modelkit.ocr.png']);
    expect((await sharp(join(dir, 'vis', files[0])).metadata()).width).toBe(1280);
  });

  it('prints plain text without --json and honours knobs', async () => {
    const m = createMemoryIO();
    expect(await ocrCommand.run!([SAMPLE_IMAGE], { cls: false, limitSideLen: '640', boxThresh: '0.5' }, m)).toBe(0);
    expect(m.out()).toBe(`${SAMPLE_TEXT.join('\n')}\n`);
    await expect(ocrCommand.run!([SAMPLE_IMAGE], { thresh: 'abc' }, createMemoryIO())).rejects.toMatchObject({ code: 'E_USAGE' });
  });

  it('skips eval cleanly when the data folder is absent', async () => {
    const m = createMemoryIO();
    expect(await evalCommand.run!([], { data: join(dir, 'no-data') }, m)).toBe(0);
    expect(m.err()).toMatch(/skipped/);
    expect(m.out()).toBe('');
  });
});
