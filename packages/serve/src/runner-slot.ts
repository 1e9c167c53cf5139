import type { KitRunner } from '@modelkit/core';

/**
 * One place where a kit's models are loaded and one image at a time runs: a worker thread
 * or a runner in the server's own thread. The queue hands a slot one job at a time.
 */
export interface RunnerSlot {
  /** Runs the kit on encoded image bytes (or a file path) and resolves to its JSON result. */
  run(image: Uint8Array | string, options: Record<string, unknown>): Promise<object>;
  /** Releases the models (and ends the thread). */
  dispose(): Promise<void>;
}

/** A slot that runs the kit in the calling thread. */
export class InProcessSlot implements RunnerSlot {
  constructor(private readonly runner: KitRunner) {}

  run(image: Uint8Array | string, options: Record<string, unknown>): Promise<object> {
    // Buffers travel as they are; loadImage takes any Uint8Array.
    return this.runner.run(image, options);
  }

  dispose(): Promise<void> {
    return this.runner.dispose();
  }
}
