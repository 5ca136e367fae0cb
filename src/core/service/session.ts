import { randomUUID } from 'node:crypto';

/**
 * One caller of the service: an Electron window, a WebSocket connection, a test. The transport
 * creates it when the connection opens, passes it with every call and closes it when the
 * connection goes away; the admin login lives on it, never in the renderer.
 */
export interface CallerSession {
  readonly id: string;
  /** Who is calling, for logs and the audit log ('ipc:1', 'ws:127.0.0.1:53412', 'test'). */
  readonly label: string;
}

export function newSession(label: string): CallerSession {
  return { id: randomUUID(), label };
}
