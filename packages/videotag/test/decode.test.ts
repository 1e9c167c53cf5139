import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes } from '@modelkit/core';
import { findFfmpeg, readFrames, VideoSource, assignSlots, slotTimes, checkSampling, type Sampling } from '../src';
import { PpmParser } from '../src/ffmpeg/ppm-parser';
import { parseFfmpegBanner, parseFfprobeJson } from '../src/ffmpeg/video-info';
import { parseFfmpegVersion, passthroughFlags } from '../src/ffmpeg/ffmpeg-version';
import { brokenFiles, lavfiClip, stillsClip, DET_SAMPLES } from './fixtures/clips';

let dir: string;
let clip: string; // 4 s, 25 fps, 320x240 testsrc
let twoShots: string; // 2 s astronaut, 2 s cat: one cut at 2 s
let portrait: string; // 120x200 with non-square pixels
let broken: Awaited<ReturnType<typeof brokenFiles>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'videotag-decode-'));
  clip = await lavfiClip(join(dir, 'testsrc.mp4'), 'testsrc=s=320x240:r=25:d=4');
  twoShots = await stillsClip(join(dir, 'two-shots.mp4'), [join(DET_SAMPLES, 'astronaut.jpg'), join(DET_SAMPLES, 'chelsea.jpg')], 2);
  portrait = await lavfiClip(join(dir, 'portrait.mp4'), 'testsrc=s=120x200:r=10:d=1,setsar=2/1');
  broken = await brokenFiles(join(dir, 'broken'));
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

async function decode(file: string, sampling: Sampling, extra: { sceneThreshold?: number; keyframesOnly?: boolean; size?: number } = {}) {
  const source = await VideoSource.open(file);
  const pass = readFrames(source, { sampling, ...extra });
  const frames: { time: number; width: number; height: number; mean: number }[] = [];
  for await (const f of pass) {
    let s = 0;
    for (const v of f.image.data) s += v;
    frames.push({ time: f.time, width: f.image.width, height: f.image.height, mean: s / f.image.data.length });
  }
  await source.close();
  return { frames, pass, info: source.info };
}

describe('probing', () => {
  test('ffprobe and ffmpeg’s own banner (the npm fallback has no ffprobe) describe a video alike', async () => {
    const a = await VideoSource.open(clip);
    const b = await VideoSource.open(clip, { useFfprobe: false });
    for (const info of [a.info, b.info]) expect(info).toMatchObject({ duration: 4, width: 320, height: 240, fps: 25, codec: 'h264', hasAudio: false, rotation: 0, startTime: 0 });
    expect(a.info.frameCount).toBe(100);
    const p = await VideoSource.open(portrait);
    expect([p.info.width, p.info.height]).toEqual([240, 200]); // 2:1 pixels shown square
  });

  test('parsers read rotation and stream kinds', () => {
    const json = JSON.stringify({
      streams: [{ codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, avg_frame_rate: '30000/1001', nb_frames: '90', duration: '3.003', side_data_list: [{ rotation: -90 }] }, { codec_type: 'audio' }],
      format: { duration: '3.1', format_name: 'mov,mp4' },
    });
    const r = parseFfprobeJson(json);
    expect(r).toMatchObject({ ok: true, info: { width: 1080, height: 1920, rotation: 90, hasAudio: true, frameCount: 90, duration: 3.003 } });
    if (r.ok) expect(r.info.fps).toBeCloseTo(29.97, 2);
    expect(parseFfprobeJson(JSON.stringify({ streams: [{ codec_type: 'audio' }, { codec_type: 'video', disposition: { attached_pic: 1 } }] }))).toMatchObject({ ok: false, problem: 'no-video-stream' });
    const banner = [
      "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/x.mp4':",
      '  Duration: 00:01:02.50, start: 0.040000, bitrate: 15494 kb/s',
      '  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], 1549 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)',
      '    Side data:',
      '      displaymatrix: rotation of -90.00 degrees',
      '  Stream #0:1[0x2](und): Audio: aac (LC), 44100 Hz, stereo',
    ].join('\n');
    expect(parseFfmpegBanner(banner)).toMatchObject({ ok: true, info: { duration: 62.5, startTime: 0.04, width: 720, height: 1280, fps: 29.97, rotation: 90, hasAudio: true, codec: 'h264' } });
    expect(parseFfmpegVersion('ffmpeg version 4.1 Copyright')).toEqual({ major: 4, minor: 1 });
    expect(passthroughFlags({ major: 4, minor: 1 })).toEqual(['-vsync', '0']);
    expect(passthroughFlags(parseFfmpegVersion('ffmpeg version 5.1.9-0+deb12u1'))).toEqual(['-fps_mode', 'passthrough']);
    expect(passthroughFlags(parseFfmpegVersion('ffmpeg version N-113000-gabc'))).toEqual(['-fps_mode', 'passthrough']);
  });
});

