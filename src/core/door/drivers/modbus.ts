import type { z } from 'zod';
import type { modbusSettingsSchema } from '../../../shared/door';
import { hasValidCrc, withCrc } from '../crc16';
import { RelayError } from '../relay-error';
import { SerialRelayDriver, energised } from '../driver';
import { FaceGateError } from '../../errors';
import type { SerialLink } from '../serial-link';

type ModbusSettings = z.infer<typeof modbusSettingsSchema>;

const writeSingleCoil = 0x05;
const readCoils = 0x01;
const readDiscreteInputs = 0x02;

const exceptionNames: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address (check the coil setting)',
  3: 'illegal data value',
  4: 'slave device failure',
  5: 'acknowledge',
  6: 'slave device busy',
};

/** Write single coil: `<slave> 05 <coil hi> <coil lo> FF|00 00 <crc lo> <crc hi>`. */
export function writeCoilFrame(slaveId: number, coil: number, energise: boolean): Buffer {
  return withCrc(
    Uint8Array.from([slaveId, writeSingleCoil, coil >> 8, coil & 0xff, energise ? 0xff : 0x00, 0x00]),
  );
}

/**
 * The board's own timed pulse (Waveshare "Modbus RTU Relay" and LC Technology Modbus boards):
 * function 05 at address `02 <coil>` ("flash on": energise, de-energise after the time) or
 * `04 <coil>` ("flash off": de-energise, energise again after the time); the value is the time in
 * units of 100 ms (`00 07` = 700 ms). The board echoes the request, like a coil write.
 */
export function flashFrame(slaveId: number, coil: number, energise: boolean, ms: number): Buffer {
  const units = Math.min(0xffff, Math.max(1, Math.ceil(ms / 100)));
  return withCrc(
    Uint8Array.from([
      slaveId,
      writeSingleCoil,
      energise ? 0x02 : 0x04,
      coil & 0xff,
      units >> 8,
      units & 0xff,
    ]),
  );
}

/** Read one coil: `<slave> 01 <coil hi> <coil lo> 00 01 <crc>`. */
export function readCoilFrame(slaveId: number, coil: number): Buffer {
  return withCrc(Uint8Array.from([slaveId, readCoils, coil >> 8, coil & 0xff, 0x00, 0x01]));
}

/**
 * Read one discrete input (function 02, e.g. the opto-isolated inputs of the Waveshare Modbus RTU
 * Relay (D) and LC Technology boards): `<slave> 02 <input hi> <input lo> 00 01 <crc>`; the board
 * answers `<slave> 02 01 <bit 0 = the input> <crc>` (docs/door.md, "Door supervision").
 */
export function readInputFrame(slaveId: number, input: number): Buffer {
  return withCrc(Uint8Array.from([slaveId, readDiscreteInputs, input >> 8, input & 0xff, 0x00, 0x01]));
}

/**
 * The first CRC-valid response from `slaveId` to `functionCode` in the bytes (noise before it is
 * skipped), undefined while it has not fully arrived. An exception response throws.
 */
export function findResponse(
  received: Buffer,
  slaveId: number,
  functionCode: number,
  length: number,
  board: string,
): Buffer | undefined {
  for (let i = 0; i + 1 < received.length; i++) {
    if (received[i] !== slaveId) continue;
    const fn = received[i + 1];
    if (fn === (functionCode | 0x80) && i + 5 <= received.length) {
      const frame = received.subarray(i, i + 5);
      if (hasValidCrc(frame)) {
        const code = frame[2];
        throw new RelayError(
          'modbus-exception',
          `${board} refused the command: Modbus exception ${code} (${exceptionNames[code] ?? 'unknown'}).`,
        );
      }
    }
    if (fn === functionCode && i + length <= received.length) {
      const frame = received.subarray(i, i + length);
      if (hasValidCrc(frame)) return Buffer.from(frame);
    }
  }
  return undefined;
}

/**
 * Modbus RTU relay boards. A coil write is confirmed by the board's echo of the request; no
 * echo within the reply timeout, a different echo, or an exception response is a failure.
 */
export class ModbusDriver extends SerialRelayDriver<ModbusSettings> {
  constructor(settings: ModbusSettings, resolvePort?: (port: string) => Promise<string>) {
    super(settings, resolvePort);
    if (settings.pulse === 'flash' && settings.coil > 0xff) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `The flash pulse addresses coils 0 to 255 (the command's low byte); coil ${settings.coil} needs pulse: coil.`,
      );
    }
  }

  override get boardTimer(): boolean {
    return this.settings.pulse === 'flash';
  }

  /** Release the door on the board's timer ("flash on", or "flash off" under inverted polarity). */
  async pulseRelay(ms: number): Promise<void> {
    const { slaveId, coil, polarity } = this.settings;
    await this.send(this.openLink(), flashFrame(slaveId, coil, energised(true, polarity), ms));
    await this.checkReadBack(true);
  }

  protected get boardLabel(): string {
    return `Modbus slave ${this.settings.slaveId} coil ${this.settings.coil}`;
  }

  protected switchFrame(energise: boolean): Buffer {
    return writeCoilFrame(this.settings.slaveId, this.settings.coil, energise);
  }

  protected override async send(link: SerialLink, request: Buffer): Promise<void> {
    const reply = await link.request(
      request,
      (received) =>
        findResponse(received, this.settings.slaveId, writeSingleCoil, request.length, this.describe()),
      this.settings.replyTimeoutMs,
      () => this.timeout(),
    );
    if (!reply.equals(request)) {
      throw new RelayError(
        'modbus-bad-reply',
        `${this.describe()} answered ${reply.toString('hex')} to ${request.toString('hex')}: not the echo a coil write expects.`,
      );
    }
  }

  override async readBack(): Promise<boolean> {
    const reply = await this.openLink().request(
      readCoilFrame(this.settings.slaveId, this.settings.coil),
      (received) => findResponse(received, this.settings.slaveId, readCoils, 6, this.describe()),
      this.settings.replyTimeoutMs,
      () => this.timeout(),
    );
    if (reply[2] !== 1) {
      throw new RelayError(
        'modbus-bad-reply',
        `${this.describe()} answered a coil read with ${reply[2]} data bytes.`,
      );
    }
    return this.released((reply[3] & 0x01) === 1);
  }

  /** One discrete input's level (true: high), function 02. */
  async readInput(index: number): Promise<boolean> {
    const reply = await this.openLink().request(
      readInputFrame(this.settings.slaveId, index),
      (received) => findResponse(received, this.settings.slaveId, readDiscreteInputs, 6, this.describe()),
      this.settings.replyTimeoutMs,
      () => this.timeout(),
    );
    if (reply[2] !== 1) {
      throw new RelayError(
        'modbus-bad-reply',
        `${this.describe()} answered an input read with ${reply[2]} data bytes.`,
      );
    }
    return (reply[3] & 0x01) === 1;
  }

  private timeout(): RelayError {
    return new RelayError(
      'modbus-timeout',
      `${this.describe()} did not answer within ${this.settings.replyTimeoutMs} ms. Check the slave id, ` +
        'baud rate and parity, and the RS-485 wiring (A/B swapped?).',
    );
  }
}
