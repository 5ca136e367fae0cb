import type { SerialPort } from 'serialport';
import type { RelayDriverName } from '../../src/shared/door';
import { hasValidCrc, withCrc } from '../../src/core/door/crc16';
import { createSerialPort } from '../../src/core/door/serial-binding';

/**
 * A relay board on the far end of a pty pair (see socat.ts). It records every byte it receives
 * with a timestamp, decodes the board protocol it plays, keeps the relay states, and answers the
 * way the real board does (Modbus echo with a correct CRC, Numato `relay read`, KMTronic status).
 * Replies can be made to go missing, fail, arrive in pieces or after noise, to test the driver.
 *
 * Timestamps are epoch milliseconds with sub-millisecond precision, comparable with Date.now()
 * and with the door's state-change events.
 */

export interface ReceivedChunk {
  at: number;
  bytes: Buffer;
}

/** A switch command the board understood: `channel` is the relay (the coil for Modbus, 0 for hex). */
export interface RelayCommand {
  at: number;
  channel: number;
  /** The relay coil is energised (physical state, before any polarity). */
  energise: boolean;
  bytes: Buffer;
  /** The board's own timer switched the relay (no bytes arrived); `bytes` is empty. */
  byBoardTimer?: boolean;
}

export interface BoardBehaviour {
  /**
   * How the board answers requests that expect an answer (Modbus writes and reads, Numato
   * `relay read`, KMTronic status): 'normal'; 'silent' (no answer, command not applied);
   * 'exception' (Modbus exception `exceptionCode`, command not applied); 'wrong' (a
   * CRC-valid Modbus reply that is not the echo).
   */
  reply: 'normal' | 'silent' | 'exception' | 'wrong';
  exceptionCode: number;
  /** Bytes sent before every answer (line noise, a stale reply). */
  noise?: Buffer;
  /** Send each answer in two pieces this many milliseconds apart. */
  splitMs?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** The relay does not move (a stuck relay, a board that ignores commands); commands are still recorded. */
  stuck?: boolean;
}

export interface RelayBoardOptions {
  protocol: RelayDriverName;
  baudRate?: number;
  /** Modbus: the slave id the board answers to (others are ignored). */
  slaveId?: number;
  /** hex: the bytes that switch the board's relay. */
  onHex?: string;
  offHex?: string;
  /**
   * Modbus: the board has the Waveshare / LC Technology flash commands (function 05 at address
   * 02<coil> / 04<coil>, value in 100 ms) and keeps its own timer, which runs on whatever happens
   * to the host. Without it, a flash command is answered with exception 2 (illegal address).
   */
  flash?: boolean;
}

interface Waiter {
  check: () => boolean;
}

const now = () => performance.timeOrigin + performance.now();
const hexToBuffer = (text: string) => Buffer.from(text.replace(/0x/gi, '').replace(/[\s,:-]+/g, ''), 'hex');

export class RelayBoardSimulator {
  readonly path: string;
  readonly options: RelayBoardOptions;
  /** Every chunk received, in order. Never cleared by reattach(). */
  readonly chunks: ReceivedChunk[] = [];
  /** Every switch command decoded, in order. */
  readonly commands: RelayCommand[] = [];
  /** Relay state per channel as the board holds it (true: energised). */
  readonly relays = new Map<number, boolean>();
  /**
   * The board's inputs (Modbus discrete inputs, function 02; Numato GPIO, `gpio read N`): true is
   * a high level. A door contact or exit button wired to them is played by setting these.
   */
  readonly inputs = new Map<number, boolean>();
  /** Every input read the board answered, in order (Modbus: the request frame; Numato: the line). */
  readonly inputReads: { at: number; bytes: Buffer }[] = [];
  behaviour: BoardBehaviour = { reply: 'normal', exceptionCode: 4 };
  private port: SerialPort | undefined;
  private pending = Buffer.alloc(0);
  private readonly waiters = new Set<Waiter>();
  /** The board's own timers (flash commands), per channel. */
  private readonly timers = new Map<number, NodeJS.Timeout>();

