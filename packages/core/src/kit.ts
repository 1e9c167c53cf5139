/**
 * The contract every domain kit (ocr, det, seg, ...) offers to generic tools: the HTTP
 * server, batch jobs and the CLI's `models` commands. A kit exports one `kit` object of
 * this type from its main entry; tools never reach deeper into a kit.
 */
import type { ImageInput } from './image/index';
import type { ModelCard } from './registry/index';

/** A loaded kit pipeline: models in memory, ready to run on images. */
export interface KitRunner {
  /**
   * Runs the kit on one image and returns its JSON-serialisable result (the same object
   * the kit's own API returns, e.g. `{ lines, timings }` for OCR). `options` are per-call
   * knobs from a request or a batch job, already parsed; unknown keys are ignored.
   */
  run(input: ImageInput, options?: Record<string, unknown>): Promise<object>;
  /** Releases the models. */
  dispose(): Promise<void>;
}

/** What a kit tells generic tools about itself. */
export interface KitDefinition {
  /** Short name used in URLs and commands, e.g. `ocr`. */
  name: string;
  /** One line for help texts and the demo page. */
  description: string;
  /** The model cards the kit uses by default. */
  modelCards: readonly ModelCard[];
  /** Loads the default models. `options` are kit creation options (threads, model paths). */
  createRunner(options?: Record<string, unknown>): Promise<KitRunner>;
}
