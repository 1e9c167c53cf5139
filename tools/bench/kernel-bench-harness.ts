/**
 * What the kernel benchmarks (conv-filter-grad.ts, depthwise-grad.ts) share: a model to
 * step, one Adam training step on fixed random data, the median and a Markdown table.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** A network to time, with its input side and batch. */
export interface BenchModel {
  name: string;
  build: () => tfl.LayersModel;
  size: number;
  batch: number;
}

/** One Adam training step of `m` on fixed random images and labels (10 classes). */
export function makeStep(m: BenchModel): { step: () => Promise<void>; dispose: () => void } {
  const model = m.build();
  const opt = tf.train.adam(1e-3);
  const x = tf.randomUniform([m.batch, m.size, m.size, 3], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: m.batch }, (_, i) => i % 10), 'int32'), 10);
  return {
    step: async () => {
      const loss = opt.minimize(
        () => tf.mean(tfl.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
        true,
      );
      await loss!.data();
      loss!.dispose();
    },
    dispose: () => {
      tf.dispose([x, y]);
      opt.dispose();
      model.dispose();
    },
  };
}

export const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

/** Prints a Markdown table with padded columns. */
export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
}
