import type { KitDefinition, KitRunner } from '@modelkit/core';
import { Detector } from './detector';
import type { DetRunOptions } from './detector';
import { modelCards } from './model-cards';
import type { DetectorOptions } from './types';

const RUN_KEYS = ['scoreThreshold', 'iouThreshold', 'maxDetections', 'nmsPre', 'nms', 'matrixKernel', 'matrixSigma', 'matrixPostThreshold', 'classAgnostic', 'resize'] as const;

/** Keeps the known per-call knobs of a request; unknown keys are ignored (KitRunner contract). */
function runOptions(o: Record<string, unknown> | undefined): DetRunOptions {
  const r: Record<string, unknown> = {};
  for (const k of RUN_KEYS) if (o && o[k] !== undefined) r[k] = o[k];
  return r as DetRunOptions;
}

/** The detection kit for generic tools (server, batch jobs, `models` commands). */
export const kit: KitDefinition = {
  name: 'det',
  description: 'COCO object detection (NanoDet-g 416, 80 classes): labelled boxes with scores',
  modelCards,
  async createRunner(options: Record<string, unknown> = {}): Promise<KitRunner> {
    const det = await Detector.create(options as DetectorOptions);
    return {
      run: (input, o) => det.run(input, runOptions(o)),
      dispose: () => det.dispose(),
    };
  },
};
