/**
 * Test-only switches of the Electron shell, as a pure function (unit-tested under Node). The
 * smoke tests (test/electron) start the packaged app with `--facegate-test-fake-camera`, and only
 * then does Chromium get its fake-device switches: a synthetic camera (or the Y4M/MJPEG file given
 * as `--facegate-test-fake-camera=FILE`) and the camera permission prompt skipped. Without the
 * flag the app never adds them, so a desk always uses a real camera and asks for it.
 */
export const fakeCameraFlag = '--facegate-test-fake-camera';

export function fakeCameraSwitches(argv: readonly string[]): [switchName: string, value?: string][] {
  const arg = argv.find((a) => a === fakeCameraFlag || a.startsWith(`${fakeCameraFlag}=`));
  if (!arg) return [];
  const file = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : '';
  return [
    ['use-fake-device-for-media-stream'],
    ['use-fake-ui-for-media-stream'],
    ...(file ? ([['use-file-for-fake-video-capture', file]] as [string, string][]) : []),
  ];
}
