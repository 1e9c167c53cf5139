/**
 * How a candidate int8 model is judged. With labels, by the kit's own evaluator on the
 * validation set (the same number `modelkit <kit> eval` prints); without, by how closely
 * its outputs follow the float model's on validation inputs.
 */
import { InferenceSession } from '@modelkit/core';
import type { KitDefinition, SessionOptions, TensorData } from '@modelkit/core';
import { NoiseMeter, referenceOutputs, type ReferenceOutputs } from '../budget/output-error';
import { readMetric } from './kit-metrics';

/** A candidate model on disk: its folder (`model.onnx` + `model.card.json`). */
export interface CandidateModel {
  folder: string;
  /** The folder's `model.onnx`. */
  path: string;
}

/** Scores the kit with some of its models replaced. */
export interface Validation {
  readonly kind: 'labels' | 'output-agreement';
  /** Names of the numbers `evaluate` returns (fractions in [0, 1], higher is better). */
  readonly metrics: string[];
  /** Scores with the models of `overrides` (create option -> candidate) in place of the float ones. */
  evaluate(overrides: ReadonlyMap<string, CandidateModel>): Promise<Record<string, number>>;
}

/** The kit's evaluator on a labelled data folder. */
export class LabelValidation implements Validation {
  readonly kind = 'labels';

  constructor(
    private readonly kit: KitDefinition,
    private readonly kitOptions: Record<string, unknown>,
    private readonly dataDir: string,
    readonly metrics: string[],
  ) {}

  async evaluate(overrides: ReadonlyMap<string, CandidateModel>): Promise<Record<string, number>> {
    const options: Record<string, unknown> = { ...this.kit.evalCreateOptions, ...this.kitOptions };
    for (const [option, c] of overrides) options[option] = c.folder;
    const pipeline = await this.kit.load(options);
    try {
      const report = await this.kit.evaluate(pipeline, this.dataDir, {});
      return Object.fromEntries(this.metrics.map((m) => [m, readMetric(report, m)]));
    } finally {
      await this.kit.dispose(pipeline);
    }
  }
}

/**
 * Output agreement: `1 - ||y - y_float|| / ||y_float||` over every output of the replaced
 * models on validation feeds (the worst model counts). 1 = identical; the loss in points is
 * 100 x the relative L2 error.
 */
export class AgreementValidation implements Validation {
  readonly kind = 'output-agreement';
  readonly metrics = ['agreement'];

  private constructor(
    private readonly feeds: ReadonlyMap<string, Record<string, TensorData>[]>,
    private readonly references: ReadonlyMap<string, ReferenceOutputs>,
    private readonly session: SessionOptions,
  ) {}

  /** Computes the float references of every slot's validation feeds. */
  static async create(feeds: ReadonlyMap<string, { path: string; feeds: Record<string, TensorData>[] }>, session: SessionOptions = {}): Promise<AgreementValidation> {
    const refs = new Map<string, ReferenceOutputs>();
    const byOption = new Map<string, Record<string, TensorData>[]>();
    for (const [option, { path, feeds: f }] of feeds) {
      const s = await InferenceSession.create(path, { ...session, optimize: true });
      try {
        refs.set(option, await referenceOutputs(s, f));
      } finally {
        await s.release();
      }
      byOption.set(option, f);
    }
    return new AgreementValidation(byOption, refs, session);
  }

  async evaluate(overrides: ReadonlyMap<string, CandidateModel>): Promise<Record<string, number>> {
    let worst = 1;
    for (const [option, c] of overrides) {
      const feeds = this.feeds.get(option) ?? [];
      const refs = this.references.get(option)!;
      const s = await InferenceSession.create(c.path, this.session);
      try {
        const meter = new NoiseMeter();
        for (let i = 0; i < feeds.length; i++) meter.add(refs[i]!, await s.run(feeds[i]!));
        worst = Math.min(worst, 1 - meter.relativeError);
      } finally {
        await s.release();
      }
    }
    return { agreement: worst };
  }
}
