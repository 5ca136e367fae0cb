import type { z } from 'zod';
import type { hexSettingsSchema } from '../../../shared/door';
import { FaceGateError } from '../../errors';
import { SerialRelayDriver } from '../driver';

type HexSettings = z.infer<typeof hexSettingsSchema>;

/** "A0 01 01 A2", "a0:01:01:a2", "0xA0,0x01" or "A00101A2" as bytes. */
export function parseHexBytes(text: string, setting = 'hex bytes'): Buffer {
  const digits = text.replace(/0x/gi, '').replace(/[\s,:-]+/g, '');
  if (digits.length === 0 || digits.length % 2 !== 0 || /[^0-9a-f]/i.test(digits)) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `${setting} must be pairs of hex digits such as "A0 01 01 A2", got '${text}'.`,
    );
  }
  return Buffer.from(digits, 'hex');
}

/** Any other board: the bytes that switch its relay on and off come from the settings. */
export class HexDriver extends SerialRelayDriver<HexSettings> {
  private readonly onBytes: Buffer;
  private readonly offBytes: Buffer;

  constructor(settings: HexSettings, resolvePort?: (port: string) => Promise<string>) {
    super(settings, resolvePort);
    this.onBytes = parseHexBytes(settings.onHex, 'onHex');
    this.offBytes = parseHexBytes(settings.offHex, 'offHex');
  }

  protected get boardLabel(): string {
    return 'custom relay';
  }

  protected switchFrame(energise: boolean): Buffer {
    return Buffer.from(energise ? this.onBytes : this.offBytes);
  }
}
