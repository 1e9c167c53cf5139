/**
 * Registering a compressed model for every command: its files go to
 * `MODELKIT_HOME/cards/<id>/` and its card to `MODELKIT_HOME/cards/<id>.json` with
 * `bundled` paths relative to the cards folder, so `--model <id>` (or a kit's int8 model
 * set) finds it in any later process.
 */
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { userCardsDir } from '@modelkit/core';
import type { ModelCard } from '@modelkit/core';

/**
 * Copies the files of `card` (found in `folder`) into the user cards folder and writes the
 * card there. Replaces an earlier registration of the same id. Returns the card file.
 */
export async function registerCard(card: ModelCard, folder: string, home?: string): Promise<string> {
  const cards = userCardsDir(home);
  const dir = join(cards, card.id);
  await mkdir(dir, { recursive: true });
  for (const f of card.files) await copyFile(join(folder, f.name), join(dir, f.name));
  const registered = { ...card, files: card.files.map((f) => ({ ...f, source: { type: 'bundled' as const, path: `${card.id}/${f.name}` } })) };
  const file = join(cards, `${card.id}.json`);
  // Card last and atomically: a reader never sees a card whose files are still being copied.
  await writeFile(`${file}.part`, `${JSON.stringify(registered, null, 2)}\n`);
  await rename(`${file}.part`, file);
  return file;
}
