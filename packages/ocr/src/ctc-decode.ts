/** A decoded text line with its confidence. */
export interface DecodedText {
  text: string;
  /** Mean of the winning class probabilities of the kept characters; 0 for empty text. */
  score: number;
}

/**
 * CTC greedy decoding of one sequence, like PaddleOCR's `CTCLabelDecode`: take the best
 * class at every time step, merge repeats, drop the blank (class 0). The score is the
 * mean probability of the kept steps, which is what PaddleOCR thresholds with
 * `drop_score`.
 *
 * @param probs   row-major [steps, classes] probabilities (the model's softmax output);
 *                `offset` selects one sequence inside a batch tensor
 * @param steps   number of time steps
 * @param classes class list from {@link parseDictionary} (blank at 0)
 */
export function ctcGreedyDecode(probs: Float32Array, steps: number, classes: readonly string[], offset = 0): DecodedText {
  const n = classes.length;
  const best = new Int32Array(steps);
  const bestP = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    const base = offset + t * n;
    let b = 0;
    let p = probs[base];
    for (let c = 1; c < n; c++) {
      if (probs[base + c] > p) {
        p = probs[base + c];
        b = c;
      }
    }
    best[t] = b;
    bestP[t] = p;
  }
  return ctcCollapse(best, bestP, classes);
}

/**
 * The second half of {@link ctcGreedyDecode}, for when the best class and its probability
 * per step are already known (e.g. computed in the model by `addGreedyOutputs`): merge
 * repeats, drop the blank, average the kept probabilities.
 *
 * @param best   best class per step (`offset` selects one sequence of a batch)
 * @param bestP  its probability per step
 * @throws RangeError when a class index is outside `classes` (model and dictionary disagree)
 */
export function ctcCollapse(
  best: ArrayLike<number | bigint>,
  bestP: ArrayLike<number>,
  classes: readonly string[],
  offset = 0,
  steps = best.length - offset,
): DecodedText {
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let t = offset; t < offset + steps; t++) {
    const c = Number(best[t]);
    if (c !== 0 && c !== previous) {
      const ch = classes[c];
      if (ch === undefined) throw new RangeError(`class ${c} is outside the dictionary of ${classes.length} classes`);
      text += ch;
      sum += bestP[t];
      kept++;
    }
    previous = c;
  }
  return { text, score: kept === 0 ? 0 : sum / kept };
}