  private constructor(path: string, options: RelayBoardOptions) {
    this.path = path;
    this.options = options;
  }

  /** Open the board end of the pty pair and start listening. */
  static async attach(path: string, options: RelayBoardOptions): Promise<RelayBoardSimulator> {
    const board = new RelayBoardSimulator(path, options);
    await board.reattach();
    return board;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  /** All bytes received so far, concatenated (from chunk `fromChunk`). */
  bytes(fromChunk = 0): Buffer {
    return Buffer.concat(this.chunks.slice(fromChunk).map((c) => c.bytes));
  }

  /** Switch commands for one channel, in order. */
  commandsFor(channel: number): RelayCommand[] {
    return this.commands.filter((c) => c.channel === channel);
  }

  /**
   * Resolves with the time of the chunk that completed the first occurrence of `bytes` received
   * at or after `since` (epoch ms; default: any time). Rejects after `timeoutMs`.
   */
  waitForBytes(bytes: Buffer, options: { since?: number; timeoutMs?: number } = {}): Promise<number> {
    const since = options.since ?? 0;
    return this.waitUntil(
      () => {
        const first = this.chunks.findIndex((c) => c.at >= since);
        if (first < 0) return undefined;
        const stream = this.bytes(first);
        const index = stream.indexOf(bytes);
        if (index < 0) return undefined;
        let end = 0;
        for (let i = first; i < this.chunks.length; i++) {
          end += this.chunks[i].bytes.length;
          if (end >= index + bytes.length) return this.chunks[i].at;
        }
        return undefined;
      },
      options.timeoutMs ?? 5000,
      () => `bytes ${bytes.toString('hex')} after ${since}; got ${this.bytes().toString('hex')}`,
    );
  }

  /** Resolves with the first decoded command (from index `from`) that satisfies `test`. */
  waitForCommand(
    test: (command: RelayCommand) => boolean,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<RelayCommand> {
    const from = options.from ?? 0;
    return this.waitUntil(
      () => this.commands.slice(from).find(test),
      options.timeoutMs ?? 5000,
      () => `a matching command; got ${JSON.stringify(this.commands.map((c) => [c.channel, c.energise]))}`,
    );
  }

  /** Write raw bytes to FaceGate's side (noise, unsolicited data). */
  send(bytes: Buffer): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.reject(new Error(`board ${this.path} is not open`));
    return new Promise((resolve, reject) =>
      port.write(bytes, (error) => (error ? reject(error) : port.drain(() => resolve()))),
    );
  }

  /** Open the board end again, e.g. after PtyPair.restart(). Recorded bytes are kept. */
  async reattach(): Promise<void> {
    // The board keeps running (and its timers with it) while the cable is out.
    await this.closePort();
    const port = createSerialPort({ path: this.path, baudRate: this.options.baudRate ?? 9600 });
    port.on('error', () => {});
    port.on('data', (chunk: Buffer) => this.receive(chunk));
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    this.pending = Buffer.alloc(0);
    this.port = port;
  }

  /** Close the board end; the board's timers stop too (the board is gone). */
  async close(): Promise<void> {
    for (const channel of [...this.timers.keys()]) this.cancelTimer(channel);
    await this.closePort();
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private waitUntil<T>(find: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const value = find();
          if (value === undefined) return false;
          clearTimeout(timer);
          resolve(value);
          return true;
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`relay board ${this.options.protocol}: waited ${timeoutMs} ms for ${describe()}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private receive(chunk: Buffer): void {
    const at = now();
    this.chunks.push({ at, bytes: Buffer.from(chunk) });
    this.pending = Buffer.concat([this.pending, chunk]);
    this.decode(at);
    for (const waiter of [...this.waiters]) if (waiter.check()) this.waiters.delete(waiter);
  }

  private record(at: number, channel: number, energise: boolean, bytes: Buffer, byBoardTimer = false): void {
    // A command from the host replaces whatever the board's timer was going to do.
    if (!byBoardTimer) this.cancelTimer(channel);
    if (!this.behaviour.stuck) this.relays.set(channel, energise);
    this.commands.push({
      at,
      channel,
      energise,
      bytes: Buffer.from(bytes),
      ...(byBoardTimer ? { byBoardTimer } : {}),
    });
    if (byBoardTimer) for (const waiter of [...this.waiters]) if (waiter.check()) this.waiters.delete(waiter);
  }

  /** Flash: switch to `energise` now and back after `ms` on the board's timer. */
  private flash(at: number, channel: number, energise: boolean, ms: number, bytes: Buffer): void {
    this.record(at, channel, energise, bytes);
    const timer = setTimeout(() => {
      this.timers.delete(channel);
      this.record(now(), channel, !energise, Buffer.alloc(0), true);
    }, ms);
    this.timers.set(channel, timer);
  }

  private cancelTimer(channel: number): void {
    clearTimeout(this.timers.get(channel));
    this.timers.delete(channel);
  }

  /** Consume every complete frame in `pending`; bytes that start no frame are dropped. */
  private decode(at: number): void {
    switch (this.options.protocol) {
      case 'lcus':
        return this.decodeLcus(at);
      case 'kmtronic':
        return this.decodeKmtronic(at);
      case 'numato':
        return this.decodeNumato(at);
      case 'modbus':
        return this.decodeModbus(at);
      case 'hex':
        return this.decodeHex(at);
    }
  }

  private decodeLcus(at: number): void {
    let p = this.pending;
    while (p.length > 0) {
      if (p[0] !== 0xa0) {
        p = p.subarray(1);
        continue;
      }
      if (p.length < 4) break;
      const [, channel, op, sum] = p;
      if (op <= 1 && sum === ((0xa0 + channel + op) & 0xff)) {
        this.record(at, channel, op === 1, p.subarray(0, 4));
        p = p.subarray(4);
      } else p = p.subarray(1);
    }
    this.pending = Buffer.from(p);
  }

  private decodeKmtronic(at: number): void {
    let p = this.pending;
    while (p.length > 0) {
      if (p[0] !== 0xff) {
        p = p.subarray(1);
        continue;
      }
      if (p.length < 3) break;
      const [, channel, op] = p;
      if (op === 0x00 || op === 0x01) {
        this.record(at, channel, op === 1, p.subarray(0, 3));
        p = p.subarray(3);
      } else if (op === 0x03) {
        if (this.behaviour.reply !== 'silent')
          this.answer(Buffer.from([0xff, channel, this.relays.get(channel) ? 0x01 : 0x00]));
        p = p.subarray(3);
      } else p = p.subarray(1);
    }
    this.pending = Buffer.from(p);
  }

  private decodeNumato(at: number): void {
    let end: number;
    while ((end = this.pending.indexOf(0x0d)) >= 0) {
      const line = this.pending.subarray(0, end).toString('latin1').trim();
      this.pending = this.pending.subarray(end + 1);
      const match = /^relay (on|off|read) ([0-9A-Z])$/.exec(line);
      // The firmware echoes what it was sent, answers, then prompts.
      let answer = `${line}\n\r`;
      const gpio = /^gpio read ([0-9A-V])$/.exec(line);
      if (gpio) {
        if (this.behaviour.reply === 'silent') continue;
        this.inputReads.push({ at, bytes: Buffer.from(`${line}\r`, 'latin1') });
        const index = /[0-9]/.test(gpio[1]) ? Number(gpio[1]) : gpio[1].charCodeAt(0) - 55;
        answer += `${this.inputs.get(index) ? 1 : 0}\n\r`;
      } else if (match) {
        const channel = /[0-9]/.test(match[2]) ? Number(match[2]) : match[2].charCodeAt(0) - 55;
        if (match[1] === 'read') {
          if (this.behaviour.reply === 'silent') continue;
          answer += `${this.relays.get(channel) ? 'on' : 'off'}\n\r`;
        } else {
          this.record(at, channel, match[1] === 'on', Buffer.from(`${line}\r`, 'latin1'));
        }
      }
      this.answer(Buffer.from(`${answer}>`, 'latin1'));
    }
    this.pending = Buffer.from(this.pending);
  }

  private decodeModbus(at: number): void {
    const slaveId = this.options.slaveId ?? 1;
    let p = this.pending;
    while (p.length > 0) {
      if (p[0] !== slaveId) {
        p = p.subarray(1);
        continue;
      }
      if (p.length < 8) break;
      const frame = Buffer.from(p.subarray(0, 8));
      if (!hasValidCrc(frame) || (frame[1] !== 0x05 && frame[1] !== 0x01 && frame[1] !== 0x02)) {
        p = p.subarray(1);
        continue;
      }
      p = p.subarray(8);
      const coil = frame.readUInt16BE(2);
      const { reply, exceptionCode } = this.behaviour;
      if (reply === 'silent') continue;
      if (reply === 'exception') {
        this.answer(withCrc(Uint8Array.from([slaveId, frame[1] | 0x80, exceptionCode])));
        continue;
      }
      if (frame[1] === 0x02) {
        // Read discrete inputs: `<slave> 02 <start> <count>` -> `<slave> 02 <bytes> <bits, LSB first>`.
        this.inputReads.push({ at, bytes: frame });
        const count = frame.readUInt16BE(4);
        const data = Buffer.alloc(Math.ceil(count / 8));
        for (let i = 0; i < count; i++) if (this.inputs.get(coil + i)) data[i >> 3] |= 1 << (i & 7);
        this.answer(withCrc(Uint8Array.from([slaveId, 0x02, data.length, ...data])));
      } else if (frame[1] === 0x05 && (frame[2] === 0x02 || frame[2] === 0x04)) {
        if (!this.options.flash) {
          this.answer(withCrc(Uint8Array.from([slaveId, 0x85, 0x02])));
          continue;
        }
        this.flash(at, frame[3], frame[2] === 0x02, frame.readUInt16BE(4) * 100, frame);
        this.answer(frame);
      } else if (frame[1] === 0x05) {
        const energise = frame[4] === 0xff;
        this.record(at, coil, energise, frame);
        if (reply === 'wrong') {
          this.answer(
            withCrc(Uint8Array.from([slaveId, 0x05, frame[2], frame[3], energise ? 0x00 : 0xff, 0x00])),
          );
        } else this.answer(frame);
      } else {
        this.answer(withCrc(Uint8Array.from([slaveId, 0x01, 0x01, this.relays.get(coil) ? 0x01 : 0x00])));
      }
    }
    this.pending = Buffer.from(p);
  }

  private decodeHex(at: number): void {
    const on = hexToBuffer(this.options.onHex ?? '');
    const off = hexToBuffer(this.options.offHex ?? '');
    for (;;) {
      const onAt = on.length ? this.pending.indexOf(on) : -1;
      const offAt = off.length ? this.pending.indexOf(off) : -1;
      if (onAt < 0 && offAt < 0) break;
      const isOn = onAt >= 0 && (offAt < 0 || onAt <= offAt);
      const at0 = isOn ? onAt : offAt;
      const frame = isOn ? on : off;
      this.record(at, 0, isOn, frame);
      this.pending = Buffer.from(this.pending.subarray(at0 + frame.length));
    }
    const keep = Math.max(on.length, off.length) - 1;
    if (this.pending.length > keep)
      this.pending = Buffer.from(this.pending.subarray(this.pending.length - keep));
  }

  /** Send an answer with the configured noise, delay and splitting. */
  private answer(reply: Buffer): void {
    const { noise, splitMs, delayMs } = this.behaviour;
    const bytes = noise ? Buffer.concat([noise, reply]) : reply;
    const write = (part: Buffer) => {
      if (this.port?.isOpen) this.port.write(part);
    };
    const sendAll = () => {
      if (splitMs === undefined) return write(bytes);
      const half = Math.max(1, Math.floor(bytes.length / 2));
      write(bytes.subarray(0, half));
      setTimeout(() => write(bytes.subarray(half)), splitMs);
    };
    if (delayMs) setTimeout(sendAll, delayMs);
    else sendAll();
  }
}
