import { InvalidArgumentError } from '../errors';
import type { ProgressCallback } from '../progress';
import type { KitCreateOptions, KitDefinition, KitInput, KitResult, KitRunner, KitSpec } from './kit-definition';
import { checkOptions } from './option-schema';
import type { OptionSchema } from './option-schema';
import { SerialQueue } from './serial-queue';
import { SESSION_OPTION_SCHEMA, sessionOptionsOf } from './session-options';
import type { KitSessionOptions } from './session-options';

const KIT_NAME = /^[a-z][a-z0-9-]*$/;

/** A pipeline behind the generic runner interface: checked options in, JSON out, one run at a time. */
class PipelineRunner<P, R extends object, Res extends KitResult> implements KitRunner {
  private readonly serial: SerialQueue;

  constructor(
    private readonly kit: KitDefinition<P, object, R, Res, object>,
    private readonly pipeline: P,
  ) {
    this.serial = new SerialQueue(`${kit.name} runner`);
  }

  run(input: KitInput, options?: Record<string, unknown>): Promise<object> {
    // Checked before queueing, so a bad request fails at once instead of after the queue.
    let checked: Partial<R>;
    try {
      checked = this.kit.checkRunOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.serial.run(async () => this.kit.resultToJSON(await this.kit.run(this.pipeline, input, checked)));
  }

  dispose(): Promise<void> {
    return this.serial.dispose(() => this.kit.dispose(this.pipeline));
  }
}

/**
 * Turns a kit author's {@link KitSpec} into the {@link KitDefinition} generic tools use:
 * adds the shared session keys to the create options, checks every option bag (unknown
 * keys and wrong types are `E_INVALID_ARGUMENT` in every kit, listing the valid keys), and
 * wraps the pipeline in a serial, JSON-producing runner.
 *
 * @example
 * export const kit = defineKit({ name: 'det', description: '…', modelCards, createOptions, runOptions,
 *   create: (o, { session }) => Detector.create({ ...o, session }), run: (det, input, o) => det.run(input, o), … });
 */
export function defineKit<P, C extends object, R extends object, Res extends KitResult, Rep extends object>(
  spec: KitSpec<P, C, R, Res, Rep>,
): KitDefinition<P, C, R, Res, Rep> {
  if (!KIT_NAME.test(spec.name)) throw new InvalidArgumentError(`defineKit: name must be lower-case letters, digits and '-', got ${JSON.stringify(spec.name)}`);
  for (const key of Object.keys(spec.createOptions)) {
    if (key in SESSION_OPTION_SCHEMA) throw new InvalidArgumentError(`defineKit(${spec.name}): create option '${key}' is a shared session option; leave it out`);
  }
  const createOptions = { ...SESSION_OPTION_SCHEMA, ...spec.createOptions } as OptionSchema<C & KitSessionOptions>;
  const kit: KitDefinition<P, C, R, Res, Rep> = {
    ...spec,
    input: spec.input ?? 'image',
    createOptions,
    async load(options: KitCreateOptions<C> = {}, context: { onProgress?: ProgressCallback } = {}): Promise<P> {
      const checked = checkOptions<C & KitSessionOptions>(spec.name, createOptions, options) as Record<string, unknown>;
      const { threads, spinning, optimization, ...own } = checked as KitSessionOptions & Record<string, unknown>;
      const session = sessionOptionsOf({ threads, spinning, optimization }, spec.sessionDefaults);
      return spec.create(own as Partial<C>, { session, onProgress: context.onProgress });
    },
    async createRunner(options?: KitCreateOptions<C>, context?: { onProgress?: ProgressCallback }): Promise<KitRunner> {
      return new PipelineRunner(kit as KitDefinition<P, object, R, Res, object>, await kit.load(options, context));
    },
    checkRunOptions(options: unknown): Partial<R> {
      return checkOptions<R>(`${spec.name} run`, spec.runOptions, options);
    },
    async resultToJSON(result: Res): Promise<object> {
      return spec.toJSON ? spec.toJSON(result) : result;
    },
  };
  return Object.freeze(kit);
}
