/**
 * One way for every kit to turn what a user names as a model — a registry id, a card, an
 * `.onnx` file, a folder holding `model.card.json` (what `modelkit train` writes), a card
 * file, or an http(s) URL with its sha256 — into verified local files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrorCodes, InvalidArgumentError, ModelkitError, RegistryError } from '../errors';
import type { ProgressCallback } from '../progress';
import { downloadFile, offlineError } from './download';
import { isOffline, modelkitHome } from './env';
import { parseModelCard } from './model-card';
import type { ModelCard, ResolvedModel } from './model-card';
import { defaultRegistry } from './model-registry';
import type { ModelRegistry } from './model-registry';
import { cachedSha256, rememberSha256 } from './sha256';

/** What a kit option naming a model may hold. */
export type ModelSource = string | ModelCard;

/** How a {@link resolveModel} source was read. */
export type ModelSourceKind = 'registry' | 'card' | 'card-file' | 'folder' | 'file' | 'url';

/** Options of {@link resolveModel}. */
export interface ResolveModelOptions {
  /**
   * The card a bare `.onnx` file or URL is read like (the kit's default model): its input
   * spec and labels apply. Its licence and origin do not carry over.
   */
  like?: ModelCard;
  /** The file key a bare file or URL gets in `paths` (default `model.onnx`). */
  fileName?: string;
  /** Names the option in messages, e.g. `model (--model)`. Default `model`. */
  what?: string;
  /** Default core's `defaultRegistry`. */
  registry?: ModelRegistry;
  /** Cache root for downloads (default `MODELKIT_HOME`). */
  cacheDir?: string;
  /** Never download (default: `MODELKIT_OFFLINE`). */
  offline?: boolean;
  onProgress?: ProgressCallback;
}

