/** Segmentation training: data, linter, joint augmentations, losses, models, export, `train seg`. */
export { IGNORE_INDEX, type SegSample } from './seg-sample';
// The joint transforms go out under PaddleSeg's names (SEG_TRANSFORMS.RandomHorizontalFlip, …):
// classification's augment/ already exports image-only functions called randomHorizontalFlip, randomRotation.
export { composeSeg, SEG_TRANSFORMS, type SegTransform, type RandomDistortOptions, type RandomAffineOptions } from './joint-transforms';
export { fillPolygons, fillRle } from './rasterize-polygons';
export { readSegSource, readSegSources, decodeSegEntry, readLabelPng, type SegEntry, type SegSource, type CocoShape } from './seg-data';
export { lintSegData, fixSegData, parseRemap, applyRemap, type SegLintReport, type SegLintFinding, type SegLintCode, type SegLintOptions } from './seg-lint';
export { segCrossEntropy, segDice, lovaszSoftmax, segLoss, SEG_LOSSES, type SegLossName, type SegCrossEntropyOptions } from './seg-losses';
export { AtrousConv2D, atrousConv2d, ATROUS_CONV_CLASS, type AtrousConv2DOptions } from './atrous-conv';
export { unet, type UNetOptions } from './unet';
export { deeplabV3Plus, type DeepLabV3PlusOptions } from './deeplabv3p';
export { fastSegNet, type FastSegNetOptions } from './fast-seg-net';
export { SegDataset, segAugment, SEG_AUGMENTS, type SegAugment } from './seg-dataset';
export { drawSegShapes, SEG_SHAPE_CLASSES, type DrawSegShapesOptions } from './synthetic-seg-shapes';
export { SEG_MODELS, SEG_DEFAULTS, SEG_DEFAULT_SIZE, SEG_OPTIMIZERS, freshSegConfig, type SegTrainConfig, type SegModelName } from './seg-config';
export { buildSegModel, buildSegOptimizer, buildSegLoss } from './build-seg-model';
export { exportSegModel, checkSegParity, segInputSpec, SEG_IO, type SegParity, type SegExportOutput } from './export-seg';
export { trainSeg, loadSegSamples, type TrainSegOptions, type SegTrainSummary } from './train-seg';
