/**
 * The files `modelkit seg` writes besides `--visualize`: the person mask (default), or the
 * photo on a new background (`--bg`, `--bg-image`), or a transparent cut-out (`--cutout`).
 */
import { writeFile } from 'node:fs/promises';
import { ErrorCodes, ModelkitError, encodeImage, loadImage, withFsErrors } from '@modelkit/core';
import type { CliOption, KitOutputWriter, RgbImage } from '@modelkit/core';
import { ID_PHOTO_COLORS, parseColor } from './colors';
import { cutout, encodeMaskPng, replaceBackground } from './compose';
import type { SegResult } from './human-seg';
import type { ByteMask } from './mask';

/** The seg command's output flags. */
export const SEG_OUTPUT_FLAGS: CliOption[] = [
  { flags: '--bg <color>', description: `write OUT/<image>.bg.png with the background replaced by a colour: #RRGGBB or an ID-photo preset (${Object.entries(ID_PHOTO_COLORS).map(([k, v]) => `${k} ${v}`).join(', ')})` },
  { flags: '--bg-image <file>', description: 'write OUT/<image>.bg.png with the background replaced by an image (scaled to cover, centre-cropped)' },
  { flags: '--cutout', description: 'write OUT/<image>.cutout.png, a transparent RGBA PNG of the person' },
  { flags: '--no-mask', description: 'do not write OUT/<image>.mask.png, the 0-255 person mask' },
];

type Mode = { kind: 'bg'; color: string } | { kind: 'bg-image'; image: RgbImage } | { kind: 'cutout' };

/** Reads the output flags (loading a background image once) and returns the writer of each input's files. */
export async function segOutputs(flags: Record<string, unknown>): Promise<KitOutputWriter<SegResult<ByteMask>> | undefined> {
  const modes: Mode[] = [];
  if (typeof flags.bg === 'string') {
    try {
      parseColor(flags.bg);
    } catch (err) {
      throw new ModelkitError(ErrorCodes.USAGE, `seg: --bg ${(err as Error).message}`);
    }
    modes.push({ kind: 'bg', color: flags.bg });
  }
  if (typeof flags.bgImage === 'string') modes.push({ kind: 'bg-image', image: await loadImage(flags.bgImage) });
  if (flags.cutout === true) modes.push({ kind: 'cutout' });
  if (modes.length > 1) throw new ModelkitError(ErrorCodes.USAGE, 'seg: give at most one of --bg, --bg-image, --cutout');
  const mode = modes[0];
  const mask = flags.mask !== false;
  if (!mode && !mask) return undefined;
  return {
    async write({ result, image, output }) {
      const written: string[] = [];
      const save = async (file: string, bytes: Uint8Array): Promise<void> => {
        await withFsErrors(file, 'write', () => writeFile(file, bytes));
        written.push(file);
      };
      if (mask) await save(output('.mask.png'), await encodeMaskPng(result.mask));
      if (mode?.kind === 'bg') await save(output('.bg.png'), await encodeImage(await replaceBackground(image, result.mask, { color: mode.color }), 'png'));
      if (mode?.kind === 'bg-image') await save(output('.bg.png'), await encodeImage(await replaceBackground(image, result.mask, { image: mode.image }), 'png'));
      if (mode?.kind === 'cutout') await save(output('.cutout.png'), await cutout(image, result.mask));
      return written;
    },
  };
}
