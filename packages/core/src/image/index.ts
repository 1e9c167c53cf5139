// Image I/O and pixel operations on packed 8-bit RGB (`RgbImage`).
export type { RgbImage, RawPixels, ImageInput, LoadImageOptions, QuadPoints } from './types';
export { loadImage, resolveMaxPixels, DEFAULT_MAX_PIXELS } from './load-image';
export { resizeImage, resizeImageSync, resizeToTensor, type ResizeOptions } from './resize-image';
export { fitSize, type FitSizeOptions } from './fit-size';
export { padImage, type PadOptions } from './pad-image';
export { cropImage, type CropRect } from './crop-image';
export { rotateImage } from './rotate-image';
export { warpQuad, quadCropSize, quadHomography, type WarpQuadOptions, type Homography } from './warp-quad';
export { imageToTensor, type TensorLayoutOptions } from './image-to-tensor';
export { encodeImage, saveImage, type EncodeOptions } from './encode-image';
export { toRgbImage, isRgbImage, type ImageSource } from './to-rgb-image';
