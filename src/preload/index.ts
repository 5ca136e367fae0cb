// The preload (bundled into one CommonJS file, as sandboxed preloads must be): the only file with
// ipcRenderer. Exposes window.facegate, one function per contract call, and nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './bridge';

contextBridge.exposeInMainWorld('facegate', createPreloadApi(ipcRenderer, { framePort: true }));
