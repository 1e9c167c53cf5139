import { ErrorCodes } from '@modelkit/core';
import { cocoBoxIou, cocoEvaluate } from '../src';
import type { CocoDetection, CocoGt, CocoGtAnnotation } from '../src';

type Xywh = [number, number, number, number];
const cats = [
  { id: 1, name: 'person' },
  { id: 3, name: 'car' },
];

function gtOf(anns: Omit<CocoGtAnnotation, 'id'>[], images = [1]): CocoGt {
  return { images: images.map((id) => ({ id })), annotations: anns.map((a, i) => ({ id: i + 1, ...a })), categories: cats };
}
const gtBox = (image_id: number, category_id: number, bbox: Xywh, extra: Partial<CocoGtAnnotation> = {}): Omit<CocoGtAnnotation, 'id'> => ({
  image_id,
  category_id,
  bbox,
  area: bbox[2] * bbox[3],
  iscrowd: 0,
  ...extra,
});
const dt = (image_id: number, category_id: number, bbox: Xywh, score: number): CocoDetection => ({ image_id, category_id, bbox, score });

describe('cocoBoxIou', () => {
  it('is intersection over union, or over the detection area for crowd', () => {
    expect(cocoBoxIou([0, 0, 10, 10], [5, 0, 10, 10], false)).toBeCloseTo(50 / 150, 12);
    expect(cocoBoxIou([0, 0, 10, 10], [5, 0, 10, 10], true)).toBeCloseTo(50 / 100, 12);
    expect(cocoBoxIou([0, 0, 10, 10], [10, 0, 10, 10], false)).toBe(0);
  });
});

