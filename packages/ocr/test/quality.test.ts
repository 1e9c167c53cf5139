import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kit } from '../src/kit';
import type { Ocr } from '../src/ocr';

// `quality` is a shortcut over existing options: what each level sets, that an explicit
// option wins, and the typed error when `fast` has no int8 models to use.

let dir: string;
let home: string | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ocr-quality-'));
  home = process.env.MODELKIT_HOME;
  // An empty home: no int8 cards registered.
  process.env.MODELKIT_HOME = join(dir, 'home');
});
afterAll(async () => {
  if (home === undefined) delete process.env.MODELKIT_HOME;
  else process.env.MODELKIT_HOME = home;
  await rm(dir, { recursive: true, force: true });
});

async function limitOf(options: Record<string, unknown>): Promise<number> {
  const ocr = (await kit.load(options)) as Ocr;
  try {
    return ocr.options.limitSideLen;
  } finally {
    await ocr.dispose();
  }
}

test('accurate raises the detector limit to 1280; balanced keeps the card default; an explicit limit wins', async () => {
  expect(await limitOf({ quality: 'accurate' })).toBe(1280);
  expect(await limitOf({ quality: 'balanced' })).toBe(960);
  expect(await limitOf({ quality: 'accurate', limitSideLen: 800 })).toBe(800);
}, 60_000);

test('fast needs the int8 models and says how to make them; an explicit model set wins', async () => {
  await expect(kit.load({ quality: 'fast' })).rejects.toMatchObject({ code: 'E_MODEL_NOT_FOUND', message: expect.stringContaining('modelkit compress quantize --kit ocr') });
  expect(await limitOf({ quality: 'fast', modelSet: 'default' })).toBe(960);
  await expect(kit.load({ quality: 'best' as never })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
}, 60_000);
