/**
 * The videotag kit on modelkit's kit contract: `modelkit videotag VIDEO…`, `videotag eval`,
 * `videotag train`, `POST /v1/videotag` and `modelkit batch videotag` all come from this
 * definition.
 */
import { defineKit, InvalidArgumentError, isRgbImage, type KitInput } from '@modelkit/core';
import { evalFiles, evaluate, type VideotagEvalReport } from './eval/evaluate';
import { formatResult, summarizeResult } from './format-result';
import { CREATE_OPTIONS, RUN_OPTIONS, type VideotagKitOptions, type VideotagRunOptions } from './kit-options';
import { modelCards } from './model-cards';
import { contactSheetImage, saveContactSheet } from './tagger/contact-sheet';
import type { VideoTagResult } from './tagger/video-tag-result';
import { trainCommand } from './train/train-command';
import { VideoTagger } from './video-tagger';

/** A path, or the bytes of a video file (an HTTP upload). */
function videoInput(input: KitInput): string | Uint8Array {
  if (typeof input === 'string' || input instanceof Uint8Array) return input;
  const what = isRgbImage(input) ? 'decoded pixels' : 'raw pixels';
  throw new InvalidArgumentError(`videotag takes a video file path or the bytes of a video file, not ${what}`);
}

/** The video tagging kit. */
export const kit = defineKit<VideoTagger, VideotagKitOptions, VideotagRunOptions, VideoTagResult, VideotagEvalReport>({
  name: 'videotag',
  description: 'Tag videos: COCO objects over time, people count, content safety, scene cuts; trainable AttentionCluster/LSTM/NeXtVLAD heads',
  input: 'video',
  modelCards,
  createOptions: CREATE_OPTIONS,
  runOptions: RUN_OPTIONS,
  evalOptions: {
    topK: { type: 'integer', min: 1, description: "predictions per video pooled for GAP (YouTube-8M's 20)", default: 20 },
  },
  // One frame batch at a time on a shared machine: spinning threads would only steal the decoder's core.
  sessionDefaults: { spinning: false },
  create: (options, { session, onProgress }) =>
    VideoTagger.create({ objects: options.objects, model: options.model, maxDuration: options.maxDuration, session, onProgress }),
  run: (tagger, input, options) => tagger.tag(videoInput(input), options),
  dispose: (tagger) => tagger.dispose(),
  toJSON: ({ features: _features, ...rest }) => rest,
  summarize: summarizeResult,
  formatText: formatResult,
  preview: async (result) => {
    if (!result.features) throw new InvalidArgumentError('videotag: this result carries no frames to draw (it was made from JSON)');
    return contactSheetImage(result.features);
  },
  saveVisualization: (result, image, file) => saveContactSheet(result, image, file),
  evalFiles,
  evaluate: (tagger, dir, options) => evaluate(tagger, dir, options),
  cli: { subcommands: [trainCommand] },
});
