import sharp from 'sharp';

/** Options of {@link renderText}. */
export interface RenderTextOptions {
  fontSize?: number;
  fontFamily?: string;
  /** Rotation of the whole text block in degrees (clockwise), applied after rendering. */
  rotate?: number;
  /** Stack the characters top to bottom (vertical writing). */
  vertical?: boolean;
  /** Distance between stacked characters, in font sizes (default 1.1). */
  verticalPitch?: number;
  /** Margin around the text in pixels. */
  margin?: number;
}

/** Escapes text for SVG. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Renders black text lines on white with sharp's SVG renderer (librsvg + fontconfig) and
 * returns PNG bytes. Lines are laid out top to bottom; `vertical` stacks characters.
 */
export async function renderText(lines: readonly string[], o: RenderTextOptions = {}): Promise<Buffer> {
  const size = o.fontSize ?? 32;
  const family = o.fontFamily ?? 'DejaVu Sans';
  const margin = o.margin ?? 40;
  const lineH = Math.round(size * 1.8);
  let width: number;
  let height: number;
  let body: string;
  if (o.vertical) {
    const chars = [...lines[0]];
    const pitch = Math.round(size * (o.verticalPitch ?? 1.1));
    width = size * 2 + margin * 2;
    height = chars.length * pitch + margin * 2;
    body = chars
      .map((c, i) => `<text x="${margin + size}" y="${margin + (i + 1) * pitch - size * 0.2}" text-anchor="middle">${esc(c)}</text>`)
      .join('');
  } else {
    const longest = Math.max(...lines.map((l) => [...l].length));
    width = Math.round(longest * size * 0.75) + margin * 2;
    height = lines.length * lineH + margin * 2;
    body = lines.map((l, i) => `<text x="${margin}" y="${margin + i * lineH + size}">${esc(l)}</text>`).join('');
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<g font-family="${family}" font-size="${size}" fill="#000">${body}</g></svg>`;
  let img = sharp(Buffer.from(svg)).flatten({ background: '#ffffff' });
  if (o.rotate) {
    const rotated = await img.png().toBuffer();
    img = sharp(rotated).rotate(o.rotate, { background: '#ffffff' });
  }
  return img.png().toBuffer();
}
