/** Background colours: hex parsing and the ID-photo presets. */
import { InvalidArgumentError } from '@modelkit/core';

/** An RGB colour, 0..255 per channel. */
export type Rgb = [number, number, number];

/** ID-photo background colours (the PaddleHub / PP-HumanSeg presets). */
export const ID_PHOTO_COLORS = Object.freeze({
  white: '#FFFFFF',
  blue: '#438EDB',
  red: '#FF0000',
} as const);

/** Name of an {@link ID_PHOTO_COLORS} preset. */
export type IdPhotoColor = keyof typeof ID_PHOTO_COLORS;

/** A colour given by a user: `#RGB`, `#RRGGBB` (the `#` is optional), a preset name, or an RGB triple. */
export type ColorInput = string | Rgb;

/** Parses a {@link ColorInput}; `E_INVALID_ARGUMENT` for anything else. */
export function parseColor(color: ColorInput): Rgb {
  if (Array.isArray(color)) {
    if (color.length === 3 && color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) return [color[0], color[1], color[2]];
    throw new InvalidArgumentError(`color must be three integers 0..255, got ${JSON.stringify(color)}`);
  }
  if (typeof color !== 'string') throw new InvalidArgumentError(`color must be a string like '#438EDB' or a preset (${Object.keys(ID_PHOTO_COLORS).join(', ')})`);
  const preset = (ID_PHOTO_COLORS as Record<string, string>)[color.trim().toLowerCase()];
  const hex = (preset ?? color).trim().replace(/^#/, '');
  const full = /^[0-9a-f]{3}$/i.test(hex) ? hex.replace(/./g, (c) => c + c) : hex;
  if (!/^[0-9a-f]{6}$/i.test(full)) {
    throw new InvalidArgumentError(`color '${color}' is not '#RGB', '#RRGGBB' or a preset (${Object.keys(ID_PHOTO_COLORS).join(', ')})`, { details: { color } });
  }
  return [parseInt(full.slice(0, 2), 16), parseInt(full.slice(2, 4), 16), parseInt(full.slice(4, 6), 16)];
}
