// Images: decoding, pixel conversions, resizing, alignment and model input tensors, written on
// typed arrays (small and hot). Everything works on the RgbImage type.
export type { Affine, GreyImage, Point, RgbImage, TensorSpec } from './types';
export { decodeImage, encodeJpeg, encodePng, maxImagePixels } from './decode';
export { createRgbImage, cropImage, flipHorizontal, rgbaToRgb, toGrey } from './pixels';
export { letterbox, letterboxGeometry, linearTaps, resizeBilinear, type LetterboxGeometry } from './resize';
export { applyAffine, composeAffine, estimateSimilarity, invertAffine } from './affine';
export { warpAffine } from './warp';
export { alignFace, alignmentMatrix, arcfaceTemplate, arcfaceTemplate112 } from './align';
export { letterboxToTensor, resizeToTensor, tensorChannels, toTensor, warpAffineToTensor } from './tensor';
export { laplacianVariance } from './quality';
export { frameToRgb, rgbToI420, yuvToRgb, type PixelFrame } from './yuv';
