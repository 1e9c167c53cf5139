/**
 * A compressed model on disk as every kit reads it: a folder with `model.onnx`, the float
 * model's other files (OCR's `dict.txt`), and `model.card.json` whose `bundled` paths are
 * relative to the folder, so `--model FOLDER` and a registered card both work.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelCard } from '@modelkit/core';

/** sha256 (hex) of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What a compressed model's card says about how it was made (kept in the card file as `compression`). */
export interface CompressionInfo {
  /** e.g. `static-qdq-int8`, `dynamic-matmul-int8`. */
  kind: string;
  /** Calibration method (static only). */
  method?: string;
  /** The float model: card id and the sha256 of its ONNX file. */
  fp32: { id: string; sha256: string };
  /** The calibration images: count and sha256 over their sorted sha256s (static only). */
  calibration?: { images: number; digest: string };
  /** Layers left in float. */
  keptFloat?: string[];
  /** Measured here: speed-up over the float model, metric loss in points. */
  speedup?: number;
  lossPoints?: number;
  tool: string;
}

/** The card of a compressed model derived from its float model's card. */
function compressedCard(base: ModelCard, id: string, files: ModelCard['files'], info: CompressionInfo): ModelCard & { compression: CompressionInfo } {
  return {
    id,
    task: base.task,
    version: base.version,
    description: `${info.kind} of ${base.id}${base.description ? `: ${base.description}` : ''}`,
    files,
    ...(base.input ? { input: base.input } : {}),
    ...(base.labels ? { labels: base.labels } : {}),
    license: base.license,
    origin: { ...base.origin, name: `${base.origin.name}; compressed (${info.kind}) by @modelkit/compress` },
    compression: info,
  };
}

/**
 * Writes `dir/model.onnx` (the bytes), copies the float model's other files, and writes
 * `dir/model.card.json`. `pathPrefix` goes in front of the card's bundled paths (`''` for
 * a model folder; `<id>/` for a card registered in MODELKIT_HOME/cards).
 */
export async function writeModelFolder(
  dir: string,
  bytes: Uint8Array,
  base: { card: ModelCard; files: Record<string, string> },
  id: string,
  info: CompressionInfo,
  options: { pathPrefix?: string; cardFile?: string } = {},
): Promise<ModelCard & { compression: CompressionInfo }> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.onnx'), bytes);
  const prefix = options.pathPrefix ?? '';
  const files: ModelCard['files'] = [{ name: 'model.onnx', sha256: sha256Hex(bytes), size: bytes.length, source: { type: 'bundled', path: `${prefix}model.onnx` } }];
  for (const [name, path] of Object.entries(base.files)) {
    if (name === 'model.onnx') continue;
    const data = await readFile(path);
    await copyFile(path, join(dir, name));
    files.push({ name, sha256: sha256Hex(data), size: data.length, source: { type: 'bundled', path: `${prefix}${name}` } });
  }
  const card = compressedCard(base.card, id, files, info);
  await writeFile(options.cardFile ?? join(dir, 'model.card.json'), `${JSON.stringify(card, null, 2)}\n`);
  return card;
}
