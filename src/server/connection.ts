import type { WebSocket, RawData } from 'ws';
import { toErrorInfo } from '../core/errors';
import { handOver } from '../core/inference/rpc-host';
import type { FaceGateService } from '../core/service/types';
import { isEventName } from '../shared/events';
import { decodeMessage, encodeMessage, type ServerMessage } from './codec';

/** What one connection may hold of the host's memory. */
export interface ConnectionLimits {
  /**
   * Bytes waiting to be sent to a client that does not read: past this, events are dropped, and a
   * result that would go past twice this closes the connection (a stalled browser or a hostile
   * script must not grow the host's memory).
   */
  maxBufferedBytes: number;
  /** Calls of one connection being worked on at once; more are refused until some finish. */
  maxCallsInFlight: number;
}

export const defaultConnectionLimits: ConnectionLimits = {
  maxBufferedBytes: 8 * 1024 * 1024,
  maxCallsInFlight: 64,
};

/**
 * One browser connection: its own service session (admin login and kiosk pairing included),
 * every call parsed by the service, results matched by id, events filtered to what this session
 * may see.
 */
export function serveConnection(
  ws: WebSocket,
  service: FaceGateService,
  label: string,
  log: (line: string) => void,
  limits: ConnectionLimits = defaultConnectionLimits,
): void {
  const session = service.openSession(label);
  let inFlight = 0;
  const send = (message: ServerMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    if (message.t === 'result' && ws.bufferedAmount > 2 * limits.maxBufferedBytes) {
      log(`${label}: closed, ${ws.bufferedAmount} bytes unread (the client does not read its results)`);
      ws.terminate();
      return;
    }
    ws.send(encodeMessage(message));
  };

  const unsubscribe = service.on((name, payload) => {
    if (!isEventName(name) || !service.mayReceive(name, session)) return;
    if (ws.bufferedAmount > limits.maxBufferedBytes) return;
    send({ t: 'event', name, payload });
  });

  ws.on('message', (data: RawData, isBinary: boolean) => {
    let message: unknown;
    let received: Uint8Array | undefined;
    try {
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      received = bytes;
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
    // A frame's message is this handler's alone: the frame goes to the inference worker with its
    // buffer instead of being copied out of it first (never for other calls, whose bytes the
    // service may keep, e.g. an enrolment photo).
    if (
      name === 'frames.submit' &&
      isBinary &&
      received &&
      received.byteLength === received.buffer.byteLength
    )
      handOver(received.buffer as ArrayBuffer);
    if (inFlight >= limits.maxCallsInFlight) {
      send({
        t: 'result',
        id,
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: `Too many calls at once on this connection (${limits.maxCallsInFlight}); wait for answers.`,
        },
      });
      return;
    }
    inFlight++;
    service
      .call(name, input, session)
      .then(
        (value) => send({ t: 'result', id, ok: true, value }),
        (error: unknown) => send({ t: 'result', id, ok: false, error: toErrorInfo(error) }),
      )
      .finally(() => inFlight--);
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
