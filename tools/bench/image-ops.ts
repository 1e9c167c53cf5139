// Benchmark of @modelkit/core image ops, plus (when Python + OpenCV are installed, e.g.
// Debian `python3-opencv`) a check that resizeImage / warpQuad reproduce cv2.
// Run: cd packages/core && npx tsx ../../tools/bench/image-ops.ts
// Numbers on a shared 2-core machine are noisy: compare medians, not single runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { fitSize, imageToTensor, loadImage, resizeImage, resizeImageSync, resizeToTensor, warpQuad, type QuadPoints, type RgbImage } from '../../packages/core/src/image/index';
import { setWasmResizeEnabled, wasmResizeActive } from '../../packages/core/src/image/resize-wasm';
import { setWasmWarpEnabled, wasmWarpActive } from '../../packages/core/src/image/warp-wasm';

async function time(label: string, runs: number, fn: () => unknown): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(`${label.padEnd(48)} median ${ms[Math.floor(runs / 2)].toFixed(1)} ms  min ${ms[0].toFixed(1)} ms  (${runs} runs)`);
}

/**
 * The same work on the JS path and on the WebAssembly kernel, runs interleaved (JS, WASM,
 * JS, ...) so both see the same machine load; prints both medians and their ratio.
 */
function timeJsVsWasm(label: string, runs: number, fn: () => unknown, setEnabled: (on: boolean) => unknown = setWasmResizeEnabled): void {
  const ms: Record<'js' | 'wasm', number[]> = { js: [], wasm: [] };
  for (let i = 0; i < runs; i++) {
    for (const engine of ['js', 'wasm'] as const) {
      setEnabled(engine === 'wasm');
      const t = performance.now();
      fn();
      ms[engine].push(performance.now() - t);
    }
  }
  setEnabled(true);
  const median = (a: number[]): number => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const js = median(ms.js);
  const wasm = median(ms.wasm);
  console.log(`${label.padEnd(48)} JS ${js.toFixed(2)} ms  WASM ${wasm.toFixed(2)} ms  (${(js / wasm).toFixed(1)}x, medians of ${runs})`);
}

