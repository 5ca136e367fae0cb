/**
 * The one way a test is skipped (eslint.config.js refuses any other `skipIf`/`runIf`/`.skip`).
 *
 * Locally a test whose fixture, apt tool or model is missing is skipped, and its name says what it
 * needs. With `FACEGATE_REQUIRE_FIXTURES=1` (`.ci/run` sets it) or on any CI machine (`CI` set, as
 * every CI service does) a missing fixture throws while the file is collected, so the run fails and
 * names what is missing: CI cannot pass by skipping.
 */
export const requireFixtures =
  process.env.FACEGATE_REQUIRE_FIXTURES === '1' ||
  (process.env.CI !== undefined && process.env.CI !== 'false');

export class MissingFixtureError extends Error {
  constructor(what: string) {
    super(
      `FACEGATE_REQUIRE_FIXTURES=1 and this test needs ${what}, which is missing here ` +
        '(install it, or run without FACEGATE_REQUIRE_FIXTURES to skip the test).',
    );
    this.name = 'MissingFixtureError';
  }
}

/**
 * For `describe.skipIf(...)`/`it.skipIf(...)`: true (skip) when `present` is false, unless fixtures
 * are required, in which case it throws. `what` names the fixture for a person ("socat",
 * "../shared/models").
 */
export function skipWithout(what: string, present: boolean, required = requireFixtures): boolean {
  if (present) return false;
  if (required) throw new MissingFixtureError(what);
  return true;
}

/** For tests of one operating system's behaviour: not a missing fixture, never an error. */
export function skipUnlessPlatform(platform: NodeJS.Platform): boolean {
  return process.platform !== platform;
}

/**
 * The one allowed skip: the Electron smoke tests (test/electron) need a packaged app, and the
 * Electron binary cannot be downloaded on the CI machines (ELECTRON_SKIP_BINARY_DOWNLOAD). Not
 * turned into a failure by FACEGATE_REQUIRE_FIXTURES; the release workflow, which builds the app,
 * sets FACEGATE_REQUIRE_ELECTRON=1 so that there a missing app fails instead.
 */
export function skipWithoutElectron(
  executable: string | undefined,
  required = process.env.FACEGATE_REQUIRE_ELECTRON === '1',
): boolean {
  if (executable) return false;
  if (required)
    throw new MissingFixtureError('the packaged Electron app (npx electron-builder --dir, under release/)');
  console.warn(
    'test/electron skipped: no packaged Electron app under release/. The Electron binary cannot be ' +
      'downloaded on this machine (ELECTRON_SKIP_BINARY_DOWNLOAD); .github/workflows/release.yml ' +
      'builds the installers and runs these tests on Windows, macOS and Linux.',
  );
  return true;
}
