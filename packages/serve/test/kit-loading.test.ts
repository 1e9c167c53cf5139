import { join } from 'node:path';
import { ErrorCodes } from '@modelkit/core';
import { loadKits } from '../src/kit-loading';

// Fixture packages shared with the CLI's tests: found only through their package.json.
const FIXTURES = join(__dirname, '..', '..', '..', 'tools', 'fixtures', 'kits');

describe('loadKits', () => {
  it('loads the real OCR kit by name', () => {
    const [kit] = loadKits(['ocr']);
    expect(kit.name).toBe('ocr');
    expect(kit.modelCards.map((c) => c.id)).toEqual(['ppocr-v4-det', 'ppocr-v4-rec-ch', 'ppocr-mobile-v2-cls']);
  });

  it('finds kits from their package.json: a broken installed kit is an error, commands-only packages are not kits', () => {
    expect(() => loadKits(undefined, { nodeModules: [FIXTURES] })).toThrow(
      expect.objectContaining({ code: ErrorCodes.UNAVAILABLE, message: expect.stringMatching(/^modelkit-kit-broken is installed but cannot be loaded: .*modelkit-no-such-dependency/) }),
    );
    expect(loadKits(['bright'], { nodeModules: [FIXTURES] }).map((k) => k.name)).toEqual(['bright']);
  });

  it('refuses a named kit that is missing or declares no kit', () => {
    expect(() => loadKits(['videotag'], { nodeModules: [FIXTURES] })).toThrow(
      expect.objectContaining({ code: ErrorCodes.KIT_NOT_FOUND, message: expect.stringContaining("Kit 'videotag' is not installed (installed kits: bright, broken)") }),
    );
    expect(() => loadKits(['extra'], { nodeModules: [FIXTURES] })).toThrow(expect.objectContaining({ code: ErrorCodes.KIT_NOT_FOUND }));
  });
});
