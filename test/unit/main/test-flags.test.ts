import { describe, expect, it } from 'vitest';
import { fakeCameraSwitches } from '../../../src/main/test-flags';

describe('the fake camera is a test flag only', () => {
  it('adds no Chromium switch without the flag', () => {
    expect(fakeCameraSwitches(['/opt/FaceGate/facegate'])).toEqual([]);
    expect(fakeCameraSwitches(['facegate', '--use-fake-device-for-media-stream'])).toEqual([]);
    expect(fakeCameraSwitches(['facegate', '--facegate-test-fake-camera-x'])).toEqual([]);
  });

  it('adds the fake device and skips the prompt with the flag', () => {
    expect(fakeCameraSwitches(['facegate', '--facegate-test-fake-camera'])).toEqual([
      ['use-fake-device-for-media-stream'],
      ['use-fake-ui-for-media-stream'],
    ]);
  });

  it('feeds a video file when one is named', () => {
    expect(fakeCameraSwitches(['facegate', '--facegate-test-fake-camera=/tmp/face.y4m'])).toContainEqual([
      'use-file-for-fake-video-capture',
      '/tmp/face.y4m',
    ]);
  });
});
