/**
 * File hashing, with a per-process memo so resolving the same model twice does not re-read
 * hundreds of megabytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

/** Lower-case hex sha256 of a file's bytes (streamed, constant memory). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

interface HashMemo {
  mtimeMs: number;
  size: number;
  sha256: string;
}

// Keyed by absolute path; an entry is trusted only while mtime and size are unchanged,
// the same rule make and most build caches use.
const memo = new Map<string, HashMemo>();

/**
 * The sha256 of `path`, reusing an earlier hash when the file's mtime and size have not
 * changed. `force` re-hashes and refreshes the memo.
 * @internal
 */
export async function cachedSha256(path: string, force = false): Promise<{ sha256: string; size: number }> {
  const before = await stat(path);
  const hit = memo.get(path);
  if (!force && hit && hit.mtimeMs === before.mtimeMs && hit.size === before.size) return { sha256: hit.sha256, size: hit.size };
  const sha256 = await sha256File(path);
  memo.set(path, { mtimeMs: before.mtimeMs, size: before.size, sha256 });
  return { sha256, size: before.size };
}

/** Forgets memoised hashes (all, or one path). @internal */
export function forgetSha256(path?: string): void {
  if (path === undefined) memo.clear();
  else memo.delete(path);
}

/** Records a hash computed elsewhere (e.g. while downloading) for the file as it is now. @internal */
export async function rememberSha256(path: string, sha256: string): Promise<void> {
  const st = await stat(path);
  memo.set(path, { mtimeMs: st.mtimeMs, size: st.size, sha256 });
}