describe('sampling', () => {
  test('TSN segments: the frame nearest each segment centre, short side 256', async () => {
    const { frames, pass } = await decode(clip, { mode: 'segments', segments: 8 });
    // Centres of 8 segments of 4 s are 0.25, 0.75, …, 3.75; at 25 fps (frames every 0.04 s) the nearest frames.
    expect(frames.map((f) => f.time)).toEqual([0.24, 0.76, 1.24, 1.76, 2.24, 2.76, 3.24, 3.76]);
    expect(frames[0]).toMatchObject({ width: 341, height: 256 });
    expect(pass.slotFrames()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(pass.warnings).toEqual([]);
  });

  test('random frames per segment are seeded, inside their segment, and reproducible', async () => {
    const s: Sampling = { mode: 'segments', segments: 4, pick: 'random', perSegment: 2, seed: 5 };
    const a = await decode(clip, s);
    const b = await decode(clip, s);
    expect(a.frames.map((f) => f.time)).toEqual(b.frames.map((f) => f.time));
    const targets = slotTimes(checkSampling(s) as Required<Extract<Sampling, { mode: 'segments' }>>, 4);
    targets.forEach((t, j) => {
      expect(t).toBeGreaterThanOrEqual(j * 0.5);
      expect(t).toBeLessThan((j + 1) * 0.5);
    });
    a.frames.forEach((f, j) => expect(Math.abs(f.time - targets[j])).toBeLessThanOrEqual(0.02 + 1e-9));
    const other = await decode(clip, { ...s, seed: 6 });
    expect(other.frames.map((f) => f.time)).not.toEqual(a.frames.map((f) => f.time));
  });

  test('a clip shorter than its segments repeats frames (TSN), never reorders them', async () => {
    const short = await lavfiClip(join(dir, 'short.mp4'), 'testsrc=s=64x48:r=5:d=1');
    const { frames, pass } = await decode(short, { mode: 'segments', segments: 12 });
    expect(frames.length).toBe(5);
    const slots = pass.slotFrames();
    expect(slots).toHaveLength(12);
    expect(slots).toEqual([...slots].sort((x, y) => x - y));
    expect(new Set(slots).size).toBe(5);
    expect(assignSlots([0.1, 0.5, 0.9], [0, 1])).toEqual([0, 1, 1]);
  });

  test('fixed fps, scene cuts, keyframes only, and the scene timeline in the same pass', async () => {
    const fps = await decode(clip, { mode: 'fps', fps: 2 });
    expect(fps.frames.map((f) => f.time)).toEqual([0, 0.48, 1, 1.48, 2, 2.48, 3, 3.48]);
    const capped = await decode(clip, { mode: 'fps', fps: 2, maxFrames: 3 });
    expect(capped.frames).toHaveLength(3);

    const scenes = await decode(twoShots, { mode: 'scenes', threshold: 0.3 });
    expect(scenes.frames.map((f) => f.time)).toEqual([0, 2]);
    expect(scenes.pass.scenes.filter((s) => s.time > 0).map((s) => s.time)).toEqual([2]);

    const timeline = await decode(twoShots, { mode: 'segments', segments: 4 }, { sceneThreshold: 0.3 });
    expect(timeline.frames).toHaveLength(4);
    expect(timeline.pass.scenes).toHaveLength(1);
    expect(timeline.pass.scenes[0].time).toBe(2);
    expect(timeline.pass.scenes[0].score).toBeGreaterThan(0.3);

    // Keyframes only: the clip has keyframes at 0 s and 2 s (-g 20); every slot snaps to one.
    const keyed = await lavfiClip(join(dir, 'keyed.mp4'), 'testsrc=s=160x120:r=10:d=4', ['-g', '20']);
    const keys = await decode(keyed, { mode: 'segments', segments: 4 }, { keyframesOnly: true });
    expect(keys.frames.map((f) => f.time)).toEqual([0, 2]);
    expect(keys.pass.slotFrames()).toEqual([0, 1, 1, 1]); // targets 0.5, 1.5, 2.5, 3.5: nearest keyframe
    // AVI has no timestamps: with B-frames its keyframes would land seconds late, so every frame is decoded instead.
    const avi = join(dir, 'xvid.avi');
    await (await import('node:util')).promisify((await import('node:child_process')).execFile)('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=s=160x120:r=10:d=4', '-c:v', 'mpeg4', '-vtag', 'xvid', '-bf', '2', '-g', '20', avi]);
    const aviKeys = await decode(avi, { mode: 'segments', segments: 4 }, { keyframesOnly: true });
    expect(aviKeys.frames.map((f) => f.time)).toEqual([0.5, 1.5, 2.5, 3.5]);
    expect(aviKeys.pass.warnings.join()).toContain('decoded every frame');
  });

  test('bad sampling settings are typed errors', () => {
    expect(() => checkSampling({ mode: 'segments', segments: 0 })).toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_ARGUMENT }));
    expect(() => checkSampling({ mode: 'segments', segments: 1000, perSegment: 3 })).toThrow(/at most 2000/);
    expect(() => checkSampling({ mode: 'fps', fps: 0 })).toThrow(/fps/);
    expect(() => checkSampling({ mode: 'scenes', threshold: 1.5 })).toThrow(/threshold/);
  });
});

