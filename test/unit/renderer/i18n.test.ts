import { describe, expect, it } from 'vitest';
import { en } from '../../../src/renderer/src/i18n/en';
import { interpolate, isMessageKey, setLanguage, t, tn, tState } from '../../../src/renderer/src/i18n';
import { oneIn } from '../../../src/renderer/src/lib/rates';

describe('i18n', () => {
  it('fills {placeholders} and formats numbers', () => {
    expect(t('result.granted.welcome', { name: 'Ada' })).toBe('Welcome, Ada');
    expect(interpolate('{count} people', { count: 12345 }, 'en')).toBe('12,345 people');
  });

  it('leaves unknown placeholders visible rather than dropping text', () => {
    expect(interpolate('Hello {name}', { other: 1 })).toBe('Hello {name}');
  });

  it('falls back to English for a language it does not have', () => {
    expect(setLanguage('de-AT')).toBe('en');
    expect(setLanguage('EN')).toBe('en');
  });

  it('shows state codes in words and unknown codes as they are', () => {
    expect(tState('door.state', 'unlocked')).toBe(en['door.state.unlocked']);
    expect(tState('door.state', 'melted')).toBe('melted');
    expect(isMessageKey('door.state.locked')).toBe(true);
  });

  it('has no empty strings and balanced placeholders', () => {
    for (const [key, value] of Object.entries(en)) {
      expect(value.trim(), key).not.toBe('');
      expect(value.split('{').length, key).toBe(value.split('}').length);
    }
  });

  it('says counts with the right plural form ("1 failed attempt", never "1 failed attempts")', () => {
    expect(tn('pin.wrong', 1)).toBe('Wrong PIN (1 failed attempt).');
    expect(tn('pin.wrong', 3)).toBe('Wrong PIN (3 failed attempts).');
    expect(tn('alarms.banner', 1)).toBe('1 open alarm');
    expect(tn('alarms.banner', 12)).toBe('12 open alarms');
    expect(tn('people.count', 1, { shown: 1 })).toBe('Showing 1 of 1 person');
    expect(tn('count.faces', 2)).toBe('2 faces');
  });

  it('turns rates into "1 in N" a person can read', () => {
    expect(oneIn(1e-3)).toBe(1000);
    expect(oneIn(1e-4)).toBe(10000);
    expect(oneIn(0.0207)).toBe(48);
    expect(oneIn(0.25)).toBe(4);
    expect(oneIn(0)).toBeNull();
    expect(oneIn(null)).toBeNull();
  });
});
