import type { CallName, CallResult, FrameResult } from '../../shared/contract';
import type { EventName } from '../../shared/events';
import type { ApiKey } from '../../shared/integrations';
import type { EventListener } from './event-bus';
import type { HeldFrame } from './frame-port-broker';
import type { CallerSession } from './session';

/**
 * The app as the transports see it: Electron IPC, the WebSocket host and tests all go through
 * exactly these methods. `call` parses the input with the contract, checks the admin session,
 * runs the call and returns a plain result; failures are FaceGateErrors (toErrorInfo for the wire).
 */
export interface FaceGateService {
  call<N extends CallName>(name: N, input: unknown, session: CallerSession): Promise<CallResult<N>>;
  /** A name off the wire: an unknown one is refused with INVALID_INPUT. */
  call(name: string, input: unknown, session: CallerSession): Promise<unknown>;
  /**
   * One per connection (window, WebSocket); the admin login and the kiosk pairing live on it.
   * `trustedKiosk`: the transport vouches that this is the app's own kiosk window (Electron IPC).
   */
  openSession(label: string, options?: SessionOptions): CallerSession;
  /** The connection went away: its admin login ends. */
  closeSession(session: CallerSession): void;
  /** Whether an event may be delivered to this connection (admin events need a login). */
  mayReceive(event: EventName, session: CallerSession): boolean;
  on(listener: EventListener): () => void;
  /**
   * The REST API's door (src/server/rest.ts): undefined while the API is switched off, else a
   * function that opens a session granted the calls of a live API key's scopes, or undefined.
   */
  restApi(): ((presentedKey: string) => { session: CallerSession; key: ApiKey } | undefined) | undefined;
  /**
   * frames.submit for a frame the inference process holds (a kiosk's frame port, docs/app.md): the
   * same kiosk check and frame path; the pixels stay in that process. FramePortBroker calls it.
   */
  submitHeldFrame(frame: HeldFrame, session: CallerSession): Promise<FrameResult>;
  /** Stops inference, relocks the door, closes the database. */
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Paired by construction: only the Electron IPC adapter (and in-process tests) say so. */
  trustedKiosk?: boolean;
}
