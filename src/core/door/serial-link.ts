import { writeSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import { RelayError } from './relay-error';
import { createSerialPort } from './serial-binding';
import { SerialQueue } from '../serial-queue';

export interface SerialLinkOptions {
  path: string;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

/** Reads the bytes received since the request: a value when complete, undefined to wait for more. */
export type ReplyReader<T> = (received: Buffer) => T | undefined;

const maxBufferedBytes = 4096;
const defaultWriteTimeoutMs = 2000;
const openTimeoutMs = 5000;

function openFailure(path: string, error: Error): RelayError {
  const text = error.message.replace(/^Error: /, '');
  let hint = 'Check the relay board is plugged in and the port setting (`facegate relay list`).';
  if (/ENOENT|No such file|cannot find/i.test(text)) {
    hint = 'It does not exist: check the USB cable and the port setting (`facegate relay list`).';
  } else if (/EACCES|permission|access denied/i.test(text)) {
    hint = 'Permission denied: on Linux add the user to the `dialout` group and log in again.';
  } else if (/lock|EBUSY|busy/i.test(text)) {
    hint = 'Another program (perhaps another FaceGate) has it open: close that program.';
  }
  return new RelayError('port-unavailable', `Cannot open serial port ${path}: ${text}. ${hint}`, {
    cause: error,
  });
}

/**
 * One open serial port. Commands are queued and run one at a time, so the bytes of two commands
 * never interleave and a reply is read by the command that asked for it. Reports an unexpected
 * close (unplugged board, killed pty) once, through `onLost`.
 */
export class SerialLink {
  readonly path: string;
  private readonly port: SerialPort;
  private received = Buffer.alloc(0);
  private onData: (() => void) | undefined;
  private readonly queue = new SerialQueue();
  private closedBy: RelayError | 'us' | undefined;
  private readonly lostListeners = new Set<(error: RelayError) => void>();

  private constructor(port: SerialPort, path: string) {
    this.port = port;
    this.path = path;
    port.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      if (this.received.length > maxBufferedBytes) {
        this.received = this.received.subarray(this.received.length - maxBufferedBytes);
      }
      this.onData?.();
    });
    port.on('close', (error?: Error | null) => {
      this.lose(
        new RelayError('port-closed', `Serial port ${path} closed${error ? `: ${error.message}` : ''}.`),
      );
    });
    port.on('error', (error: Error) => {
      this.lose(
        new RelayError('port-error', `Serial port ${path} failed: ${error.message}.`, { cause: error }),
      );
      if (port.isOpen) port.close(() => {});
    });
  }

  static async open(options: SerialLinkOptions): Promise<SerialLink> {
    const port = createSerialPort(options);
    // Until the link owns it, an error event must not go unhandled.
    const swallow = () => {};
    port.on('error', swallow);
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        // Some drivers can block an open; a port that opens after we gave up is closed again.
        timer = setTimeout(() => {
          reject(new Error(`it did not open within ${openTimeoutMs / 1000} s`));
          port.once('open', () => port.close(() => {}));
        }, openTimeoutMs);
        port.open((error) => (error ? reject(error) : resolve()));
      });
    } catch (error) {
      throw openFailure(options.path, error as Error);
    } finally {
      clearTimeout(timer);
      port.off('error', swallow);
    }
    return new SerialLink(port, options.path);
  }

  get isOpen(): boolean {
    return this.closedBy === undefined && this.port.isOpen;
  }

  /** Called once if the port closes or fails without close() being called. Returns an unsubscribe. */
  onLost(listener: (error: RelayError) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Write the bytes (after every earlier command) and wait until the OS has sent them. */
  write(bytes: Buffer, timeoutMs = defaultWriteTimeoutMs): Promise<void> {
    return this.enqueue(() => this.writeNow(bytes, timeoutMs));
  }

  /**
   * Write the bytes and read the reply: bytes received before the write are dropped, then
   * `read` sees everything received since, until it returns a value or the time runs out.
   */
  request<T>(
    bytes: Buffer,
    read: ReplyReader<T>,
    timeoutMs: number,
    onTimeout: () => RelayError,
  ): Promise<T> {
    return this.enqueue(async () => {
      this.received = Buffer.alloc(0);
      await this.writeNow(bytes, Math.max(timeoutMs, defaultWriteTimeoutMs));
      return await this.readReply(read, timeoutMs, onTimeout);
    });
  }

  /**
   * Best effort, synchronously, for the moment the process exits: write the bytes straight to the
   * device. Returns false where that is not possible (closed, or no file descriptor on this OS).
   */
  writeSync(bytes: Buffer): boolean {
    const fd = (this.port.port as { fd?: number | null } | undefined)?.fd;
    if (!this.isOpen || typeof fd !== 'number') return false;
    try {
      return writeSync(fd, bytes) === bytes.length;
    } catch {
      return false;
    }
  }

  /** Close after the queued commands; safe to call twice. */
  async close(): Promise<void> {
    await this.enqueue(async () => {
      if (this.closedBy !== undefined) return;
      this.closedBy = 'us';
      this.onData?.();
      if (!this.port.isOpen) return;
      await new Promise<void>((resolve) => this.port.close(() => resolve()));
    }).catch(() => {});
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }

  private closedError(): RelayError {
    return this.closedBy instanceof RelayError
      ? this.closedBy
      : new RelayError('port-closed', `Serial port ${this.path} is closed.`);
  }

  private lose(error: RelayError): void {
    if (this.closedBy !== undefined) return;
    this.closedBy = error;
    this.onData?.();
    for (const listener of this.lostListeners) listener(error);
  }

  private writeNow(bytes: Buffer, timeoutMs: number): Promise<void> {
    if (!this.isOpen) return Promise.reject(this.closedError());
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new RelayError(
            'write-timeout',
            `Serial port ${this.path} did not take the bytes within ${timeoutMs} ms.`,
          ),
        );
      }, timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(
          this.closedBy !== undefined || !this.port.isOpen
            ? this.closedError()
            : new RelayError(
                'write-failed',
                `Writing to serial port ${this.path} failed: ${error.message}.`,
                {
                  cause: error,
                },
              ),
        );
      };
      this.port.write(bytes, (error) => {
        if (error) return fail(error);
        this.port.drain((drainError) => {
          if (drainError) return fail(drainError);
          clearTimeout(timer);
          resolve();
        });
      });
    });
  }

  private readReply<T>(read: ReplyReader<T>, timeoutMs: number, onTimeout: () => RelayError): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.onData = undefined;
        settle();
      };
      const check = () => {
        if (this.closedBy !== undefined) return finish(() => reject(this.closedError()));
        let value: T | undefined;
        try {
          value = read(this.received);
        } catch (error) {
          return finish(() => reject(error));
        }
        if (value !== undefined) finish(() => resolve(value));
      };
      const timer = setTimeout(() => finish(() => reject(onTimeout())), timeoutMs);
      this.onData = check;
      check();
    });
  }
}
