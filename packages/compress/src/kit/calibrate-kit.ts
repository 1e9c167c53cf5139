/**
 * Calibration through a kit: the kit runs its float models on the calibration images
 * exactly as in production, every model's feeds are captured and streamed into that
 * model's quantizer, and a small fixed sample of feeds is kept per model for sensitivity
 * and timing.
 */
import { emitProgress } from '@modelkit/core';
import type { KitDefinition, ProgressCallback, TensorData } from '@modelkit/core';
import { FeedCapture } from '../capture/feed-capture';
import { StaticQuantizer, type StaticQuantizerOptions } from '../quantize/static-quantizer';
import type { ModelSlot } from './model-slots';

/** A model of the kit after calibration. */
export interface CalibratedSlot {
  slot: ModelSlot;
  quantizer: StaticQuantizer;
  /** A fixed sample of calibration feeds (for sensitivity and timing). */
  sample: Record<string, TensorData>[];
}

/** Keeps `size` items of a stream with a seeded reservoir: same stream, same sample. */
export class Reservoir<T> {
  readonly items: T[] = [];
  private seen = 0;
  private state: number;

  constructor(
    private readonly size: number,
    seed = 12345,
  ) {
    this.state = seed >>> 0;
  }

  add(item: T): void {
    this.seen++;
    if (this.items.length < this.size) {
      this.items.push(item);
      return;
    }
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    const j = this.state % this.seen;
    if (j < this.size) this.items[j] = item;
  }
}

/** Options of {@link calibrateKit}. */
export interface CalibrateKitOptions {
  kitOptions: Record<string, unknown>;
  quantizer: StaticQuantizerOptions;
  /** Feeds kept per model for sensitivity and timing (default 8). */
  sampleSize?: number;
  onProgress?: ProgressCallback;
  /** Called for each image the kit could not process (the image is skipped). */
  onSkip?: (image: string, err: unknown) => void;
}

/**
 * Runs `kit` (loaded with float models) over `images` and calibrates one quantizer per
 * slot. Slots the kit never ran get no entry.
 */
export async function calibrateKit(kit: KitDefinition, slots: readonly ModelSlot[], images: readonly string[], o: CalibrateKitOptions): Promise<CalibratedSlot[]> {
  const quantizers = new Map<string, StaticQuantizer>();
  const samples = new Map<string, Reservoir<Record<string, TensorData>>>();
  try {
    for (const slot of slots) {
      quantizers.set(slot.option, await StaticQuantizer.create(slot.path, o.quantizer));
      samples.set(slot.option, new Reservoir(o.sampleSize ?? 8));
    }
    const capture = new FeedCapture(new Map(slots.map((s) => [s.path, s.option])));
    const pipeline = await kit.load(o.kitOptions);
    const task = 'calibration';
    emitProgress(o.onProgress, { task, phase: 'start', done: 0, total: images.length, unit: 'images' });
    try {
      let done = 0;
      for (const image of images) {
        capture.start();
        try {
          await kit.run(pipeline, image, {});
        } catch (err) {
          o.onSkip?.(image, err);
        } finally {
          capture.stop();
        }
        // Drained after every image, so memory holds one image's feeds at most.
        for (const run of capture.drain()) {
          await quantizers.get(run.model)!.add(run.feeds);
          samples.get(run.model)!.add(run.feeds);
        }
        emitProgress(o.onProgress, { task, phase: 'progress', done: ++done, total: images.length, unit: 'images' });
      }
      emitProgress(o.onProgress, { task, phase: 'end', done, total: images.length, unit: 'images' });
    } finally {
      await kit.dispose(pipeline);
    }
    const out: CalibratedSlot[] = [];
    for (const slot of slots) {
      const quantizer = quantizers.get(slot.option)!;
      if (quantizer.calibrationRuns === 0) {
        await quantizer.dispose();
        continue;
      }
      await quantizer.finish();
      out.push({ slot, quantizer, sample: samples.get(slot.option)!.items });
    }
    return out;
  } catch (err) {
    await Promise.allSettled([...quantizers.values()].map((q) => q.dispose()));
    throw err;
  }
}
