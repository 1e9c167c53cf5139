import { ErrorCodes, findContours, isModelkitError } from '../src';

// Draws filled rectangles [x1, y1, x2, y2] (inclusive pixel ranges) into a width x height map.
function draw(width: number, height: number, rects: [number, number, number, number, number?][]): Uint8Array {
  const m = new Uint8Array(width * height);
  for (const [x1, y1, x2, y2, v = 255] of rects) for (let y = y1; y <= y2; y++) for (let x = x1; x <= x2; x++) m[y * width + x] = v;
  return m;
}

// Expected values are what cv2.findContours(mask, RETR_LIST, CHAIN_APPROX_SIMPLE) gives
// (OpenCV 4.6), which are also the corners one reads off the drawings by hand.
describe('findContours', () => {
  it('a rectangle: four corners, counter-clockwise on screen from the top-left', () => {
    expect(findContours(draw(10, 8, [[2, 1, 5, 3]]), 10, 8)).toEqual([[[2, 1], [2, 3], [5, 3], [5, 1]]]);
  });

  it('an L-shape: the inner corner is cut diagonally under 8-connectivity', () => {
    const m = draw(7, 7, [[1, 1, 2, 5], [1, 4, 5, 5]]);
    expect(findContours(m, 7, 7)).toEqual([[[1, 1], [1, 5], [5, 5], [5, 4], [3, 4], [2, 3], [2, 1]]]);
  });

  it('two blobs, last found first as cv2 returns them', () => {
    const m = draw(10, 10, [[1, 1, 3, 2], [5, 6, 8, 8]]);
    expect(findContours(m, 10, 10)).toEqual([
      [[5, 6], [5, 8], [8, 8], [8, 6]],
      [[1, 1], [1, 2], [3, 2], [3, 1]],
    ]);
  });

  it('a blob touching the image border keeps its border pixels', () => {
    expect(findContours(draw(4, 3, [[0, 0, 3, 2]]), 4, 3)).toEqual([[[0, 0], [0, 2], [3, 2], [3, 0]]]);
  });

  it('a ring: outer border only by default, the hole border on request', () => {
    const m = draw(7, 7, [[1, 1, 5, 5], [2, 2, 4, 4, 0]]);
    const outer = [[1, 1], [1, 5], [5, 5], [5, 1]];
    const hole = [[1, 2], [2, 1], [4, 1], [5, 2], [5, 4], [4, 5], [2, 5], [1, 4]];
    expect(findContours(m, 7, 7)).toEqual([outer]);
    expect(findContours(m, 7, 7, { holes: true })).toEqual([hole, outer]);
    // An island inside the hole is an outer border of its own.
    m[3 * 7 + 3] = 1;
    expect(findContours(m, 7, 7)).toEqual([[[3, 3]], outer]);
  });

  it('single pixels, lines and diagonals compress to their end points', () => {
    expect(findContours(draw(5, 5, [[2, 2, 2, 2]]), 5, 5)).toEqual([[[2, 2]]]);
    expect(findContours(draw(6, 3, [[1, 1, 4, 1]]), 6, 3)).toEqual([[[1, 1], [4, 1]]]);
    const diag = new Uint8Array(25);
    diag[0] = diag[6] = diag[12] = 1;
    expect(findContours(diag, 5, 5)).toEqual([[[0, 0], [2, 2]]]);
  });

  it('empty maps give no contours; a wrong-sized mask is a typed error', () => {
    expect(findContours(new Uint8Array(12), 4, 3)).toEqual([]);
    expect(findContours(new Uint8Array(0), 0, 0)).toEqual([]);
    let err: unknown;
    try {
      findContours(new Uint8Array(11), 4, 3);
    } catch (e) {
      err = e;
    }
    expect(isModelkitError(err, ErrorCodes.INVALID_ARGUMENT)).toBe(true);
  });
});
