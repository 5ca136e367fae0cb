import { read } from 'node:fs';
import { SerialPort } from 'serialport';

/**
 * serialport's own native binding, with one fix: on Linux and macOS its read loop treats a
 * zero-byte read as "try again", but a tty returns end-of-file when the device hangs up (a USB
 * board unplugged, the far end of a pty gone). The stock loop then spins on the CPU and never
 * reports the loss; this read reports it, so the port closes with a disconnect error.
 * (serialport/bindings-cpp issue #162.)
 */

type Binding = typeof SerialPort.binding;
type OpenOptions = Parameters<Binding['open']>[0];
type PortBinding = Awaited<ReturnType<Binding['open']>>;

interface UnixPortBinding {
  fd: number | null;
  readonly isOpen: boolean;
  poller: { once(event: 'readable', callback: (error?: Error | null) => void): unknown };
  read: PortBinding['read'];
}

const retryCodes = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

function isUnixPort(port: unknown): port is UnixPortBinding {
  const candidate = port as Partial<UnixPortBinding>;
  return typeof candidate.fd === 'number' && typeof candidate.poller?.once === 'function';
}

async function readUntilHangup(port: UnixPortBinding, buffer: Buffer, offset: number, length: number) {
  for (;;) {
    const fd = port.fd;
    if (!port.isOpen || fd === null) throw canceled();
    try {
      const bytesRead = await new Promise<number>((resolve, reject) =>
        read(fd, buffer, offset, length, null, (error, count) => (error ? reject(error) : resolve(count))),
      );
      if (bytesRead === 0) {
        throw Object.assign(new Error('the device hung up (unplugged, or its other end closed)'), {
          disconnect: true,
        });
      }
      return { buffer, bytesRead };
    } catch (error) {
      if (!retryCodes.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      if (!port.isOpen) throw canceled();
      await new Promise<void>((resolve, reject) =>
        port.poller.once('readable', (pollError) => (pollError ? reject(pollError) : resolve())),
      );
    }
  }
}

const native = SerialPort.binding;

/** Pass as `binding` to a SerialPort. */
export const hangupAwareBinding = {
  list: () => native.list(),
  async open(options: OpenOptions): Promise<PortBinding> {
    const port = await (native.open as (o: OpenOptions) => Promise<PortBinding>)(options);
    if (isUnixPort(port)) {
      port.read = (buffer: Buffer, offset: number, length: number) =>
        readUntilHangup(port, buffer, offset, length);
    }
    return port;
  },
} as unknown as Binding;

/** A SerialPort (not yet open) that uses hangupAwareBinding. */
export function createSerialPort(options: {
  path: string;
  baudRate: number;
  parity?: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
}): SerialPort {
  return new SerialPort({
    dataBits: 8,
    parity: 'none',
    stopBits: 1,
    ...options,
    autoOpen: false,
    binding: hangupAwareBinding,
  } as ConstructorParameters<typeof SerialPort>[0]);
}
