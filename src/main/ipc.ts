// The Electron IPC adapter: the only file with ipcMain. Routes contract calls from the app's
// windows to the service and pushes the service's events back.
import { ipcMain, type WebContents } from 'electron';
import type { CallerSession } from '../core/service/session';
import type { FaceGateService } from '../core/service/types';
import { ipcChannels } from '../shared/contract';
import { routeIpcCall } from './ipc-router';

export function installIpc(service: FaceGateService, origins: ReadonlySet<string>): () => void {
  const sessions = new Map<WebContents, CallerSession>();

  const sessionFor = (contents: WebContents): CallerSession => {
    let session = sessions.get(contents);
    if (!session) {
      // The app's own window (routeIpcCall refuses any other sender): a kiosk by construction.
      session = service.openSession(`ipc:${contents.id}`, { trustedKiosk: true });
      sessions.set(contents, session);
      const end = () => {
        const current = sessions.get(contents);
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

  const unsubscribe = service.on((name, payload) => {
    for (const [contents, session] of sessions) {
      if (contents.isDestroyed() || !service.mayReceive(name, session)) continue;
      contents.send(ipcChannels.event, name, payload);
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(ipcChannels.call);
    for (const session of sessions.values()) service.closeSession(session);
    sessions.clear();
  };
}
