#!/usr/bin/env bash
# The real-data run of packages/seg/README.md ("Train your own"): trains a person segmenter
# with `modelkit train seg` on the shared data's person masks and COCO polygons, keeping the
# held-out set out of training, then scores it and the shipped MediaPipe selfie model with
# `modelkit seg eval` on that held-out set.
#
#   tools/bench/train-seg/run.sh [DATA_DIR] [OUT_DIR]     (defaults: ../shared/data, tmp/train-seg)
#   MODEL=fast SIZE=256 EPOCHS=30 tools/bench/train-seg/run.sh
#
# Training data: seg/seg_gt.json (24 images: COCO person masks + CIHP) and
# det/det_gt_coco_person.json (99 COCO val2017 images with person polygons, rasterised by
# train seg); every image listed in seg/seg_gt_large.json is excluded (--exclude), so the
# 59 images of seg_gt_large.json are a held-out split. The images are read in place: nothing
# from DATA_DIR is copied.
set -euo pipefail
cd "$(dirname "$0")/../../.."
DATA=${1:-../shared/data}
OUT=${2:-tmp/train-seg}
MODEL=${MODEL:-deeplabv3p}
SIZE=${SIZE:-224}
EPOCHS=${EPOCHS:-20}
EXTRA=${EXTRA:-}
RUN="$OUT/$MODEL-$SIZE"
mkdir -p "$OUT"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s)
# shellcheck disable=SC2086
nice -n 5 npx modelkit train seg \
  --data "$DATA/seg/seg_gt.json,$DATA/det/det_gt_coco_person.json" \
  --exclude "$DATA/seg/seg_gt_large.json" \
  --model "$MODEL" --size "$SIZE" --epochs "$EPOCHS" --val-split 0.15 --seed 0 \
  --out "$RUN" $EXTRA --json > "$RUN.summary.json"
end=$(date +%s)
echo "train seg wall time: $((end - start)) s; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
node -e '
const s = require(process.argv[1]);
const f = (v) => (v === undefined || v === null ? "n/a" : v.toFixed(4));
console.log(`trained ${s.config.model} ${s.config.size}x${s.config.size}: ${s.trainImages} train / ${s.valImages} val images, ${s.steps} steps, training ${s.seconds.toFixed(0)} s`);
console.log(`val mIoU ${f(s.val && s.val.miou)}, person IoU ${f(s.val && s.val.iou_person)}; export check ONNX ${f(s.parity && s.parity.onnxMiou)} vs tfjs ${f(s.parity && s.parity.tfjsMiou)}, max |diff| ${s.parity ? s.parity.maxAbsDiff.toExponential(2) : "n/a"}`);
' "$(realpath "$RUN.summary.json")"
for model in "$RUN" selfie; do
  echo "== seg eval --gt seg/seg_gt_large.json --model $model"
  nice -n 5 npx modelkit seg eval --data "$DATA" --gt seg/seg_gt_large.json --model "$model" --threads 1 > "$OUT/eval-$(basename "$model").json"
  node -e '
const r = require(process.argv[1]);
console.log(`person IoU ${r.personIoU.toFixed(4)}, mIoU ${r.mIoU.toFixed(4)}, pixel acc ${r.pixelAccuracy.toFixed(4)}, median ${r.medianMs.toFixed(1)} ms/image (${r.images} images)`);
' "$(realpath "$OUT/eval-$(basename "$model").json")"
done
