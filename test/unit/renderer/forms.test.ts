import { describe, expect, it } from 'vitest';
import { relaySettingsSchema, relayHasBoardTimer } from '../../../src/shared/door';
import type { QualityReport } from '../../../src/shared/people';
import { guidance } from '../../../src/renderer/src/lib/quality-guidance';
import { relayFormFrom, relaySettingsFrom, withDriver } from '../../../src/renderer/src/lib/relay-form';
import { parseRoute, routeHash } from '../../../src/renderer/src/lib/routes';
import { hoursMinutes, localDay, secondsUntil, shiftDay } from '../../../src/renderer/src/lib/time';

describe('relay form', () => {
  it('round-trips stored settings through the form', () => {
    const stored = relaySettingsSchema.parse({
      driver: 'kmtronic',
      port: '/dev/ttyUSB1',
      channel: 3,
      polarity: 'inverted',
    });
    const form = relayFormFrom(stored);
    expect(form).toMatchObject({
      driver: 'kmtronic',
      port: '/dev/ttyUSB1',
      channel: 3,
      polarity: 'inverted',
    });
    expect(relaySettingsSchema.parse(relaySettingsFrom(form))).toEqual(stored);
  });

  it("keeps a Modbus board's own timer (flash) through the form, and says which boards have one", () => {
    const stored = relaySettingsSchema.parse({ driver: 'modbus', port: '/dev/ttyUSB0', pulse: 'flash' });
    const form = relayFormFrom(stored);
    expect(form.boardPulse).toBe('flash');
    expect(relaySettingsSchema.parse(relaySettingsFrom(form))).toEqual(stored);
    expect(relayHasBoardTimer(relaySettingsFrom(form))).toBe(true);
    expect(relayHasBoardTimer(relaySettingsFrom({ ...form, boardPulse: 'coil' }))).toBe(false);
    expect(relayHasBoardTimer(relaySettingsFrom({ ...form, driver: 'lcus' }))).toBe(false);
  });

  it('sends only the fields each driver has, and the door schema accepts them', () => {
    const form = relayFormFrom(null);
    for (const driver of ['lcus', 'kmtronic', 'numato', 'modbus', 'hex'] as const) {
      const next = {
        ...withDriver({ ...form, port: 'COM3' }, driver),
        onHex: 'A0 01 01 A2',
        offHex: 'A0 01 00 A1',
      };
      const parsed = relaySettingsSchema.safeParse(relaySettingsFrom(next));
      expect(parsed.success, driver).toBe(true);
      expect(parsed.data?.driver).toBe(driver);
    }
    expect(relaySettingsFrom({ ...form, driver: 'modbus' })).not.toHaveProperty('channel');
  });

  it('keeps the channel inside the new driver’s range when switching', () => {
    const form = { ...relayFormFrom(null), channel: 200 };
    expect(withDriver(form, 'lcus').channel).toBe(8);
    expect(withDriver(form, 'numato').baudRate).toBe(19200);
  });
});

describe('quality guidance', () => {
  const report = (codes: QualityReport['issues'][number]['code'][], faceCount = 1): QualityReport => ({
    ok: codes.length === 0,
    faceCount,
    face: null,
    figures: {},
    issues: codes.map((code) => ({ code, message: code })),
  });

  it('puts being alone and close enough before sharpness', () => {
    expect(guidance(report(['blurry', 'too_small', 'several_faces'], 2))).toEqual([
      'quality.severalFaces',
      'quality.tooSmall',
      'quality.blurry',
    ]);
  });

  it('says "no face" when nothing was found and nothing when all gates pass', () => {
    expect(guidance(report([], 0))).toEqual(['quality.noFace']);
    expect(guidance(report([]))).toEqual([]);
  });
});

describe('routes', () => {
  it('parses the kiosk, admin pages, ids and new', () => {
    expect(parseRoute('')).toEqual({ screen: 'kiosk' });
    expect(parseRoute('#/kiosk')).toEqual({ screen: 'kiosk' });
    // No page, or an unknown one: the start page.
    expect(parseRoute('#/admin')).toEqual({ screen: 'admin', page: 'home', id: null, isNew: false });
    expect(parseRoute('#/admin/people/12')).toEqual({
      screen: 'admin',
      page: 'people',
      id: 12,
      isNew: false,
    });
    expect(parseRoute('#/admin/people/new')).toEqual({
      screen: 'admin',
      page: 'people',
      id: null,
      isNew: true,
    });
    expect(parseRoute('#/admin/nowhere/0')).toEqual({
      screen: 'admin',
      page: 'home',
      id: null,
      isNew: false,
    });
  });

  it('writes back what it parses', () => {
    for (const hash of ['#/kiosk', '#/admin/door', '#/admin/people/7', '#/admin/people/new']) {
      expect(routeHash(parseRoute(hash))).toBe(hash);
    }
  });
});

describe('time helpers', () => {
  it('formats local days and shifts them across month ends', () => {
    expect(localDay(new Date(2025, 0, 31, 23, 30))).toBe('2025-01-31');
    expect(localDay(shiftDay(new Date(2025, 0, 31), 1))).toBe('2025-02-01');
    expect(localDay(shiftDay(new Date(2025, 2, 1), -1))).toBe('2025-02-28');
  });

  it('shows minutes as h:mm and counts seconds down to zero', () => {
    expect(hoursMinutes(125)).toBe('2:05');
    expect(hoursMinutes(-3)).toBe('0:00');
    expect(secondsUntil('2025-01-01T00:00:10Z', Date.parse('2025-01-01T00:00:00Z'))).toBe(10);
    expect(secondsUntil('2025-01-01T00:00:00Z', Date.parse('2025-01-01T00:00:05Z'))).toBe(0);
  });
});
