// Electron's MessagePortMain (in main and in the inference utility process) as the plain PortEnd
// of src/shared/frame-port.ts. Typed structurally: the utility process imports no Electron module.
import type { PortEnd } from '../shared/frame-port';

/** The part of MessagePortMain this adapter uses. */
export interface MessagePortMainLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

/**
 * MessagePortMain carries no ArrayBuffer transfer list (only ports): a frame's bytes are copied
 * across once, renderer to utility process, as on any process boundary.
 */
export function mainPortEnd(port: MessagePortMainLike): PortEnd {
  return {
    post: (message) => port.postMessage(message),
    onMessage: (listener) => {
      port.on('message', (event) => listener(event.data));
      port.start();
    },
    onClose: (listener) => port.on('close', listener),
    close: () => port.close(),
  };
}
