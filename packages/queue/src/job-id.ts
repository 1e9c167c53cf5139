import { createHash } from 'node:crypto';
import { canonicalJson } from '@modelkit/serve';
import type { BatchRowOptions } from '@modelkit/serve';

/**
 * The id of the job for one input: sha256 of the canonical JSON (sorted keys) of kit,
 * options and input (absolute path or URL). The same input added twice with the same
 * options is the same job, so adding again is a no-op; other options make another job.
 */
export function jobIdOf(kit: string, options: BatchRowOptions, input: string): string {
  return createHash('sha256')
    .update(canonicalJson({ kit, options: { create: options.create, run: options.run }, input }))
    .digest('hex');
}
