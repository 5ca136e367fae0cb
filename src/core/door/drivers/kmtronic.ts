import type { z } from 'zod';
import type { kmtronicSettingsSchema } from '../../../shared/door';
import { RelayError } from '../relay-error';
import { SerialRelayDriver } from '../driver';

type KmtronicSettings = z.infer<typeof kmtronicSettingsSchema>;

/** KMTronic USB relay boards: `FF <ch> 01` on, `FF <ch> 00` off; `FF <ch> 03` answers `FF <ch> <state>`. */
export class KmtronicDriver extends SerialRelayDriver<KmtronicSettings> {
  protected get boardLabel(): string {
    return `KMTronic relay ${this.settings.channel}`;
  }

  protected switchFrame(energise: boolean): Buffer {
    return Buffer.from([0xff, this.settings.channel, energise ? 0x01 : 0x00]);
  }

  override async readBack(): Promise<boolean> {
    const channel = this.settings.channel;
    const state = await this.openLink().request(
      Buffer.from([0xff, channel, 0x03]),
      (received) => findStatus(received, channel),
      this.settings.replyTimeoutMs,
      () =>
        new RelayError(
          'readback-timeout',
          `${this.describe()} did not answer the status request within ${this.settings.replyTimeoutMs} ms.`,
        ),
    );
    return this.released(state);
  }
}

/** The relay state in the first `FF <channel> 00|01` of the bytes, skipping anything else. */
export function findStatus(received: Buffer, channel: number): boolean | undefined {
  for (let i = 0; i + 2 < received.length; i++) {
    if (received[i] === 0xff && received[i + 1] === channel && received[i + 2] <= 0x01) {
      return received[i + 2] === 0x01;
    }
  }
  return undefined;
}
