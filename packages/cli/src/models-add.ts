/**
 * `modelkit models add URL --sha256 HEX --kit K [--name N]`: downloads a model once
 * (checked against its sha256), writes a card for it into MODELKIT_HOME/cards, and from
 * then on every command, the server and batch jobs know it by name. The card takes the
 * kit's default card's input spec and labels, so the kit preprocesses it the same way.
 */
import { existsSync } from 'node:fs';
import { rename, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ProgressBar, makeDirs, writeFileAtomic } from '@modelkit/core/cli';
import type { CliIO } from '@modelkit/core/cli';
import type { AnyOptionSchema } from '@modelkit/core/kit';
import {
  ErrorCodes,
  InvalidArgumentError,
  ModelkitError,
  isModelUrl,
  modelCachePath,
  parseModelCard,
  parseModelUrl,
  resolveModel,
  userCardsDir,
} from '@modelkit/core/registry';
import type { ModelCard } from '@modelkit/core/registry';
import type { InstalledKit } from './kit-loader';
import type { CliRegistry } from './cli-registry';

/** Options of {@link addModel}. */
export interface AddModelOptions {
  url: string;
  sha256?: string;
  kit: string;
  name?: string;
  /** Id of the kit card whose input spec and labels apply (default: the kit's first card). */
  like?: string;
  license?: string;
  /** Replace a user card of the same name. */
  force?: boolean;
}

const ID = /^[a-z0-9][a-z0-9._-]*$/;

/** `https://h/PP-OCRv4_det.onnx` → `pp-ocrv4_det`. */
function nameFromUrl(url: string): string {
  const base = new URL(url).pathname.split('/').pop() ?? 'model';
  return base.replace(/\.[a-z0-9]+$/i, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'model';
}

/** The CLI flag of the kit option whose default is `cardId` (e.g. `--rec-model` for a recogniser). */
function flagFor(schema: AnyOptionSchema | undefined, cardId: string): string {
  for (const [key, spec] of Object.entries(schema ?? {})) {
    if (spec.type === 'model' && spec.default === cardId) {
      const flag = typeof spec.flag === 'string' ? spec.flag : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      return flag.split(' ')[0];
    }
  }
  return '--model';
}

/** Adds a user card; returns it. */
export async function addModel(o: AddModelOptions, kits: readonly InstalledKit[], registry: CliRegistry, io: CliIO): Promise<ModelCard> {
  if (!isModelUrl(o.url)) throw new ModelkitError(ErrorCodes.USAGE, `models add: ${o.url} is not an http(s) URL; local files need no card (give the path to --model)`);
  const parsed = parseModelUrl(o.url);
  const sha256 = (o.sha256 ?? parsed.sha256)?.toLowerCase();
  if (!sha256) throw new ModelkitError(ErrorCodes.USAGE, 'models add: give --sha256 HEX (the file is checked against it, now and on every use)');
  const kit = kits.find((k) => k.name === o.kit);
  if (!kit) {
    throw new ModelkitError(ErrorCodes.KIT_NOT_FOUND, `models add: no installed kit '${o.kit}' (installed: ${kits.map((k) => k.name).join(', ') || 'none'})`, { details: { kit: o.kit } });
  }
  const cards = await kit.loadModelCards();
  const like = o.like === undefined ? cards[0] : cards.find((c) => c.id === o.like);
  if (!like) {
    throw new InvalidArgumentError(
      o.like === undefined ? `models add: kit '${o.kit}' has no model card to take the input spec from` : `models add: kit '${o.kit}' has no card '${o.like}'; its cards: ${cards.map((c) => c.id).join(', ')}`,
    );
  }
  const name = o.name ?? nameFromUrl(parsed.url);
  if (!ID.test(name)) throw new ModelkitError(ErrorCodes.USAGE, `models add: --name must be lower-case letters, digits, '.', '_' or '-', got '${name}'`);
  const file = join(userCardsDir(), `${name}.json`);
  const userCard = existsSync(file);
  const taken = registry.list().some((c) => c.id === name);
  if ((taken && !userCard) || (userCard && !o.force)) {
    throw new InvalidArgumentError(`models add: a model named '${name}' exists already; pick another --name${userCard ? ' or pass --force to replace yours' : ''}`, { details: { id: name } });
  }
  const bar = io.interactive ? new ProgressBar(io.stderr, { tty: true }) : undefined;
  let size: number;
  let downloaded: string;
  try {
    const resolved = await resolveModel(`${parsed.url}#sha256=${sha256}`, { like, what: 'models add', onProgress: bar?.update });
    size = resolved.card.files[0].size;
    downloaded = resolved.paths['model.onnx'];
  } finally {
    bar?.stop();
  }
  const card = parseModelCard(
    {
      id: name,
      task: like.task,
      version: '1',
      description: `${like.task} model added from ${parsed.url}, read like ${like.id}`,
      files: [{ name: 'model.onnx', sha256, size, source: { type: 'url', url: parsed.url } }],
      ...(like.input && { input: like.input }),
      ...(like.labels && { labels: like.labels }),
      license: o.license ?? 'NOASSERTION',
      origin: { name: parsed.url, url: parsed.url },
    },
    file,
  );
  // Into the cache path the card resolves to, so the file is not fetched a second time.
  const cached = modelCachePath(card.id, card.version, 'model.onnx');
  await makeDirs(dirname(cached));
  await rename(downloaded, cached);
  // The download's own folder (models/url/<sha256>/) is empty now.
  await rmdir(dirname(downloaded)).catch(() => undefined);
  await makeDirs(userCardsDir());
  await writeFileAtomic(file, `${JSON.stringify(card, null, 2)}\n`);
  const definition = await kit.loadDefinition?.();
  io.stdout.write(`added ${name} (${card.task}, ${size} bytes, read like ${like.id}) as ${file}\n`);
  io.stdout.write(`use it: modelkit ${kit.name} ${flagFor(definition?.createOptions, like.id)} ${name} IMAGE...\n`);
  // A card's other files (a recogniser's dict.txt) are not taken over: this model may need its own.
  const others = like.files.filter((f) => f.name !== 'model.onnx').map((f) => f.name);
  if (others.length > 0) {
    io.stdout.write(`note: ${like.id} also has ${others.join(', ')}; give this model's own with the kit's flag for it (e.g. --dictionary FILE for a recogniser)\n`);
  }
  return card;
}
