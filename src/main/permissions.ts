import type { Session } from 'electron';
import { allowPermissionCheck, allowPermissionRequest } from './security';

/** Both handlers, installed before the first window: the camera for the app itself, nothing else. */
export function installPermissionHandlers(session: Session, origins: ReadonlySet<string>): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? details.mediaTypes : undefined;
    callback(
      allowPermissionRequest(
        { permission, url: details.requestingUrl, isMainFrame: details.isMainFrame, mediaTypes },
        origins,
      ),
    );
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    allowPermissionCheck(
      {
        permission,
        url: details.requestingUrl ?? details.securityOrigin ?? requestingOrigin,
        isMainFrame: details.isMainFrame,
        mediaType: details.mediaType,
      },
      origins,
    ),
  );
  // No HID, USB or serial device is ever handed to a page (the relay is driven from the main side).
  session.setDevicePermissionHandler(() => false);
}
