import type { Status } from '../../../shared/contract';
import type { MessageKey } from '../i18n';
import type { CameraState } from '../lib/camera';

/** How the kiosk describes each camera state, and what it reports to the status page. */
export const cameraStateKeys: Record<CameraState, MessageKey> = {
  starting: 'camera.starting',
  running: 'camera.running',
  no_camera: 'camera.noCamera',
  permission_denied: 'camera.permissionDenied',
  disconnected: 'camera.disconnected',
  error: 'camera.error',
};

export function reportedCameraState(state: CameraState): Status['camera']['state'] {
  switch (state) {
    case 'running':
      return 'ok';
    case 'starting':
      return 'unknown';
    case 'no_camera':
    case 'disconnected':
      return 'no_camera';
    case 'permission_denied':
      return 'permission_denied';
    default:
      return 'error';
  }
}
