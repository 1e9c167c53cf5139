/**
 * Writes the pretrained backbone shipped by @modelkit/train-core (`pretrained: 'mobilenetv2'`)
 * from the MobileNetV2 inside the pinned npm package nsfwjs@4.4.0 (MIT):
 *
 *   npx tsx tools/convert-models/train-core-mobilenet.ts [--from DIR]
 *
 * Without --from it runs `npm pack` (registry access needed), checks the tarball sha256 and
 * extracts it; --from DIR uses an extracted package root (the same source as
 * nsfwjs-mobilenet.ts, videotag's conversion, which this script leaves alone).
 *
 * Keeps the backbone only (stem, 17 inverted residual blocks, `Conv_1`; not nsfwjs' 5-class
 * Dense head) with its original uint8-quantized values byte for byte, and writes into
 * packages/train-core/models/mobilenet-v2/:
 * - `weights.bin`: the weights' quantized bytes, concatenated in the order of weights.json;
 * - `weights.json`: tfjs weight specs (name, shape, dtype, quantization min/scale);
 * - `models-manifest.json` (in models/): sha256, size, licence and origin of each file.
 *
 * Then checks that train-core's `mobileNetV2()` builder with these weights reproduces the
 * original Keras model's pooled 1280-d embedding (`flatten_1`) on seeded images, max |Δ| ≤ 1e-4.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../packages/train-core/src/backend/select-backend';
import { mobileNetV2 } from '../../packages/train-core/src/models/mobilenet-v2';
import { decodePretrainedWeights, loadPretrainedWeights } from '../../packages/train-core/src/pretrained/pretrained-weights';
import { NSFWJS_PACKAGE, NSFWJS_SOURCE, NSFWJS_SOURCE_DIR, NSFWJS_VERSION, nsfwjsRoot, readUmdModel, seededImages, sha256 } from './nsfwjs-package';

const OUT_DIR = 'packages/train-core/models';
const MODEL_DIR = 'mobilenet-v2';
/** nsfwjs' head on top of the backbone: dropped. */
const HEAD_PREFIXES = ['dense_'];
const ORIGIN =
  'MobileNetV2 1.0 224 backbone (Keras Applications, ImageNet weights; blocks 11-16 and Conv_1 then fine-tuned on 5 content classes ' +
  'by GantMan/nsfw_model, MIT) as shipped by nsfwjs (MIT, Infinite Red); nsfwjs head removed';

interface QuantizedSpec extends tf.io.WeightsManifestEntry {
  quantization: { min: number; scale: number; dtype: 'uint8' };
}

async function main(): Promise<void> {
  const root = await nsfwjsRoot();
  const repo = resolve(__dirname, '..', '..');
  const outDir = join(repo, OUT_DIR);
  await mkdir(join(outDir, MODEL_DIR), { recursive: true });
  await selectBackend({ prefer: 'wasm' });

  const { json, weights } = readUmdModel(root);
  const specs = json.weightsManifest.flatMap((g) => g.weights) as QuantizedSpec[];
  // Every weight is uint8-quantized: one byte per value, in manifest order.
  let offset = 0;
  const kept: QuantizedSpec[] = [];
  const parts: Buffer[] = [];
  for (const spec of specs) {
    if (spec.quantization?.dtype !== 'uint8') throw new Error(`${spec.name}: expected uint8 quantization, got ${JSON.stringify(spec.quantization)}`);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (!HEAD_PREFIXES.some((p) => spec.name.startsWith(p))) {
      kept.push(spec);
      parts.push(weights.subarray(offset, offset + count));
    }
    offset += count;
  }
  if (offset !== weights.length) throw new Error(`weight specs cover ${offset} bytes, the shard has ${weights.length}`);
  const bin = Buffer.concat(parts);
  const specJson = Buffer.from(`${JSON.stringify({ format: 'tfjs-weights', source: `npm ${NSFWJS_PACKAGE}@${NSFWJS_VERSION} ${NSFWJS_SOURCE_DIR}`, weights: kept }, null, 1)}\n`);
  await writeFile(join(outDir, MODEL_DIR, 'weights.bin'), bin);
  await writeFile(join(outDir, MODEL_DIR, 'weights.json'), specJson);

  const manifest: Record<string, object> = {};
  const source = NSFWJS_SOURCE;
  for (const [name, bytes] of [[`${MODEL_DIR}/weights.json`, specJson], [`${MODEL_DIR}/weights.bin`, bin]] as const) {
    manifest[name] = { sha256: sha256(bytes), size: bytes.length, license: 'MIT', origin: ORIGIN, source };
    console.log(`${OUT_DIR}/${name}  ${bytes.length} bytes  sha256 ${sha256(bytes)}`);
  }
  await writeFile(join(outDir, 'models-manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`kept ${kept.length} of ${specs.length} weights (${bin.length} values)`);

  // Parity: the original Keras model's pooled embedding vs train-core's builder with the written weights.
  const full = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) }),
  );
  const reference = tfl.model({ inputs: full.inputs, outputs: full.getLayer('flatten_1').output as tfl.SymbolicTensor });
  const ours = mobileNetV2({ inputSize: 224 });
  const loaded = loadPretrainedWeights(ours, decodePretrainedWeights(JSON.parse(specJson.toString('utf8')).weights, bin));
  if (loaded.missing.length > 0) throw new Error(`builder weights without a pretrained value: ${loaded.missing.join(', ')}`);
  const n = 2;
  const x = tf.tensor4d(seededImages(n, 224, 7), [n, 224, 224, 3]);
  const a = (reference.predict(x) as tf.Tensor).dataSync();
  const b = (ours.predict(x) as tf.Tensor).dataSync();
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  console.log(`parity embedding: max |mobileNetV2() - nsfwjs Keras model| = ${diff.toExponential(2)} over ${a.length} values (${loaded.loaded} weights loaded)`);
  x.dispose();
  if (diff > 1e-4) {
    console.error('parity check failed (> 1e-4)');
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
