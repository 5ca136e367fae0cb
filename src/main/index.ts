// The Electron main process: windows, security, the app:// protocol, IPC. Thin on purpose: the
// app is src/core (plain Node, tested without Electron); inference runs in a utilityProcess.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  dialog,
  powerSaveBlocker,
  session,
  type BrowserWindow,
  type MessagePortMain,
  type UtilityProcess,
} from 'electron';
import { toErrorInfo } from '../core/errors';
import { createFaceGateService } from '../core/service';
import type { FaceGateService } from '../core/service/types';
import { registerAppScheme, serveRenderer } from './app-protocol';
import { installIpc } from './ipc';
import { installPermissionHandlers } from './permissions';
import { appContentSecurityPolicy, appEntryUrl, appOrigins } from './security';
import { createUtilityInferenceHost } from './utility-host';
import { electronFramePortWiring } from './frame-port';
import { FramePortBroker } from '../core/service/frame-port-broker';
import { loginItemPlan } from './login-item';
import { fakeCameraSwitches } from './test-flags';
import { RestartingInferenceHost } from '../core/inference/restarting-host';
import { createMainWindow, lockDown } from './window';

const file = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const origins = appOrigins(devServerUrl);

registerAppScheme();
// Only with --facegate-test-fake-camera (the smoke tests): Chromium's fake camera.
for (const [name, value] of fakeCameraSwitches(process.argv)) app.commandLine.appendSwitch(name, value);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | undefined;
  let service: FaceGateService | undefined;
  let sleepBlocker: number | undefined;

  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  app.on('web-contents-created', (_event, contents) => lockDown(contents, origins));

  const applyLoginItem = async (enabled: boolean) => {
    const plan = loginItemPlan({
      enabled,
      packaged: app.isPackaged,
      platform: process.platform,
      executable: process.execPath,
      env: process.env,
      home: os.homedir(),
    });
    if (plan.kind === 'electron') app.setLoginItemSettings({ openAtLogin: plan.openAtLogin });
    if (plan.kind === 'autostart-file') {
      if (plan.content === null) await rm(plan.file, { force: true });
      else {
        await mkdir(path.dirname(plan.file), { recursive: true });
        await writeFile(plan.file, plan.content, { mode: 0o644 });
      }
    }
  };

  const applyKiosk = (kiosk: { fullscreen: boolean; preventSleep: boolean; startAtLogin: boolean }) => {
    window?.setKiosk(kiosk.fullscreen);
    applyLoginItem(kiosk.startAtLogin).catch((error: unknown) =>
      console.error(
        `FaceGate: start at login could not be ${kiosk.startAtLogin ? 'set' : 'cleared'}:`,
        error,
      ),
    );
    const block = kiosk.fullscreen && kiosk.preventSleep;
    if (block && sleepBlocker === undefined) sleepBlocker = powerSaveBlocker.start('prevent-display-sleep');
    if (!block && sleepBlocker !== undefined) {
      powerSaveBlocker.stop(sleepBlocker);
      sleepBlocker = undefined;
    }
  };

  void app.whenReady().then(async () => {
    // Installers bundle model packs under resources/models; the inference process inherits this.
    if (app.isPackaged) process.env.FACEGATE_RESOURCES_DIR ??= process.resourcesPath;
    const csp = appContentSecurityPolicy(devServerUrl);
    installPermissionHandlers(session.defaultSession, origins);
    if (devServerUrl) {
      session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
        callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } }),
      );
    }
    serveRenderer(file('../renderer/'), csp);

    // Kiosk windows' frame ports go straight to the current inference process (docs/app.md).
    let inference: UtilityProcess | undefined;
    const ports: { broker?: FramePortBroker<MessagePortMain> } = {};
    try {
      service = await createFaceGateService({
        inference: new RestartingInferenceHost(() => {
          // A new process knows no port: the windows ask again (their old ports closed).
          ports.broker?.revokeAll();
          return createUtilityInferenceHost(file('./inference-process.js'), (child) => (inference = child));
        }),
        version: app.getVersion(),
        // The window opens at once; the status page shows the models loading.
        waitForModels: false,
      });
    } catch (error) {
      // A database from a newer version or a damaged file: say what to do rather than hang.
      dialog.showErrorBox('FaceGate cannot start', toErrorInfo(error).message);
      app.exit(1);
      return;
    }
    ports.broker = new FramePortBroker(
      service,
      electronFramePortWiring(() => inference),
    );
    installIpc(service, origins, ports.broker);

    const shell = service.openSession('main');
    const config = await service.call('kiosk.config', {}, shell);
    window = createMainWindow({
      preload: file('../preload/index.cjs'),
      url: devServerUrl ?? appEntryUrl,
      origins,
      fullscreen: config.kiosk.fullscreen,
      devTools: !app.isPackaged,
    });
    window.on('closed', () => (window = undefined));
    applyKiosk(config.kiosk);
    service.on((name, payload) => {
      if (name === 'settings.changed' && (payload as { sections: string[] }).sections.includes('kiosk')) {
        void service?.call('kiosk.config', {}, shell).then((c) => applyKiosk(c.kiosk));
      }
    });
  });

  app.on('window-all-closed', () => app.quit());

  // Quit only after the service has relocked the door and closed the database.
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing || !service) return;
    event.preventDefault();
    closing = true;
    void service.close().finally(() => app.exit(0));
  });
}
