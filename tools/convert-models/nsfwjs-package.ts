/**
 * The pinned npm package nsfwjs@4.4.0 (MIT) that two conversions read: videotag's frame
 * features (nsfwjs-mobilenet.ts) and train-core's pretrained backbone
 * (train-core-mobilenet.ts). One pin, one tarball check, one reader of its UMD wrappers.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';

export const NSFWJS_PACKAGE = 'nsfwjs';
export const NSFWJS_VERSION = '4.4.0';
/** sha256 of nsfwjs-4.4.0.tgz as served by the npm registry (computed 2026-12-05, this repo). */
export const NSFWJS_TARBALL_SHA256 = '585cd178f3b994337c4d10a87b080d342fc52f8b9bf0085c4d1f345a3a1c5382';
/** Where the MobileNetV2 model sits inside the package. */
export const NSFWJS_SOURCE_DIR = 'dist/models/mobilenet_v2';
/** What models-manifest.json records as each converted file's source. */
export const NSFWJS_SOURCE = { package: NSFWJS_PACKAGE, version: NSFWJS_VERSION, path: NSFWJS_SOURCE_DIR, tarballSha256: NSFWJS_TARBALL_SHA256 };

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `npm pack`s the pinned version, checks the tarball's sha256 and returns the extracted package root. */
async function fetchPackage(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'modelkit-nsfwjs-'));
  execFileSync('npm', ['pack', `${NSFWJS_PACKAGE}@${NSFWJS_VERSION}`, '--pack-destination', work, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tgz = (await readdir(work)).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack wrote no tarball into ${work}`);
  const digest = sha256(await readFile(join(work, tgz)));
  if (digest !== NSFWJS_TARBALL_SHA256) throw new Error(`${tgz}: sha256 ${digest} differs from the pinned ${NSFWJS_TARBALL_SHA256}; refusing to convert`);
  execFileSync('tar', ['-xzf', join(work, tgz), '-C', work]);
  return join(work, 'package');
}

/** The package root: `--from DIR` (an extracted package) when given, else the checked tarball. */
export function nsfwjsRoot(argv: readonly string[] = process.argv): Promise<string> {
  const i = argv.indexOf('--from');
  return i >= 0 ? Promise.resolve(resolve(argv[i + 1]!)) : fetchPackage();
}

/** tfjs' model.json with nsfwjs' weight specs (all uint8-quantized). */
export interface NsfwjsModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/**
 * model.json and the concatenated weight bytes. nsfwjs wraps both in UMD `.min.js` files
 * (the weights base64), which are plain CommonJS: require them.
 */
export function readUmdModel(root: string): { json: NsfwjsModelJson; weights: Buffer } {
  const load = createRequire(join(root, 'package.json'));
  const json = load(join(root, NSFWJS_SOURCE_DIR, 'model.min.js')) as NsfwjsModelJson;
  const shards = json.weightsManifest.flatMap((group) => group.paths).map((p) => Buffer.from(load(join(root, NSFWJS_SOURCE_DIR, `${p}.min.js`)) as string, 'base64'));
  return { json, weights: Buffer.concat(shards) };
}

/** `n` seeded pseudo-random `size`² RGB images in [0, 1), NHWC: the parity checks' inputs. */
export function seededImages(n: number, size: number, seed: number): Float32Array {
  const data = new Float32Array(n * size * size * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = s / 2 ** 32;
  }
  return data;
}
