/**
 * The onnxruntime knobs every kit takes the same way: `threads`, `spinning` and
 * `optimization` are create options of every kit (and `--threads` a flag of every kit
 * command), turned into core's {@link SessionOptions} in one place.
 */
import type { SessionOptions } from '../session/index';
import type { OptionSchema } from './option-schema';

/** Session options shared by every kit's create options. */
export interface KitSessionOptions {
  /** onnxruntime intra-op threads per model (default: onnxruntime's choice, all cores). */
  threads?: number;
  /** Let idle onnxruntime threads spin (faster on an idle machine, worse on a shared one). */
  spinning?: boolean;
  /** onnxruntime graph optimisation level (default `all`). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** The schema of {@link KitSessionOptions}, merged into every kit's create options. */
export const SESSION_OPTION_SCHEMA: OptionSchema<KitSessionOptions> = {
  threads: { type: 'integer', min: 1, description: 'onnxruntime intra-op threads per model (default: onnxruntime chooses)' },
  spinning: { type: 'boolean', description: 'let idle onnxruntime threads spin (faster when the cores are free)', flag: false },
  optimization: {
    type: 'string',
    choices: ['disabled', 'basic', 'extended', 'all'],
    description: 'onnxruntime graph optimisation level',
    default: 'all',
    flag: false,
  },
};

/**
 * The session options for a kit: the kit's own defaults, overridden by what the caller set.
 * Keys the caller left out keep the kit's default (e.g. OCR turns spinning off by default).
 */
export function sessionOptionsOf(options: KitSessionOptions, kitDefaults: SessionOptions = {}): SessionOptions {
  const out: SessionOptions = { ...kitDefaults };
  if (options.threads !== undefined) out.threads = options.threads;
  if (options.spinning !== undefined) out.spinning = options.spinning;
  if (options.optimization !== undefined) out.optimization = options.optimization;
  return out;
}
