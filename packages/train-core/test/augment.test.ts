import {
  adjustSaturation,
  centredAffine,
  colorJitter,
  cutout,
  flipHorizontal,
  mixup,
  RAND_AUGMENT_OPS,
  randAugment,
  randomHorizontalFlip,
  randomResizedCrop,
  randomRotation,
  SeededRng,
  warpAffine,
  type FloatImage,
} from '../src';

/** A w×h image whose pixel (x, y) channel k is y·w·c + x·c + k, scaled to [0, 1). */
function ramp(w: number, h: number, c = 3): FloatImage {
  const data = new Float32Array(w * h * c);
  for (let i = 0; i < data.length; i++) data[i] = i / data.length;
  return { data, width: w, height: h, channels: c };
}

const px = (img: FloatImage, x: number, y: number, k = 0): number => img.data[(y * img.width + x) * img.channels + k];

test('horizontal flip mirrors columns; random flip is seeded', () => {
  const img = ramp(3, 2);
  const f = flipHorizontal(img);
  expect(px(f, 0, 1, 2)).toBe(px(img, 2, 1, 2));
  expect(flipHorizontal(f).data).toEqual(img.data);
  const flip = randomHorizontalFlip(0.5);
  const a = Array.from({ length: 20 }, (_, i) => flip(img, new SeededRng(i)) === img);
  const b = Array.from({ length: 20 }, (_, i) => flip(img, new SeededRng(i)) === img);
  expect(a).toEqual(b);
  expect(a.filter(Boolean).length).toBeGreaterThan(3);
  expect(a.filter((v) => !v).length).toBeGreaterThan(3);
});

test('warpAffine: identity, and a 90° rotation moves corners exactly', () => {
  const img = ramp(4, 4, 1);
  expect(warpAffine(img, [1, 0, 0, 0, 1, 0]).data).toEqual(img.data);
  const r = warpAffine(img, centredAffine(4, 4, { degrees: 90 }));
  // Counter-clockwise: the top-right source pixel lands top-left.
  expect(px(r, 0, 0)).toBeCloseTo(px(img, 3, 0), 5);
  expect(px(r, 0, 3)).toBeCloseTo(px(img, 0, 0), 5);
  expect(px(r, 3, 3)).toBeCloseTo(px(img, 0, 3), 5);
});

test('random resized crop with full scale and ratio 1 is the identity', () => {
  const img = ramp(5, 5);
  const out = randomResizedCrop({ scale: [1, 1], ratio: [1, 1] })(img, new SeededRng(1));
  out.data.forEach((v, i) => expect(v).toBeCloseTo(img.data[i], 5));
  const small = randomResizedCrop({ width: 3, height: 2 })(img, new SeededRng(2));
  expect([small.width, small.height, small.data.length]).toEqual([3, 2, 18]);
});

test('rotation keeps the centre pixel of an odd image', () => {
  const img = ramp(5, 5);
  const out = randomRotation(45)(img, new SeededRng(3));
  expect(px(out, 2, 2, 1)).toBeCloseTo(px(img, 2, 2, 1), 5);
});

test('colour jitter stays in [0, 1]; zero saturation makes grey', () => {
  const img = ramp(4, 4);
  const out = colorJitter({ brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.3 })(img, new SeededRng(4));
  expect(out.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  expect(out.data).not.toEqual(img.data);
  const grey = adjustSaturation(img, 0);
  expect(px(grey, 1, 1, 0)).toBeCloseTo(px(grey, 1, 1, 2), 6);
});

test('cutout fills one size×size square (inside the image)', () => {
  const img: FloatImage = { data: new Float32Array(10 * 10).fill(1), width: 10, height: 10, channels: 1 };
  let found = false;
  for (let seed = 0; seed < 50 && !found; seed++) {
    const out = cutout({ size: 4 })(img, new SeededRng(seed));
    const zeros = out.data.filter((v) => v === 0).length;
    expect(zeros).toBeLessThanOrEqual(16);
    found = zeros === 16;
  }
  expect(found).toBe(true);
});

test('mixup mixes inputs and targets with the same weight', () => {
  const batch = { x: Float32Array.from([0, 0, 1, 1]), y: Float32Array.from([1, 0, 0, 1]), size: 2, inputSize: 2, targetSize: 2 };
  const out = mixup({ alpha: 1 })(batch, new SeededRng(5));
  for (let i = 0; i < 2; i++) {
    // x of each sample is 1 - (weight of target class 0), as x and y mix alike.
    expect(out.x[i * 2]).toBeCloseTo(out.y[i * 2 + 1], 6);
    expect(out.y[i * 2] + out.y[i * 2 + 1]).toBeCloseTo(1, 6);
  }
});

test('RandAugment: seeded, shape-preserving, in range; bad options are typed errors', () => {
  const img = ramp(8, 8);
  const ra = randAugment({ n: 3, m: 15 });
  for (let seed = 0; seed < 20; seed++) {
    const a = ra(img, new SeededRng(seed));
    expect(a.data).toEqual(ra(img, new SeededRng(seed)).data);
    expect(a.data.length).toBe(img.data.length);
    expect(a.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  }
  expect(RAND_AUGMENT_OPS).toContain('solarize');
  expect(() => randAugment({ ops: ['nope'] })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  expect(() => randAugment({ m: 31 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
});

test('SeededRng: reproducible, state round-trips, Beta draws in (0, 1)', () => {
  const a = new SeededRng(9);
  a.next();
  const s = a.getState();
  const x = [a.next(), a.next()];
  const b = new SeededRng(0);
  b.setState(s);
  expect([b.next(), b.next()]).toEqual(x);
  const r = new SeededRng(1);
  const betas = Array.from({ length: 200 }, () => r.beta(0.4));
  expect(betas.every((v) => v >= 0 && v <= 1)).toBe(true);
  expect(new SeededRng(3).permutation(10).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});
