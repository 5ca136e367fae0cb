import { describe, expect, it } from 'vitest';
import {
  applySettingsPatch,
  defaultSettings,
  resolveSettings,
  settingsPatchSchema,
  settingsSchema,
} from '../../../src/shared/settings';

describe('settings', () => {
  it('has defaults that pass their own schema', () => {
    expect(settingsSchema.parse(defaultSettings)).toEqual(defaultSettings);
  });

  it('opens the door only for live faces by default', () => {
    expect(defaultSettings.liveness.requiredForDoor).toBe(true);
    expect(defaultSettings.door.enabled).toBe(false);
  });

  it('merges a patch one key at a time and leaves the rest alone', () => {
    const patch = settingsPatchSchema.parse({ recognition: { margin: 0.1 }, kiosk: { sound: false } });
    const result = applySettingsPatch(defaultSettings, patch);
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.data.recognition.margin).toBe(0.1);
    expect(result.data.recognition.providers).toEqual(defaultSettings.recognition.providers);
    expect(result.data.kiosk.sound).toBe(false);
    expect(result.data.kiosk.greetByName).toBe(true);
  });

  it('does not fill defaults into a patch (a partial patch never resets other keys)', () => {
    expect(settingsPatchSchema.parse({ access: { cooldownSeconds: 9 } })).toEqual({
      access: { cooldownSeconds: 9 },
    });
  });

  it('refuses a patch whose result is inconsistent, naming the field', () => {
    const result = applySettingsPatch(defaultSettings, { access: { framesToAgree: 9, frameWindow: 5 } });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues[0].path).toEqual(['access', 'framesToAgree']);
  });

  it('refuses to enable the door before a relay board is set up', () => {
    const result = applySettingsPatch(defaultSettings, { door: { enabled: true } });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues[0].path).toEqual(['door', 'relay']);
    const withRelay = applySettingsPatch(defaultSettings, {
      door: { enabled: true, relay: { driver: 'lcus', port: '/dev/ttyUSB0' } },
    });
    expect(withRelay.success).toBe(true);
    if (withRelay.success) expect(withRelay.data.door.relay).toMatchObject({ channel: 1, baudRate: 9600 });
  });

  it('refuses out-of-range and misspelt values', () => {
    expect(settingsPatchSchema.safeParse({ door: { pulseSeconds: 0.1 } }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ door: { pulseSecs: 3 } }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ attendance: { shiftStarts: { A: '25:00' } } }).success).toBe(
      false,
    );
    expect(settingsPatchSchema.safeParse({ recognition: { providers: [] } }).success).toBe(false);
  });

  it('keeps every valid stored key and drops damaged ones to their defaults', () => {
    const { settings, dropped } = resolveSettings({
      recognition: { margin: 0.2, threshold: 'high' },
      kiosk: 'garbage',
      access: { framesToAgree: 4 },
      unknownSection: { x: 1 },
    });
    expect(settings.recognition.margin).toBe(0.2);
    expect(settings.recognition.threshold).toBe(defaultSettings.recognition.threshold);
    expect(settings.kiosk).toEqual(defaultSettings.kiosk);
    expect(settings.access.framesToAgree).toBe(4);
    expect(dropped).toEqual(expect.arrayContaining(['recognition.threshold', 'kiosk']));
  });

  it('falls back to the section default when stored keys conflict with each other', () => {
    const { settings, dropped } = resolveSettings({ access: { framesToAgree: 8, frameWindow: 4 } });
    expect(settings.access).toEqual(defaultSettings.access);
    expect(dropped).toContain('access');
  });

  it('survives stored values that are not objects at all', () => {
    expect(resolveSettings(null).settings).toEqual(defaultSettings);
    expect(resolveSettings('x').settings).toEqual(defaultSettings);
    expect(resolveSettings([1, 2]).settings).toEqual(defaultSettings);
  });
});
