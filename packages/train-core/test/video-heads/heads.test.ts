import * as tf from '@tensorflow/tfjs-core';
import { InferenceSession } from '@modelkit/core';
import {
  Adam, ArrayDataset, binaryCrossEntropy, buildVideoHead, checkHeadConfig, exportVideoHeadToOnnx, fuseVideoHeads, selectBackend, Trainer,
  VIDEO_HEAD_KINDS, VideoTagMetrics, videoHeadPreset, type AttentionClusterConfig, type NextVladConfig, type VideoHeadConfig, type VideoHeadKind,
} from '../../src';
import { appearanceSet, orderSet, type SequenceSet } from '../fixtures/sequences';

beforeAll(async () => {
  await selectBackend({ prefer: 'wasm' });
});

const MODALITIES = [{ name: 'rgb', dim: 12 }, { name: 'objects', dim: 4 }];

/** A lite head shrunk further for tests. */
function small(kind: VideoHeadKind, data: Pick<SequenceSet, 'classes' | 'segments' | 'dim'>, seed = 1): VideoHeadConfig {
  const modalities = data.dim === 16 ? MODALITIES : [{ name: 'rgb', dim: data.dim }];
  const c = videoHeadPreset(kind, 'lite', { numClasses: data.classes, modalities, segments: data.segments, seed });
  if (c.kind === 'attention-lstm') return { ...c, embeddingSize: 16, lstmSize: 12, fcSizes: [32, 16], dropout: 0.1 };
  if (c.kind === 'attention-cluster') return { ...c, clusterNums: modalities.map(() => 4), fcSizes: [32, 16], dropout: 0.1 };
  if (c.kind === 'nextvlad') return { ...c, clusterSize: 8, groups: 4, hiddenSize: 32, gatingReduction: 4, dropout: 0.1 };
  return c;
}

function dataset(s: SequenceSet): ArrayDataset {
  return new ArrayDataset({ inputs: s.x, inputShape: [s.segments, s.dim], targets: s.y });
}

async function train(config: VideoHeadConfig, trainSet: SequenceSet, testSet: SequenceSet, epochs: number): Promise<{ trainer: Trainer; report: Record<string, number> }> {
  const model = buildVideoHead(config);
  const trainer = new Trainer({
    model,
    optimizer: new Adam({ learningRate: 3e-3 }),
    lossFn: binaryCrossEntropy({ fromLogits: true }),
    metrics: [new VideoTagMetrics()],
    seed: 3,
  });
  await trainer.fit(dataset(trainSet), { epochs, batchSize: 16 });
  return { trainer, report: await trainer.evaluate(dataset(testSet)) };
}

async function onnxProbs(config: VideoHeadConfig, model: ReturnType<typeof buildVideoHead>, x: Float32Array, n: number): Promise<Float32Array> {
  const session = await InferenceSession.create(exportVideoHeadToOnnx(model));
  try {
    const out = await session.run({ features: { data: x, dims: [n, config.segments, MODALITIES.reduce((s, m) => s + m.dim, 0)] } });
    return out.probs.data as Float32Array;
  } finally {
    await session.release();
  }
}

const APPEARANCE = { classes: 4, segments: 6, dim: 16, noise: 1.2 };

