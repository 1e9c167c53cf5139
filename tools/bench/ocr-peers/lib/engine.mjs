// @ts-check
// The shape every engine adapter has, so the runner times and scores them all alike.

/**
 * One predicted text region, in the original image's pixels.
 * @typedef {{ text: string, box: [number, number][] }} BenchLine
 */

/**
 * An engine adapter. `run` is the timed call (everything a user would do to OCR one
 * image file: decode, detect, recognise); `toLines` maps its raw result to {@link BenchLine}s
 * and is not timed, so our mapping code never counts against a peer.
 * @typedef {object} Engine
 * @property {string} name
 * @property {string} version
 * @property {string} threads  what the engine uses by default, in words
 * @property {string} notes    settings and caveats worth printing next to the numbers
 * @property {(path: string) => Promise<unknown>} run
 * @property {(raw: any, path: string) => Promise<BenchLine[]>} toLines
 * @property {((raw: any) => number) | undefined} [ortRunMs]  time inside onnxruntime `run`, when the engine reports it
 * @property {((raw: any) => Record<string, number>) | undefined} [stages]  the engine's own per-stage timings, when it reports them
 * @property {Record<string, (raw: any, path: string) => Promise<BenchLine[]>>} [views]  extra mappings of the same raw output, scored as extra rows (same timings)
 * @property {() => Promise<void>} dispose
 */

/**
 * Turns any 4-corner representation into `[[x, y] x 4]` with finite numbers.
 * @param {ReadonlyArray<readonly number[] | { x: number, y: number }>} points
 * @returns {[number, number][]}
 */
export function toQuad(points) {
  if (points.length !== 4) throw new Error(`expected 4 corners, got ${points.length}`);
  return points.map((p) => {
    const xy = Array.isArray(p) ? [Number(p[0]), Number(p[1])] : [Number(/** @type {{x:number}} */ (p).x), Number(/** @type {{y:number}} */ (p).y)];
    if (!xy.every(Number.isFinite)) throw new Error(`non-finite corner ${JSON.stringify(p)}`);
    return /** @type {[number, number]} */ (xy);
  });
}

/**
 * Axis-aligned rectangle as a clockwise quad starting top-left.
 * @param {number} left
 * @param {number} top
 * @param {number} width
 * @param {number} height
 * @returns {[number, number][]}
 */
export function rectQuad(left, top, width, height) {
  return [
    [left, top],
    [left + width, top],
    [left + width, top + height],
    [left, top + height],
  ];
}
