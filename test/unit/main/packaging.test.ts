import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/paths';

const require = createRequire(import.meta.url);

/** electron-builder's own loader and schema check, run on electron-builder.yml (nothing is built). */
async function builderConfig() {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config');
  const { DebugLogger } = require('builder-util/out/DebugLogger');
  const config = await getConfig(repoRoot, null, null);
  await validateConfiguration(config, new DebugLogger(false));
  return config as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('installer configuration', () => {
  it('passes electron-builder’s schema and names the product', async () => {
    const config = await builderConfig();
    expect(config.productName).toBe('FaceGate');
    expect(config.appId).toMatch(/^[a-z]+\.[a-z]+\.[a-z]+$/);
  });

  it('builds AppImage, NSIS and DMG, and asks macOS for the camera with a reason', async () => {
    const config = await builderConfig();
    expect(config.linux.target).toBe('AppImage');
    expect(config.win.target).toBe('nsis');
    expect(config.mac.target).toBe('dmg');
    expect(config.mac.extendInfo.NSCameraUsageDescription).toMatch(/camera/i);
    expect(config.mac.entitlements).toBe('build/entitlements.mac.plist');
  });

  it('unpacks every native module from the asar and ships the model catalog', async () => {
    const config = await builderConfig();
    for (const native of ['onnxruntime-node', 'better-sqlite3', 'sharp', 'serialport']) {
      expect(
        config.asarUnpack.some((p: string) => p.startsWith(`node_modules/${native}/`)),
        native,
      ).toBe(true);
    }
    const models = config.extraResources.find((r: { to: string }) => r.to === 'models');
    expect(models.from).toBe('resources/models');
    expect(models.filter).toContain('catalog.json');
  });
});

describe('Electron fuses', () => {
  it('no run-as-node, no NODE_OPTIONS or --inspect, the app only from an integrity-checked asar', async () => {
    const config = await builderConfig();
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });
});

describe('macOS entitlements', () => {
  it('allow the camera and not the microphone', async () => {
    const { readFileSync } = await import('node:fs');
    const plist = readFileSync(`${repoRoot}/build/entitlements.mac.plist`, 'utf8');
    expect(plist).toContain('<key>com.apple.security.device.camera</key>');
    expect(plist).not.toContain('audio-input');
  });
});
