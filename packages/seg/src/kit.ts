/** The segmentation kit's {@link KitDefinition} for generic tools (server, batch jobs, CLI `models`). */
import type { ImageInput, KitDefinition, KitRunner } from '@modelkit/core';
import { encodeMaskPng } from './compose';
import { HumanSeg } from './human-seg';
import type { HumanSegOptions } from './human-seg';
import { modelCards } from './model-cards';

function segOptions(o: Record<string, unknown>): HumanSegOptions {
  return {
    model: typeof o.model === 'string' ? o.model : undefined,
    refine: o.refine === true ? true : undefined,
    session: typeof o.threads === 'number' ? { threads: o.threads } : undefined,
  };
}

/**
 * The seg kit. A runner's result is JSON: `{ width, height, personFraction, maskPng }`,
 * with the 8-bit mask as base64 PNG (a typed array does not survive JSON).
 */
export const kit: KitDefinition = {
  name: 'seg',
  description: 'Human segmentation (MediaPipe selfie / meet): person mask, background replacement, cut-out',
  modelCards,
  async createRunner(options: Record<string, unknown> = {}): Promise<KitRunner> {
    const seg = await HumanSeg.create(segOptions(options));
    return {
      async run(input: ImageInput, runOptions: Record<string, unknown> = {}): Promise<object> {
        const refine = typeof runOptions.refine === 'boolean' ? runOptions.refine : undefined;
        const { mask, width, height } = await seg.run(input, { format: 'uint8', refine });
        let on = 0;
        for (let i = 0; i < mask.data.length; i++) if (mask.data[i] >= 128) on++;
        return { width, height, personFraction: on / mask.data.length, maskPng: (await encodeMaskPng(mask)).toString('base64') };
      },
      dispose: () => seg.dispose(),
    };
  },
};
