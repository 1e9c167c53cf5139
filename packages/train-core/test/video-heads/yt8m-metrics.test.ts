import { averagePrecision, globalAveragePrecision, hitAtOne, meanAveragePrecision, precisionAtEqualRecall, yt8mMetrics } from '../../src';

// Three videos, four labels. Every value below is worked out by hand in the comments.
const P = [
  [0.9, 0.8, 0.1, 0.3], // video 0, labels {1, 2}
  [0.2, 0.7, 0.6, 0.4], // video 1, labels {2}
  [0.5, 0.1, 0.3, 0.35], // video 2, labels {0, 3}
];
const Y = [
  [0, 1, 1, 0],
  [0, 0, 1, 0],
  [1, 0, 0, 1],
];

test('Hit@1: the best label is true for videos 2 only → 1/3', () => {
  // v0 best = label 0 (false), v1 best = label 1 (false), v2 best = label 0 (true).
  expect(hitAtOne(P, Y)).toBeCloseTo(1 / 3, 12);
});

test('PERR: top-k precision with k = number of true labels', () => {
  // v0: k=2, top2 = {0, 1} → 1 of 2 true = 0.5; v1: k=1, top1 = {1} → 0; v2: k=2, top2 = {0, 3} → 2/2 = 1.
  expect(precisionAtEqualRecall(P, Y)).toBeCloseTo((0.5 + 0 + 1) / 3, 12);
});

test('average precision of a ranked list', () => {
  // Ranked: 0.9(+) 0.7(-) 0.5(+) 0.2(-): AP = (1/1 + 2/3) / 2.
  expect(averagePrecision([0.2, 0.9, 0.5, 0.7], [0, 1, 1, 0])).toBeCloseTo((1 + 2 / 3) / 2, 12);
  // With 4 positives in total (2 never retrieved) the same hits weigh half.
  expect(averagePrecision([0.2, 0.9, 0.5, 0.7], [0, 1, 1, 0], 4)).toBeCloseTo((1 + 2 / 3) / 4, 12);
  expect(averagePrecision([0.3, 0.1], [0, 0])).toBe(0);
});

test('GAP over each video top 2, divided by all 5 true labels', () => {
  // Top-2 pairs: v0 (0.9,-) (0.8,+); v1 (0.7,-) (0.6,+); v2 (0.5,+) (0.35,+).
  // Pooled ranking: 0.9- 0.8+ 0.7- 0.6+ 0.5+ 0.35+ → precisions at the hits: 1/2, 2/4, 3/5, 4/6.
  const expected = (1 / 2 + 2 / 4 + 3 / 5 + 4 / 6) / 5;
  expect(globalAveragePrecision(P, Y, 2)).toBeCloseTo(expected, 12);
  // With top 20 (more than 4 labels) every pair is in: ranking 0.9- 0.8+ 0.7- 0.6+ 0.5+ 0.4- 0.35+ 0.3- 0.3- 0.2- 0.1+ 0.1-.
  // Ties (0.3, 0.3 and 0.1, 0.1) keep video order: 0.1 of v0 label 2 (+) comes before 0.1 of v2 label 1 (-).
  const all = (1 / 2 + 2 / 4 + 3 / 5 + 4 / 7 + 5 / 11) / 5;
  expect(globalAveragePrecision(P, Y)).toBeCloseTo(all, 12);
});

test('mAP: per-label AP over videos, averaged over all labels', () => {
  // label 0: scores 0.9-,0.2-,0.5+ → ranked 0.9- 0.5+ 0.2- → 1/2.
  // label 1: 0.8+,0.7-,0.1- → 1.   label 2: 0.1+,0.6+,0.3- → ranked 0.6+ 0.3- 0.1+ → (1 + 2/3)/2.
  // label 3: 0.3-,0.4-,0.35+ → ranked 0.4- 0.35+ 0.3- → 1/2.
  const expected = (0.5 + 1 + (1 + 2 / 3) / 2 + 0.5) / 4;
  expect(meanAveragePrecision(P, Y)).toBeCloseTo(expected, 12);
  const all = yt8mMetrics(P, Y, 2);
  expect(all.videos).toBe(3);
  expect(all.map).toBeCloseTo(expected, 12);
});

test('a perfect ranking scores 1 everywhere', () => {
  const labels = [[1, 0, 0], [0, 1, 1]];
  const scores = [[0.9, 0.1, 0.2], [0.1, 0.8, 0.7]];
  expect(yt8mMetrics(scores, labels)).toEqual({ gap: 1, hit1: 1, perr: 1, map: 1, videos: 2 });
});
