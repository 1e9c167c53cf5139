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
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    const base = offset + t * n;
    let best = 0;
    let bestP = probs[base];
    for (let c = 1; c < n; c++) {
      const p = probs[base + c];
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      text += classes[best];
      sum += bestP;
      kept++;
    }
    previous = best;
  }
  return { text, score: kept === 0 ? 0 : sum / kept };
}
