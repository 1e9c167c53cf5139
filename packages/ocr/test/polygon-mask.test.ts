import { dbPostprocess } from '../src';
import { fillPolyMask, polygonMean } from '../src/polygon-mask';

// Expected masks were printed once by OpenCV 4.6's cv2.fillPoly(mask, [pts], 1) (the
// rasteriser PaddleOCR's box_score_fast uses); '#' = 1.
const SLANTED = [
  '.....##.........',
  '.....######.....',
  '....##########..',
  '....############',
  '....############',
  '....###########.',
  '...############.',
  '...############.',
  '...############.',
  '...###########..',
  '..############..',
  '..############..',
  '..############..',
  '..###########...',
  '.############...',
  '.############...',
  '.############...',
  '.###########....',
  '############....',
  '############....',
  '############....',
  '...########.....',
  '........###.....',
];
const CROSSING_BORDER = [
  '.##########.',
  '.###########',
  '############',
  '############',
  '############',
  '############',
  '############',
  '############',
  '###########.',
  '###########.',
  '##########..',
  '.#########..',
];

function render(mask: Uint8Array, width: number): string[] {
  const rows: string[] = [];
  for (let i = 0; i < mask.length; i += width) rows.push(Array.from(mask.subarray(i, i + width), (v) => (v ? '#' : '.')).join(''));
  return rows;
}

describe('fillPolyMask (cv2.fillPoly)', () => {
  it('picks the same pixels as OpenCV for a slanted quad', () => {
    expect(render(fillPolyMask([[0, 20], [5, 0], [15, 3], [10, 22]], 16, 23), 16)).toEqual(SLANTED);
  });

  it('clips like OpenCV when corners lie outside the mask', () => {
    expect(render(fillPolyMask([[-3, 9], [2, -4], [13, 2], [8, 15]], 12, 12), 12)).toEqual(CROSSING_BORDER);
  });
});

describe('polygonMean (box_score_fast)', () => {
  it('averages the map over exactly the cv2 mask of the truncated box', () => {
    const width = 16;
    const height = 23;
    const map = new Float32Array(width * height).fill(1);
    // Zero on every pixel OpenCV leaves out, so any extra pixel lowers the mean below 1.
    SLANTED.forEach((row, y) => [...row].forEach((c, x) => (map[y * width + x] = c === '#' ? 1 : 0)));
    expect(polygonMean(map, width, height, [[0.7, 20.2], [5.9, 0.4], [15.5, 3.9], [10.2, 22.8]])).toBe(1);
  });
});

describe('dbPostprocess coordinates', () => {
  it('rounds scaled corners half to even like np.round', () => {
    const map = { data: new Float32Array(200 * 100).fill(0.02), width: 200, height: 100 };
    for (let y = 30; y < 50; y++) for (let x = 40; x < 120; x++) map.data[y * 200 + x] = 0.9;
    // Unclipped map box x 29..130, y 19..60; times 1.5: y 28.5 -> 28 (PaddleOCR), not 29.
    const [b] = dbPostprocess(map, 300, 150);
    expect(b.box).toEqual([
      [44, 28],
      [195, 28],
      [195, 90],
      [44, 90],
    ]);
  });
});
