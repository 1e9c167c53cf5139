export { rgbToFloat, compose, randomApply, type FloatImage, type ImageTransform } from './float-image';
export { warpAffine, centredAffine, type InverseAffine } from './warp-affine';
export { flipHorizontal, randomHorizontalFlip } from './flip';
export { randomResizedCrop, type RandomResizedCropOptions } from './random-resized-crop';
export { colorJitter, adjustBrightness, adjustContrast, adjustSaturation, adjustHue, type ColorJitterOptions } from './color-jitter';
export { randomRotation } from './rotate';
export { cutout, type CutoutOptions } from './cutout';
export { mixup, type MixupOptions, type BatchData, type BatchTransform } from './mixup';
export { randAugment, RAND_AUGMENT_OPS, type RandAugmentOptions } from './rand-augment';
