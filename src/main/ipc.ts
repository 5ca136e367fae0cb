// The Electron IPC adapter: the only file with ipcMain. Routes contract calls from the app's
// windows to the service and pushes the service's events back.
import { ipcMain, type MessagePortMain, type WebContents } from 'electron';
import type { FramePortBroker } from '../core/service/frame-port-broker';
import type { CallerSession } from '../core/service/session';
import type { FaceGateService } from '../core/service/types';
import { ipcChannels } from '../shared/contract';
import { framePortChannel } from '../shared/frame-port';
import { routeFramePortRequest, routeIpcCall } from './ipc-router';

export function installIpc(
  service: FaceGateService,
  origins: ReadonlySet<string>,
  framePorts?: FramePortBroker<MessagePortMain>,
): () => void {
  const sessions = new Map<WebContents, CallerSession>();

  const sessionFor = (contents: WebContents): CallerSession => {
    let session = sessions.get(contents);
    if (!session) {
      // The app's own window (routeIpcCall refuses any other sender): a kiosk by construction.
      session = service.openSession(`ipc:${contents.id}`, { trustedKiosk: true });
      sessions.set(contents, session);
      const end = () => {
        const current = sessions.get(contents);
        // Its frame ports first: a frame still on the way is refused, never judged for a gone session.
        if (current) framePorts?.revoke(current);
        if (current) service.closeSession(current);
        sessions.delete(contents);
      };
      contents.once('destroyed', end);
      // A reload or navigation starts a new page: it must log in again.
      contents.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) end();
      });
    }
    return session;
  };

  ipcMain.handle(ipcChannels.call, (event, name: unknown, input: unknown) =>
    routeIpcCall(
      service,
      sessionFor(event.sender),
      event.senderFrame
        ? { url: event.senderFrame.url, isMainFrame: event.senderFrame.parent === null }
        : null,
      origins,
      name,
      input,
    ),
  );

  // The kiosk window's frame port (docs/app.md, "The frame port"): only to the app's own main
  // frame; the port goes to the window, the reply says whether it was given.
  ipcMain.handle(framePortChannel, (event) => {
    const frame = event.senderFrame
      ? { url: event.senderFrame.url, isMainFrame: event.senderFrame.parent === null }
      : null;
    return routeFramePortRequest(framePorts, sessionFor(event.sender), frame, origins, (port) =>
      event.sender.postMessage(framePortChannel, null, [port]),
    );
  });

  const unsubscribe = service.on((name, payload) => {
    for (const [contents, session] of sessions) {
      if (contents.isDestroyed() || !service.mayReceive(name, session)) continue;
      contents.send(ipcChannels.event, name, payload);
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(ipcChannels.call);
    ipcMain.removeHandler(framePortChannel);
    for (const session of sessions.values()) {
      framePorts?.revoke(session);
      service.closeSession(session);
    }
    sessions.clear();
  };
}
