/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { FaceGateApi } from '../../shared/contract';

declare global {
  interface Window {
    /** The app's API: provided by the preload (Electron) or the WebSocket client (facegate serve). */
    facegate: FaceGateApi;
  }
}