describe.each(VIDEO_HEAD_KINDS)('%s head', (kind) => {
  test('trains above chance on multi-label sequences, and its ONNX export equals tfjs after training', async () => {
    const trainSet = appearanceSet(96, { ...APPEARANCE, seed: 11 });
    const testSet = appearanceSet(48, { ...APPEARANCE, seed: 12 });
    const config = small(kind, trainSet);
    const before = tf.memory().numTensors;
    // The linear baseline learns slower than the attention heads: more (cheap) epochs.
    const { trainer, report } = await train(config, trainSet, testSet, kind === 'mean-pool' ? 40 : 12);
    // Chance Hit@1 is ~0.3 here (1.4 labels of 4 per video); GAP of random scores ~0.4.
    if (process.env.MK_PRINT) console.log(kind, report);
    expect(report.hit1).toBeGreaterThanOrEqual(0.8);
    expect(report.gap).toBeGreaterThanOrEqual(0.75);
    // The export is written from the trained weights (batch norm statistics included).
    const n = 5;
    const x = new Float32Array(n * config.segments * 16);
    testSet.x.slice(0, n).forEach((v, i) => x.set(v, i * v.length));
    const input = tf.tensor3d(x, [n, config.segments, 16]);
    const logits = trainer.model.predict(input) as tf.Tensor;
    const expected = tf.tidy(() => tf.sigmoid(logits).dataSync());
    const got = await onnxProbs(config, trainer.model, x, n);
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - expected[i]));
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([input, logits]);
    trainer.dispose();
    trainer.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

test('the LSTM head learns temporal order; order-blind mean pooling stays near chance', async () => {
  const o = { segments: 8, dim: 8, noise: 0.6 };
  const trainSet = orderSet(64, { ...o, seed: 21 });
  const testSet = orderSet(40, { ...o, seed: 22 });
  const lstm = await train(small('attention-lstm', trainSet), trainSet, testSet, 15);
  const mean = await train(small('mean-pool', trainSet), trainSet, testSet, 15);
  if (process.env.MK_PRINT) console.log('order', lstm.report, mean.report);
  expect(lstm.report.hit1).toBeGreaterThanOrEqual(0.9);
  expect(mean.report.hit1).toBeLessThanOrEqual(0.7);
  for (const t of [lstm, mean]) {
    t.trainer.dispose();
    t.trainer.model.dispose();
  }
});

test('fusion averages the heads’ probabilities with the given weights', async () => {
  const s = appearanceSet(4, { ...APPEARANCE, seed: 5 });
  const a = buildVideoHead(small('mean-pool', s, 1));
  const b = buildVideoHead(small('attention-cluster', s, 2));
  const x = new Float32Array(4 * 6 * 16);
  s.x.forEach((v, i) => x.set(v, i * v.length));
  const pa = await onnxProbs(small('mean-pool', s), a, x, 4);
  const pb = await onnxProbs(small('mean-pool', s), b, x, 4);
  const session = await InferenceSession.create(fuseVideoHeads([{ model: exportVideoHeadToOnnx(a), weight: 1 }, { model: exportVideoHeadToOnnx(b), weight: 3 }]));
  const fused = (await session.run({ features: { data: x, dims: [4, 6, 16] } })).probs.data as Float32Array;
  await session.release();
  for (let i = 0; i < fused.length; i++) expect(fused[i]).toBeCloseTo(0.25 * pa[i] + 0.75 * pb[i], 6);
  expect(() => fuseVideoHeads([])).toThrow(/at least one/);
  a.dispose();
  b.dispose();
});

test('presets reproduce the anchors’ configurations', () => {
  const data = { numClasses: 3396, modalities: [{ name: 'rgb', dim: 1280 }, { name: 'objects', dim: 80 }] };
  expect(videoHeadPreset('attention-lstm', 'paddle', data)).toMatchObject({ segments: 300, embeddingSize: 1024, lstmSize: 512, fcSizes: [8192, 4096], dropout: 0.5 });
  expect(videoHeadPreset('attention-cluster', 'paddle', data)).toMatchObject({ segments: 100, clusterNums: [32, 32], fcSizes: [1024, 4096] });
  expect(videoHeadPreset('nextvlad', 'paddle', data)).toMatchObject({ clusterSize: 128, groups: 8, expansion: 2, hiddenSize: 2048, gatingReduction: 8 });
  for (const kind of VIDEO_HEAD_KINDS) for (const p of ['paddle', 'lite'] as const) expect(() => checkHeadConfig(videoHeadPreset(kind, p, data))).not.toThrow();
  const vlad = videoHeadPreset('nextvlad', 'lite', data) as NextVladConfig;
  expect(() => checkHeadConfig({ ...vlad, groups: 7 })).toThrow(/divisible by groups/);
  const cluster = videoHeadPreset('attention-cluster', 'lite', data) as AttentionClusterConfig;
  expect(() => checkHeadConfig({ ...cluster, clusterNums: [8] })).toThrow(/clusterNums has 1 entries for 2 modalities/);
});
