import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { readInputList, walkInput } from '../src/input-walk';
import type { InputItem } from '../src/input-walk';

let dir: string;
const cwd = process.cwd();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'modelkit-queue-walk-'));
  mkdirSync(join(dir, 'scans', 'deep', 'deeper'), { recursive: true });
  for (const f of ['a.png', 'b.JPG', 'notes.txt', '.hidden.png', 'deep/c.png', 'deep/deeper/d.webp']) writeFileSync(join(dir, 'scans', f), 'x');
  symlinkSync(join(dir, 'scans', 'a.png'), join(dir, 'scans', 'link.png'));
  symlinkSync(join(dir, 'scans'), join(dir, 'scans', 'deep', 'loop'));
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

async function all(items: AsyncIterable<InputItem>): Promise<InputItem[]> {
  const out: InputItem[] = [];
  for await (const item of items) out.push(item);
  return out.sort((a, b) => a.image.localeCompare(b.image));
}

it('walks a directory for images by extension, following file links but not folder links', async () => {
  const scans = join(dir, 'scans');
  expect((await all(walkInput(`${scans}/`))).map((i) => i.image)).toEqual(
    ['.hidden.png', 'a.png', 'b.JPG', 'deep/c.png', 'deep/deeper/d.webp', 'link.png'].map((f) => join(scans, f)),
  );
});

it('matches a glob lazily, one level for dir/*.ext, the whole tree for **', async () => {
  process.chdir(dir);
  expect(await all(walkInput('scans/*.png'))).toEqual([
    { image: 'scans/a.png', input: resolve(dir, 'scans/a.png') },
    { image: 'scans/link.png', input: resolve(dir, 'scans/link.png') },
  ]);
  expect((await all(walkInput('scans/**/*.{png,webp}'))).map((i) => i.image)).toEqual(['scans/a.png', 'scans/deep/c.png', 'scans/deep/deeper/d.webp', 'scans/link.png']);
  expect((await all(walkInput(`${dir}/scans/deep/*.png`))).map((i) => i.input)).toEqual([join(dir, 'scans', 'deep', 'c.png')]);
  process.chdir(join(dir, 'scans'));
  expect((await all(walkInput('*.txt'))).map((i) => i.image)).toEqual(['notes.txt']);
});

it('takes a file and a URL as they are, and yields nothing for a missing path', async () => {
  process.chdir(dir);
  expect(await all(walkInput('scans/notes.txt'))).toEqual([{ image: 'scans/notes.txt', input: join(dir, 'scans', 'notes.txt') }]);
  expect(await all(walkInput('https://example.com/a.png?x=1'))).toEqual([{ image: 'https://example.com/a.png?x=1', input: 'https://example.com/a.png?x=1' }]);
  expect(await all(walkInput('nope/missing.png'))).toEqual([]);
  expect(await all(walkInput('nope/*.png'))).toEqual([]);
});

it('reads a list file or stdin line by line, skipping blanks and comments', async () => {
  process.chdir(dir);
  const text = '# inputs\nscans/a.png\n\n  http://h/x.jpg  \r\nscans/*.png\n';
  writeFileSync(join(dir, 'list.txt'), text);
  const expected = [
    { image: 'http://h/x.jpg', input: 'http://h/x.jpg' },
    { image: 'scans/*.png', input: join(dir, 'scans', '*.png') },
    { image: 'scans/a.png', input: join(dir, 'scans', 'a.png') },
  ];
  expect(await all(readInputList(join(dir, 'list.txt')))).toEqual(expected);
  expect(await all(readInputList('-', Readable.from([text])))).toEqual(expected);
});
