/**
 * A minimal kit around a bare ONNX image model, so `modelkit compress quantize --model
 * FILE.onnx` calibrates through the same machinery as a real kit. Its preprocessing is the
 * generic one: resize to the model's fixed input size, RGB scaled to [0, 1], NCHW or NHWC
 * as the input shape says. A model that needs anything else is quantized through its kit
 * (`--kit`) or the API with your own feeds.
 */
import { resolve } from 'node:path';
import { ErrorCodes, InferenceSession, ModelkitError, defineKit, resizeToTensor, saveImage, toRgbImage } from '@modelkit/core';
import type { KitDefinition, ModelCard } from '@modelkit/core';

interface ImageModel {
  session: InferenceSession;
  layout: 'nchw' | 'nhwc';
  width: number;
  height: number;
}

async function openImageModel(path: string): Promise<ImageModel> {
  const session = await InferenceSession.create(path, { name: path });
  const input = session.inputs[0];
  const shape = input?.shape;
  const fail = (why: string): never => {
    void session.release();
    throw new ModelkitError(ErrorCodes.INVALID_ARGUMENT, `${path}: ${why}; quantize it through its kit (--kit) or with StaticQuantizer and your own inputs`, { details: { model: path } });
  };
  if (session.inputs.length !== 1 || input === undefined || input.dataType !== 'float32' || shape === null || shape === undefined || shape.length !== 4) {
    return fail('the generic image preprocessing needs one float32 4-D image input');
  }
  const dims = shape.map((d) => (typeof d === 'number' ? d : null));
  const layout = dims[1] === 3 ? 'nchw' : dims[3] === 3 ? 'nhwc' : fail(`input ${JSON.stringify(shape)} is neither [N,3,H,W] nor [N,H,W,3]`);
  const [height, width] = layout === 'nchw' ? [dims[2], dims[3]] : [dims[1], dims[2]];
  if (typeof height !== 'number' || typeof width !== 'number') return fail(`input ${JSON.stringify(shape)} has no fixed height and width`);
  return { session, layout, width, height };
}

/** A kit that runs the image model at `modelPath` on images (calibration and output agreement only: no evaluator). */
export function imageModelKit(modelPath: string): KitDefinition {
  const path = resolve(modelPath);
  const card: ModelCard = {
    id: 'onnx-model',
    task: 'unknown',
    version: '0',
    files: [{ name: 'model.onnx', sha256: '0'.repeat(64), size: 0, source: { type: 'bundled', path: 'model.onnx' } }],
    license: 'NOASSERTION',
    origin: { name: path },
  };
  return defineKit<ImageModel, { model?: string }, Record<string, never>, { timings: { decode: number; preprocess: number; inference: number; postprocess: number; total: number } }, object>({
    name: 'onnx-model',
    description: `the ONNX image model ${path}`,
    modelCards: [card],
    createOptions: { model: { type: 'model', description: 'the .onnx file', default: path } },
    runOptions: {},
    create: (options) => openImageModel(options.model ?? path),
    async run(m, input) {
      const t0 = performance.now();
      const img = await toRgbImage(input);
      const t1 = performance.now();
      const data = resizeToTensor(img, m.width, m.height, { layout: m.layout, channelOrder: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] });
      const t2 = performance.now();
      const dims = m.layout === 'nchw' ? [1, 3, m.height, m.width] : [1, m.height, m.width, 3];
      await m.session.run({ [m.session.inputs[0]!.name]: { data, dims } });
      const t3 = performance.now();
      return { timings: { decode: t1 - t0, preprocess: t2 - t1, inference: t3 - t2, postprocess: 0, total: t3 - t0 } };
    },
    dispose: (m) => m.session.release(),
    summarize: () => 'ran',
    formatText: () => '',
    saveVisualization: (_r, image, file) => saveImage(image, file),
    evalFiles: () => [],
    evaluate: () => Promise.reject(new ModelkitError(ErrorCodes.USAGE, 'a bare ONNX model has no evaluator: give --kit for labelled validation')),
  });
}
