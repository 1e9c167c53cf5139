import { readFile } from 'node:fs/promises';
import { isModelkitError, loadImage } from '@modelkit/core';
import type { RgbImage } from '@modelkit/core';
import { HumanSeg, SAMPLE_IMAGE, guidedFilter, kit, modelCards } from '../src';
import type { FloatMask } from '../src';

// Regions of the bundled photo (640x427, three people): read off the picture by eye.
const BACKGROUND = [
  [0, 0, 640, 40], // wall above the heads
  [0, 0, 30, 300], // left edge
] as const;
const MIDDLE_TORSO = [272, 240, 368, 400] as const;
const SIDE_TORSOS = [
  [80, 220, 180, 400],
  [440, 200, 540, 380],
] as const;

function regionMean(m: FloatMask, [x0, y0, x1, y1]: readonly number[]): number {
  let s = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += m.data[y * m.width + x];
  return s / ((x1 - x0) * (y1 - y0));
}

describe('HumanSeg on the bundled photo (real models)', () => {
  let photo: RgbImage;
  let selfie: HumanSeg;
  let meet: HumanSeg;

  beforeAll(async () => {
    photo = await loadImage(SAMPLE_IMAGE);
    selfie = await HumanSeg.create({ session: { threads: 1 } });
    meet = await HumanSeg.create({ model: 'meet', session: { threads: 1 } });
  });
  afterAll(async () => {
    await selfie?.dispose();
    await meet?.dispose();
  });

  it('loads the bundled models with their input sizes and output kinds', () => {
    expect([selfie.inputWidth, selfie.inputHeight, selfie.outputKind, selfie.card?.id]).toEqual([256, 256, 'probability', 'mediapipe-selfie-256']);
    expect([meet.inputWidth, meet.inputHeight, meet.outputKind, meet.card?.id]).toEqual([256, 144, 'two-logits', 'mediapipe-meet-144x256']);
  });

  it('selfie: mask at the original size, probabilities in [0, 1], people high and background low', async () => {
    const r = await selfie.run(SAMPLE_IMAGE);
    expect([r.width, r.height, r.mask.width, r.mask.height]).toEqual([640, 427, 640, 427]);
    expect(r.mask.data).toBeInstanceOf(Float32Array);
    expect(r.mask.data.length).toBe(640 * 427);
    let min = Infinity;
    let max = -Infinity;
    for (const v of r.mask.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    for (const bg of BACKGROUND) expect(regionMean(r.mask, bg)).toBeLessThan(0.05);
    expect(regionMean(r.mask, MIDDLE_TORSO)).toBeGreaterThan(0.9);
    for (const t of SIDE_TORSOS) expect(regionMean(r.mask, t)).toBeGreaterThan(0.6);
    expect(r.timings.inference).toBeGreaterThan(0);
    expect(r.timings.total).toBeGreaterThanOrEqual(r.timings.decode + r.timings.preprocess + r.timings.inference + r.timings.postprocess - 1e-6);
  });

  it('meet: sigmoid(person - background) gives the same picture', async () => {
    const r = await meet.run(photo);
    for (const bg of BACKGROUND) expect(regionMean(r.mask, bg)).toBeLessThan(0.05);
    expect(regionMean(r.mask, MIDDLE_TORSO)).toBeGreaterThan(0.9);
  });

  it('is deterministic and the uint8 format is the rounded float mask', async () => {
    const a = await selfie.run(photo);
    const b = await selfie.run(await readFile(SAMPLE_IMAGE));
    expect(b.mask.data).toEqual(a.mask.data);
    const u = await selfie.run(photo, { format: 'uint8' });
    expect(u.mask.data).toBeInstanceOf(Uint8Array);
    for (let i = 0; i < u.mask.data.length; i += 997) expect(u.mask.data[i]).toBe(Math.round(a.mask.data[i] * 255));
  });

  it('refine (guided filter) keeps the mask in [0, 1] and close to the plain mask', async () => {
    const plain = await selfie.run(photo);
    const refined = await selfie.run(photo, { refine: { radius: 4, eps: 1e-2 } });
    let diff = 0;
    let outside = 0;
    for (let i = 0; i < plain.mask.data.length; i++) {
      const v = refined.mask.data[i];
      if (!(v >= 0 && v <= 1)) outside++;
      diff += Math.abs(v - plain.mask.data[i]);
    }
    expect(outside).toBe(0);
    const meanDiff = diff / plain.mask.data.length;
    expect(meanDiff).toBeGreaterThan(0);
    expect(meanDiff).toBeLessThan(0.05);
    expect(regionMean(refined.mask, MIDDLE_TORSO)).toBeGreaterThan(0.9);
  });

  it('the kit runner returns JSON with a PNG mask', async () => {
    const runner = await kit.createRunner({ threads: 1 });
    try {
      const out = (await runner.run(SAMPLE_IMAGE)) as { width: number; height: number; personFraction: number; mask: { format: string; encoding: string; data: string } };
      expect([out.width, out.height]).toEqual([640, 427]);
      expect(out.personFraction).toBeGreaterThan(0.2);
      expect(out.personFraction).toBeLessThan(0.8);
      expect(out.mask).toMatchObject({ format: 'png', encoding: 'base64' });
      expect(Buffer.from(out.mask.data, 'base64').subarray(1, 4).toString()).toBe('PNG');
      expect(JSON.parse(JSON.stringify(out))).toEqual(out);
      await expect(runner.run(SAMPLE_IMAGE, { format: 'float' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('valid options: refine') });
    } finally {
      await runner.dispose();
    }
    expect(kit.modelCards).toBe(modelCards);
  });
});

describe('bad input', () => {
  let seg: HumanSeg;
  beforeAll(async () => {
    seg = await HumanSeg.create({ session: { threads: 1 } });
  });
  afterAll(async () => {
    await seg?.dispose();
  });

  it('garbage bytes, a missing file and a bad format fail with typed errors', async () => {
    await expect(seg.run(Buffer.from('not an image at all'))).rejects.toMatchObject({ code: 'E_IMAGE_DECODE' });
    await expect(seg.run('/nonexistent/photo.jpg')).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
    await expect(seg.run(SAMPLE_IMAGE, { format: 'png' as never })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  it('unknown model names and missing model files fail with typed errors', async () => {
    await expect(HumanSeg.create({ model: 'portrait' })).rejects.toMatchObject({ code: 'E_MODEL_NOT_FOUND' });
    await expect(HumanSeg.create({ model: '/nonexistent/model.onnx' })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
    await expect(HumanSeg.create({ model: 'selfie', output: 'logits' as never })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  it('a released model refuses to run', async () => {
    const s = await HumanSeg.create({ session: { threads: 1 } });
    await s.dispose();
    let err: unknown;
    try {
      await s.run(SAMPLE_IMAGE);
    } catch (e) {
      err = e;
    }
    expect(isModelkitError(err, 'E_SESSION_RELEASED')).toBe(true);
  });
});

describe('guidedFilter', () => {
  const image = (w: number, h: number, f: (x: number, y: number) => number): RgbImage => {
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(f(x, y), (y * w + x) * 3, (y * w + x) * 3 + 3);
    return { data, width: w, height: h };
  };

  it('leaves a constant mask constant', () => {
    const out = guidedFilter(image(20, 10, (x) => x * 10), new Float32Array(200).fill(0.3), { radius: 3 });
    for (const v of out) expect(v).toBeCloseTo(0.3, 5);
  });

  it('snaps a blurred mask edge to the image edge', () => {
    // Image: dark left half, bright right half. Mask: a soft ramp across the middle.
    const w = 40;
    const img = image(w, 8, (x) => (x < 20 ? 0 : 255));
    const mask = new Float32Array(w * 8);
    for (let y = 0; y < 8; y++) for (let x = 0; x < w; x++) mask[y * w + x] = Math.min(1, Math.max(0, (x - 14) / 12));
    const out = guidedFilter(img, mask, { radius: 4, eps: 1e-4 });
    // Just left of the image edge the ramp said ~0.4; the filter pulls it down, and up just right of it.
    expect(out[4 * w + 19]).toBeLessThan(mask[4 * w + 19] - 0.1);
    expect(out[4 * w + 20]).toBeGreaterThan(mask[4 * w + 20] + 0.1);
  });

  it('rejects a wrong size or bad parameters', () => {
    const img = image(4, 4, () => 0);
    expect(() => guidedFilter(img, new Float32Array(15))).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => guidedFilter(img, new Float32Array(16), { radius: 0 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => guidedFilter(img, new Float32Array(16), { eps: 0 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });
});
