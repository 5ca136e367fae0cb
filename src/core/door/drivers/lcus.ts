import type { z } from 'zod';
import type { lcusSettingsSchema } from '../../../shared/door';
import { SerialRelayDriver } from '../driver';

type LcusSettings = z.infer<typeof lcusSettingsSchema>;

/** LC Technology LCUS-1..8 (CH340, 9600 8N1): `A0 <channel> <0|1> <sum>`, no reply. */
export class LcusDriver extends SerialRelayDriver<LcusSettings> {
  protected get boardLabel(): string {
    return `LCUS relay ${this.settings.channel}`;
  }

  protected switchFrame(energise: boolean): Buffer {
    const channel = this.settings.channel;
    const op = energise ? 0x01 : 0x00;
    return Buffer.from([0xa0, channel, op, (0xa0 + channel + op) & 0xff]);
  }
}
