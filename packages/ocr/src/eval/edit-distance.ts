/**
 * Levenshtein distance over Unicode code points (so a CJK character or an emoji counts
 * as one edit, like Python's `Levenshtein.distance` on `str`).
 */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  let prev = new Array<number>(y.length + 1);
  let cur = new Array<number>(y.length + 1);
  for (let j = 0; j <= y.length; j++) prev[j] = j;
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[y.length];
}

/** Edit distance divided by the longer length (0 for two empty strings), as PaddleOCR's RecMetric. */
export function normalizedEditDistance(a: string, b: string): number {
  const n = Math.max([...a].length, [...b].length);
  return n === 0 ? 0 : editDistance(a, b) / n;
}
