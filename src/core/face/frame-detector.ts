import type { RgbImage } from '../image/types';
import {
  createModelSession,
  type ModelSessionOptions,
  type ProviderName,
  type ResolvedPack,
} from '../models';
import { createDetector } from './create-detector';
import type { DetectorSettings } from './detectors/settings';
import { sortMainFaceFirst } from './main-face';
import type { AnalyzedFace, Detector } from './types';

/** Which detected faces a frame keeps. */
export interface FaceFilter {
  /** Keep at most this many faces, main face first (0 or absent: all). */
  maxFaces?: number;
  /** Drop faces whose box is smaller than this many pixels on its shorter side. */
  minFaceSize?: number;
  /** Detection score threshold for this call (default: the detector's). */
  detThreshold?: number;
}

/** The pack's detector (and its landmark model where it needs one), its sessions opened and warmed up, and their providers. */
export async function openPackDetector(
  pack: ResolvedPack,
  sessionOptions: ModelSessionOptions,
  settings: DetectorSettings,
): Promise<{ detector: Detector; provider: ProviderName; landmarkProvider: ProviderName | undefined }> {
  const [session, landmarks] = await Promise.all([
    createModelSession(pack.detector.path, sessionOptions),
    pack.landmarks ? createModelSession(pack.landmarks.path, sessionOptions) : Promise.resolve(undefined),
  ]);
  const from = { width: pack.detector.spec.input.width, height: pack.detector.spec.input.height };
  const detector = createDetector(pack, session, landmarks, settings, (size) =>
    createModelSession(pack.detector.path, { ...sessionOptions, inputSize: { ...size, from } }),
  );
  // The first run of an ONNX session is slow. A frame-shaped detector opens its 4:3 session (a
  // webcam's shape) now rather than at the first camera frame.
  await detector.detect({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) });
  if (settings.frameShaped)
    await detector.detect({ width: 64, height: 48, data: new Uint8Array(64 * 48 * 3) });
  return { detector, provider: session.provider, landmarkProvider: landmarks?.provider };
}

/**
 * The detect step of a frame, wherever it runs (the analyzer's detect stage, or the detector
 * thread of an overlapped host): the faces big enough, main face first, at most maxFaces.
 */
export async function detectFaces(
  detector: Detector,
  image: RgbImage,
  filter: FaceFilter = {},
): Promise<AnalyzedFace[]> {
  const minSize = filter.minFaceSize ?? 0;
  const options = filter.detThreshold === undefined ? {} : { scoreThreshold: filter.detThreshold };
  const detections = (await detector.detect(image, options)).filter(
    (d) => Math.min(d.box.x2 - d.box.x1, d.box.y2 - d.box.y1) >= minSize,
  );
  const sorted = sortMainFaceFirst(detections, image.width, image.height);
  return filter.maxFaces ? sorted.slice(0, filter.maxFaces) : sorted;
}