describe('cocoEvaluate (pycocotools semantics)', () => {
  it('perfect detections score 1, and area ranges without ground truth are -1', () => {
    const gt = gtOf([gtBox(1, 1, [10, 10, 200, 200]), gtBox(2, 3, [0, 0, 150, 120]), gtBox(2, 1, [300, 300, 100, 100])], [1, 2]);
    const dets = gt.annotations.map((a, i) => dt(a.image_id, a.category_id, a.bbox, 0.9 - i * 0.1));
    const { metrics, perCategory } = cocoEvaluate(gt, dets);
    for (const k of ['AP', 'AP50', 'AP75', 'APlarge', 'AR1', 'AR10', 'AR100', 'ARlarge'] as const) expect(metrics[k]).toBeCloseTo(1, 12);
    expect(metrics.APsmall).toBe(-1);
    expect(metrics.APmedium).toBe(-1);
    expect(Object.keys(perCategory)).toEqual(['person', 'car']);
    for (const v of Object.values(perCategory)) expect(v).toBeCloseTo(1, 12);
  });

  it('a false positive scored above the true one halves AP; scored below, it costs nothing', () => {
    const gt = gtOf([gtBox(1, 1, [0, 0, 10, 10])]);
    const above = cocoEvaluate(gt, [dt(1, 1, [50, 50, 10, 10], 0.9), dt(1, 1, [0, 0, 10, 10], 0.8)]).metrics;
    // Ranked FP, TP: precision [0, 0.5] -> interpolated 0.5 at every recall point.
    expect(above.AP).toBeCloseTo(0.5, 12);
    expect(above.AR1).toBe(0); // only the FP survives maxDets=1
    expect(above.AR10).toBe(1);
    const below = cocoEvaluate(gt, [dt(1, 1, [50, 50, 10, 10], 0.7), dt(1, 1, [0, 0, 10, 10], 0.8)]).metrics;
    expect(below.AP).toBeCloseTo(1, 12);
  });

  it('a duplicate of a matched box is a false positive', () => {
    const gt = gtOf([gtBox(1, 1, [0, 0, 10, 10]), gtBox(1, 1, [100, 0, 10, 10])]);
    // Ranked TP(a), FP(duplicate of a), TP(b): rc [.5,.5,1], pr [1,.5,.667] -> interpolated [1,.667,.667].
    const m = cocoEvaluate(gt, [dt(1, 1, [0, 0, 10, 10], 0.9), dt(1, 1, [0, 0, 10, 10], 0.8), dt(1, 1, [100, 0, 10, 10], 0.7)]).metrics;
    // Recall points 0..0.5 (51 of them) at 1, 0.51..1 (50) at 2/3.
    expect(m.AP).toBeCloseTo((51 * 1 + 50 * (2 / 3)) / 101, 12);
  });

  it('IoU thresholds: a 0.62-IoU match counts at 0.50, 0.55, 0.60 only', () => {
    const gt = gtOf([gtBox(1, 1, [0, 0, 100, 100])]);
    const m = cocoEvaluate(gt, [dt(1, 1, [0, 0, 100, 62], 0.9)]).metrics;
    expect(m.AP50).toBeCloseTo(1, 12);
    expect(m.AP75).toBe(0);
    expect(m.AP).toBeCloseTo(0.3, 12);
    expect(m.AR100).toBeCloseTo(0.3, 12);
  });

  it('crowd regions absorb any number of detections without false positives', () => {
    const crowd = gtBox(1, 1, [100, 100, 50, 50], { iscrowd: 1 });
    const dets = [dt(1, 1, [100, 100, 20, 20], 0.9), dt(1, 1, [120, 120, 20, 20], 0.8), dt(1, 1, [0, 0, 10, 10], 0.7)];
    const m = cocoEvaluate(gtOf([gtBox(1, 1, [0, 0, 10, 10]), crowd]), dets).metrics;
    expect(m.AP).toBeCloseTo(1, 12);
    expect(m.AR100).toBeCloseTo(1, 12);
    // The same region as an ordinary box: two false positives above the true one, and a missed object.
    const plain = cocoEvaluate(gtOf([gtBox(1, 1, [0, 0, 10, 10]), { ...crowd, iscrowd: 0 }]), dets).metrics;
    expect(plain.AR100).toBeCloseTo(0.5, 12);
    // FP, FP, TP with 2 objects: precision 1/3 at recall 0.5 -> 51 points at 1/3.
    expect(plain.AP).toBeCloseTo((51 * (1 / 3)) / 101, 12);
  });

  it('area ranges use the annotation area; unmatched detections outside a range are ignored there', () => {
    const small = gtBox(1, 1, [0, 0, 40, 40], { area: 500 }); // bbox 1600 would be medium, area says small
    const large = gtBox(1, 1, [200, 200, 200, 200]);
    const dets = [dt(1, 1, [500, 0, 50, 50], 0.95), dt(1, 1, [0, 0, 40, 40], 0.9), dt(1, 1, [200, 200, 200, 200], 0.8)];
    const m = cocoEvaluate(gtOf([small, large]), dets).metrics;
    // all: FP(0.95), TP, TP -> precision interpolated to 2/3 everywhere.
    expect(m.AP).toBeCloseTo(2 / 3, 12);
    // The 50x50 FP (2500) is neither small (<= 1024) nor large (>= 9216): ignored in both.
    expect(m.APsmall).toBeCloseTo(1, 12);
    expect(m.APlarge).toBeCloseTo(1, 12);
    expect(m.APmedium).toBe(-1);
    expect(m.ARsmall).toBeCloseTo(1, 12);
  });

  it('averages over categories with ground truth; others are -1 and left out', () => {
    const gt = gtOf([gtBox(1, 1, [0, 0, 50, 50]), gtBox(1, 1, [100, 0, 50, 50])]);
    const r = cocoEvaluate(gt, [dt(1, 1, [0, 0, 50, 50], 0.9), dt(1, 3, [0, 0, 50, 50], 0.9)]);
    expect(r.perCategory).toEqual({ person: expect.any(Number), car: -1 });
    // person: one of two found -> precision 1 up to recall 0.5 (51 points).
    expect(r.metrics.AP).toBeCloseTo(51 / 101, 12);
    expect(r.metrics.AR1).toBeCloseTo(0.5, 12);
  });

  it('rejects detections of unknown images and malformed boxes', () => {
    const gt = gtOf([gtBox(1, 1, [0, 0, 50, 50])]);
    expect(() => cocoEvaluate(gt, [dt(7, 1, [0, 0, 5, 5], 0.5)])).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }));
    expect(() => cocoEvaluate(gt, [{ image_id: 1, category_id: 1, bbox: [0, 0, 5] as unknown as Xywh, score: 0.5 }])).toThrow(
      expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }),
    );
    expect(() => cocoEvaluate({} as CocoGt, [])).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }));
  });
});
