import { ctcCollapse, ctcGreedyDecode, parseDictionary } from '../src';

/** Builds [steps, classes] probabilities where step t puts `p[t]` on class `ids[t]`. */
function probs(ids: number[], p: number[], classes: number): Float32Array {
  const out = new Float32Array(ids.length * classes);
  ids.forEach((id, t) => {
    const rest = (1 - p[t]) / (classes - 1);
    for (let c = 0; c < classes; c++) out[t * classes + c] = c === id ? p[t] : rest;
  });
  return out;
}

describe('parseDictionary', () => {
  it('puts the blank first and the space last, without a trailing empty class', () => {
    expect(parseDictionary('a\nb\nc')).toEqual(['', 'a', 'b', 'c', ' ']);
    expect(parseDictionary('a\nb\nc\n')).toEqual(['', 'a', 'b', 'c', ' ']);
    expect(parseDictionary('a\r\nb\r\n', { useSpace: false })).toEqual(['', 'a', 'b']);
  });

  it('keeps characters that look like whitespace inside a line', () => {
    expect(parseDictionary('\u3000\nx')).toEqual(['', '\u3000', 'x', ' ']);
  });
});

describe('ctcGreedyDecode', () => {
  const classes = ['', 'a', 'b', ' '];

  it('merges repeats, drops blanks and averages the kept probabilities', () => {
    // a a _ a b b _ " " -> "aab "
    const ids = [1, 1, 0, 1, 2, 2, 0, 3];
    const p = [0.9, 0.8, 0.99, 0.7, 0.6, 0.95, 0.99, 0.5];
    const r = ctcGreedyDecode(probs(ids, p, 4), ids.length, classes);
    expect(r.text).toBe('aab ');
    // Kept steps: first of each run -> 0.9, 0.7, 0.6, 0.5.
    expect(r.score).toBeCloseTo((0.9 + 0.7 + 0.6 + 0.5) / 4, 6);
  });

  it('returns empty text with score 0 when every step is blank', () => {
    const r = ctcGreedyDecode(probs([0, 0, 0], [0.9, 0.9, 0.9], 4), 3, classes);
    expect(r).toEqual({ text: '', score: 0 });
  });

  it('decodes one sequence of a batch through the offset', () => {
    const a = probs([1, 0, 1], [0.9, 0.9, 0.8], 4);
    const b = probs([2, 2, 3], [0.7, 0.7, 0.6], 4);
    const batch = new Float32Array(a.length + b.length);
    batch.set(a);
    batch.set(b, a.length);
    expect(ctcGreedyDecode(batch, 3, classes, 0).text).toBe('aa');
    const second = ctcGreedyDecode(batch, 3, classes, a.length);
    expect(second.text).toBe('b ');
    expect(second.score).toBeCloseTo(0.65, 6);
  });
});

describe('ctcCollapse', () => {
  const classes = ['', 'a', 'b', ' '];

  it('gives ctcGreedyDecode\'s result from per-step winners (int64 indices too)', () => {
    const ids = [1, 1, 0, 1, 2, 2, 0, 3];
    const p = [0.9, 0.8, 0.99, 0.7, 0.6, 0.95, 0.99, 0.5];
    const full = ctcGreedyDecode(probs(ids, p, 4), ids.length, classes);
    expect(ctcCollapse(ids, Float32Array.from(p), classes)).toEqual(full);
    expect(ctcCollapse(BigInt64Array.from(ids.map(BigInt)), Float32Array.from(p), classes).text).toBe('aab ');
  });

  it('decodes one sequence of a batch by offset and steps', () => {
    expect(ctcCollapse([1, 2, 0, 2, 2, 1], [1, 1, 1, 0.5, 0.5, 0.25], classes, 3, 3)).toEqual({ text: 'ba', score: 0.375 });
  });

  it('throws a RangeError for a class outside the dictionary', () => {
    expect(() => ctcCollapse([1, 7], [0.9, 0.9], classes)).toThrow(RangeError);
  });
});
