import { SeededRng } from '../src/data/seeded-rng';
import { composeSeg, resizeMask, resizeSample, SEG_TRANSFORMS, type SegTransform } from '../src/seg/joint-transforms';
import { IGNORE_INDEX, type SegSample } from '../src/seg/seg-sample';
import { drawSegShapes } from '../src/seg/synthetic-seg-shapes';

const T = SEG_TRANSFORMS;

/**
 * A drawn sample whose image encodes the label: red channel = 200 on class 1, 40 on class 2,
 * 120 on background, green and blue flat. After any geometric transform, every pixel whose
 * mask is a class must still have that class's colour (away from edges, where bilinear
 * sampling blends), which checks that image and mask moved together.
 */
function labelledSample(size: number, seed: number): SegSample {
  const s = drawSegShapes(1, { size, classes: 2, seed, shapesPerImage: 3 })[0]!;
  const image = new Float32Array(s.image.length);
  for (let i = 0; i < s.mask.length; i++) {
    image[i * 3] = s.mask[i] === 1 ? 200 : s.mask[i] === 2 ? 40 : 120;
    image[i * 3 + 1] = 90;
    image[i * 3 + 2] = 90;
  }
  return { ...s, image };
}

const colourOf = (label: number): number => (label === 1 ? 200 : label === 2 ? 40 : 120);

/**
 * Share of interior pixels (every neighbour within `r` shares the label) whose red value
 * matches the label's colour within 1. Each resampling may move a boundary by half a pixel
 * (nearest for masks), so chains of several warps need a wider margin.
 */
function alignment(s: SegSample, r = 1): { checked: number; aligned: number } {
  let checked = 0;
  let aligned = 0;
  for (let y = r; y < s.height - r; y++) {
    for (let x = r; x < s.width - r; x++) {
      const m = s.mask[y * s.width + x]!;
      if (m === IGNORE_INDEX) continue;
      let interior = true;
      for (let dy = -r; dy <= r && interior; dy++) for (let dx = -r; dx <= r; dx++) if (s.mask[(y + dy) * s.width + x + dx] !== m) interior = false;
      if (!interior) continue;
      checked++;
      if (Math.abs(s.image[(y * s.width + x) * 3]! - colourOf(m)) <= 1) aligned++;
    }
  }
  return { checked, aligned };
}

const GEOMETRIC: [string, SegTransform][] = [
  ['Resize', T.Resize({ targetSize: [50, 70] })],
  ['ResizeStepScaling', T.ResizeStepScaling()],
  ['RandomPaddingCrop', T.RandomPaddingCrop({ cropSize: 80 })],
  ['RandomHorizontalFlip', T.RandomHorizontalFlip({ prob: 1 })],
  ['RandomVerticalFlip', T.RandomVerticalFlip({ prob: 1 })],
  ['RandomRotation', T.RandomRotation({ maxRotation: 30 })],
  ['RandomScaleAspect', T.RandomScaleAspect()],
  ['RandomAffine', T.RandomAffine({ size: 72, translationOffset: 8, maxRotation: 25 })],
  ['Padding', T.Padding({ targetSize: 90 })],
];

