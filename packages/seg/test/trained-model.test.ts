import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeGraph, makeModel, makeNode, makeValueInfo, sha256File, writeOnnx } from '@modelkit/core';
import type { RgbImage } from '@modelkit/core';
import { HumanSeg } from '../src';

// A stand-in for a model of `modelkit train seg`: the RGB/255 input passes through as three
// class logits (background, a, b), so the expected person probability is known in closed form.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mk-seg-trained-'));
  const graph = makeGraph({
    nodes: [makeNode('Identity', ['image'], ['logits'])],
    inputs: [makeValueInfo('image', 'float32', ['N', 8, 8, 3])],
    outputs: [makeValueInfo('logits', 'float32', ['N', 8, 8, 3])],
  });
  await writeOnnx(makeModel(graph), join(dir, 'model.onnx'));
  const card = {
    id: 'trained-three-class',
    task: 'semantic-segmentation',
    version: '1',
    description: 'test stand-in for a train seg model folder',
    files: [{ name: 'model.onnx', sha256: await sha256File(join(dir, 'model.onnx')), size: (await stat(join(dir, 'model.onnx'))).size, source: { type: 'bundled', path: 'model.onnx' } }],
    input: { name: 'image', layout: 'nhwc', channelOrder: 'rgb', scale: 1 / 255, height: 8, width: 8, output: 'class-logits' },
    labels: ['background', 'a', 'b'],
    license: 'UNLICENSED',
    origin: { name: 'test' },
  };
  await writeFile(join(dir, 'model.card.json'), JSON.stringify(card));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function flat(r: number, g: number, b: number, size = 8): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) data.set([r, g, b], i * 3);
  return { data, width: size, height: size };
}

describe('HumanSeg with a trained-model folder (class-logits)', () => {
  it('loads the folder through its card and reads foreground as 1 - softmax(background)', async () => {
    const seg = await HumanSeg.create({ model: dir, session: { threads: 1 } });
    try {
      expect([seg.outputKind, seg.outputChannels, seg.inputWidth, seg.inputHeight]).toEqual(['class-logits', 3, 8, 8]);
      const [r, g, b] = [255, 0, 128];
      const e = [r, g, b].map((v) => Math.exp(v / 255));
      const expected = 1 - e[0]! / (e[0]! + e[1]! + e[2]!);
      const { mask } = await seg.run(flat(r, g, b));
      for (const v of mask.data) expect(v).toBeCloseTo(expected, 5);
    } finally {
      await seg.dispose();
    }
  });

  it('a path with output: class-logits works without a card; an unknown output kind is refused', async () => {
    const seg = await HumanSeg.create({ model: join(dir, 'model.onnx'), output: 'class-logits', session: { threads: 1 } });
    try {
      expect(seg.outputKind).toBe('class-logits');
    } finally {
      await seg.dispose();
    }
    await expect(HumanSeg.create({ model: join(dir, 'model.onnx'), output: 'bogus' as 'two-logits' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});
