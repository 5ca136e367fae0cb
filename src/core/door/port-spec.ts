/** A port setting: a device path, or a USB id that finds the board wherever it was plugged in. */
export type PortSpec =
  | { kind: 'path'; path: string }
  | { kind: 'usb'; vendorId: string; productId: string; serialNumber?: string };

const usbIdPattern = /^(?:usb:)?([0-9a-f]{4}):([0-9a-f]{4})(?::(.+))?$/i;

/** "1a86:7523", "usb:1a86:7523" or "1a86:7523:SERIAL" is a USB id; anything else is a path. */
export function parsePortSpec(port: string): PortSpec {
  const trimmed = port.trim();
  const match = usbIdPattern.exec(trimmed);
  if (!match) return { kind: 'path', path: trimmed };
  const [, vendorId, productId, serialNumber] = match;
  return {
    kind: 'usb',
    vendorId: vendorId.toLowerCase(),
    productId: productId.toLowerCase(),
    ...(serialNumber ? { serialNumber } : {}),
  };
}