describe('joint segmentation transforms (PaddleSeg names and defaults)', () => {
  it.each(GEOMETRIC)('%s keeps image and mask aligned on drawn shapes', (_name, t) => {
    for (let seed = 1; seed <= 4; seed++) {
      const s = labelledSample(64, seed);
      const out = t(s, new SeededRng(seed));
      expect(out.image.length).toBe(out.width * out.height * 3);
      expect(out.mask.length).toBe(out.width * out.height);
      const { checked, aligned } = alignment(out);
      expect(checked).toBeGreaterThan(200);
      expect(aligned / checked).toBeGreaterThan(0.995);
    }
  });

  it('a full training chain keeps alignment, and pads labels with 255, images with 127.5', () => {
    const chain = composeSeg([
      T.RandomRotation(), T.ResizeStepScaling(), T.RandomPaddingCrop({ cropSize: 96 }), T.RandomScaleAspect(), T.RandomHorizontalFlip(), T.RandomVerticalFlip({ prob: 0.5 }),
    ]);
    let sawPad = false;
    for (let seed = 1; seed <= 6; seed++) {
      const out = chain(labelledSample(64, seed), new SeededRng(100 + seed));
      expect([out.width, out.height]).toEqual([96, 96]);
      const { checked, aligned } = alignment(out, 3);
      expect(checked).toBeGreaterThan(300);
      // Four resamplings, one a zoom of up to 2x (RandomScaleAspect): each leaves a blended edge band in the image that the next widens, so interior means 3 px from an edge.
      expect(aligned / checked).toBeGreaterThan(0.99);
      for (let i = 0; i < out.mask.length; i++) {
        if (out.mask[i] === IGNORE_INDEX && out.image[i * 3 + 1] === 127.5) sawPad = true;
      }
    }
    expect(sawPad).toBe(true);
  });

  it('the alignment check catches a mask that did not move with its image', () => {
    const s = labelledSample(64, 2);
    const flipped = T.RandomHorizontalFlip({ prob: 1 })(s, new SeededRng(0));
    const { checked, aligned } = alignment({ ...flipped, mask: s.mask });
    expect(aligned / checked).toBeLessThan(0.9);
  });

  it('colour transforms change the image only, and a seed replays them exactly', () => {
    const s = labelledSample(48, 3);
    for (const t of [T.RandomDistort({ brightnessProb: 1, contrastProb: 1, saturationProb: 1, hueProb: 1, sharpnessProb: 1 }), T.RandomBlur({ prob: 1 }), T.RandomNoise({ prob: 1 })]) {
      const a = t(s, new SeededRng(9));
      const b = t(s, new SeededRng(9));
      expect(a.mask).toEqual(s.mask);
      expect(a.image).not.toEqual(s.image);
      expect(a.image).toEqual(b.image);
      expect(Math.min(...a.image)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...a.image)).toBeLessThanOrEqual(255);
    }
  });

  it('Normalize applies (x/255 − mean)/std', () => {
    const s = labelledSample(16, 1);
    const out = T.Normalize()(s, new SeededRng(0));
    for (let i = 0; i < 30; i++) expect(out.image[i]).toBeCloseTo((s.image[i]! / 255 - 0.5) / 0.5, 5);
  });

  it('rotation by a drawn angle moves a marked pixel where the rotation says', () => {
    // One labelled pixel right of the centre; any rotation keeps it at the same distance from the new centre.
    const size = 41;
    const s: SegSample = { image: new Float32Array(size * size * 3).fill(10), mask: new Uint8Array(size * size), width: size, height: size };
    for (let y = 19; y <= 21; y++) for (let x = 33; x <= 35; x++) s.mask[y * size + x] = 1;
    const out = T.RandomRotation({ maxRotation: 90 })(s, new SeededRng(4));
    let sx = 0;
    let sy = 0;
    let n = 0;
    for (let y = 0; y < out.height; y++) for (let x = 0; x < out.width; x++) if (out.mask[y * out.width + x] === 1) { sx += x + 0.5; sy += y + 0.5; n++; }
    expect(n).toBeGreaterThan(4);
    const r = Math.hypot(sx / n - out.width / 2, sy / n - out.height / 2);
    expect(Math.abs(r - 14)).toBeLessThan(1);
  });
});

describe('resizeMask', () => {
  test.each([
    [7, 5, 16, 11],
    [33, 20, 12, 9],
    [10, 10, 10, 25],
  ])('%ix%i -> %ix%i equals the mask of resizeSample (same nearest mapping)', (w, h, outW, outH) => {
    const mask = Uint8Array.from({ length: w * h }, (_, i) => (i * 7919) % 5);
    const viaSample = resizeSample({ image: new Float32Array(w * h * 3), mask, width: w, height: h }, outW, outH).mask;
    expect(Array.from(resizeMask(mask, w, h, outW, outH))).toEqual(Array.from(viaSample));
  });
});
