/**
 * Per-frame COCO objects from an installed detection kit, found the way the CLI and the
 * server find kits (core's `findInstalledKit`, as seg's person cascade does) and driven
 * through the kit contract only. Why not an import of `@modelkit/det`: kits are installed
 * one at a time and may import only core and train-core (`.dependency-cruiser.cjs`);
 * through discovery, det is an optional plug-in — installed, the tagger reports objects
 * and people; absent, it says so and tags the rest.
 * Any kit whose results have det's shape (`detections: [{label, score, box}]`) and whose
 * main model card lists its labels can serve.
 */
import { ErrorCodes, findInstalledKit, isModelkitError, ModelkitError, type KitDefinition, type KitRunner, type RgbImage } from '@modelkit/core';

/** One detected object in frame pixels. */
export interface FrameDetection {
  label: string;
  classId: number;
  score: number;
  box: [number, number, number, number];
}

/** Options of {@link ObjectDetector.create}. */
export interface ObjectDetectorOptions {
  /** The detection kit's name (default `det`). */
  kit?: string;
  /** onnxruntime threads of the detector. */
  threads?: number;
  /** node_modules folders to search (default: core's discovery defaults). */
  nodeModules?: readonly string[];
}

/** Lowest score the detector is asked to report: low, so per-class score features keep weak evidence. */
const DETECTOR_FLOOR = 0.1;

function isDetection(d: unknown): d is { label: string; score: number; box: number[]; classId?: number } {
  const r = d as Record<string, unknown> | null;
  return !!r && typeof r.label === 'string' && typeof r.score === 'number' && Array.isArray(r.box) && r.box.length === 4;
}

/** Detections per frame from a discovered detection kit, with the kit's label list. */
export class ObjectDetector {
  private constructor(
    private readonly runner: KitRunner,
    /** The detector's class names (index = class id): the order of the per-class score features. */
    readonly labels: readonly string[],
    private readonly runOptions: Record<string, unknown>,
    /** The kit and its model (`kit:card@version:sha`), for cache keys. */
    readonly id: string,
  ) {}

  /**
   * Loads the detection kit, or resolves to undefined when it is not installed.
   * @throws ModelkitError when the kit is installed but unusable (`E_UNAVAILABLE` from
   *   loading, or `E_MODEL_FORMAT` when its card has no labels).
   */
  static async create(options: ObjectDetectorOptions = {}): Promise<ObjectDetector | undefined> {
    const name = options.kit ?? 'det';
    let kit: KitDefinition;
    try {
      kit = findInstalledKit(name, 'videotag objects', options.nodeModules ? { nodeModules: options.nodeModules } : {});
    } catch (err) {
      if (isModelkitError(err, ErrorCodes.KIT_NOT_FOUND)) return undefined;
      throw err;
    }
    const card = kit.modelCards[0];
    if (!card?.labels?.length) {
      throw new ModelkitError(ErrorCodes.MODEL_FORMAT, `the ${name} kit's model card lists no labels; videotag needs them to name objects`, { details: { kit: name } });
    }
    // Ask for weak detections too when the kit lets us (det's scoreThreshold run option).
    const runOptions: Record<string, unknown> = 'scoreThreshold' in kit.runOptions ? { scoreThreshold: DETECTOR_FLOOR } : {};
    const runner = await kit.createRunner(options.threads ? { threads: options.threads } : {});
    return new ObjectDetector(runner, card.labels, runOptions, `${kit.name}:${card.id}@${card.version}:${card.files[0]?.sha256.slice(0, 12) ?? ''}`);
  }

  /** The detections of one frame, score-descending. */
  async detect(image: RgbImage): Promise<FrameDetection[]> {
    const result = (await this.runner.run(image, this.runOptions)) as { detections?: unknown };
    const list = Array.isArray(result.detections) ? result.detections.filter(isDetection) : [];
    return list
      .map((d) => ({
        label: d.label,
        classId: typeof d.classId === 'number' ? d.classId : this.labels.indexOf(d.label),
        score: d.score,
        box: [d.box[0], d.box[1], d.box[2], d.box[3]] as [number, number, number, number],
      }))
      .sort((a, b) => b.score - a.score);
  }

  /** Per-class best score of one frame's detections (0 where none): the `objects` feature. */
  scoreVector(detections: readonly FrameDetection[]): Float32Array {
    const v = new Float32Array(this.labels.length);
    for (const d of detections) if (d.classId >= 0 && d.classId < v.length) v[d.classId] = Math.max(v[d.classId], d.score);
    return v;
  }

  /** Releases the detector. */
  dispose(): Promise<void> {
    return this.runner.dispose();
  }
}
