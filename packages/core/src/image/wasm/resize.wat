;; cv2-exact bilinear resize of packed 8-bit RGB (OpenCV 4 `cv2.resize(INTER_LINEAR)`), the
;; WebAssembly SIMD128 twin of `cvLinearResize` in ../resize-image.ts, which stays the
;; reference: every integer step below is the same as there, so the output is identical
;; byte for byte (and, with the same float64 multiply-add, bit for bit for float tensors).
;;
;; Build: node tools/wasm/build-resize.mjs (writes resize-wasm-bytes.ts next to this file).
;;
;; The caller (../resize-wasm.ts) lays everything out in this memory and passes addresses:
;;   xtab   16 bytes per output column: i16 weights a0,a1,a0,a1,a0,a1 (lanes 0-5) and, in
;;          bytes 12-15, the i32 byte offset of the left tap inside a source row. Lanes 6-7
;;          meet zeros in the shuffled pixels, so the offset never leaks into the sums.
;;   xofs1  i32 per output column: byte offset of the right tap (used after `inner` only).
;;   ytab   16 bytes per output row: address of source row sy, of row sy1, weights b0, b1.
;;   rowA/B horizontally resampled rows as i16 (values <= 255*2048 >> 4 = 32640), with at
;;          least 32 spare bytes: stores and loads run past the row end in whole vectors.
;; Every store that overruns its row lands either in a spare area or in the next row, which
;; is written later (rows go in increasing order), so overruns never reach the result.
(module
  (memory (export "memory") 1)

  ;; Horizontal pass of one source row: dst[3dx+c] = (L_c*a0 + R_c*a1) >> 4 as i16.
  ;; One pixel per step: the 3 channels of the left and right taps are interleaved into i16
  ;; pairs (L0,R0,L1,R1,L2,R2,0,0) and i32x4.dot_i16x8_s does both products and the add.
  (func $hresize (param $src i32) (param $xtab i32) (param $xofs1 i32) (param $dst i32)
                 (param $width i32) (param $inner i32)
    (local $t i32) (local $end i32) (local $d v128) (local $e v128) (local $pairs v128)
    ;; Byte indices of the (L0,R0,L1,R1,L2,R2,0,0) i16 pairs; -1 (out of range) gives zero.
    ;; i8x16.swizzle is one pshufb here, ~30% faster than a shuffle against a zero vector.
    (local.set $pairs (v128.const i8x16 0 -1 3 -1 1 -1 4 -1 2 -1 5 -1 -1 -1 -1 -1))
    (local.set $t (local.get $xtab))
    (local.set $end (i32.add (local.get $xtab) (i32.shl (local.get $inner) (i32.const 4))))
    ;; Columns before `inner`: the right tap is the next source pixel, so one 8-byte load
    ;; at the left tap holds both (bytes 0-2 left, 3-5 right). Two pixels per iteration
    ;; share one narrow; each stores 4 i16 and the 4th is overwritten by the next pixel.
    (block $pairsDone
      (loop $pairs
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $t) (i32.const 32)) (local.get $end)))
        (local.set $d
          (i32x4.shr_s
            (i32x4.dot_i16x8_s
              (i8x16.swizzle (v128.load64_zero (i32.add (local.get $src) (i32.load offset=12 (local.get $t)))) (local.get $pairs))
              (v128.load (local.get $t)))
            (i32.const 4)))
        (local.set $e
          (i32x4.shr_s
            (i32x4.dot_i16x8_s
              (i8x16.swizzle (v128.load64_zero (i32.add (local.get $src) (i32.load offset=28 (local.get $t)))) (local.get $pairs))
              (v128.load offset=16 (local.get $t)))
            (i32.const 4)))
        (local.set $d (i16x8.narrow_i32x4_s (local.get $d) (local.get $e)))
        (v128.store64_lane 0 (local.get $dst) (local.get $d))
        (v128.store64_lane offset=6 1 (local.get $dst) (local.get $d))
        (local.set $dst (i32.add (local.get $dst) (i32.const 12)))
        (local.set $t (i32.add (local.get $t) (i32.const 32)))
        (br $pairs)))
    (if (i32.lt_u (local.get $t) (local.get $end))
      (then
        (local.set $d
          (i32x4.shr_s
            (i32x4.dot_i16x8_s
              (i8x16.swizzle (v128.load64_zero (i32.add (local.get $src) (i32.load offset=12 (local.get $t)))) (local.get $pairs))
              (v128.load (local.get $t)))
            (i32.const 4)))
        (v128.store64_lane 0 (local.get $dst)
          (i16x8.narrow_i32x4_s (local.get $d) (local.get $d)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 6)))
        (local.set $t (i32.add (local.get $t) (i32.const 16)))))
    ;; Remaining columns (clamped right border): the right tap comes from xofs1.
    (local.set $end (i32.add (local.get $xtab) (i32.shl (local.get $width) (i32.const 4))))
    (local.set $xofs1 (i32.add (local.get $xofs1) (i32.shl (local.get $inner) (i32.const 2))))
    (block $borderDone
      (loop $border
        (br_if $borderDone (i32.ge_u (local.get $t) (local.get $end)))
        (local.set $d
          (i32x4.shr_s
            (i32x4.dot_i16x8_s
              (i16x8.extend_low_i8x16_u
                (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23
                  (v128.load64_zero (i32.add (local.get $src) (i32.load offset=12 (local.get $t))))
                  (v128.load64_zero (i32.add (local.get $src) (i32.load (local.get $xofs1))))))
              (v128.load (local.get $t)))
            (i32.const 4)))
        ;; Lane 3 holds junk here (pixel bytes times offset bits); it is overwritten by the
        ;; next pixel or lands in the spare bytes, like the zero lane 3 above.
        (v128.store64_lane 0 (local.get $dst)
          (i16x8.narrow_i32x4_s (local.get $d) (local.get $d)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 6)))
        (local.set $xofs1 (i32.add (local.get $xofs1) (i32.const 4)))
        (local.set $t (i32.add (local.get $t) (i32.const 16)))
        (br $border))))

  ;; Vertical pass of one row of `len` values into bytes, 16 per step:
  ;; (((A*b0) >> 16) + ((B*b1) >> 16) + 2) >> 2. The products need 27 bits (extmul to i32);
  ;; each sum is at most 1020, so the `+2 >> 2` runs on i16 after an exact narrow, and the
  ;; result (<= 255) narrows to u8 exactly. Writes len rounded up to 16 bytes.
  (func $vresize (param $a i32) (param $b i32) (param $b0 i32) (param $b1 i32)
                 (param $dst i32) (param $len i32)
    (local $w0 v128) (local $w1 v128) (local $end i32)
    (local $va v128) (local $vb v128) (local $lo v128)
    (local.set $w0 (i16x8.splat (local.get $b0)))
    (local.set $w1 (i16x8.splat (local.get $b1)))
    (local.set $end (i32.add (local.get $dst) (local.get $len)))
    (block $done
      (loop $step
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (local.set $va (v128.load (local.get $a)))
        (local.set $vb (v128.load (local.get $b)))
        (local.set $lo
          (i16x8.shr_s
            (i16x8.add
              (i16x8.narrow_i32x4_s
                (i32x4.add
                  (i32x4.shr_s (i32x4.extmul_low_i16x8_s (local.get $va) (local.get $w0)) (i32.const 16))
                  (i32x4.shr_s (i32x4.extmul_low_i16x8_s (local.get $vb) (local.get $w1)) (i32.const 16)))
                (i32x4.add
                  (i32x4.shr_s (i32x4.extmul_high_i16x8_s (local.get $va) (local.get $w0)) (i32.const 16))
                  (i32x4.shr_s (i32x4.extmul_high_i16x8_s (local.get $vb) (local.get $w1)) (i32.const 16))))
              (v128.const i16x8 2 2 2 2 2 2 2 2))
            (i32.const 2)))
        (local.set $va (v128.load offset=16 (local.get $a)))
        (local.set $vb (v128.load offset=16 (local.get $b)))
        (v128.store (local.get $dst)
          (i8x16.narrow_i16x8_u
            (local.get $lo)
            (i16x8.shr_s
              (i16x8.add
                (i16x8.narrow_i32x4_s
                  (i32x4.add
                    (i32x4.shr_s (i32x4.extmul_low_i16x8_s (local.get $va) (local.get $w0)) (i32.const 16))
                    (i32x4.shr_s (i32x4.extmul_low_i16x8_s (local.get $vb) (local.get $w1)) (i32.const 16)))
                  (i32x4.add
                    (i32x4.shr_s (i32x4.extmul_high_i16x8_s (local.get $va) (local.get $w0)) (i32.const 16))
                    (i32x4.shr_s (i32x4.extmul_high_i16x8_s (local.get $vb) (local.get $w1)) (i32.const 16))))
                (v128.const i16x8 2 2 2 2 2 2 2 2))
              (i32.const 2))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $step))))

  ;; One resized 8-bit row into the three float planes, 4 pixels per step: source channel k
  ;; of pixel x goes to p_k + 4x as f32(f64(v) * a_k + b_k): float64 multiply and add, then
  ;; rounding to float32, exactly the JS `out[i] = v * a + b` into a Float32Array (wasm
  ;; float ops are IEEE round-to-nearest without fused multiply-add or flush-to-zero).
  ;; Reads up to 13 bytes past the row (spare); writes only the row's own `width` floats.
  (func $toPlanes (param $row i32) (param $width i32) (param $p0 i32) (param $p1 i32) (param $p2 i32)
                  (param $a0 f64) (param $a1 f64) (param $a2 f64) (param $b0 f64) (param $b1 f64) (param $b2 f64)
    (local $va0 v128) (local $va1 v128) (local $va2 v128) (local $vb0 v128) (local $vb1 v128) (local $vb2 v128)
    (local $v v128) (local $f0 v128) (local $f1 v128) (local $f2 v128)
    (local $x i32) (local $o i32) (local $rem i32)
    (local.set $va0 (f64x2.splat (local.get $a0)))
    (local.set $va1 (f64x2.splat (local.get $a1)))
    (local.set $va2 (f64x2.splat (local.get $a2)))
    (local.set $vb0 (f64x2.splat (local.get $b0)))
    (local.set $vb1 (f64x2.splat (local.get $b1)))
    (local.set $vb2 (f64x2.splat (local.get $b2)))
    (block $done
      (loop $px
        ;; Pixels x..x+3 are bytes 0-11 of one load (channel k of pixel j at byte 3j+k):
        ;; gather them by channel, widen to one i32x4 per channel, then convert two lanes at
        ;; a time (f64x2 has two).
        (local.set $v (i8x16.shuffle 0 3 6 9 1 4 7 10 2 5 8 11 0 0 0 0
          (v128.load (local.get $row)) (v128.const i32x4 0 0 0 0)))
        (local.set $f1 (i16x8.extend_low_i8x16_u (local.get $v)))
        (local.set $f2 (i16x8.extend_high_i8x16_u (local.get $v)))
        (local.set $v (i32x4.extend_low_i16x8_u (local.get $f1)))
        (local.set $f1 (i32x4.extend_high_i16x8_u (local.get $f1)))
        (local.set $f2 (i32x4.extend_low_i16x8_u (local.get $f2)))
        (local.set $f0
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero
              (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $v)) (local.get $va0)) (local.get $vb0)))
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.mul
                  (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))
                  (local.get $va0))
                (local.get $vb0)))))
        (local.set $f1
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero
              (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $f1)) (local.get $va1)) (local.get $vb1)))
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.mul
                  (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $f1) (local.get $f1)))
                  (local.get $va1))
                (local.get $vb1)))))
        (local.set $f2
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero
              (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $f2)) (local.get $va2)) (local.get $vb2)))
            (f32x4.demote_f64x2_zero
              (f64x2.add
                (f64x2.mul
                  (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $f2) (local.get $f2)))
                  (local.get $va2))
                (local.get $vb2)))))
        (local.set $o (i32.shl (local.get $x) (i32.const 2)))
        (local.set $rem (i32.sub (local.get $width) (local.get $x)))
        (if (i32.ge_s (local.get $rem) (i32.const 4))
          (then
            (v128.store (i32.add (local.get $p0) (local.get $o)) (local.get $f0))
            (v128.store (i32.add (local.get $p1) (local.get $o)) (local.get $f1))
            (v128.store (i32.add (local.get $p2) (local.get $o)) (local.get $f2))
            (local.set $row (i32.add (local.get $row) (i32.const 12)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br_if $px (i32.lt_s (local.get $x) (local.get $width)))
            (br $done)))
        ;; The last 1-3 pixels, lane by lane: a whole vector would overrun into the next
        ;; plane's first row, already written.
        (v128.store32_lane 0 (i32.add (local.get $p0) (local.get $o)) (local.get $f0))
        (v128.store32_lane 0 (i32.add (local.get $p1) (local.get $o)) (local.get $f1))
        (v128.store32_lane 0 (i32.add (local.get $p2) (local.get $o)) (local.get $f2))
        (br_if $done (i32.lt_s (local.get $rem) (i32.const 2)))
        (v128.store32_lane offset=4 1 (i32.add (local.get $p0) (local.get $o)) (local.get $f0))
        (v128.store32_lane offset=4 1 (i32.add (local.get $p1) (local.get $o)) (local.get $f1))
        (v128.store32_lane offset=4 1 (i32.add (local.get $p2) (local.get $o)) (local.get $f2))
        (br_if $done (i32.lt_s (local.get $rem) (i32.const 3)))
        (v128.store32_lane offset=8 2 (i32.add (local.get $p0) (local.get $o)) (local.get $f0))
        (v128.store32_lane offset=8 2 (i32.add (local.get $p1) (local.get $o)) (local.get $f1))
        (v128.store32_lane offset=8 2 (i32.add (local.get $p2) (local.get $o)) (local.get $f2)))))

  ;; The whole resize. `toTensor` = 0: 8-bit rows of width*3 bytes at out (plus 16 spare
  ;; bytes). Otherwise each row goes through rowBuf and $toPlanes into three float planes
  ;; of width x height: source channel k at out + p_k, scaled by a_k and offset by b_k. Keeps the two horizontal rows as a ring, reusing (or swapping) them
  ;; when consecutive output rows share source rows, exactly like the JS.
  (func (export "resize")
        (param $width i32) (param $height i32) (param $xtab i32) (param $xofs1 i32) (param $inner i32)
        (param $ytab i32) (param $rowA i32) (param $rowB i32) (param $out i32) (param $toTensor i32)
        (param $rowBuf i32) (param $p0 i32) (param $p1 i32) (param $p2 i32)
        (param $a0 f64) (param $a1 f64) (param $a2 f64) (param $b0 f64) (param $b1 f64) (param $b2 f64)
    (local $dy i32) (local $e i32) (local $r0 i32) (local $r1 i32) (local $t i32)
    (local $keyA i32) (local $keyB i32) (local $rowLen i32) (local $planeRow i32)
    (local.set $keyA (i32.const -1))
    (local.set $keyB (i32.const -1))
    (local.set $rowLen (i32.mul (local.get $width) (i32.const 3)))
    (local.set $e (local.get $ytab))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $dy) (local.get $height)))
        (local.set $r0 (i32.load (local.get $e)))
        (local.set $r1 (i32.load offset=4 (local.get $e)))
        (if (i32.ne (local.get $keyA) (local.get $r0))
          (then
            (if (i32.eq (local.get $keyB) (local.get $r0))
              (then
                (local.set $t (local.get $rowA))
                (local.set $rowA (local.get $rowB))
                (local.set $rowB (local.get $t))
                (local.set $keyB (local.get $keyA)))
              (else
                (call $hresize (local.get $r0) (local.get $xtab) (local.get $xofs1) (local.get $rowA)
                               (local.get $width) (local.get $inner))))
            (local.set $keyA (local.get $r0))))
        (if (i32.ne (local.get $keyB) (local.get $r1))
          (then
            (call $hresize (local.get $r1) (local.get $xtab) (local.get $xofs1) (local.get $rowB)
                           (local.get $width) (local.get $inner))
            (local.set $keyB (local.get $r1))))
        (if (local.get $toTensor)
          (then
            (call $vresize (local.get $rowA) (local.get $rowB)
                           (i32.load offset=8 (local.get $e)) (i32.load offset=12 (local.get $e))
                           (local.get $rowBuf) (local.get $rowLen))
            (local.set $planeRow (i32.add (local.get $out) (i32.mul (local.get $dy) (i32.shl (local.get $width) (i32.const 2)))))
            (call $toPlanes (local.get $rowBuf) (local.get $width)
                            (i32.add (local.get $planeRow) (local.get $p0))
                            (i32.add (local.get $planeRow) (local.get $p1))
                            (i32.add (local.get $planeRow) (local.get $p2))
                            (local.get $a0) (local.get $a1) (local.get $a2)
                            (local.get $b0) (local.get $b1) (local.get $b2)))
          (else
            (call $vresize (local.get $rowA) (local.get $rowB)
                           (i32.load offset=8 (local.get $e)) (i32.load offset=12 (local.get $e))
                           (i32.add (local.get $out) (i32.mul (local.get $dy) (local.get $rowLen)))
                           (local.get $rowLen))))
        (local.set $e (i32.add (local.get $e) (i32.const 16)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 1)))
        (br $row))))
)
