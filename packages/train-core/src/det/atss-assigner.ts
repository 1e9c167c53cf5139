/**
 * The anchor points of a GFL head and ATSS label assignment (Zhang et al., "Bridging the
 * Gap Between Anchor-based and Anchor-free Detection", 2020) as NanoDet and mmdetection's
 * GFL use it. It needs only the points and the ground-truth boxes, so it runs on the CPU
 * per image in the dataset and the loss receives fixed-size targets.
 */

/** The cell centres of every feature level, level after level, row-major within a level. */
export interface PointGrid {
  strides: readonly number[];
  /** Cells per level: `ceil(input / stride)`, as the det kit expects. */
  levels: readonly { stride: number; width: number; height: number; start: number }[];
  /** Total points over all levels. */
  count: number;
  /** Centre x, centre y and stride per point, in input pixels. */
  cx: Float32Array;
  cy: Float32Array;
  stride: Float32Array;
}

/** The points of a `width` x `height` input: cell centre = (index + centerOffset) · stride. */
export function pointGrid(width: number, height: number, strides: readonly number[], centerOffset = 0.5): PointGrid {
  const levels = [];
  let start = 0;
  for (const stride of strides) {
    const w = Math.ceil(width / stride);
    const h = Math.ceil(height / stride);
    levels.push({ stride, width: w, height: h, start });
    start += w * h;
  }
  const cx = new Float32Array(start);
  const cy = new Float32Array(start);
  const st = new Float32Array(start);
  for (const l of levels) {
    for (let y = 0; y < l.height; y++) {
      for (let x = 0; x < l.width; x++) {
        const i = l.start + y * l.width + x;
        cx[i] = (x + centerOffset) * l.stride;
        cy[i] = (y + centerOffset) * l.stride;
        st[i] = l.stride;
      }
    }
  }
  return { strides: [...strides], levels, count: start, cx, cy, stride: st };
}

/** Options of {@link atssAssign}. */
export interface AtssOptions {
  /** Candidates per level closest to each box centre. Default 9. */
  topk?: number;
  /** Side of the square anchor at each point, in strides (NanoDet: octave_base_scale 5). Default 5. */
  anchorScale?: number;
}

function iou(ax1: number, ay1: number, ax2: number, ay2: number, bx1: number, by1: number, bx2: number, by2: number): number {
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter);
}

/**
 * ATSS: for each box, the `topk` points of every level nearest its centre are candidates;
 * those whose anchor overlaps the box by at least mean + std of the candidates' IoUs and
 * whose centre lies inside the box become positives; a point claimed by several boxes goes
 * to the one it overlaps most. Returns the box index per point, −1 for background.
 *
 * @param boxes `x1, y1, x2, y2` per box, packed, in input pixels.
 */
export function atssAssign(grid: PointGrid, boxes: Float32Array, options: AtssOptions = {}): Int32Array {
  const topk = options.topk ?? 9;
  const half = (options.anchorScale ?? 5) / 2;
  const assigned = new Int32Array(grid.count).fill(-1);
  const bestIou = new Float32Array(grid.count);
  const G = boxes.length / 4;
  for (let g = 0; g < G; g++) {
    const [x1, y1, x2, y2] = boxes.subarray(g * 4, g * 4 + 4);
    const gx = (x1 + x2) / 2;
    const gy = (y1 + y2) / 2;
    const candidates: number[] = [];
    for (const l of grid.levels) {
      const n = l.width * l.height;
      const k = Math.min(topk, n);
      // The k nearest of this level: a partial selection over a small array.
      const dist: { i: number; d: number }[] = [];
      for (let i = l.start; i < l.start + n; i++) {
        const d = (grid.cx[i] - gx) ** 2 + (grid.cy[i] - gy) ** 2;
        if (dist.length < k) {
          dist.push({ i, d });
          if (dist.length === k) dist.sort((a, b) => a.d - b.d);
        } else if (d < dist[k - 1].d) {
          let j = k - 1;
          while (j > 0 && dist[j - 1].d > d) j--;
          dist.splice(j, 0, { i, d });
          dist.pop();
        }
      }
      for (const c of dist) candidates.push(c.i);
    }
    const ious = candidates.map((i) => {
      const r = half * grid.stride[i];
      return iou(grid.cx[i] - r, grid.cy[i] - r, grid.cx[i] + r, grid.cy[i] + r, x1, y1, x2, y2);
    });
    const mean = ious.reduce((a, b) => a + b, 0) / ious.length;
    // Unbiased std, as torch.std in mmdetection's ATSSAssigner.
    const std = ious.length > 1 ? Math.sqrt(ious.reduce((a, b) => a + (b - mean) ** 2, 0) / (ious.length - 1)) : 0;
    const thr = mean + std;
    candidates.forEach((i, c) => {
      const v = ious[c];
      const inside = Math.min(grid.cx[i] - x1, grid.cy[i] - y1, x2 - grid.cx[i], y2 - grid.cy[i]) > 0.01;
      if (v >= thr && inside && v > bestIou[i]) {
        bestIou[i] = v;
        assigned[i] = g;
      }
    });
  }
  return assigned;
}

/** Values per row of a detection target (class, x1, y1, x2, y2). */
export const DET_TARGET_ROW = 5;

/**
 * The fixed-size training target of one image, `[points + maxBoxes, 5]` flattened: the
 * first `points` rows hold, per point, the class of its assigned box (−1 = background) and
 * that box; the last `maxBoxes` rows list the image's boxes (class −1 = padding) for the
 * AP metric. Boxes beyond `maxBoxes` are assigned but not listed.
 */
export function detTarget(grid: PointGrid, boxes: Float32Array, classes: Int32Array, maxBoxes: number, options: AtssOptions = {}): Float32Array {
  const R = DET_TARGET_ROW;
  const out = new Float32Array((grid.count + maxBoxes) * R);
  const assigned = atssAssign(grid, boxes, options);
  for (let i = 0; i < grid.count; i++) {
    const g = assigned[i];
    out[i * R] = g < 0 ? -1 : classes[g];
    if (g >= 0) out.set(boxes.subarray(g * 4, g * 4 + 4), i * R + 1);
  }
  for (let j = 0; j < maxBoxes; j++) {
    const row = (grid.count + j) * R;
    if (j < classes.length) {
      out[row] = classes[j];
      out.set(boxes.subarray(j * 4, j * 4 + 4), row + 1);
    } else {
      out[row] = -1;
    }
  }
  return out;
}
