import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { defaultRegistry, loadImage, resizeImageSync } from '@modelkit/core';
import { selectBackend } from '@modelkit/train-core';
import { centreCrop, EMBED_SIZE, extractFeatures, featureCacheDir, FRAME_FEATURES_CARD, FrameEmbedder, loadFrameBackbone, registerVideotagModels, VideoSource } from '../src';
import { DET_SAMPLES, lavfiClip } from './fixtures/clips';

let dir: string;
let embedder: FrameEmbedder;
const home = process.env.MODELKIT_HOME;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'videotag-features-'));
  process.env.MODELKIT_HOME = join(dir, 'home');
  registerVideotagModels();
  embedder = await FrameEmbedder.create((await defaultRegistry.resolve(FRAME_FEATURES_CARD.id)).paths['model.onnx']);
});
afterAll(async () => {
  await embedder.release();
  process.env.MODELKIT_HOME = home;
  await rm(dir, { recursive: true, force: true });
});

test('the shipped ONNX frame model equals the trainable tfjs model it was converted from', async () => {
  await selectBackend({ prefer: 'wasm' });
  // A frame decoded at short side 256 (as ffmpeg delivers them): its 224 centre crop is fed as is.
  const photo = await loadImage(join(DET_SAMPLES, 'chelsea.jpg'));
  const frame = resizeImageSync(photo, Math.round((photo.width * 256) / photo.height), 256);
  const { embeddings, safety } = await embedder.embed([frame]);
  expect(embeddings[0]).toHaveLength(1280);
  const crop = centreCrop(frame);
  expect([crop.width, crop.height]).toEqual([EMBED_SIZE, EMBED_SIZE]);
  const backbone = await loadFrameBackbone({ outputs: 'both' });
  const x = tf.tidy(() => tf.expandDims(tf.div(tf.tensor3d(crop.data, [EMBED_SIZE, EMBED_SIZE, 3], 'float32'), 255), 0));
  const [emb, probs] = backbone.predict(x) as tf.Tensor[];
  const e = emb.dataSync();
  let diff = 0;
  for (let i = 0; i < e.length; i++) diff = Math.max(diff, Math.abs(e[i] - embeddings[0][i]));
  expect(diff).toBeLessThan(1e-4);
  expect(Array.from(probs.dataSync()).indexOf(Math.max(...probs.dataSync()))).toBe(Array.from(safety[0]).indexOf(Math.max(...safety[0])));
  // The first layers are frozen as nsfwjs shipped them; trainableFrom unfreezes from a layer on.
  const tail = await loadFrameBackbone({ trainableFrom: 'block_16_expand' });
  expect(tail.trainableWeights.length).toBeGreaterThan(0);
  expect(tail.trainableWeights.length).toBeLessThan(backbone.trainableWeights.length);
  await expect(loadFrameBackbone({ trainableFrom: 'no_such_layer' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  tf.dispose([x, emb, probs]);
  backbone.dispose();
  tail.dispose();
});

test('different pictures give different embeddings; the same picture the same one', async () => {
  const a = centreCrop(await loadImage(join(DET_SAMPLES, 'chelsea.jpg')));
  const b = centreCrop(await loadImage(join(DET_SAMPLES, 'astronaut.jpg')));
  const { embeddings } = await embedder.embed([a, b, a]);
  const cos = (u: Float32Array, v: Float32Array): number => {
    let d = 0, nu = 0, nv = 0;
    for (let i = 0; i < u.length; i++) { d += u[i] * v[i]; nu += u[i] ** 2; nv += v[i] ** 2; }
    return d / Math.sqrt(nu * nv);
  };
  expect(embeddings[0]).toEqual(embeddings[2]);
  expect(cos(embeddings[0], embeddings[1])).toBeLessThan(0.9);
});

test('features are cached per content and settings: a renamed copy hits, other settings miss', async () => {
  const clip = await lavfiClip(join(dir, 'a.mp4'), 'testsrc=s=160x120:r=10:d=2');
  const models = { embedder, embedderId: 'test-embedder' };
  const run = async (file: string, segments: number) => {
    const source = await VideoSource.open(file);
    try {
      return await extractFeatures(source, models, { sampling: { mode: 'segments', segments }, sceneThreshold: 0.3 });
    } finally {
      await source.close();
    }
  };
  const first = await run(clip, 4);
  expect(first.cached).toBe(false);
  expect(first.features.times).toHaveLength(4);
  expect(first.features.embeddings).toHaveLength(4 * 1280);
  expect(first.features.thumbnails).toHaveLength(4);
  expect(first.timings.decode).toBeGreaterThan(0);
  const { copyFile } = await import('node:fs/promises');
  await copyFile(clip, join(dir, 'renamed.mp4'));
  const second = await run(join(dir, 'renamed.mp4'), 4);
  expect(second.cached).toBe(true);
  expect(second.features.embeddings).toEqual(first.features.embeddings);
  expect(second.features.thumbnails).toEqual(first.features.thumbnails);
  expect(second.features.times).toEqual(first.features.times);
  expect((await run(clip, 5)).cached).toBe(false);
  expect(existsSync(featureCacheDir())).toBe(true);
  expect((await readdir(featureCacheDir())).filter((f) => f.endsWith('.json'))).toHaveLength(2);
});
