import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parsePortSpec } from '../../../src/core/door/port-spec';
import { listSerialPorts, resolvePortPath } from '../../../src/core/door/serial-ports';
import type { SerialPortInfo } from '../../../src/shared/door';
import { skipUnlessPlatform, skipWithout } from '../../helpers/fixtures';

const hasUdevadm = spawnSync('udevadm', ['--version'], { stdio: 'ignore' }).status === 0;

describe('port setting', () => {
  it('reads a USB id in any case, with or without a serial number', () => {
    expect(parsePortSpec('1A86:7523')).toEqual({ kind: 'usb', vendorId: '1a86', productId: '7523' });
    expect(parsePortSpec('usb:0403:6001:A50285BI')).toEqual({
      kind: 'usb',
      vendorId: '0403',
      productId: '6001',
      serialNumber: 'A50285BI',
    });
  });

  it('treats anything else as a path', () => {
    expect(parsePortSpec('/dev/ttyUSB0')).toEqual({ kind: 'path', path: '/dev/ttyUSB0' });
    expect(parsePortSpec(' COM12 ')).toEqual({ kind: 'path', path: 'COM12' });
    expect(parsePortSpec('/tmp/facegate-pty-x/device')).toMatchObject({ kind: 'path' });
  });
});

describe('resolvePortPath', () => {
  const ports: SerialPortInfo[] = [
    { path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523', usbId: '1a86:7523' },
    { path: '/dev/ttyUSB1', vendorId: '0403', productId: '6001', serialNumber: 'A1', usbId: '0403:6001' },
    { path: '/dev/ttyUSB2', vendorId: '0403', productId: '6001', serialNumber: 'B2', usbId: '0403:6001' },
  ];
  const list = async () => ports;

  it('finds a board by USB id wherever it is plugged in', async () => {
    expect(await resolvePortPath('1A86:7523', list)).toBe('/dev/ttyUSB0');
    expect(await resolvePortPath('0403:6001:B2', list)).toBe('/dev/ttyUSB2');
  });

  it('passes a path through without listing', async () => {
    const refuse = async (): Promise<SerialPortInfo[]> => {
      throw new Error('must not list');
    };
    expect(await resolvePortPath('/tmp/pty', refuse)).toBe('/tmp/pty');
  });

  it('says clearly when the board is missing or ambiguous', async () => {
    await expect(resolvePortPath('dead:beef', list)).rejects.toMatchObject({
      reason: 'port-unavailable',
      message: expect.stringMatching(/No serial port with USB id dead:beef.*facegate relay list/),
    });
    await expect(resolvePortPath('0403:6001', list)).rejects.toThrow(/2 ports match.*serial number/);
  });
});

describe.skipIf(skipUnlessPlatform('linux'))('listSerialPorts on Linux', () => {
  it('explains how to install udevadm when it is missing instead of crashing', async () => {
    await expect(listSerialPorts({ env: { PATH: '/nonexistent' } })).rejects.toMatchObject({
      code: 'DOOR',
      message: expect.stringMatching(/udevadm.*install the `udev` package/i),
    });
  });

  it.skipIf(skipWithout('udevadm', hasUdevadm))(
    'lists the machine’s ports with lower-case USB ids (needs udevadm)',
    async () => {
      const ports = await listSerialPorts();
      expect(Array.isArray(ports)).toBe(true);
      for (const port of ports) {
        expect(port.path).toMatch(/^\/dev\//);
        if (port.vendorId) expect(port.vendorId).toBe(port.vendorId.toLowerCase());
      }
    },
  );
});
