;; cv2-exact perspective warp of packed 8-bit RGB (OpenCV 4 `cv2.warpPerspective`, INTER_CUBIC
;; or INTER_LINEAR, BORDER_REPLICATE), the WebAssembly SIMD128 twin of `sampleBicubic` and
;; `sampleBilinear` in ../warp-quad.ts, which stay the reference. Output identical byte for
;; byte:
;; - Source positions: the same float64 operations in the same order as the JS (wasm has no
;;   fused multiply-add, like V8), then clamped to +-1e9, rounded half to even and truncated
;;   (NaN -> 0), exactly what the JS does with ROUND_MAGIC and `| 0`.
;; - Sums: every bicubic weight is a float32 multiple of 2^-34 (the 1-D coefficients are
;;   exact multiples of 2^-17, see ../warp-tables.ts), so each product pixel * weight and every
;;   partial sum (|sum| < 2^10) is exact in float64: the order of the additions cannot change
;;   the result, and the kernel sums in the order that suits SIMD. Bilinear sums are integers.
;;
;; Build: node tools/wasm/build-warp.mjs (writes warp-wasm-bytes.ts next to this file).
;;
;; The caller (../warp-wasm.ts) lays everything out in this memory and passes addresses:
;;   tab    bicubic weights as float64, 1024 sub-pixel positions x 16 (row-major 4x4 taps)
;;   ltab   bilinear weights (cv2's 10-bit integers) as float64, 1024 x 4
;;   rg, b  the source window converted by $planes: per pixel the float64 pair (R, G) in
;;          the rg plane (16 bytes) and B in the b plane (8 bytes), rows of ww pixels
;;   patch  scratch for the taps of pixels near the border (64 x 4 + 32 x 4 bytes)
;;   pos    scratch for one output row's positions, 8 bytes per pixel + 16
(module
  (memory (export "memory") 4)

  ;; n pixels of 8-bit RGB at src -> the rg and b planes, 4 pixels per step. Reads up to 16
  ;; bytes and writes up to 3 pixels past the ends (the caller leaves spare room).
  (func (export "planes") (param $src i32) (param $n i32) (param $rg i32) (param $b i32)
    (local $v v128) (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.mul (local.get $n) (i32.const 3))))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $v (v128.load (local.get $src)))
        ;; Two bytes into i32 lanes 0 and 1 (index -1 gives zero), then to float64.
        (v128.store (local.get $rg) (f64x2.convert_low_i32x4_s
          (i8x16.swizzle (local.get $v) (v128.const i8x16 0 -1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1))))
        (v128.store offset=16 (local.get $rg) (f64x2.convert_low_i32x4_s
          (i8x16.swizzle (local.get $v) (v128.const i8x16 3 -1 -1 -1 4 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1))))
        (v128.store offset=32 (local.get $rg) (f64x2.convert_low_i32x4_s
          (i8x16.swizzle (local.get $v) (v128.const i8x16 6 -1 -1 -1 7 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1))))
        (v128.store offset=48 (local.get $rg) (f64x2.convert_low_i32x4_s
          (i8x16.swizzle (local.get $v) (v128.const i8x16 9 -1 -1 -1 10 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1))))
        (v128.store (local.get $b) (f64x2.convert_low_i32x4_s
          (i8x16.swizzle (local.get $v) (v128.const i8x16 2 -1 -1 -1 5 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1))))
        (v128.store offset=16 (local.get $b) (f64x2.convert_low_i32x4_s
          (i8x16.swizzle (local.get $v) (v128.const i8x16 8 -1 -1 -1 11 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1))))
        (local.set $src (i32.add (local.get $src) (i32.const 12)))
        (local.set $rg (i32.add (local.get $rg) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (br $step))))

  ;; The whole warp: output pixel (x, y) samples the source at the homography m0..m8 (see
  ;; `Homography` in ../warp-quad.ts). `linear` = 1 for bilinear, 0 for bicubic. The source
  ;; is the window (wx0, wy0, ww x wh) of an sw x sh image, converted by $planes. Writes
  ;; width x height RGB pixels at out (plus 1 spare byte). Returns 0, or 1 when a tap fell
  ;; outside the window (the output is then incomplete).
  (func (export "warp")
        (param $width i32) (param $height i32) (param $linear i32)
        (param $m0 f64) (param $m1 f64) (param $m2 f64) (param $m3 f64) (param $m4 f64)
        (param $m5 f64) (param $m6 f64) (param $m7 f64) (param $m8 f64)
        (param $sw i32) (param $sh i32) (param $wx0 i32) (param $wy0 i32) (param $ww i32) (param $wh i32)
        (param $rg i32) (param $b i32) (param $tab i32) (param $ltab i32) (param $patch i32) (param $out i32)
        (param $pos i32) (result i32)
    (local $x i32) (local $y i32) (local $yf f64) (local $xv v128) (local $q i32) (local $qEnd i32)
    (local $m0v v128) (local $m3v v128) (local $m6v v128) (local $myX v128) (local $myY v128)
    (local $mcX v128) (local $mcY v128) (local $wy v128) (local $wc v128) (local $d v128)
    (local $fx v128) (local $fy v128) (local $p v128) (local $X i32) (local $Y i32) (local $ix i32) (local $iy i32) (local $t i32)
    (local $limX i32) (local $limY i32) (local $rgs i32) (local $bs i32)
    (local $a i32) (local $c i32) (local $as i32) (local $cs i32)
    (local $tEnd i32) (local $sum v128) (local $sumB v128)
    (local $n i32) (local $r i32) (local $k i32) (local $row i32) (local $col i32)
    (local.set $rgs (i32.shl (local.get $ww) (i32.const 4)))
    (local.set $bs (i32.shl (local.get $ww) (i32.const 3)))
    ;; A pixel is interior when its taps (4 or 2 per axis) all lie in the window:
    ;; (ix - wx0) unsigned below limX = max(ww - taps + 1, 0), same for rows.
    (local.set $limX (i32.sub (local.get $ww) (select (i32.const 1) (i32.const 3) (local.get $linear))))
    (local.set $limY (i32.sub (local.get $wh) (select (i32.const 1) (i32.const 3) (local.get $linear))))
    (if (i32.lt_s (local.get $limX) (i32.const 0)) (then (local.set $limX (i32.const 0))))
    (if (i32.lt_s (local.get $limY) (i32.const 0)) (then (local.set $limY (i32.const 0))))
    (local.set $m0v (f64x2.splat (local.get $m0)))
    (local.set $m3v (f64x2.splat (local.get $m3)))
    (local.set $m6v (f64x2.splat (local.get $m6)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $yf (f64.convert_i32_s (local.get $y)))
        ;; Per-row terms in the JS's order. Bicubic: (m0*x + m1*y) + m2 and
        ;; (m6*x + m7*y) + m8. Bilinear: m0*x + (m1*y + m2) and m6*x + (m7*y + m8), written
        ;; as (m0*x + (m1*y + m2)) + 0: adding +0 changes only a -0, which rounds to 0 anyway.
        (if (local.get $linear)
          (then
            (local.set $myX (f64x2.splat (f64.add (f64.mul (local.get $m1) (local.get $yf)) (local.get $m2))))
            (local.set $myY (f64x2.splat (f64.add (f64.mul (local.get $m4) (local.get $yf)) (local.get $m5))))
            (local.set $mcX (v128.const f64x2 0 0))
            (local.set $mcY (v128.const f64x2 0 0))
            (local.set $wy (f64x2.splat (f64.add (f64.mul (local.get $m7) (local.get $yf)) (local.get $m8))))
            (local.set $wc (v128.const f64x2 0 0)))
          (else
            (local.set $myX (f64x2.splat (f64.mul (local.get $m1) (local.get $yf))))
            (local.set $myY (f64x2.splat (f64.mul (local.get $m4) (local.get $yf))))
            (local.set $mcX (f64x2.splat (local.get $m2)))
            (local.set $mcY (f64x2.splat (local.get $m5)))
            (local.set $wy (f64x2.splat (f64.mul (local.get $m7) (local.get $yf))))
            (local.set $wc (f64x2.splat (local.get $m8)))))
        ;; The row's source positions in 1/32 pixels, two pixels (x, x+1) per step, into pos
        ;; as (X, Y) i32 pairs: w = 32 / (m6*x + m7*y + m8) (0 when the denominator is 0),
        ;; then (m0*x + m1*y + m2) * w and (m3*x + m4*y + m5) * w, clamped to +-1e9
        ;; (pmin/pmax keep NaN, like the JS ternaries), rounded half to even and truncated to
        ;; i32 (NaN -> 0, like `| 0`). The f64x2 lanes round like the JS's scalar ops.
        ;; Writes one pair past an odd width (pos has room).
        (local.set $xv (v128.const f64x2 0 1))
        (local.set $q (local.get $pos))
        (local.set $qEnd (i32.add (local.get $pos) (i32.shl (local.get $width) (i32.const 3))))
        (loop $positions
          (local.set $d (f64x2.add (f64x2.add (f64x2.mul (local.get $m6v) (local.get $xv)) (local.get $wy)) (local.get $wc)))
          (local.set $d
            (v128.bitselect
              (f64x2.div (v128.const f64x2 32 32) (local.get $d))
              (v128.const f64x2 0 0)
              (f64x2.ne (local.get $d) (v128.const f64x2 0 0))))
          (local.set $fx
            (i32x4.trunc_sat_f64x2_s_zero
              (f64x2.nearest
                (f64x2.pmax
                  (f64x2.pmin
                    (f64x2.mul (f64x2.add (f64x2.add (f64x2.mul (local.get $m0v) (local.get $xv)) (local.get $myX)) (local.get $mcX)) (local.get $d))
                    (v128.const f64x2 1e9 1e9))
                  (v128.const f64x2 -1e9 -1e9)))))
          (local.set $fy
            (i32x4.trunc_sat_f64x2_s_zero
              (f64x2.nearest
                (f64x2.pmax
                  (f64x2.pmin
                    (f64x2.mul (f64x2.add (f64x2.add (f64x2.mul (local.get $m3v) (local.get $xv)) (local.get $myY)) (local.get $mcY)) (local.get $d))
                    (v128.const f64x2 1e9 1e9))
                  (v128.const f64x2 -1e9 -1e9)))))
          (v128.store (local.get $q) (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $fx) (local.get $fy)))
          (local.set $xv (f64x2.add (local.get $xv) (v128.const f64x2 2 2)))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $positions (i32.lt_u (local.get $q) (local.get $qEnd))))
        (local.set $x (i32.const 0))
        (local.set $q (local.get $pos))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $x) (local.get $width)))
            (local.set $X (i32.load (local.get $q)))
            (local.set $Y (i32.load offset=4 (local.get $q)))
            (local.set $q (i32.add (local.get $q) (i32.const 8)))
            (if (local.get $linear)
              (then
                (local.set $ix (i32.shr_s (local.get $X) (i32.const 5)))
                (local.set $iy (i32.shr_s (local.get $Y) (i32.const 5)))
                ;; 4 float64 weights (32 bytes) per sub-pixel position.
                (local.set $t (i32.add (local.get $ltab)
                  (i32.shl (i32.or (i32.shl (i32.and (local.get $Y) (i32.const 31)) (i32.const 5)) (i32.and (local.get $X) (i32.const 31))) (i32.const 5)))))
              (else
                (local.set $ix (i32.sub (i32.shr_s (local.get $X) (i32.const 5)) (i32.const 1)))
                (local.set $iy (i32.sub (i32.shr_s (local.get $Y) (i32.const 5)) (i32.const 1)))
                ;; 16 float64 weights (128 bytes) per sub-pixel position.
                (local.set $t (i32.add (local.get $tab)
                  (i32.shl (i32.or (i32.shl (i32.and (local.get $Y) (i32.const 31)) (i32.const 5)) (i32.and (local.get $X) (i32.const 31))) (i32.const 7))))))
            ;; Taps from the window directly, or (near the border) from the patch.
            (if (i32.and
                  (i32.lt_u (i32.sub (local.get $ix) (local.get $wx0)) (local.get $limX))
                  (i32.lt_u (i32.sub (local.get $iy) (local.get $wy0)) (local.get $limY)))
              (then
                (local.set $a (i32.sub (local.get $iy) (local.get $wy0)))
                (local.set $c (i32.sub (local.get $ix) (local.get $wx0)))
                (local.set $a (i32.add (i32.mul (local.get $a) (local.get $ww)) (local.get $c)))
                (local.set $c (i32.add (local.get $b) (i32.shl (local.get $a) (i32.const 3))))
                (local.set $a (i32.add (local.get $rg) (i32.shl (local.get $a) (i32.const 4))))
                (local.set $as (local.get $rgs))
                (local.set $cs (local.get $bs)))
              (else
;; Near the border: the n x n taps (n = 4, or 2 for bilinear) into the patch,
                ;; each tap's row and column clamped into the image (BORDER_REPLICATE) like the
                ;; JS. A clamped tap outside the window returns 1: the caller then reruns with
                ;; the whole image as the window. Inline, not a call: a call makes V8 spill
                ;; every value live across it, in the hot path too.
                (local.set $n (select (i32.const 2) (i32.const 4) (local.get $linear)))
                (local.set $r (i32.const 0))
                (loop $patchRows
                  (local.set $row (i32.add (local.get $iy) (local.get $r)))
                  (if (i32.lt_s (local.get $row) (i32.const 0)) (then (local.set $row (i32.const 0))))
                  (if (i32.ge_s (local.get $row) (local.get $sh)) (then (local.set $row (i32.sub (local.get $sh) (i32.const 1)))))
                  (local.set $row (i32.sub (local.get $row) (local.get $wy0)))
                  (if (i32.ge_u (local.get $row) (local.get $wh)) (then (return (i32.const 1))))
                  (local.set $row (i32.mul (local.get $row) (local.get $ww)))
                  (local.set $k (i32.const 0))
                  (loop $patchCols
                    (local.set $col (i32.add (local.get $ix) (local.get $k)))
                    (if (i32.lt_s (local.get $col) (i32.const 0)) (then (local.set $col (i32.const 0))))
                    (if (i32.ge_s (local.get $col) (local.get $sw)) (then (local.set $col (i32.sub (local.get $sw) (i32.const 1)))))
                    (local.set $col (i32.sub (local.get $col) (local.get $wx0)))
                    (if (i32.ge_u (local.get $col) (local.get $ww)) (then (return (i32.const 1))))
                    (local.set $col (i32.add (local.get $row) (local.get $col)))
                    (v128.store
                      (i32.add (local.get $patch) (i32.add (i32.shl (local.get $r) (i32.const 6)) (i32.shl (local.get $k) (i32.const 4))))
                      (v128.load (i32.add (local.get $rg) (i32.shl (local.get $col) (i32.const 4)))))
                    (f64.store offset=256
                      (i32.add (local.get $patch) (i32.add (i32.shl (local.get $r) (i32.const 5)) (i32.shl (local.get $k) (i32.const 3))))
                      (f64.load (i32.add (local.get $b) (i32.shl (local.get $col) (i32.const 3)))))
                    (local.set $k (i32.add (local.get $k) (i32.const 1)))
                    (br_if $patchCols (i32.lt_u (local.get $k) (local.get $n))))
                  (local.set $r (i32.add (local.get $r) (i32.const 1)))
                  (br_if $patchRows (i32.lt_u (local.get $r) (local.get $n))))
                (local.set $a (local.get $patch))
                (local.set $c (i32.add (local.get $patch) (i32.const 256)))
                (local.set $as (i32.const 64))
                (local.set $cs (i32.const 32))))
            (if (local.get $linear)
              (then
                ;; (R, G) pairs times the splatted weight; B of the two taps of a row as one
                ;; pair times the row's two weights. Integer sums (cv2's 10-bit weights).
                (local.set $sum
                  (f64x2.add
                    (f64x2.add
                      (f64x2.mul (v128.load (local.get $a)) (v128.load64_splat (local.get $t)))
                      (f64x2.mul (v128.load offset=16 (local.get $a)) (v128.load64_splat offset=8 (local.get $t))))
                    (f64x2.add
                      (f64x2.mul (v128.load (i32.add (local.get $a) (local.get $as))) (v128.load64_splat offset=16 (local.get $t)))
                      (f64x2.mul (v128.load offset=16 (i32.add (local.get $a) (local.get $as))) (v128.load64_splat offset=24 (local.get $t))))))
                (local.set $sumB
                  (f64x2.add
                    (f64x2.mul (v128.load (local.get $c)) (v128.load (local.get $t)))
                    (f64x2.mul (v128.load (i32.add (local.get $c) (local.get $cs))) (v128.load offset=16 (local.get $t)))))
                (local.set $sumB (f64x2.add (local.get $sumB) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sumB) (local.get $sumB))))
                ;; (sum + 512) >> 10, exact in float64.
                (local.set $sum (f64x2.floor (f64x2.mul (f64x2.add (local.get $sum) (v128.const f64x2 512 512)) (v128.const f64x2 0x1p-10 0x1p-10))))
                (local.set $sumB (f64x2.floor (f64x2.mul (f64x2.add (local.get $sumB) (v128.const f64x2 512 512)) (v128.const f64x2 0x1p-10 0x1p-10)))))
              (else
                ;; The 4x4 taps row by row: (R, G) of tap k times the splatted weight w[r][k], B of
                ;; taps (0, 1) and (2, 3) times the weight pairs. A loop, not 4 unrolled rows:
                ;; V8 keeps loads in program order but sinks the arithmetic to its use, so
                ;; unrolled it loaded all 48 values first and spilled most of them.
                (local.set $sum (v128.const f64x2 0 0))
                (local.set $sumB (v128.const f64x2 0 0))
                (local.set $tEnd (i32.add (local.get $t) (i32.const 128)))
                (loop $taps
                  (local.set $sum
                    (f64x2.add (local.get $sum)
                      (f64x2.add
                        (f64x2.add
                          (f64x2.mul (v128.load (local.get $a)) (v128.load64_splat (local.get $t)))
                          (f64x2.mul (v128.load offset=16 (local.get $a)) (v128.load64_splat offset=8 (local.get $t))))
                        (f64x2.add
                          (f64x2.mul (v128.load offset=32 (local.get $a)) (v128.load64_splat offset=16 (local.get $t)))
                          (f64x2.mul (v128.load offset=48 (local.get $a)) (v128.load64_splat offset=24 (local.get $t)))))))
                  (local.set $sumB
                    (f64x2.add (local.get $sumB)
                      (f64x2.add
                        (f64x2.mul (v128.load (local.get $c)) (v128.load (local.get $t)))
                        (f64x2.mul (v128.load offset=16 (local.get $c)) (v128.load offset=16 (local.get $t))))))
                  (local.set $a (i32.add (local.get $a) (local.get $as)))
                  (local.set $c (i32.add (local.get $c) (local.get $cs)))
                  (local.set $t (i32.add (local.get $t) (i32.const 32)))
                  (br_if $taps (i32.ne (local.get $t) (local.get $tEnd))))
                (local.set $sumB (f64x2.add (local.get $sumB) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $sumB) (local.get $sumB))))))
            ;; + 1.5 * 2^52 rounds half to even (the JS's ROUND_MAGIC) and leaves the integer
            ;; in the low 32 bits of each lane; gather (R, G, B) as i32, then the saturating
            ;; narrows clamp to 0..255 like the JS. The 4th byte stored is the next pixel's R
            ;; (written after) or the spare byte.
            (local.set $sum (f64x2.add (local.get $sum) (v128.const f64x2 0x1.8p52 0x1.8p52)))
            (local.set $sumB (f64x2.add (local.get $sumB) (v128.const f64x2 0x1.8p52 0x1.8p52)))
            (local.set $p (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 16 17 18 19 (local.get $sum) (local.get $sumB)))
            (local.set $p (i16x8.narrow_i32x4_s (local.get $p) (local.get $p)))
            (v128.store32_lane 0 (local.get $out) (i8x16.narrow_i16x8_u (local.get $p) (local.get $p)))
            (local.set $out (i32.add (local.get $out) (i32.const 3)))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $cols)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
    (i32.const 0))
)
