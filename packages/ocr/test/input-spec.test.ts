import { PPOCR_MOBILE_V2_CLS, PPOCR_V4_REC_CH } from '../src';
import { clsInputSpec, detInputSpec, recInputSpec } from '../src/input-spec';
import { lineEncoding, writeLineTensor } from '../src/line-tensor';

describe('input specs', () => {
  it('gives a model given by bare path the PP-OCR defaults', () => {
    expect(detInputSpec(undefined)).toEqual({
      layout: 'nchw',
      channelOrder: 'bgr',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      multipleOf: 32,
      limitSideLen: 960,
    });
    expect(recInputSpec(undefined)).toEqual({ layout: 'nchw', channelOrder: 'bgr', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], height: 48 });
    expect(clsInputSpec(undefined)).toMatchObject({ height: 48, width: 192 });
  });

  it('reads a card, filling what it leaves out from the default card', () => {
    const card = { ...PPOCR_V4_REC_CH, id: 'rec-32', input: { channelOrder: 'rgb', height: 32 } };
    expect(recInputSpec(card)).toEqual({ layout: 'nchw', channelOrder: 'rgb', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], height: 32 });
    expect(() => clsInputSpec({ ...PPOCR_MOBILE_V2_CLS, input: { ...PPOCR_MOBILE_V2_CLS.input, layout: 'nhwc' } })).toThrow(
      "clsModel (--cls-model): model card ppocr-mobile-v2-cls: input.layout must be 'nchw'",
    );
  });
});

describe('line tensors', () => {
  it("PP-OCR's (x/255-0.5)/0.5 table gives the same float32 values as x/127.5-1", () => {
    const { table } = lineEncoding(recInputSpec(undefined));
    for (let v = 0; v < 256; v++) for (let c = 0; c < 3; c++) expect(table[c * 256 + v]).toBe(Math.fround(v / 127.5 - 1));
  });

  it('writes BGR or RGB planes, left-aligned, the padding left at 0', () => {
    const img = { width: 1, height: 1, data: new Uint8Array([255, 0, 51]) };
    const unit = { mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
    const bgr = new Float32Array(6);
    writeLineTensor(img, bgr, 0, 2, lineEncoding({ ...unit, channelOrder: 'bgr' }));
    expect([...bgr]).toEqual([Math.fround(0.2), 0, 0, 0, 1, 0]);
    const rgb = new Float32Array(6);
    writeLineTensor(img, rgb, 0, 2, lineEncoding({ ...unit, channelOrder: 'rgb' }));
    expect([...rgb]).toEqual([1, 0, 0, 0, Math.fround(0.2), 0]);
  });
});
