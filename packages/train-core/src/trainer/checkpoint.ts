import { createHash } from 'node:crypto';
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, ModelError, makeDirs, writeFileAtomic } from '@modelkit/core';
import type { OptimizerState } from '../optim/optimizer';

/** A named weight as plain data. */
export interface WeightData {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Best evaluation so far. */
export interface BestRecord {
  metric: string;
  value: number;
  epoch: number;
  step: number;
}

/** Everything a run needs to continue exactly where it stopped. */
export interface CheckpointState {
  /** Optimizer updates done. */
  step: number;
  /** Current epoch (0-based). */
  epoch: number;
  /** Batches of `epoch` already trained. */
  batchInEpoch: number;
  /** Trainer RNG state before drawing `epoch`'s seed. */
  rngState: number;
  /** Every model weight (trainable and not, e.g. batch-norm statistics), in `model.weights` order. */
  weights: WeightData[];
  optimizer: OptimizerState;
  ema?: { updates: number; values: Float32Array[]; shapes: number[][] };
  best?: BestRecord;
  /** Evaluations without improvement, for early stopping. */
  badEvals: number;
  /** Learning rate of the next step (informational). */
  lr: number;
}

const FORMAT = 'modelkit-train-checkpoint';
const MANIFEST = 'manifest.json';

interface TensorEntry {
  shape: number[];
  offset: number;
}

interface Manifest {
  format: typeof FORMAT;
  version: 1;
  createdAt: string;
  file: string;
  bytes: number;
  sha256: string;
  step: number;
  epoch: number;
  batchInEpoch: number;
  rngState: number;
  lr: number;
  badEvals: number;
  best?: BestRecord;
  weights: (TensorEntry & { name: string })[];
  optimizer: Omit<OptimizerState, 'slots'> & { slots: (TensorEntry & { index: number; slot: string })[] };
  ema?: { updates: number; tensors: TensorEntry[] };
}

/**
 * Writes a checkpoint into `dir` crash-safely: the tensors go to a new
 * `state-<step>.bin` (temp file + rename), then `manifest.json` (temp + rename) points at
 * it, then older state files are removed. A process killed at any moment leaves either
 * the previous manifest with its intact state file or the new pair, never a mix.
 */
export async function saveCheckpoint(dir: string, state: CheckpointState): Promise<void> {
  await makeDirs(dir);
  const chunks: Float32Array[] = [];
  let offset = 0;
  const add = (values: Float32Array, shape: number[]): TensorEntry => {
    const entry = { shape: shape.slice(), offset };
    chunks.push(values);
    offset += values.length;
    return entry;
  };
  const weights = state.weights.map((w) => ({ name: w.name, ...add(w.values, w.shape) }));
  const slots = state.optimizer.slots.map((s) => ({ index: s.index, slot: s.slot, ...add(s.values, s.shape) }));
  const ema = state.ema ? { updates: state.ema.updates, tensors: state.ema.values.map((v, i) => add(v, state.ema!.shapes[i])) } : undefined;
  const blob = new Uint8Array(offset * 4);
  const view = new Float32Array(blob.buffer);
  let at = 0;
  for (const c of chunks) {
    view.set(c, at);
    at += c.length;
  }
  const file = `state-${String(state.step).padStart(9, '0')}-${Date.now().toString(36)}.bin`;
  await writeFileAtomic(join(dir, file), blob);
  const manifest: Manifest = {
    format: FORMAT,
    version: 1,
    createdAt: new Date().toISOString(),
    file,
    bytes: blob.length,
    sha256: createHash('sha256').update(blob).digest('hex'),
    step: state.step,
    epoch: state.epoch,
    batchInEpoch: state.batchInEpoch,
    rngState: state.rngState,
    lr: state.lr,
    badEvals: state.badEvals,
    best: state.best,
    weights,
    optimizer: { kind: state.optimizer.kind, config: state.optimizer.config, iterations: state.optimizer.iterations, slots },
    ema,
  };
  await writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 1));
  // Only now is the old state unreferenced. Leftover temp files are from writes that a
  // kill interrupted; this directory has one writer, so they are safe to remove.
  for (const name of await readdir(dir)) {
    if ((name.startsWith('state-') && name !== file) || name.endsWith('.tmp')) await unlink(join(dir, name)).catch(() => undefined);
  }
}

/**
 * Reads the checkpoint in `dir`, or `undefined` when there is none. The state file is
 * checked against the manifest's size and sha256.
 * @throws ModelError E_MODEL_FORMAT when the manifest or state file is damaged.
 */
export async function loadCheckpoint(dir: string): Promise<CheckpointState | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const bad = (why: string, cause?: unknown): ModelError =>
    new ModelError(ErrorCodes.MODEL_FORMAT, `checkpoint in '${dir}' is damaged: ${why}`, { cause, details: { dir } });
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (err) {
    throw bad('manifest.json is not JSON', err);
  }
  if (m.format !== FORMAT || m.version !== 1) throw bad(`unknown format ${String(m.format)} v${String(m.version)}`);
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, m.file));
  } catch (err) {
    throw bad(`state file ${m.file} is missing`, err);
  }
  if (bytes.length !== m.bytes) throw bad(`state file has ${bytes.length} bytes, manifest says ${m.bytes}`);
  if (createHash('sha256').update(bytes).digest('hex') !== m.sha256) throw bad('state file sha256 differs from the manifest');
  // Copy into an aligned buffer: a Buffer's byteOffset need not be a multiple of 4.
  const all = new Float32Array(new Uint8Array(bytes).buffer);
  const take = (e: TensorEntry): Float32Array => all.slice(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1));
  return {
    step: m.step,
    epoch: m.epoch,
    batchInEpoch: m.batchInEpoch,
    rngState: m.rngState,
    lr: m.lr,
    badEvals: m.badEvals,
    best: m.best,
    weights: m.weights.map((w) => ({ name: w.name, shape: w.shape, values: take(w) })),
    optimizer: {
      kind: m.optimizer.kind,
      config: m.optimizer.config,
      iterations: m.optimizer.iterations,
      slots: m.optimizer.slots.map((s) => ({ index: s.index, slot: s.slot, shape: s.shape, values: take(s) })),
    },
    ema: m.ema ? { updates: m.ema.updates, values: m.ema.tensors.map(take), shapes: m.ema.tensors.map((t) => t.shape) } : undefined,
  };
}
