import type { z } from 'zod';
import type { numatoSettingsSchema } from '../../../shared/door';
import { RelayError } from '../relay-error';
import { SerialRelayDriver } from '../driver';

type NumatoSettings = z.infer<typeof numatoSettingsSchema>;

/** Relay 0..9 by digit, 10 and up by letter (A = 10, B = 11, ...), as Numato's firmware names them. */
export function numatoRelayIndex(relay: number): string {
  return relay < 10 ? String(relay) : String.fromCharCode(55 + relay);
}

/**
 * Numato Lab USB relay modules (CDC serial, ASCII): `relay on N\r`, `relay off N\r`; `relay read N\r`
 * answers `on` or `off` on its own line (after the echoed command, before the `>` prompt).
 */
export class NumatoDriver extends SerialRelayDriver<NumatoSettings> {
  protected get boardLabel(): string {
    return `Numato relay ${this.settings.channel}`;
  }

  protected switchFrame(energise: boolean): Buffer {
    return Buffer.from(
      `relay ${energise ? 'on' : 'off'} ${numatoRelayIndex(this.settings.channel)}\r`,
      'ascii',
    );
  }

  override async readBack(): Promise<boolean> {
    const state = await this.openLink().request(
      Buffer.from(`relay read ${numatoRelayIndex(this.settings.channel)}\r`, 'ascii'),
      findRelayState,
      this.settings.replyTimeoutMs,
      () =>
        new RelayError(
          'readback-timeout',
          `${this.describe()} did not answer \`relay read\` within ${this.settings.replyTimeoutMs} ms.`,
        ),
    );
    return this.released(state);
  }

  /**
   * One GPIO's level, `gpio read N\r` (N: 0-9, then A-V as for relays); the module echoes the
   * command and answers `0` or `1` on its own line before the `>` prompt (docs/door.md).
   */
  async readInput(index: number): Promise<boolean> {
    return this.openLink().request(
      Buffer.from(`gpio read ${numatoRelayIndex(index)}\r`, 'ascii'),
      findGpioLevel,
      this.settings.replyTimeoutMs,
      () =>
        new RelayError(
          'readback-timeout',
          `${this.describe()} did not answer gpio read ${index} within ${this.settings.replyTimeoutMs} ms.`,
        ),
    );
  }
}

/** The level in the first line that is exactly "0" or "1" (a `gpio read` answer). */
export function findGpioLevel(received: Buffer): boolean | undefined {
  const lines = received.toString('latin1').split(/[\r\n>]+/);
  for (const line of lines.slice(0, -1)) {
    const word = line.trim();
    if (word === '1') return true;
    if (word === '0') return false;
  }
  return undefined;
}

/** The state in the first line that is exactly "on" or "off"; echoes, prompts and noise are skipped. */
export function findRelayState(received: Buffer): boolean | undefined {
  const lines = received.toString('latin1').split(/[\r\n>]+/);
  // The last piece may be a line still arriving ("of" before "off"): wait for its end.
  for (const line of lines.slice(0, -1)) {
    const word = line.trim().toLowerCase();
    if (word === 'on') return true;
    if (word === 'off') return false;
  }
  return undefined;
}
