import { toErrorInfo } from '../core/errors';
import type { CallerSession } from '../core/service/session';
import type { FaceGateService } from '../core/service/types';
import type { FramePortBroker } from '../core/service/frame-port-broker';
import { isCallName, type IpcReply } from '../shared/contract';
import { isTrustedSender } from './security';

export interface SenderFrame {
  url: string;
  isMainFrame: boolean;
}

/**
 * One IPC call, decided without Electron: refused unless it comes from the app's own main frame,
 * then handed to the service (which parses the input with the contract and checks the admin
 * session). The reply is data either way; nothing throws across IPC.
 */
export async function routeIpcCall(
  service: FaceGateService,
  session: CallerSession,
  frame: SenderFrame | null | undefined,
  origins: ReadonlySet<string>,
  name: unknown,
  input: unknown,
): Promise<IpcReply> {
  if (!isTrustedSender(frame, origins)) {
    return {
      ok: false,
      error: {
        code: 'UNAUTHORIZED',
        message: `Refused an IPC call from ${frame?.url ?? 'an unknown frame'}.`,
      },
    };
  }
  if (!isCallName(name)) {
    return { ok: false, error: { code: 'INVALID_INPUT', message: `Unknown call '${String(name)}'.` } };
  }
  try {
    return { ok: true, value: await service.call(name, input, session) };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error) };
  }
}

/**
 * A window asks for its frame port: given only to the app's own main frame (the kiosk window by
 * construction, as for every IPC call), for that window's session; `deliver` sends the window its
 * end. Decided without Electron, like routeIpcCall.
 */
export function routeFramePortRequest<P>(
  broker: FramePortBroker<P> | undefined,
  session: CallerSession,
  frame: SenderFrame | null | undefined,
  origins: ReadonlySet<string>,
  deliver: (port: P) => void,
): IpcReply {
  if (!isTrustedSender(frame, origins)) {
    return {
      ok: false,
      error: {
        code: 'UNAUTHORIZED',
        message: `Refused a frame port to ${frame?.url ?? 'an unknown frame'}.`,
      },
    };
  }
  if (!broker) return { ok: false, error: { code: 'INTERNAL', message: 'No frame ports in this build.' } };
  try {
    deliver(broker.open(session));
    return { ok: true, value: null };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error) };
  }
}
