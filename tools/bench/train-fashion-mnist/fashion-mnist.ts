/**
 * Fashion-MNIST (Zalando, MIT) from the Debian package `dataset-fashion-mnist`
 * (`apt-get install dataset-fashion-mnist`): reads its gzipped IDX files and writes seeded
 * few-label subsets as class folders of PNGs, the input of `modelkit train classify` and
 * `modelkit tune classify`.
 */
import { access, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadavg } from 'node:os';
import sharp from 'sharp';
import { OnnxClassifier } from '../../../packages/train-core/src';

/** Where the Debian package puts the files. */
export const FASHION_MNIST_DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

/** Class folder names, in Fashion-MNIST label order. */
export const FASHION_CLASSES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'] as const;

/** 28×28 grey images and their labels (0–9). */
export interface FashionSplit {
  images: Uint8Array[];
  labels: number[];
}

/** True when the four IDX files are there. */
export async function fashionMnistAvailable(dir = FASHION_MNIST_DIR): Promise<boolean> {
  const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
  for (const f of files) if (!(await access(join(dir, f)).then(() => true, () => false))) return false;
  return true;
}

function readIdx(path: string): { dims: number[]; data: Uint8Array } {
  const b = gunzipSync(readFileSync(path));
  const rank = b[3]!;
  const dims = Array.from({ length: rank }, (_, i) => b.readUInt32BE(4 + 4 * i));
  return { dims, data: new Uint8Array(b.buffer, b.byteOffset + 4 + 4 * rank, dims.reduce((a, c) => a * c, 1)) };
}

/** A whole split: `train` (60 000) or `t10k` (the standard 10 000-image test set). */
export function readFashionSplit(split: 'train' | 't10k', dir = FASHION_MNIST_DIR): FashionSplit {
  const images = readIdx(join(dir, `${split}-images-idx3-ubyte.gz`));
  const labels = readIdx(join(dir, `${split}-labels-idx1-ubyte.gz`));
  const n = labels.dims[0]!;
  return { images: Array.from({ length: n }, (_, i) => images.data.subarray(i * 784, (i + 1) * 784)), labels: Array.from(labels.data) };
}

/**
 * Disjoint seeded subsets of `perClass[k]` images of every class, in order: e.g. `[100, 100]`
 * gives a training and a validation set of 100 images a class each.
 */
export function fewLabelSubsets(split: FashionSplit, perClass: readonly number[], seed: number): FashionSplit[] {
  let s = seed >>> 0;
  const random = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32);
  const order = Array.from({ length: split.labels.length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const taken = new Array<number>(10).fill(0);
  const out: FashionSplit[] = perClass.map(() => ({ images: [], labels: [] }));
  for (const i of order) {
    const label = split.labels[i]!;
    let used = taken[label]!;
    for (const [k, count] of perClass.entries()) {
      if (used < count) {
        out[k]!.images.push(split.images[i]!);
        out[k]!.labels.push(label);
        taken[label]!++;
        break;
      }
      used -= count;
    }
  }
  return out;
}

/** Writes `DIR/<class>/<index>.png` (grey PNGs, as the dataset is). */
export async function writeClassFolder(dir: string, split: FashionSplit): Promise<void> {
  for (const c of FASHION_CLASSES) await mkdir(join(dir, c), { recursive: true });
  for (const [i, img] of split.images.entries()) {
    const file = join(dir, FASHION_CLASSES[split.labels[i]!]!, `${String(i).padStart(5, '0')}.png`);
    await sharp(Buffer.from(img), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(file);
  }
}

/** An image as raw RGB pixels (grey replicated), as core's `loadImage` takes them. */
export function toRgb(img: Uint8Array): { data: Uint8Array; width: number; height: number; channels: 3 } {
  const data = new Uint8Array(28 * 28 * 3);
  for (let i = 0; i < 784; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = img[i]!;
  return { data, width: 28, height: 28, channels: 3 };
}

/** Test accuracy of an exported classifier (its labels.json names the classes). */
export async function testAccuracy(onnx: string, test: FashionSplit): Promise<number> {
  const classifier = await OnnxClassifier.create(onnx, { session: { threads: 1, spinning: false } });
  let correct = 0;
  try {
    for (let i = 0; i < test.images.length; i += 64) {
      const images = test.images.slice(i, i + 64).map(toRgb);
      const probs = await classifier.probabilities(images);
      probs.forEach((p, k) => {
        let arg = 0;
        for (let c = 1; c < p.length; c++) if (p[c]! > p[arg]!) arg = c;
        if (classifier.labels[arg] === FASHION_CLASSES[test.labels[i + k]!]) correct++;
      });
    }
  } finally {
    await classifier.dispose();
  }
  return correct / test.images.length;
}

/** The value after `name` on the command line, else `dflt`. */
export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

/** The 1/5/15-minute load averages, for the tables' load column. */
export const loadText = (): string => loadavg().map((v) => v.toFixed(2)).join(' ');
