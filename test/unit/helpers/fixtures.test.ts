import { describe, expect, it } from 'vitest';
import { MissingFixtureError, skipWithout, skipUnlessPlatform } from '../../helpers/fixtures';

describe('skipWithout: the one way a test is skipped', () => {
  it('runs the test when the fixture is present, required or not', () => {
    expect(skipWithout('socat', true, false)).toBe(false);
    expect(skipWithout('socat', true, true)).toBe(false);
  });

  it('skips when the fixture is missing and fixtures are not required', () => {
    expect(skipWithout('socat', false, false)).toBe(true);
  });

  it('throws, naming the fixture, when FACEGATE_REQUIRE_FIXTURES=1 and it is missing', () => {
    expect(() => skipWithout('../shared/models', false, true)).toThrow(MissingFixtureError);
    expect(() => skipWithout('../shared/models', false, true)).toThrow(/needs \.\.\/shared\/models/);
  });

  it('a platform condition is not a fixture: it never throws', () => {
    expect(skipUnlessPlatform(process.platform)).toBe(false);
    expect(skipUnlessPlatform(process.platform === 'win32' ? 'linux' : 'win32')).toBe(true);
  });
});
