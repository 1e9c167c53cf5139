#!/bin/sh
# Re-creates samples/astronaut.jpg and samples/chelsea.jpg from scikit-image's sample data
# as packaged by Debian (python3-skimage 0.19.3-8): apt-get download (no install), extract,
# re-encode the PNGs as JPEG (quality 88, mozjpeg) with sharp. See ../NOTICE for licences.
#   sh packages/det/scripts/make-samples.sh      (from the repo root; needs apt and sharp)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download python3-skimage=0.19.3-8 >/dev/null && dpkg-deb -x python3-skimage_*.deb x)
data="$work/x/usr/lib/python3/dist-packages/skimage/data"
# sha256 of the source PNGs as shipped in that Debian package.
echo "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5  $data/astronaut.png" | sha256sum -c -
echo "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb  $data/chelsea.png" | sha256sum -c -
cd "$here"
node -e '
const sharp = require("sharp");
const [src, dst] = process.argv.slice(1);
(async () => {
  for (const n of ["astronaut", "chelsea"]) await sharp(`${src}/${n}.png`).jpeg({ quality: 88, mozjpeg: true }).toFile(`${dst}/${n}.jpg`);
})();
' "$data" "$here/samples"
echo "wrote $here/samples/astronaut.jpg $here/samples/chelsea.jpg"
