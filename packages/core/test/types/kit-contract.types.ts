// Compile-time tests of the kit contract's public types, checked by `tsc` in `npm run lint`
// (like onnxruntime's js/common type-tests). Nothing here runs: each `@ts-expect-error`
// line must fail to compile, every other line must compile.
import { defineKit } from '../../src';
import type { KitDefinition, KitResult, KitRunner, OptionSchema } from '../../src';

interface Create {
  model?: string;
  limit?: number;
}
interface Run {
  threshold?: number;
}
interface Result extends KitResult {
  count: number;
}
class Pipeline {
  count = 1;
}

const createOptions: OptionSchema<Create> = {
  model: { type: 'model', description: 'the model' },
  limit: { type: 'integer', description: 'a limit' },
};
// @ts-expect-error every key of the options type needs a spec
const missing: OptionSchema<Create> = { model: { type: 'model', description: '' } };
// @ts-expect-error option types are a closed set
const badType: OptionSchema<Run> = { threshold: { type: 'float', description: '' } };

const kit = defineKit({
  name: 'typed',
  description: '',
  modelCards: [],
  createOptions,
  runOptions: { threshold: { type: 'number', description: '' } } as OptionSchema<Run>,
  create: async (o: Partial<Create>) => {
    const m: string | undefined = o.model;
    void m;
    return new Pipeline();
  },
  run: async (p: Pipeline, _input, o: Partial<Run>): Promise<Result> => {
    const t: number | undefined = o.threshold;
    void t;
    return { count: p.count, timings: { decode: 0, preprocess: 0, inference: 0, postprocess: 0, total: 0 } };
  },
  dispose: async () => undefined,
  summarize: (r) => String(r.count),
  formatText: (r) => String(r.count),
  saveVisualization: async () => undefined,
  evalFiles: () => [],
  evaluate: async () => ({ score: 1 }),
});

// A specific kit is usable wherever generic tools take a kit.
const generic: KitDefinition = kit;
const kits: KitDefinition[] = [kit];
void generic;
void kits;

// The typed side keeps its types.
async function typedUse(): Promise<void> {
  const p: Pipeline = await kit.load({ model: 'x', threads: 2 });
  // @ts-expect-error unknown create options do not compile for a typed kit
  await kit.load({ bogus: 1 });
  const r: Result = await kit.run(p, 'a.png', { threshold: 0.5 });
  // @ts-expect-error a result has the kit's own fields only
  void r.nope;
  // @ts-expect-error timings have the five shared stages
  const bad: KitResult = { timings: { total: 1 } };
  void bad;
  const runner: KitRunner = await kit.createRunner({ limit: 3 });
  const json: object = await runner.run('a.png');
  void json;
}
void typedUse;
void missing;
void badType;

// @ts-expect-error a kit needs its evaluator, visualiser and formatters
defineKit({ name: 'incomplete', description: '', modelCards: [], createOptions: {}, runOptions: {}, create: async () => 1, run: async () => ({ timings: { decode: 0, preprocess: 0, inference: 0, postprocess: 0, total: 0 } }), dispose: async () => undefined });
