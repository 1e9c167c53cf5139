import { accumulateConfusion, emptyConfusion, segMetrics } from '../src';

describe('segmentation metrics', () => {
  it('counts a hand case with ignored pixels', () => {
    // label: 0 bg, 1 person, 255 ignore
    const label = Uint8Array.from([0, 0, 0, 1, 1, 1, 255, 255]);
    const pred = Uint8Array.from([0, 1, 0, 1, 1, 0, 1, 0]);
    const c = accumulateConfusion(pred, label);
    expect(c).toEqual({ tp: 2, fp: 1, fn: 1, tn: 2, ignored: 2 });
    const m = segMetrics(c);
    expect(m.personIoU).toBeCloseTo(2 / 4);
    expect(m.backgroundIoU).toBeCloseTo(2 / 4);
    expect(m.mIoU).toBeCloseTo(0.5);
    expect(m.pixelAccuracy).toBeCloseTo(4 / 6);
  });

  it('ignored pixels change nothing whatever is predicted there', () => {
    const label = Uint8Array.from([1, 0, 255, 255]);
    const a = segMetrics(accumulateConfusion(Uint8Array.from([1, 0, 0, 0]), label));
    const b = segMetrics(accumulateConfusion(Uint8Array.from([1, 0, 1, 1]), label));
    expect(a).toEqual(b);
    expect(a.personIoU).toBe(1);
    expect(a.pixelAccuracy).toBe(1);
  });

  it('accumulates over images before dividing (not a mean of per-image IoUs)', () => {
    const c = emptyConfusion();
    // image 1: person of 1 pixel, missed entirely (IoU 0); image 2: 3 person pixels, all found (IoU 1).
    accumulateConfusion(Uint8Array.from([0, 0]), Uint8Array.from([1, 0]), c);
    accumulateConfusion(Uint8Array.from([1, 1, 1, 0]), Uint8Array.from([1, 1, 1, 0]), c);
    expect(segMetrics(c).personIoU).toBeCloseTo(3 / 4);
  });

  it('treats any non-zero prediction and any label other than 0/255 as person', () => {
    const c = accumulateConfusion(Uint8Array.from([255, 7, 0]), Uint8Array.from([1, 2, 3]));
    expect(c).toEqual({ tp: 2, fp: 0, fn: 1, tn: 0, ignored: 0 });
  });

  it('rejects mismatched sizes', () => {
    expect(() => accumulateConfusion(new Uint8Array(3), new Uint8Array(4))).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });
});
