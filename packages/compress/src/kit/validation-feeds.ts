/**
 * Validation inputs for output agreement (no labels): the tensors the kit feeds each of its
 * models on the validation images, a fixed sample per model.
 */
import type { KitDefinition, TensorData } from '@modelkit/core';
import { FeedCapture } from '../capture/feed-capture';
import { Reservoir } from './calibrate-kit';
import type { ModelSlot } from './model-slots';

/** Up to 16 feeds per slot (seeded reservoir) captured while the float kit runs `images`. */
export async function captureValidationFeeds(kit: KitDefinition, kitOptions: Record<string, unknown>, slots: readonly ModelSlot[], images: readonly string[]): Promise<Map<string, Record<string, TensorData>[]>> {
  const capture = new FeedCapture(new Map(slots.map((s) => [s.path, s.option])));
  const keep = new Map(slots.map((s) => [s.option, new Reservoir<Record<string, TensorData>>(16, 777)]));
  const pipeline = await kit.load(kitOptions);
  try {
    for (const image of images) {
      capture.start();
      try {
        await kit.run(pipeline, image, {});
      } catch {
        // An unreadable image is as good as absent for agreement.
      } finally {
        capture.stop();
      }
      for (const run of capture.drain()) keep.get(run.model)!.add(run.feeds);
    }
  } finally {
    await kit.dispose(pipeline);
  }
  return new Map([...keep].map(([k, r]) => [k, r.items]));
}
