import type { WebSocket, RawData } from 'ws';
import { toErrorInfo } from '../core/errors';
import type { FaceGateService } from '../core/service/types';
import { isEventName } from '../shared/events';
import { decodeMessage, encodeMessage, type ServerMessage } from './codec';

/** Events are dropped for a client this far behind (a stalled browser must not grow our memory). */
const maxBufferedBytes = 16 * 1024 * 1024;

/**
 * One browser connection: its own service session (admin login included), every call parsed by
 * the service, results matched by id, events filtered to what this session may see.
 */
export function serveConnection(
  ws: WebSocket,
  service: FaceGateService,
  label: string,
  log: (line: string) => void,
): void {
  const session = service.openSession(label);
  const send = (message: ServerMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(encodeMessage(message));
  };

  const unsubscribe = service.on((name, payload) => {
    if (!isEventName(name) || !service.mayReceive(name, session)) return;
    if (ws.bufferedAmount > maxBufferedBytes) return;
    send({ t: 'event', name, payload });
  });

  ws.on('message', (data: RawData, isBinary: boolean) => {
    let message: unknown;
    try {
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      message = decodeMessage(isBinary ? bytes : bytes.toString('utf8'));
    } catch (error) {
      log(`${label}: unreadable message: ${(error as Error).message}`);
      return;
    }
    if (!isCall(message)) {
      log(`${label}: message is not a call`);
      return;
    }
    const { id, name, input } = message;
    service.call(name, input, session).then(
      (value) => send({ t: 'result', id, ok: true, value }),
      (error: unknown) => send({ t: 'result', id, ok: false, error: toErrorInfo(error) }),
    );
  });

  ws.on('close', () => {
    unsubscribe();
    service.closeSession(session);
  });
  ws.on('error', (error) => log(`${label}: ${error.message}`));
}

function isCall(value: unknown): value is { t: 'call'; id: number; name: string; input: unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.t === 'call' && Number.isSafeInteger(v.id) && typeof v.name === 'string';
}
