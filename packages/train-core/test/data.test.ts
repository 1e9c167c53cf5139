import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { saveImage } from '@modelkit/core';
import { ArrayDataset, DataLoader, generateShapes, ImageFolderDataset, randomHorizontalFlip, SeededRng, type Dataset, type Example } from '../src';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function indexData(n: number): ArrayDataset {
  return new ArrayDataset({ inputs: Array.from({ length: n }, (_, i) => [i]), inputShape: [1], targets: Array.from({ length: n }, (_, i) => i % 3) });
}

async function collect(loader: DataLoader, seed: number, start = 0): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of loader.epoch(seed, start)) {
    out.push(Array.from(b.x.dataSync()));
    tf.dispose([b.x, b.y]);
  }
  return out;
}

test('ArrayDataset from a tensor and index targets; one-hot batches', async () => {
  const inputs = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
  const ds = new ArrayDataset({ inputs, targets: tf.tensor1d([2, 0, 1]) });
  inputs.dispose();
  expect(ds.numClasses).toBe(3);
  expect(ds.get(1, new SeededRng(0))).toEqual({ input: Float32Array.from([3, 4]), target: 0 });
  const loader = new DataLoader(ds, { batchSize: 2, shuffle: false });
  const batches = [];
  for await (const b of loader.epoch(0)) {
    batches.push({ x: b.x.arraySync(), y: b.y.arraySync(), size: b.size });
    tf.dispose([b.x, b.y]);
  }
  expect(batches).toEqual([
    { x: [[1, 2], [3, 4]], y: [[0, 0, 1], [1, 0, 0]], size: 2 },
    { x: [[5, 6]], y: [[0, 1, 0]], size: 1 },
  ]);
  expect(() => new ArrayDataset({ inputs: [[1]], inputShape: [1], targets: [0, 1] })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
});

test('DataLoader: seeded shuffles cover every sample once; resume from a batch sees the same batches', async () => {
  const loader = new DataLoader(indexData(10), { batchSize: 3 });
  expect(loader.batchesPerEpoch).toBe(4);
  const a = await collect(loader, 123);
  expect(a.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(await collect(loader, 123)).toEqual(a);
  expect(await collect(loader, 124)).not.toEqual(a);
  expect(await collect(loader, 123, 2)).toEqual(a.slice(2));
  const dropLast = new DataLoader(indexData(10), { batchSize: 3, dropLast: true });
  expect((await collect(dropLast, 1)).length).toBe(3);
});

test('DataLoader prefetches the next batch while the current one is in use', async () => {
  const events: string[] = [];
  const slow: Dataset = {
    length: 6,
    inputShape: [1],
    targetShape: [2],
    numClasses: 2,
    async get(i): Promise<Example> {
      events.push(`load ${i}`);
      await new Promise((r) => setTimeout(r, 5));
      return { input: Float32Array.of(i), target: i % 2 };
    },
  };
  const loader = new DataLoader(slow, { batchSize: 2, shuffle: false });
  for await (const b of loader.epoch(0)) {
    events.push(`use ${b.index}`);
    await new Promise((r) => setTimeout(r, 20));
    tf.dispose([b.x, b.y]);
  }
  // Batch 1's samples start loading before batch 0 is handed out.
  expect(events.indexOf('load 2')).toBeLessThan(events.indexOf('use 0'));
  expect(events.indexOf('load 4')).toBeLessThan(events.indexOf('use 1'));
});

test('DataLoader leaks no tensors when the consumer stops early', async () => {
  const loader = new DataLoader(indexData(9), { batchSize: 2 });
  const before = tf.memory().numTensors;
  for await (const b of loader.epoch(1)) {
    tf.dispose([b.x, b.y]);
    break;
  }
  expect(tf.memory().numTensors).toBe(before);
});

describe('ImageFolderDataset', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mk-imgfolder-'));
    const shapes = generateShapes({ count: 6, size: 20, numClasses: 2, seed: 4 });
    for (const name of shapes.classNames) await mkdir(join(root, name));
    for (let i = 0; i < 6; i++) {
      const data = new Uint8Array(20 * 20 * 3);
      shapes.images.subarray(i * 1200, (i + 1) * 1200).forEach((v, k) => (data[k] = Math.round(v * 255)));
      await saveImage({ data, width: 20, height: 20 }, join(root, shapes.classNames[shapes.labels[i]], `img${i}.png`));
    }
    await writeFile(join(root, 'circle', 'notes.txt'), 'not an image');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('lists class folders, loads lazily with resize and augmentation', async () => {
    const ds = await ImageFolderDataset.create(root, { size: 16, transform: randomHorizontalFlip(1) });
    expect(ds.classNames).toEqual(['circle', 'square']);
    expect(ds.length).toBe(6);
    expect(ds.inputShape).toEqual([16, 16, 3]);
    const ex = await ds.get(0, new SeededRng(0));
    expect(ex.target).toBe(0);
    expect(ex.input.length).toBe(16 * 16 * 3);
    expect(ex.input.every((v) => v >= 0 && v <= 1)).toBe(true);
    const loader = new DataLoader(ds, { batchSize: 4 });
    const shapes = [];
    for await (const b of loader.epoch(3)) {
      shapes.push(b.x.shape);
      tf.dispose([b.x, b.y]);
    }
    expect(shapes).toEqual([[4, 16, 16, 3], [2, 16, 16, 3]]);
  });

  test('normalises with mean/std; missing folder is a typed error', async () => {
    const ds = await ImageFolderDataset.create(root, { size: [8, 4], mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    expect(ds.inputShape).toEqual([4, 8, 3]);
    const ex = await ds.get(5, new SeededRng(0));
    expect(Math.min(...ex.input)).toBeGreaterThanOrEqual(-1);
    expect(Math.min(...ex.input)).toBeLessThan(0);
    await expect(ImageFolderDataset.create(join(root, 'nope'), { size: 8 })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  });
});

test('generateShapes is deterministic and balanced', () => {
  const a = generateShapes({ count: 8, size: 16, seed: 2 });
  expect(a.images).toEqual(generateShapes({ count: 8, size: 16, seed: 2 }).images);
  expect(Array.from(a.labels)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  expect(a.classNames).toEqual(['circle', 'square', 'triangle', 'cross']);
});
