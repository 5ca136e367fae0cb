import { describe, expect, it } from 'vitest';
import {
  MissingFixtureError,
  skipUnlessPlatform,
  skipWithout,
  skipWithoutElectron,
} from '../../helpers/fixtures';

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

describe('skipWithoutElectron: the one allowed skip', () => {
  it('skips without a packaged app even when fixtures are required (FACEGATE_REQUIRE_FIXTURES does not apply)', () => {
    expect(skipWithoutElectron(undefined, false)).toBe(true);
  });

  it('fails where the release workflow requires the app (FACEGATE_REQUIRE_ELECTRON=1)', () => {
    expect(() => skipWithoutElectron(undefined, true)).toThrow(MissingFixtureError);
    expect(skipWithoutElectron('/opt/FaceGate/facegate', true)).toBe(false);
  });
});
