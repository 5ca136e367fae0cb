import { describe, expect, it } from 'vitest';
import { en } from '../../../src/renderer/src/i18n/en';
import { interpolate, isMessageKey, setLanguage, t, tState } from '../../../src/renderer/src/i18n';

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
});
