import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMemoryIO, decodeOnnx } from '@modelkit/core';
import type { CliCommand } from '@modelkit/core';
import { commands } from '../src/cli';
import { writeTinyData } from './fixtures/tiny-kit';
import { useTempHome } from './fixtures/temp-home';

const compress = commands[0]!;
const sub = (name: string): CliCommand => compress.subcommands!.find((c) => c.name === name)!;

const tempDir = useTempHome('compress-cli-');

describe('modelkit compress', () => {
  it('has quantize, report, storage and prune with their flags', () => {
    expect(compress.name).toBe('compress');
    expect(compress.subcommands!.map((c) => c.name)).toEqual(['quantize', 'report', 'storage', 'prune']);
    const flags = sub('quantize').options!.map((o) => o.flags.split(' ')[0]);
    for (const f of ['--kit', '--model', '--calib', '--val', '--method', '--max-loss', '--out', '--prefer', '--no-register']) expect(flags).toContain(f);
  });

  it('quantizes a bare .onnx by output agreement, then prints the report again', async () => {
    const model = await writeTinyData(tempDir(), 10);
    const out = join(tempDir(), 'out');
    const io = createMemoryIO();
    const code = await sub('quantize').run!([], { model, calib: join(tempDir(), 'tiny', 'imgs'), out, prefer: 'size', maxLoss: 50, rounds: 2, threads: 1, register: false }, io);
    expect(code).toBe(0);
    expect(io.out()).toMatch(/validation by output agreement/);
    expect(io.out()).toMatch(/\| model +\| tiny +\| tiny-int8/);
    expect(io.err()).toMatch(/report: .*report\.json/);
    const again = createMemoryIO();
    expect(await sub('report').run!([out], {}, again)).toBe(0);
    expect(again.out()).toBe(io.out());
    const json = createMemoryIO();
    await sub('report').run!([join(out, 'report.json')], { json: true }, json);
    expect(JSON.parse(json.out()).models[0].chosen.id).toBe('tiny-int8');
  }, 120000);

  it('writes fp16 and int8-weight storage versions', async () => {
    const model = join(tempDir(), 'tiny.onnx');
    for (const to of ['fp16', 'int8-weights']) {
      const file = join(tempDir(), `tiny-${to}.onnx`);
      const io = createMemoryIO();
      await sub('storage').run!([model], { to, out: file }, io);
      expect(io.out()).toMatch(new RegExp(`weight tensors as ${to}`));
      expect(decodeOnnx(await readFile(file)).graph.initializers.some((t) => t.dataType === (to === 'fp16' ? 'float16' : 'int8'))).toBe(true);
    }
  });

  it('gives usage errors, not stack traces', async () => {
    const io = createMemoryIO();
    await expect(sub('quantize').run!([], { calib: tempDir() }, io)).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(sub('quantize').run!([], { kit: 'det' }, io)).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(sub('quantize').run!([], { kit: 'no-such-kit', calib: tempDir() }, io)).rejects.toMatchObject({ code: 'E_KIT_NOT_FOUND' });
    await expect(sub('quantize').run!([], { model: 'x.onnx', calib: tempDir(), kitOptions: '[1]' }, io)).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(sub('report').run!([join(tempDir(), 'nowhere')], {}, io)).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
    await expect(sub('storage').run!([join(tempDir(), 'tiny.onnx')], { to: 'fp16' }, io)).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