/** A page of rendered text, the kind of image OCR preprocessing sees. */
async function textPage(width: number, height: number): Promise<Buffer> {
  let lines = '';
  const n = Math.floor(height / 40);
  for (let i = 0; i < n; i++) {
    const size = 18 + (i % 5) * 4;
    lines += `<text x="${10 + ((i * 37) % 100)}" y="${35 + i * 38}" font-size="${size}" font-family="sans-serif" fill="rgb(${(i * 53) % 200},${(i * 91) % 200},${(i * 17) % 200})">Line ${i}: The quick brown fox 0123456789 jumps over the lazy dog</text>`;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(245,240,230)"/>${lines}</svg>`;
  return sharp(Buffer.from(svg)).removeAlpha().png().toBuffer();
}

function findOpenCvPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import cv2'], { stdio: 'ignore' });
      return py;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

async function compareWithCv2(py: string, img: RgbImage): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'modelkit-bench-'));
  try {
    writeFileSync(join(dir, 'src.raw'), img.data);
    const jobs: { kind: string; w: number; h: number; quad?: number[][]; interp?: string; engine?: string; file: string; sharpFile?: string }[] = [];
    for (const [w, h] of [[960, 640], [600, 400], [333, 222], [320, 48], [2400, 1600]]) {
      for (const engine of ['js', 'wasm'] as const) {
        setWasmResizeEnabled(engine === 'wasm');
        const file = join(dir, `r${w}x${h}${engine}.raw`);
        const sharpFile = join(dir, `s${w}x${h}.raw`);
        writeFileSync(file, resizeImageSync(img, w, h).data);
        writeFileSync(sharpFile, (await resizeImage(img, w, h, { engine: 'sharp' })).data);
        jobs.push({ kind: 'resize', w, h, file, sharpFile, interp: engine });
      }
    }
    setWasmResizeEnabled(true);
    const quads = [
      [[100.3, 50.7], [700.2, 90.1], [690.5, 160.9], [95.1, 120.4]],
      [[-20, -10], [300, 5], [310, 80], [-15, 60]],
      [[500, 300], [900, 250], [950, 700], [450, 760]],
    ];
    quads.forEach((quad, i) => {
      for (const interp of ['bilinear', 'bicubic'] as const) {
        for (const engine of ['js', 'wasm'] as const) {
          setWasmWarpEnabled(engine === 'wasm');
          const out = warpQuad(img, quad as unknown as QuadPoints, undefined, { interpolation: interp });
          const file = join(dir, `w${i}${interp}${engine}.raw`);
          writeFileSync(file, out.data);
          jobs.push({ kind: 'warp', w: out.width, h: out.height, quad, interp, engine, file });
        }
      }
    });
    setWasmWarpEnabled(true);
    const script = `
import cv2, numpy as np, json, sys
jobs = json.load(open(sys.argv[1])); W, H = int(sys.argv[2]), int(sys.argv[3])
src = np.fromfile(sys.argv[4], np.uint8).reshape(H, W, 3)
load = lambda f, w, h: np.fromfile(f, np.uint8).reshape(h, w, 3).astype(int)
for j in jobs:
    w, h = j['w'], j['h']
    if j['kind'] == 'resize':
        ref = cv2.resize(src, (w, h), interpolation=cv2.INTER_LINEAR).astype(int)
        d = np.abs(load(j['file'], w, h) - ref); s = np.abs(load(j['sharpFile'], w, h) - ref)
        print(f"resize {W}x{H}->{w}x{h} {j['interp']:>4}: ours exact {100*(d==0).mean():.3f}% max {d.max()} | sharp linear mean|diff| {s.mean():.2f} max {s.max()}")
    else:
        pts = np.float32(j['quad'])
        M = cv2.getPerspectiveTransform(pts, np.float32([[0, 0], [w, 0], [w, h], [0, h]]))
        flag = cv2.INTER_LINEAR if j['interp'] == 'bilinear' else cv2.INTER_CUBIC
        ref = cv2.warpPerspective(src, M, (w, h), flags=flag, borderMode=cv2.BORDER_REPLICATE).astype(int)
        d = np.abs(load(j['file'], w, h) - ref)
        print(f"warpQuad {j['interp']:>8} {j['engine']:>4} {w}x{h}: exact {100*(d==0).mean():.3f}% max {d.max()} mean {d.mean():.4f}")
`;
    writeFileSync(join(dir, 'jobs.json'), JSON.stringify(jobs));
    writeFileSync(join(dir, 'cmp.py'), script);
    const cv = execFileSync(py, ['-c', 'import cv2; print(cv2.__version__)']).toString().trim();
    console.log(`\nagainst OpenCV ${cv} (${py}):`);
    process.stdout.write(execFileSync(py, [join(dir, 'cmp.py'), join(dir, 'jobs.json'), String(img.width), String(img.height), join(dir, 'src.raw')]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // 12 MP photo-sized JPEG of text.
  const big = await sharp(await textPage(4000, 3000)).jpeg({ quality: 90 }).toBuffer();
  let img: RgbImage | undefined;
  await time('loadImage 4000x3000 JPEG', 5, async () => {
    img = await loadImage(big);
  });
  const src = img as RgbImage;
  const { width, height } = fitSize(src.width, src.height, { limitSideLen: 960, limitType: 'max' });
  await time(`resizeImage cv2 engine 4000x3000 -> ${width}x${height}`, 7, () => resizeImageSync(src, width, height));
  await time(`resizeImage sharp engine 4000x3000 -> ${width}x${height}`, 7, () => resizeImage(src, width, height, { engine: 'sharp' }));
  await time('resizeImage cv2 engine 1200x800 -> 2400x1600', 5, () => resizeImageSync(resizeImageSync(src, 1200, 800), 2400, 1600));
  const small = resizeImageSync(src, width, height);
  const out = new Float32Array(3 * width * height);
  await time(`imageToTensor ${width}x${height} NCHW BGR mean/std`, 9, () =>
    imageToTensor(small, { layout: 'nchw', channelOrder: 'bgr', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], out }),
  );
  // OCR det input of a 1280x720 photo: cv2 resize + normalise + NCHW in one pass.
  const photo = resizeImageSync(src, 1280, 720);
  const det = { layout: 'nchw', channelOrder: 'bgr', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
  const detOut = new Float32Array(3 * 960 * 544);
  await time('resizeToTensor 1280x720 -> 960x544 NCHW (det input)', 9, () => resizeToTensor(photo, 960, 544, { ...det, out: detOut }));
  const quad: QuadPoints = [[100.3, 50.7], [700.2, 90.1], [690.5, 160.9], [95.1, 120.4]];
  // OCR rec input: each text-line crop resized to height 48 (into one reused buffer).
  const crop = warpQuad(src, quad, undefined, { interpolation: 'bicubic' });
  const lineBuf = new Uint8Array(2000 * 48 * 3);
  await time(`resizeImageSync crop ${crop.width}x${crop.height} -> h48 x 50`, 9, () => {
    for (let i = 0; i < 50; i++) resizeImageSync(crop, Math.ceil((48 * crop.width) / crop.height), 48, lineBuf);
  });
  await time('warpQuad 601x71 bilinear x 50 crops', 5, () => {
    for (let i = 0; i < 50; i++) warpQuad(src, quad);
  });
  await time('warpQuad 601x71 bicubic x 50 crops', 5, () => {
    for (let i = 0; i < 50; i++) warpQuad(src, quad, undefined, { interpolation: 'bicubic' });
  });
  // JS reference path vs the WebAssembly SIMD kernel (identical output), same process.
  console.log(`\nresize kernels, JS vs WASM (WebAssembly ${wasmResizeActive() ? 'active' : 'UNAVAILABLE'}):`);
  const photo1600 = resizeImageSync(src, 1600, 1200);
  const det736 = new Float32Array(3 * 960 * 736);
  timeJsVsWasm('resizeToTensor 1280x720 -> 960x544 NCHW BGR', 31, () => resizeToTensor(photo, 960, 544, { ...det, out: detOut }));
  timeJsVsWasm('resizeToTensor 1600x1200 -> 960x736 NCHW BGR', 31, () => resizeToTensor(photo1600, 960, 736, { ...det, out: det736 }));
  timeJsVsWasm(`resizeImageSync 4000x3000 -> ${width}x${height}`, 11, () => resizeImageSync(src, width, height));
  // 50 text-line crops of ~300x40 (varied sizes, as OCR sees them) to height 48.
  const crops = Array.from({ length: 50 }, (_, i) => resizeImageSync(src, 240 + ((i * 37) % 140), 34 + (i % 13)));
  timeJsVsWasm('resizeImageSync 50 crops ~300x40 -> h48', 31, () => {
    for (const c of crops) resizeImageSync(c, Math.ceil((48 * c.width) / c.height), 48, lineBuf);
  });
  // The warp kernels: the bench's 601x71 line 50 times, and a receipt-like page of 50 lines
  // of ~300x40 (slightly tilted) from a 1600x1200 image, as OCR crops them.
  console.log(`\nwarp kernels, JS vs WASM (WebAssembly ${wasmWarpActive() ? 'active' : 'UNAVAILABLE'}):`);
  for (const interpolation of ['bicubic', 'bilinear'] as const) {
    timeJsVsWasm(`warpQuad 601x71 ${interpolation} x 50 crops`, 9, () => {
      for (let i = 0; i < 50; i++) warpQuad(src, quad, undefined, { interpolation });
    }, setWasmWarpEnabled);
  }
  const lines: QuadPoints[] = Array.from({ length: 50 }, (_, i) => {
    const x = 40 + ((i * 131) % 1100), y = 20 + i * 23, w = 240 + ((i * 37) % 140), h = 34 + (i % 13), k = ((i % 7) - 3) * 0.01;
    return [[x, y], [x + w, y + w * k], [x + w, y + w * k + h], [x, y + h]];
  });
  for (const interpolation of ['bicubic', 'bilinear'] as const) {
    timeJsVsWasm(`warpQuad 50 lines ~300x40 of 1600x1200 ${interpolation}`, 15, () => {
      for (const q of lines) warpQuad(photo1600, q, undefined, { interpolation });
    }, setWasmWarpEnabled);
  }
  const py = findOpenCvPython();
  if (py) await compareWithCv2(py, await loadImage(await textPage(1200, 800)));
  else console.log('\n(OpenCV for Python not found: skipped the cv2 comparison; apt-get install python3-opencv to run it)');
  void readFileSync;
}

void main();
