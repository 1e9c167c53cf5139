/**
 * Export of a trained GFL detector as a det-kit model folder: `model.onnx` whose input is
 * NCHW (what `Detector` feeds) and whose outputs are NanoDet's per-stride pairs, plus the
 * card whose `input` is the det kit's NanoDetSpec, so `modelkit det IMG --model OUT` and
 * `modelkit det eval --model OUT` load it unchanged.
 */
import { assertValidGraph, makeNode, makeValueInfo, writeOnnx, type OnnxModel } from '@modelkit/core';
import { exportLayersModelToOnnx } from '../export/export-layers-model';
import { writeModelFolder, type ModelFolder } from '../export/write-model-folder';
import type { GflDetector } from './gfl-model';

/** Graph input name of an exported detector (NCHW, RGB in [0, 1]). */
export const DET_INPUT_NAME = 'image';

/**
 * The det kit's model-card `input` for a detector trained here: RGB scaled to [0, 1] (the
 * pretrained MobileNetV2's range, so mean 0 and std 1), letterboxed, NCHW, cell centres at
 * (i + 0.5)·stride.
 */
export function detInputSpec(det: Pick<GflDetector, 'inputSize' | 'strides' | 'regMax'>): Record<string, unknown> {
  return {
    layout: 'nchw',
    channelOrder: 'rgb',
    scale: 1 / 255,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    width: det.inputSize,
    height: det.inputSize,
    resize: 'letterbox',
    strides: [...det.strides],
    regMax: det.regMax,
    centerOffset: 0.5,
  };
}

/**
 * The export view as ONNX: tfjs' NHWC input behind a Transpose from an NCHW `image`
 * input (onnxruntime folds it into the exporter's own NHWC→NCHW transpose), outputs
 * `scores_<stride>` `[N, cells, classes]` and `distances_<stride>` `[N, cells, 4·(regMax+1)]`.
 */
export function exportDetectorToOnnx(det: GflDetector): OnnxModel {
  const inner = `${DET_INPUT_NAME}_nhwc`;
  const outputNames = det.strides.flatMap((s) => [`scores_${s}`, `distances_${s}`]);
  const model = exportLayersModelToOnnx(det.export, { inputName: inner, outputNames });
  const g = model.graph;
  const size = det.inputSize;
  g.inputs = [makeValueInfo(DET_INPUT_NAME, 'float32', ['N', 3, size, size])];
  g.nodes.unshift(makeNode('Transpose', [DET_INPUT_NAME], [inner], { perm: [0, 2, 3, 1] }, 'image_nchw_to_nhwc'));
  assertValidGraph(g);
  return model;
}

/** Writes `model.onnx`, `labels.json` and `model.card.json` (task `detection`) into `outDir`. */
export async function exportDetector(det: GflDetector, outDir: string, info: { classNames: string[]; description: string }): Promise<ModelFolder> {
  return writeModelFolder(outDir, (path) => writeOnnx(exportDetectorToOnnx(det), path), {
    labels: info.classNames,
    task: 'detection',
    description: info.description,
    input: detInputSpec(det),
    origin: 'modelkit train det',
    fallbackId: 'detector',
  });
}
