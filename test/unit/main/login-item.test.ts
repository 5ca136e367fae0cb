import { describe, expect, it } from 'vitest';
import { loginItemPlan, type LoginItemInput } from '../../../src/main/login-item';

const base: LoginItemInput = {
  enabled: true,
  packaged: true,
  platform: 'linux',
  executable: '/tmp/.mount_FaceGaXYZ/facegate',
  env: { APPIMAGE: '/home/desk/Apps/FaceGate-0.1.0-x86_64.AppImage' },
  home: '/home/desk',
};

describe('start at login', () => {
  it('uses Electron login items on Windows and macOS, on and off', () => {
    expect(loginItemPlan({ ...base, platform: 'win32' })).toEqual({ kind: 'electron', openAtLogin: true });
    expect(loginItemPlan({ ...base, platform: 'darwin', enabled: false })).toEqual({
      kind: 'electron',
      openAtLogin: false,
    });
  });

  it('on Linux writes an XDG autostart entry that starts the AppImage itself, not its temporary mount', () => {
    const plan = loginItemPlan(base);
    expect(plan).toMatchObject({
      kind: 'autostart-file',
      file: '/home/desk/.config/autostart/facegate.desktop',
    });
    const content = (plan as { content: string }).content;
    expect(content).toContain('Exec="/home/desk/Apps/FaceGate-0.1.0-x86_64.AppImage"');
    expect(content).not.toContain('.mount_');
  });

  it('on Linux removes the entry when turned off, and follows XDG_CONFIG_HOME', () => {
    expect(loginItemPlan({ ...base, enabled: false, env: { XDG_CONFIG_HOME: '/cfg' } })).toEqual({
      kind: 'autostart-file',
      file: '/cfg/autostart/facegate.desktop',
      content: null,
    });
  });

  it('quotes a path with spaces and reserved characters in Exec', () => {
    const plan = loginItemPlan({ ...base, env: { APPIMAGE: '/opt/Face Gate/$x"y.AppImage' } });
    expect((plan as { content: string }).content).toContain('Exec="/opt/Face Gate/\\$x\\"y.AppImage"');
  });

  it('does nothing in a development build', () => {
    expect(loginItemPlan({ ...base, packaged: false }).kind).toBe('none');
  });
});
