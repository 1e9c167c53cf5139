/**
 * Captures the tensors a kit feeds its models, by model file: the kit's own preprocessing
 * (resize, normalisation, crops, batching) produces the calibration inputs, so the int8
 * ranges fit exactly what the kit will run.
 */
import { observeSessionRuns } from '@modelkit/core';
import type { TensorArray, TensorData } from '@modelkit/core';

/** One captured run: which model, and a private copy of its feeds. */
export interface CapturedRun {
  /** Key of the model (what the caller mapped its session label to). */
  model: string;
  feeds: Record<string, TensorData>;
}

function copyArray(data: TensorArray): TensorArray {
  return Array.isArray(data) ? data.slice() : data.slice();
}

/**
 * Collects feeds of sessions whose label (the model path) is in `models` (label -> key),
 * between {@link start} and {@link stop}. Copies, since kits reuse their input buffers.
 */
export class FeedCapture {
  private runs: CapturedRun[] = [];
  private stopObserving: (() => void) | undefined;
  /** Session labels seen that were not in `models` (tells a caller which models a kit really ran). */
  readonly unknownSessions = new Set<string>();

  constructor(private readonly models: ReadonlyMap<string, string>) {}

  start(): void {
    if (this.stopObserving) return;
    this.stopObserving = observeSessionRuns(({ session, feeds }) => {
      const key = this.models.get(session);
      if (key === undefined) {
        this.unknownSessions.add(session);
        return;
      }
      const copy: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(feeds)) copy[name] = { data: copyArray(t.data), dims: [...t.dims], ...(t.dataType ? { dataType: t.dataType } : {}) };
      this.runs.push({ model: key, feeds: copy });
    });
  }

  stop(): void {
    this.stopObserving?.();
    this.stopObserving = undefined;
  }

  /** The runs captured since the last call (and forgets them, so memory stays bounded). */
  drain(): CapturedRun[] {
    const out = this.runs;
    this.runs = [];
    return out;
  }
}
