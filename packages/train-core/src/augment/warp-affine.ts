import type { FloatImage } from './float-image';

/**
 * A 2×3 affine map `[a, b, c, d, e, f]` taking OUTPUT pixel centres (x, y) to source
 * coordinates `(a·x + b·y + c, d·x + e·y + f)`: inverse mapping, so every output pixel
 * gets exactly one bilinear sample.
 */
export type InverseAffine = readonly [number, number, number, number, number, number];

/**
 * Resamples `img` into a `width × height` image through an inverse affine map with
 * bilinear interpolation; samples outside the source take `fill`. Rotation, shear,
 * translation and resized crops are all this one loop.
 */
export function warpAffine(img: FloatImage, m: InverseAffine, width = img.width, height = img.height, fill = 0): FloatImage {
  const { data: src, width: sw, height: sh, channels: ch } = img;
  const out = new Float32Array(width * height * ch);
  const [a, b, c, d, e, f] = m;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Pixel centres at +0.5, so a scale about the image centre stays centred.
      const sx = a * (x + 0.5) + b * (y + 0.5) + c - 0.5;
      const sy = d * (x + 0.5) + e * (y + 0.5) + f - 0.5;
      const o = (y * width + x) * ch;
      if (sx < -0.5 || sy < -0.5 || sx > sw - 0.5 || sy > sh - 0.5) {
        for (let k = 0; k < ch; k++) out[o + k] = fill;
        continue;
      }
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const xa = Math.min(Math.max(x0, 0), sw - 1);
      const xb = Math.min(Math.max(x0 + 1, 0), sw - 1);
      const ya = Math.min(Math.max(y0, 0), sh - 1);
      const yb = Math.min(Math.max(y0 + 1, 0), sh - 1);
      const p00 = (ya * sw + xa) * ch;
      const p01 = (ya * sw + xb) * ch;
      const p10 = (yb * sw + xa) * ch;
      const p11 = (yb * sw + xb) * ch;
      for (let k = 0; k < ch; k++) {
        const top = src[p00 + k] + (src[p01 + k] - src[p00 + k]) * fx;
        const bot = src[p10 + k] + (src[p11 + k] - src[p10 + k]) * fx;
        out[o + k] = top + (bot - top) * fy;
      }
    }
  }
  return { data: out, width, height, channels: ch };
}

/** The inverse map of a rotation by `degrees` (counter-clockwise on screen) plus shear/translation about the centre. */
export function centredAffine(width: number, height: number, opts: { degrees?: number; shearX?: number; shearY?: number; tx?: number; ty?: number; scale?: number }): InverseAffine {
  const t = ((opts.degrees ?? 0) * Math.PI) / 180;
  const s = opts.scale ?? 1;
  // Forward map about the centre: rotate, shear, scale; inverse it analytically.
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const shx = opts.shearX ?? 0;
  const shy = opts.shearY ?? 0;
  // Forward linear part F = S·R·Sh with Sh = [[1, shx], [shy, 1]], screen y down so +angle turns counter-clockwise.
  const r00 = cos;
  const r01 = sin;
  const r10 = -sin;
  const r11 = cos;
  const f00 = s * (r00 + r01 * shy);
  const f01 = s * (r00 * shx + r01);
  const f10 = s * (r10 + r11 * shy);
  const f11 = s * (r10 * shx + r11);
  const det = f00 * f11 - f01 * f10;
  const i00 = f11 / det;
  const i01 = -f01 / det;
  const i10 = -f10 / det;
  const i11 = f00 / det;
  const cx = width / 2;
  const cy = height / 2;
  const tx = opts.tx ?? 0;
  const ty = opts.ty ?? 0;
  // src = Finv·(dst - centre - t) + centre
  return [i00, i01, cx - i00 * (cx + tx) - i01 * (cy + ty), i10, i11, cy - i10 * (cx + tx) - i11 * (cy + ty)];
}
