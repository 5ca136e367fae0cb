import { describe, expect, it } from 'vitest';
import { formatWindow, parseWindow } from '../../../src/shared/schedule-text';

describe('schedule windows as text', () => {
  it.each([
    ['mon-fri 08:00-17:00', { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '17:00' }],
    ['sat,sun,holiday 10:00-14:00', { days: ['sat', 'sun', 'holiday'], start: '10:00', end: '14:00' }],
    [
      'daily 22:00-06:00 face_and_pin',
      {
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        start: '22:00',
        end: '06:00',
        mode: 'face_and_pin',
      },
    ],
    ['fri-mon 00:00-24:00', { days: ['fri', 'sat', 'sun', 'mon'], start: '00:00', end: '24:00' }],
  ])('%s', (text, window) => {
    expect(parseWindow(text)).toEqual(window);
    const again = parseWindow(formatWindow(parseWindow(text)));
    expect({ ...again, days: [...again.days].sort() }).toEqual({ ...window, days: [...window.days].sort() });
  });

  it.each([
    ['mon-fri', /not a window/],
    ['someday 08:00-17:00', /not a day/],
    ['mon 8-17', /not a time range/],
    ['mon 08:00-17:00 retina', /not a mode/],
  ])('refuses %s with a readable message', (text, message) => {
    expect(() => parseWindow(text)).toThrow(message);
  });

  it('writes ranges back compactly', () => {
    expect(formatWindow(parseWindow('mon,tue,wed,thu,fri 08:00-12:00'))).toBe('mon-fri 08:00-12:00');
    expect(formatWindow(parseWindow('sat,sun 08:00-12:00'))).toBe('sat,sun 08:00-12:00');
  });
});
