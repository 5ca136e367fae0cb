import { FaceGateError } from '../errors';
import type { ModelSession, ResolvedPack } from '../models';
import { Landmark68 } from './detectors/landmark68';
import { ScrfdDetector } from './detectors/scrfd-detector';
import type { DetectorSettings } from './detectors/settings';
import { UltrafaceDetector } from './detectors/ultraface-detector';
import { YunetDetector } from './detectors/yunet-detector';
import type { Detector } from './types';

/** The detector class for the pack's detection model kind (with its landmark model if it needs one). */
export function createDetector(
  pack: ResolvedPack,
  session: ModelSession,
  landmarkSession: ModelSession | undefined,
  settings: DetectorSettings,
  /** Opens the detection model again at another fixed input size (frame-shaped input). */
  openAt?: (size: { width: number; height: number }) => Promise<ModelSession>,
): Detector {
  const spec = pack.detector.spec;
  switch (spec.kind) {
    case 'scrfd':
      return new ScrfdDetector(session, spec, settings);
    case 'yunet':
      return new YunetDetector(session, spec, settings, openAt);
    case 'ultraface': {
      if (!pack.landmarks || !landmarkSession || pack.landmarks.spec.kind !== 'landmark68') {
        throw new FaceGateError(
          'MODEL_LOAD',
          `Pack '${pack.spec.id}' uses the UltraFace detector '${spec.id}', which finds no landmarks: ` +
            'the pack needs a landmark68 model too. Fix resources/models/catalog.json.',
        );
      }
      return new UltrafaceDetector(
        session,
        spec,
        new Landmark68(landmarkSession, pack.landmarks.spec),
        settings,
      );
    }
    default:
      throw new FaceGateError(
        'MODEL_LOAD',
        `Model '${spec.id}' of pack '${pack.spec.id}' is a '${spec.kind}' model, not a face detector (scrfd, yunet or ultraface).`,
      );
  }
}
