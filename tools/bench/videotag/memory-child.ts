/**
 * One measurement, in its own process so its peak memory is its own (run by bench.ts):
 *
 *   node --import tsx tools/bench/videotag/memory-child.ts <stream|all-first> <clip> <segments> [--keyframes]
 *
 * - stream: the kit's path — ffmpeg picks the TSN segment centres from the decoded stream,
 *   frames are embedded in batches of 8 as they arrive, then dropped.
 * - all-first: the way PaddleHub's reader works — every frame decoded (here already scaled
 *   by ffmpeg to short side 256, kinder than full 1080p) and kept in memory, then the
 *   segment centres picked from the list and embedded.
 * Prints one JSON line: frames decoded and embedded, seconds, Node's peak RSS.
 */
import { spawn } from 'node:child_process';
import { defaultRegistry, type RgbImage } from '../../../packages/core/src';
import { extractFeatures, findFfmpeg, FRAME_FEATURES_CARD, FrameEmbedder, registerVideotagModels, VideoSource } from '../../../packages/videotag/src';
import { PpmParser } from '../../../packages/videotag/src/ffmpeg/ppm-parser';
import { slotTimes, assignSlots } from '../../../packages/videotag/src/sampling/slot-times';

async function allFirst(clip: string, segments: number, embedder: FrameEmbedder): Promise<{ decoded: number; embedded: number }> {
  const source = await VideoSource.open(clip);
  const frames: RgbImage[] = [];
  const parser = new PpmParser();
  const child = spawn(findFfmpeg().ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', source.url, '-vf', 'scale=-2:256', '-f', 'image2pipe', '-c:v', 'ppm', 'pipe:1']);
  for await (const chunk of child.stdout) frames.push(...parser.push(chunk as Buffer));
  const fps = source.info.fps;
  const slots = assignSlots(slotTimes({ mode: 'segments', segments, pick: 'center', perSegment: 1, seed: 0 }, source.info.duration), frames.map((_, i) => i / fps));
  for (let i = 0; i < slots.length; i += 8) await embedder.embed(slots.slice(i, i + 8).map((k) => frames[k]));
  return { decoded: frames.length, embedded: slots.length };
}

async function main(): Promise<void> {
  const [mode, clip, seg] = process.argv.slice(2);
  const segments = Number(seg);
  registerVideotagModels();
  const embedder = await FrameEmbedder.create((await defaultRegistry.resolve(FRAME_FEATURES_CARD.id)).paths['model.onnx'], { threads: 1 });
  const t0 = performance.now();
  let decoded: number;
  let embedded: number;
  if (mode === 'all-first') {
    ({ decoded, embedded } = await allFirst(clip, segments, embedder));
  } else {
    const source = await VideoSource.open(clip);
    const x = await extractFeatures(source, { embedder, embedderId: 'bench' }, { sampling: { mode: 'segments', segments }, keyframesOnly: process.argv.includes('--keyframes'), cache: false });
    embedded = x.features.times.length;
    decoded = process.argv.includes('--keyframes') ? embedded : Math.round(source.info.duration * source.info.fps);
  }
  const seconds = (performance.now() - t0) / 1000;
  await embedder.release();
  console.log(JSON.stringify({ mode, clip, segments, decoded, embedded, seconds, nodePeakRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
