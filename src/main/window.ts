import { BrowserWindow, type WebContents } from 'electron';
import { allowNavigation } from './security';

export interface WindowOptions {
  preload: string;
  /** app://facegate/index.html, or the Vite dev server in development. */
  url: string;
  origins: ReadonlySet<string>;
  fullscreen: boolean;
  devTools: boolean;
}

export function createMainWindow(options: WindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 600,
    title: 'FaceGate',
    show: false,
    backgroundColor: '#111418',
    kiosk: options.fullscreen,
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: options.devTools,
      // The kiosk keeps analysing frames while another window has focus.
      backgroundThrottling: false,
    },
  });
  lockDown(window.webContents, options.origins);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.url);
  return window;
}

/** No popups, no navigation away from the app, no webviews. */
export function lockDown(contents: WebContents, origins: ReadonlySet<string>): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!allowNavigation(url, origins)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!allowNavigation(url, origins)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
