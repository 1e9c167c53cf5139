/**
 * On-disk cache of {@link VideoFeatures} under `MODELKIT_HOME/videotag/features`, keyed by
 * the video's content hash and every setting the features depend on — so training epochs,
 * re-tagging and evaluation never decode a video twice, and a renamed or copied file still
 * hits. Three files per entry: `<key>.bin` (the float matrices), `<key>.jpg.bin` (the
 * thumbnails) and `<key>.json` (the rest), the JSON written last so a killed write leaves
 * no readable half-entry. Deleting the folder is always safe.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirs, modelkitHome, sha256File, writeFileAtomic } from '@modelkit/core';
import type { FeatureSettings, VideoFeatures } from './video-features';

const FORMAT = 1;

/** The cache folder (`MODELKIT_HOME/videotag/features`), read on each call. */
export function featureCacheDir(): string {
  return join(modelkitHome(), 'videotag', 'features');
}

// Content hashes by path, trusted while size and mtime are unchanged (like make).
const hashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/** sha256 of a file, memoised per path while its size and mtime do not change. */
export async function contentHash(path: string): Promise<string> {
  const st = await stat(path);
  const hit = hashes.get(path);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  const sha256 = await sha256File(path);
  hashes.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  return sha256;
}

/** The cache key of a video's content and the settings. */
export function cacheKey(contentSha256: string, settings: FeatureSettings): string {
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b))));
  return createHash('sha256').update(`${FORMAT}\n${contentSha256}\n${canonical}`).digest('hex').slice(0, 40);
}

interface Stored {
  format: number;
  meta: Omit<VideoFeatures, 'embeddings' | 'safety' | 'objectScores' | 'thumbnails'>;
  lengths: { embeddings: number; safety: number; objectScores: number };
  thumbnails: number[];
}

/** Reads a cached entry, or undefined when there is none (or it is unreadable: then it is recomputed). */
export async function readCachedFeatures(key: string, dir = featureCacheDir()): Promise<VideoFeatures | undefined> {
  try {
    const stored = JSON.parse(await readFile(join(dir, `${key}.json`), 'utf8')) as Stored;
    if (stored.format !== FORMAT) return undefined;
    const bin = await readFile(join(dir, `${key}.bin`));
    const floats = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    const { embeddings: e, safety: s, objectScores: o } = stored.lengths;
    if (floats.length !== e + s + o) return undefined;
    const jpgs = await readFile(join(dir, `${key}.jpg.bin`));
    const thumbnails: Buffer[] = [];
    let at = 0;
    for (const n of stored.thumbnails) {
      thumbnails.push(jpgs.subarray(at, at + n));
      at += n;
    }
    return {
      ...stored.meta,
      embeddings: floats.slice(0, e),
      safety: floats.slice(e, e + s),
      objectScores: stored.meta.objectLabels ? floats.slice(e + s, e + s + o) : null,
      thumbnails,
    };
  } catch {
    return undefined;
  }
}

/** Writes an entry (best effort: a read-only or full cache folder only costs the next run a decode). */
export async function writeCachedFeatures(key: string, f: VideoFeatures, dir = featureCacheDir()): Promise<boolean> {
  const { embeddings, safety, objectScores, thumbnails, ...meta } = f;
  const obj = objectScores ?? new Float32Array(0);
  const floats = new Float32Array(embeddings.length + safety.length + obj.length);
  floats.set(embeddings, 0);
  floats.set(safety, embeddings.length);
  floats.set(obj, embeddings.length + safety.length);
  const stored: Stored = {
    format: FORMAT,
    meta,
    lengths: { embeddings: embeddings.length, safety: safety.length, objectScores: obj.length },
    thumbnails: thumbnails.map((t) => t.length),
  };
  try {
    await makeDirs(dir);
    await writeFileAtomic(join(dir, `${key}.bin`), new Uint8Array(floats.buffer));
    await writeFileAtomic(join(dir, `${key}.jpg.bin`), Buffer.concat(thumbnails));
    await writeFileAtomic(join(dir, `${key}.json`), JSON.stringify(stored));
    return true;
  } catch {
    return false;
  }
}
