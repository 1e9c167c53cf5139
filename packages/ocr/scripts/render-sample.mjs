// Renders packages/ocr/samples/hello-modelkit.png, the bundled sample image, with sharp's
// SVG text (DejaVu Sans, installed with Debian's fonts-dejavu-core). Run from the repo:
//   node packages/ocr/scripts/render-sample.mjs
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'samples', 'hello-modelkit.png');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="200">
  <rect width="100%" height="100%" fill="#ffffff"/>
  <g font-family="DejaVu Sans" fill="#111111">
    <text x="40" y="80" font-size="36">Hello modelkit!</text>
    <text x="40" y="150" font-size="30">Price: $12.50 (-20%)</text>
  </g>
</svg>`;
await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).removeAlpha().png({ compressionLevel: 9, palette: true }).toFile(out);
console.log(`wrote ${out}`);
