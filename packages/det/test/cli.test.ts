import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryIO, ErrorCodes, kitCommands } from '@modelkit/core';
import { kit, SAMPLE_CAT_IMAGE, SAMPLE_IMAGE } from '../src';

const [command] = kitCommands(kit);

async function run(args: string[], options: Record<string, unknown>, sub?: string): Promise<{ code: number | void; out: string; err: string }> {
  const io = createMemoryIO();
  const cmd = sub ? command.subcommands!.find((c) => c.name === sub)! : command;
  const code = await cmd.run!(args, { threads: 1, ...options }, io);
  return { code, out: io.out(), err: io.err() };
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'modelkit-det-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('det command', () => {
  it('prints JSONL per image and writes visualisations into -o', async () => {
    const out = join(tmp, 'vis');
    const r = await run([SAMPLE_IMAGE, SAMPLE_CAT_IMAGE], { json: true, visualize: true, out });
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.image)).toEqual([SAMPLE_IMAGE, SAMPLE_CAT_IMAGE]);
    expect(lines[0].detections[0]).toEqual({ label: 'person', classId: 0, score: expect.any(Number), box: [expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number)] });
    expect(lines[1].detections[0].label).toBe('cat');
    expect(lines[0].timings).toEqual({ decode: expect.any(Number), preprocess: expect.any(Number), inference: expect.any(Number), postprocess: expect.any(Number), total: expect.any(Number) });
    expect((await readdir(out)).sort()).toEqual(['astronaut.det.png', 'chelsea.det.png']);
  });

  it('prints label, score, box lines as text', async () => {
    const r = await run([SAMPLE_IMAGE], { scoreThreshold: 0.5 });
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^person\t0\.\d\d\t[\d.]+,[\d.]+,[\d.]+,[\d.]+$/);
    expect(r.err).toMatch(/astronaut\.jpg: \d+ objects? in \d+ ms/);
  });

  it('reports a bad image as a JSON error line and exits 1', async () => {
    const bad = join(tmp, 'bad.jpg');
    await writeFile(bad, 'garbage');
    const r = await run([bad, SAMPLE_IMAGE], { json: true });
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].error.code).toBe(ErrorCodes.IMAGE_DECODE);
    expect(lines[1].detections.length).toBeGreaterThan(0);
  });

  it('typed errors for no images, bad numbers and unknown models', async () => {
    await expect(run([], {})).rejects.toMatchObject({ code: ErrorCodes.USAGE });
    await expect(run([SAMPLE_IMAGE], { scoreThreshold: 'abc' })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await expect(run([SAMPLE_IMAGE], { model: 'no-such-model' })).rejects.toMatchObject({ code: ErrorCodes.MODEL_NOT_FOUND, message: expect.stringContaining('model (--model)') });
    await expect(run([SAMPLE_IMAGE], { model: 'http://127.0.0.1:9/m.onnx' })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT, message: expect.stringContaining('sha256') });
  });
});

describe('det --model URL', () => {
  it('downloads the model once from a URL with its sha256 (a local server), then runs it offline from the cache', async () => {
    const { createServer } = await import('node:http');
    const { readFile } = await import('node:fs/promises');
    const { defaultRegistry } = await import('@modelkit/core');
    const { NANODET_G_416 } = await import('../src');
    const modelPath = (await defaultRegistry.resolve(NANODET_G_416.id)).paths['model.onnx'];
    const bytes = await readFile(modelPath);
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const saved = { home: process.env.MODELKIT_HOME, offline: process.env.MODELKIT_OFFLINE };
    process.env.MODELKIT_HOME = join(tmp, 'home');
    try {
      const url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/nanodet.onnx`;
      const first = await run([SAMPLE_IMAGE], { model: url, sha256: NANODET_G_416.files[0].sha256, json: true });
      expect(first.code).toBe(0);
      expect(JSON.parse(first.out).detections[0].label).toBe('person');
      process.env.MODELKIT_OFFLINE = '1';
      const again = await run([SAMPLE_IMAGE], { model: `${url}#sha256=${NANODET_G_416.files[0].sha256}`, json: true });
      expect(JSON.parse(again.out).detections[0].label).toBe('person');
      expect(requests).toBe(1);
      await expect(run([SAMPLE_IMAGE], { model: url, sha256: 'f'.repeat(64) })).rejects.toMatchObject({ code: ErrorCodes.OFFLINE });
    } finally {
      for (const [k, v] of [['MODELKIT_HOME', saved.home], ['MODELKIT_OFFLINE', saved.offline]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('det eval', () => {
  it('fails with a typed error naming the folder when the data is missing', async () => {
    await expect(run([], { data: join(tmp, 'absent') }, 'eval')).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND, message: expect.stringContaining('absent') });
  });

  it('scores a self-made one-image set (hand-labelled person box, COCO category id 1)', async () => {
    const data = join(tmp, 'data');
    await mkdir(join(data, 'det', 'images'), { recursive: true });
    await copyFile(SAMPLE_IMAGE, join(data, 'det', 'images', 'astronaut.jpg'));
    const gt = {
      images: [{ id: 5, file_name: 'det/images/astronaut.jpg', width: 512, height: 512 }],
      annotations: [{ id: 1, image_id: 5, category_id: 1, bbox: [18, 14, 347, 498], area: 150000, iscrowd: 0 }],
      categories: [
        { id: 1, name: 'person' },
        { id: 90, name: 'toothbrush' },
      ],
    };
    await writeFile(join(data, 'det', 'det_gt_coco.json'), JSON.stringify(gt));
    const r = await run([], { data }, 'eval');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.metrics.AP50).toBeCloseTo(1, 4);
    expect(report.metrics.AP).toBeGreaterThan(0.5);
    expect(report.metrics.APsmall).toBe(-1);
    expect(report.perCategory.toothbrush).toBe(-1);
    expect(report.images).toBe(1);
  });
});
