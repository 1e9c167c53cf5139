/**
 * Reproduces the frame-feature model shipped by @modelkit/videotag from the MobileNetV2
 * Keras layers model inside the pinned npm package nsfwjs@4.4.0 (MIT):
 *
 *   npx tsx tools/convert-models/nsfwjs-mobilenet.ts [--from DIR]
 *
 * Without --from it runs `npm pack` (registry access needed), checks the tarball sha256 and
 * extracts it; --from DIR uses an extracted package root. nsfwjs wraps model.json and its
 * weight shard (uint8-quantized, base64) in UMD `.min.js` files, which are plain CommonJS.
 *
 * Writes into packages/videotag/models/:
 * - `mobilenet-v2-nsfw.onnx`: input `image` [N,224,224,3] RGB in [0,1] → `embedding`
 *   [N,1280] (the pooled `flatten_1` layer) and `probs` [N,5] (nsfwjs' own head:
 *   Drawing, Hentai, Neutral, Porn, Sexy), exported by train-core's tfjs → ONNX exporter
 *   (batch norms folded, float32);
 * - `mobilenet-v2-nsfw-tfjs/model.json` + `weights.bin`: the same Keras model as a tfjs
 *   layers model with its original uint8-quantized weights, for fine-tuning in tfjs;
 * - `models-manifest.json`: sha256, size, licence and origin of each file.
 *
 * Then checks parity: tfjs (wasm) vs onnxruntime on seeded random images, max |Δ| ≤ 1e-3
 * for both outputs (exit 1 otherwise). The same tarball yields byte-identical files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { encodeOnnx } from '../../packages/core/src/onnx/index';
import { exportLayersModelToOnnx } from '../../packages/train-core/src/export/index';
import { selectBackend } from '../../packages/train-core/src/backend/select-backend';
import { NSFWJS_PACKAGE, NSFWJS_SOURCE, NSFWJS_SOURCE_DIR, NSFWJS_TARBALL_SHA256, NSFWJS_VERSION, nsfwjsRoot, readUmdModel, seededImages, sha256 } from './nsfwjs-package';

const OUT_DIR = 'packages/videotag/models';
const ONNX_FILE = 'mobilenet-v2-nsfw.onnx';
const TFJS_DIR = 'mobilenet-v2-nsfw-tfjs';
const EMBEDDING_LAYER = 'flatten_1';
const HEAD_LAYER = 'dense_3';
const ORIGIN =
  'MobileNetV2 224 (Keras applications, ImageNet-initialised) fine-tuned on 5 content classes by GantMan/nsfw_model (MIT), ' +
  'as shipped by nsfwjs (MIT, Infinite Red)';

async function main(): Promise<void> {
  const root = await nsfwjsRoot();
  const repo = resolve(__dirname, '..', '..');
  const outDir = join(repo, OUT_DIR);
  await mkdir(join(outDir, TFJS_DIR), { recursive: true });
  await selectBackend({ prefer: 'wasm' });

  const { json, weights } = readUmdModel(root);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const full = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) }),
  );
  const features = tfl.model({ inputs: full.inputs, outputs: [full.getLayer(EMBEDDING_LAYER).output as tfl.SymbolicTensor, full.getLayer(HEAD_LAYER).output as tfl.SymbolicTensor] });

  const onnx = exportLayersModelToOnnx(features, { inputName: 'image', outputNames: ['embedding', 'probs'] });
  onnx.metadata.push({ key: 'source', value: `npm ${NSFWJS_PACKAGE}@${NSFWJS_VERSION} ${NSFWJS_SOURCE_DIR} (tarball sha256 ${NSFWJS_TARBALL_SHA256})` });
  const onnxBytes = encodeOnnx(onnx);
  await writeFile(join(outDir, ONNX_FILE), onnxBytes);

  // The trainable copy keeps nsfwjs' topology and quantized weights byte for byte.
  const tfjsJson = { format: 'layers-model', generatedBy: `nsfwjs ${NSFWJS_VERSION}`, convertedBy: 'modelkit tools/convert-models/nsfwjs-mobilenet.ts',
    modelTopology: json.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] };
  const tfjsJsonBytes = Buffer.from(`${JSON.stringify(tfjsJson)}\n`);
  await writeFile(join(outDir, TFJS_DIR, 'model.json'), tfjsJsonBytes);
  await writeFile(join(outDir, TFJS_DIR, 'weights.bin'), weights);

  const manifest: Record<string, object> = {};
  const source = NSFWJS_SOURCE;
  for (const [name, bytes] of [[ONNX_FILE, onnxBytes], [`${TFJS_DIR}/model.json`, tfjsJsonBytes], [`${TFJS_DIR}/weights.bin`, weights]] as const) {
    manifest[name] = { sha256: sha256(bytes), size: bytes.length, license: 'MIT', origin: ORIGIN, source };
    console.log(`${OUT_DIR}/${name}  ${bytes.length} bytes  sha256 ${sha256(bytes)}`);
  }
  await writeFile(join(outDir, 'models-manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  // Parity: the tfjs model and the ONNX file on the same seeded images.
  const session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const n = 2;
  const data = seededImages(n, 224, 7);
  const x = tf.tensor4d(data, [n, 224, 224, 3]);
  const ref = features.predict(x) as tf.Tensor[];
  const got = await session.run({ image: new ort.Tensor('float32', data, [n, 224, 224, 3]) });
  let worst = 0;
  for (const [i, name] of ['embedding', 'probs'].entries()) {
    const a = got[name].data as Float32Array;
    const b = ref[i].dataSync();
    let diff = 0;
    for (let k = 0; k < a.length; k++) diff = Math.max(diff, Math.abs(a[k] - b[k]));
    console.log(`parity ${name}: max |onnxruntime - tfjs| = ${diff.toExponential(2)} over ${a.length} values`);
    worst = Math.max(worst, diff);
  }
  tf.dispose([x, ...ref]);
  await session.release();
  if (worst > 1e-3) {
    console.error('parity check failed (> 1e-3)');
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
