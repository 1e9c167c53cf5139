import { createMemoryIO, kitCommands } from '@modelkit/core';
import { HumanSeg, SAMPLE_IMAGE, kit } from '../src';
import { PersonCascade, squareCrop } from '../src/person-cascade';
import type { FloatMask } from '../src';

// Regions of the bundled photo (three people in front of a wall) read off by eye, as in
// human-seg.test.ts: wall corners and the three torsos.
const BACKGROUND = [
  [0, 0, 640, 40],
  [0, 0, 30, 300],
] as const;
const TORSOS = [
  [272, 240, 368, 400],
  [80, 220, 180, 400],
  [440, 200, 540, 380],
] as const;

function regionMean(m: FloatMask, [x0, y0, x1, y1]: readonly number[]): number {
  let sum = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += m.data[y * m.width + x];
  return sum / ((x1 - x0) * (y1 - y0));
}

describe('squareCrop', () => {
  it('centres a square of the longer side plus margins on the box, clipped to the image', () => {
    expect(squareCrop({ x1: 100, y1: 100, x2: 140, y2: 200 }, 0.1, 640, 480)).toEqual({ x: 60, y: 90, width: 120, height: 120 });
    expect(squareCrop({ x1: 0, y1: 0, x2: 50, y2: 100 }, 0.1, 640, 480)).toEqual({ x: 0, y: 0, width: 85, height: 110 });
  });
});

describe('person cascade (the det kit found at run time)', () => {
  let cascade: PersonCascade;
  beforeAll(async () => {
    cascade = (await kit.load({ people: true, threads: 1 })) as PersonCascade;
  });
  afterAll(() => cascade?.dispose());

  it('segments each detected person on its own crop and pastes the masks back', async () => {
    expect(cascade).toBeInstanceOf(PersonCascade);
    const r = await cascade.run(SAMPLE_IMAGE);
    expect(r.people).toBeGreaterThanOrEqual(3);
    expect([r.mask.width, r.mask.height]).toEqual([640, 427]);
    const mask = r.mask as FloatMask;
    for (const t of TORSOS) expect(regionMean(mask, t)).toBeGreaterThan(0.6);
    for (const bg of BACKGROUND) expect(regionMean(mask, bg)).toBeLessThan(0.05);
    expect(r.timings.total).toBeGreaterThan(0);
  });

  it('falls back to the whole-image mask when nobody is detected', async () => {
    const grey = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3).fill(128) };
    const r = await cascade.run(grey);
    const whole = await (cascade.seg as HumanSeg).run(grey);
    expect(r.people).toBe(0);
    expect(Array.from(r.mask.data)).toEqual(Array.from(whole.mask.data));
  });

  it('is the --people flag of modelkit seg, with the count in the JSON', async () => {
    const [seg] = kitCommands(kit);
    const io = createMemoryIO();
    expect(await seg.run!([SAMPLE_IMAGE], { people: true, json: true, mask: false, threads: 1 }, io)).toBe(0);
    const row = JSON.parse(io.out());
    expect(row.people).toBeGreaterThanOrEqual(3);
    expect(row.personFraction).toBeGreaterThan(0.2);
  });

  it('is what --quality accurate runs, unless --people is given', async () => {
    const accurate = await kit.load({ quality: 'accurate', threads: 1 });
    const plain = await kit.load({ quality: 'accurate', people: false, threads: 1 });
    try {
      expect(accurate).toBeInstanceOf(PersonCascade);
      expect(plain).not.toBeInstanceOf(PersonCascade);
    } finally {
      await accurate.dispose();
      await plain.dispose();
    }
  });
});
