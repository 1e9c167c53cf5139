#!/usr/bin/env bash
# The real-data run of packages/train-core/README.md#detection: fine-tune `modelkit train det`
# on the person subset of ../shared/data (99 COCO val2017 images, one person each; 20 held
# out by the run's seeded split, written to OUT/val.json), then score the trained model and
# the shipped NanoDet-g 416 on the same held-out images with `modelkit det eval`.
# Usage (repo root, after `npx nx run-many -t build`):
#   tools/bench/train-det/run.sh [OUT] [extra train det flags...]
# Nothing from ../shared/data is copied into the repo; OUT defaults to tmp/train-det/person.
set -euo pipefail
DATA_ROOT=${DATA_ROOT:-../shared/data}
OUT=${1:-tmp/train-det/person}
shift || true
mkdir -p "$OUT"
echo "# $(date -u +%FT%TZ) $(lscpu | sed -n 's/^Model name: *//p') $(nproc) vCPU, load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f 'train det wall %e s' nice -n 5 npx modelkit train det --data "$DATA_ROOT/det/det_gt_coco_person.json" --out "$OUT" --micro-batch 4 "$@"
GT=$(cd "$OUT" && pwd)/val.json
echo "# trained model on the held-out split"
/usr/bin/time -f 'det eval wall %e s' nice -n 5 npx modelkit det eval --data "$DATA_ROOT" --gt "$GT" --model "$OUT" --threads 1
echo "# shipped NanoDet-g 416 on the same split"
/usr/bin/time -f 'det eval wall %e s' nice -n 5 npx modelkit det eval --data "$DATA_ROOT" --gt "$GT" --threads 1
echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
