import { toErrorInfo } from '../core/errors';
import type { CallerSession } from '../core/service/session';
import type { FaceGateService } from '../core/service/types';
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