/** A resolved model and how its source was read. */
export interface ResolvedModelSource extends ResolvedModel {
  kind: ModelSourceKind;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** `https://h/x.onnx#sha256=HEX` → url and sha256 (lower case); the fragment is not sent. */
export function parseModelUrl(source: string): { url: string; sha256?: string } {
  const m = /#sha256=([0-9a-fA-F]*)$/.exec(source);
  if (!m) return { url: source };
  return { url: source.slice(0, m.index), sha256: m[1].toLowerCase() };
}

/** True for an http(s) URL. */
export function isModelUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

function looksLikePath(source: string): boolean {
  return existsSync(source) || /[\\/]/.test(source) || /\.(onnx|json)$/i.test(source);
}

/** The folder user cards live in (`modelkit models add`): `MODELKIT_HOME/cards`. */
export function userCardsDir(home: string = modelkitHome()): string {
  return join(home, 'cards');
}

/**
 * Registers every card in {@link userCardsDir} that is not registered yet; returns them.
 * A card's `bundled` files are relative to that folder (e.g. `my-model/model.onnx` for a
 * model a tool such as `modelkit compress` wrote there); `url` files download into the cache.
 * @throws RegistryError `E_BAD_JSON` naming a malformed card file.
 */
export function loadUserCards(registry: ModelRegistry = defaultRegistry, home?: string): ModelCard[] {
  const dir = userCardsDir(home);
  if (!existsSync(dir)) return [];
  const cards: ModelCard[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const file = join(dir, name);
    const card = parseModelCard(readFileSync(file, 'utf8'), file);
    registry.registerDefaults([card], { baseDir: dir });
    cards.push(card);
  }
  return cards;
}

/** A card for a local file that has no card: the `like` card's input spec and labels, nothing else. */
function bareCard(like: ModelCard | undefined, id: string, origin: string): ModelCard {
  const card: ModelCard = { id, task: like?.task ?? 'unknown', version: '0', files: [], license: 'NOASSERTION', origin: { name: origin } };
  if (like?.input) card.input = like.input;
  if (like?.labels) card.labels = like.labels;
  return card;
}

async function resolveUrl(source: string, o: ResolveModelOptions, what: string): Promise<ResolvedModelSource> {
  const { url, sha256 } = parseModelUrl(source);
  if (sha256 === undefined || !SHA256.test(sha256)) {
    throw new InvalidArgumentError(
      `${what}: a model URL needs the file's sha256 (64 hex digits) so the download can be checked: ${url}#sha256=HEX, or --sha256 HEX`,
      { details: { url } },
    );
  }
  let name: string;
  try {
    name = basename(new URL(url).pathname) || 'model.onnx';
  } catch (err) {
    throw new InvalidArgumentError(`${what}: ${url} is not a valid URL`, { cause: err });
  }
  const dest = join(o.cacheDir ?? modelkitHome(), 'models', 'url', sha256, name);
  const cached = existsSync(dest) && (await cachedSha256(dest)).sha256 === sha256;
  if (!cached) {
    if (o.offline ?? isOffline()) throw offlineError(url, dest, `${what} (${url})`);
    await downloadFile(url, dest, { sha256, onProgress: o.onProgress, offline: false, task: `download ${name}` });
    await rememberSha256(dest, sha256);
  }
  const size = statSync(dest).size;
  const fileName = o.fileName ?? 'model.onnx';
  const card: ModelCard = {
    ...bareCard(o.like, `url-${sha256.slice(0, 12)}`, url),
    version: '1',
    files: [{ name: fileName, sha256, size, source: { type: 'url', url } }],
  };
  card.origin = { name: url, url };
  return { kind: 'url', card, paths: { [fileName]: dest } };
}

async function resolvePathSource(source: string, o: ResolveModelOptions, what: string, registry: ModelRegistry): Promise<ResolvedModelSource> {
  if (!existsSync(source)) {
    throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${what}: model file not found: ${source}`, { details: { path: source } });
  }
  const abs = resolve(source);
  const ro = { cacheDir: o.cacheDir, offline: o.offline, onProgress: o.onProgress };
  if (statSync(abs).isDirectory()) {
    const cardFile = join(abs, 'model.card.json');
    if (!existsSync(cardFile)) {
      throw new ModelkitError(ErrorCodes.FILE_NOT_FOUND, `${what}: the folder ${source} has no model.card.json; give the .onnx file or a folder written by modelkit train`, {
        details: { path: source },
      });
    }
    const card = parseModelCard(readFileSync(cardFile, 'utf8'), cardFile);
    return { kind: 'folder', ...(await registry.resolve(card, { ...ro, baseDir: abs })) };
  }
  if (/\.json$/i.test(abs)) {
    const card = parseModelCard(readFileSync(abs, 'utf8'), abs);
    return { kind: 'card-file', ...(await registry.resolve(card, { ...ro, baseDir: dirname(abs) })) };
  }
  return { kind: 'file', card: bareCard(o.like, 'local-file', abs), paths: { [o.fileName ?? 'model.onnx']: abs } };
}

/**
 * Resolves a model source to verified local files.
 *
 * - a card object: resolved through the registry;
 * - `http(s)://…#sha256=HEX`: downloaded once into `MODELKIT_HOME/models/url/<sha256>/` and
 *   checked (the hash is required; `MODELKIT_OFFLINE=1` forbids the download);
 * - an existing path, or a string with a slash or ending in `.onnx`/`.json`: an `.onnx`
 *   file (read like `options.like`), a card file, or a folder with `model.card.json`;
 * - anything else: a registry id (user cards from `modelkit models add` included).
 *
 * @throws ModelkitError `E_FILE_NOT_FOUND`, `E_MODEL_NOT_FOUND`, `E_INVALID_ARGUMENT` (URL
 *   without sha256), `E_CHECKSUM_MISMATCH`, `E_DOWNLOAD_FAILED`, `E_OFFLINE`, `E_BAD_JSON`.
 */
export async function resolveModel(source: ModelSource, options: ResolveModelOptions = {}): Promise<ResolvedModelSource> {
  const registry = options.registry ?? defaultRegistry;
  const what = options.what ?? 'model';
  const ro = { cacheDir: options.cacheDir, offline: options.offline, onProgress: options.onProgress };
  if (typeof source === 'object' && source !== null) return { kind: 'card', ...(await registry.resolve(source, ro)) };
  if (typeof source !== 'string' || source === '') {
    throw new InvalidArgumentError(`${what} must be a registry id, a file or folder path, a card, or a URL with #sha256=, got ${JSON.stringify(source)}`);
  }
  if (isModelUrl(source)) return resolveUrl(source, options, what);
  if (looksLikePath(source)) return resolvePathSource(source, options, what, registry);
  if (!registry.has(source)) loadUserCards(registry);
  try {
    return { kind: 'registry', ...(await registry.resolve(source, ro)) };
  } catch (err) {
    if (err instanceof RegistryError && err.code === ErrorCodes.MODEL_NOT_FOUND) {
      throw new RegistryError(ErrorCodes.MODEL_NOT_FOUND, `${what}: ${err.message}`, { details: err.details });
    }
    throw err;
  }
}
