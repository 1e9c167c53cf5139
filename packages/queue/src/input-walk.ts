/**
 * The inputs of `modelkit queue add`, one at a time: directories and globs are walked
 * lazily (fs.opendir), never listed whole, so a million files cost the memory of one
 * directory handle per level rather than a million paths.
 */
import { createReadStream } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import picomatch from 'picomatch';
import { IMAGE_EXTENSIONS } from '@modelkit/serve';

/** One input: as listed, and what a worker reads (an absolute path or a URL). */
export interface InputItem {
  image: string;
  input: string;
}

const URL_INPUT = /^https?:\/\//i;

/** True for an http(s) URL input, which a worker downloads. */
export function isUrlInput(input: string): boolean {
  return URL_INPUT.test(input);
}

/**
 * The inputs one argument names: an http(s) URL (itself), a directory (its images, by
 * extension, recursively), a glob such as `scans/**\/*.jpg` (every file it matches; hidden
 * files only when the pattern names them), or a file. Nothing for a path that does not exist.
 * Order is the file system's: no sorting, which would need the whole list in memory.
 */
export async function* walkInput(spec: string): AsyncGenerator<InputItem> {
  if (isUrlInput(spec)) {
    yield { image: spec, input: spec };
    return;
  }
  const info = await stat(spec).catch(() => undefined);
  if (info?.isDirectory()) {
    const base = spec.replace(/[\\/]+$/, '') || spec;
    for await (const file of walkFiles(base, Infinity)) {
      if (IMAGE_EXTENSIONS.includes(extname(file).toLowerCase())) yield item(file);
    }
    return;
  }
  if (info?.isFile()) {
    yield item(spec);
    return;
  }
  const scan = picomatch.scan(spec);
  if (!scan.isGlob) return;
  const base = scan.base === '' ? '.' : scan.base;
  const isMatch = picomatch(scan.glob);
  // `dir/*.jpg` looks one level down; only `**` needs the whole tree.
  const depth = scan.glob.includes('**') ? Infinity : scan.glob.split('/').length;
  for await (const file of walkFiles(base, depth)) {
    const rel = relative(base, file).split(sep).join('/');
    if (isMatch(rel)) yield item(scan.base === '' ? rel : file);
  }
}

function item(image: string): InputItem {
  return { image, input: resolve(image) };
}

/**
 * Files under `dir` down to `depth` levels, lazily. Symbolic links to files count; links to
 * folders are not followed (they may loop).
 */
async function* walkFiles(dir: string, depth: number): AsyncGenerator<string> {
  if (depth < 1) return;
  let handle;
  try {
    handle = await opendir(dir);
  } catch {
    return; // vanished or unreadable: nothing to add from it
  }
  for await (const entry of handle) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(path, depth - 1);
    else if (entry.isFile()) yield path;
    else if (entry.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile()) yield path;
  }
}

/**
 * The inputs of a list file (`-` for stdin): one path or URL a line, read as a stream.
 * Blank lines and lines starting with `#` are skipped; globs are not expanded.
 */
export async function* readInputList(file: string, stdin: NodeJS.ReadableStream = process.stdin): AsyncGenerator<InputItem> {
  const lines = createInterface({ input: file === '-' ? stdin : createReadStream(file), crlfDelay: Infinity });
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    yield isUrlInput(line) ? { image: line, input: line } : item(line);
  }
}
