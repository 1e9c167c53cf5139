import * as ort from 'onnxruntime-node';

it('onnxruntime-node accepts typed arrays made in the test realm', () => {
  const t = new ort.Tensor('float32', new Float32Array([1, 2, 3]), [3]);
  expect(t.dims).toEqual([3]);
});
