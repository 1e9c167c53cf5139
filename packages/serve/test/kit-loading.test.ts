import { ErrorCodes } from '@modelkit/core';
import { kit as ocrKit } from '@modelkit/ocr';
import { isPackageMissing, loadKits } from '../src/kit-loading';

function missing(specifier: string): Error {
  return Object.assign(new Error(`Cannot find module '${specifier}'\nRequire stack:\n- /x.js`), { code: 'MODULE_NOT_FOUND' });
}

describe('loadKits', () => {
  const requirer = (specifier: string): unknown => {
    if (specifier === '@modelkit/ocr') return { kit: ocrKit };
    if (specifier === '@modelkit/seg') throw missing('onnxruntime-node'); // installed, but broken
    if (specifier === '@modelkit/det') return { somethingElse: true };
    throw missing(specifier);
  };

  it('loads the real OCR kit by name', () => {
    const [kit] = loadKits(['ocr']);
    expect(kit.name).toBe('ocr');
    expect(kit.modelCards.map((c) => c.id)).toEqual(['ppocr-v4-det', 'ppocr-v4-rec-ch', 'ppocr-mobile-v2-cls']);
  });

  it('skips kits that are not installed when none are named, but not broken ones', () => {
    expect(() => loadKits(undefined, requirer)).toThrow(/onnxruntime-node/);
    const ok = (s: string): unknown => (s === '@modelkit/seg' ? (() => { throw missing(s); })() : requirer(s));
    expect(loadKits(undefined, ok).map((k) => k.name)).toEqual(['ocr']);
  });

  it('refuses a named kit that is missing or has no kit export', () => {
    expect(() => loadKits(['videotag'], requirer)).toThrow(expect.objectContaining({ code: ErrorCodes.KIT_NOT_FOUND }));
    expect(() => loadKits(['det'], requirer)).toThrow(expect.objectContaining({ code: ErrorCodes.KIT_NOT_FOUND }));
  });

  it('tells a missing package from a missing dependency of it', () => {
    expect(isPackageMissing(missing('@modelkit/ocr'), '@modelkit/ocr')).toBe(true);
    expect(isPackageMissing(missing('@modelkit/ocr-extra'), '@modelkit/ocr')).toBe(false);
    expect(isPackageMissing(missing('sharp'), '@modelkit/ocr')).toBe(false);
  });
});