test('the PPM splitter reassembles frames cut anywhere by the pipe', () => {
  const frame = (w: number, h: number, v: number): Buffer => Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`), Buffer.alloc(w * h * 3, v)]);
  const stream = Buffer.concat([frame(3, 2, 7), frame(2, 2, 9), frame(1, 1, 200)]);
  for (const step of [1, 2, 5, 13, stream.length]) {
    const p = new PpmParser();
    const out = [];
    for (let i = 0; i < stream.length; i += step) out.push(...p.push(stream.subarray(i, i + step)));
    expect(out.map((f) => [f.width, f.height, f.data.length, f.data[0]])).toEqual([[3, 2, 18, 7], [2, 2, 12, 9], [1, 1, 3, 200]]);
    expect(p.partial).toBe(false);
  }
  const p = new PpmParser();
  p.push(frame(2, 2, 1).subarray(0, 20));
  expect(p.partial).toBe(true);
  expect(() => new PpmParser().push(Buffer.alloc(80, 65))).toThrow(/not a PPM/);
});

describe('errors name the file and say what to do', () => {
  const open = (file: string, o = {}) => VideoSource.open(file, o);
  test.each([
    ['empty', 'empty', /empty \(0 bytes\)/],
    ['text', 'not-a-video', /not a video ffmpeg can read/],
    ['truncatedIndex', 'truncated', /looks truncated/],
    ['audioOnly', 'no-video-stream', /no video stream \(audio only\?\)/],
  ] as const)('%s → E_VIDEO_DECODE (%s)', async (key, reason, message) => {
    await expect(open(broken[key])).rejects.toMatchObject({ code: ErrorCodes.VIDEO_DECODE, details: { file: broken[key], reason }, message: expect.stringMatching(message) });
  });

  test('frames that never come, a half-cut file, a missing file, huge frames, too long', async () => {
    const zero = await open(broken.noFrames);
    await expect(decode(broken.noFrames, { mode: 'segments', segments: 4 })).rejects.toMatchObject({ code: ErrorCodes.VIDEO_DECODE, details: { reason: 'no-frames' } });
    await zero.close();
    const half = await decode(broken.halfCut, { mode: 'segments', segments: 8 });
    expect(half.frames.length).toBeGreaterThan(0);
    expect(half.pass.warnings.join()).toMatch(/decoding stopped at .* of 4\.00 s/);
    await expect(open(join(dir, 'nope.mp4'))).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND, message: expect.stringContaining('nope.mp4') });
    await expect(open(dir)).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_FOUND, message: expect.stringContaining('is a folder') });
    await expect(open(clip, { maxPixels: 320 * 239 })).rejects.toMatchObject({ code: ErrorCodes.IMAGE_TOO_LARGE, details: { width: 320, height: 240 } });
    await expect(open(clip, { maxDuration: 3 })).rejects.toMatchObject({ code: ErrorCodes.VIDEO_TOO_LONG, message: expect.stringContaining('4.0 s long, over the limit of 3 s') });
  });

  test('bytes (an upload) go through a private temp file that close() removes', async () => {
    const { readFile } = await import('node:fs/promises');
    const { existsSync } = await import('node:fs');
    const source = await VideoSource.open(await readFile(clip), { name: 'upload.mp4' });
    expect(source.isUpload).toBe(true);
    expect(source.info.duration).toBe(4);
    expect(existsSync(source.path)).toBe(true);
    await source.close();
    expect(existsSync(source.path)).toBe(false);
    await expect(VideoSource.open(Buffer.from('junk'), { name: 'junk.mp4' })).rejects.toMatchObject({ code: ErrorCodes.VIDEO_DECODE, details: { file: 'junk.mp4' } });
  });

  test('no ffmpeg: E_FFMPEG_NOT_FOUND saying how to get one; MODELKIT_FFMPEG overrides', async () => {
    expect(() => findFfmpeg({ env: { PATH: '' }, resolvePackage: () => undefined })).toThrow(
      expect.objectContaining({ code: ErrorCodes.FFMPEG_NOT_FOUND, message: expect.stringMatching(/apt-get install ffmpeg.*@ffmpeg-installer\/ffmpeg.*MODELKIT_FFMPEG/) }),
    );
    expect(() => findFfmpeg({ env: { MODELKIT_FFMPEG: join(dir, 'missing-ffmpeg') } })).toThrow(expect.objectContaining({ code: ErrorCodes.FFMPEG_NOT_FOUND }));
    const system = findFfmpeg();
    expect(system.source).toBe('system');
    expect(findFfmpeg({ env: { MODELKIT_FFMPEG: system.ffmpeg } })).toMatchObject({ ffmpeg: system.ffmpeg, source: 'env' });
    // An executable that is not ffmpeg at all fails like a missing one, naming it.
    const fake = join(dir, 'fake-ffmpeg');
    await writeFile(fake, '#!/bin/sh\nexit 3\n');
    await chmod(fake, 0o755);
    await expect(VideoSource.open(clip, { ffmpeg: { ffmpeg: fake, source: 'env' } })).rejects.toMatchObject({ code: ErrorCodes.FFMPEG_NOT_FOUND, message: expect.stringContaining('does not look like a working ffmpeg') });
    await expect(VideoSource.open(clip, { ffmpeg: { ffmpeg: join(dir, 'gone'), source: 'env' } })).rejects.toMatchObject({ code: ErrorCodes.FFMPEG_NOT_FOUND });
  });
});
