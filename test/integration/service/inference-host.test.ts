import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerInferenceHost, type InferenceHost } from '../../../src/core/inference';
import { resolvePack } from '../../../src/core/models';
import { facesDir, hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { blankFrame, rgbaFrameFromPhoto } from './camera-frames';
import { skipWithout } from '../../helpers/fixtures';

describe.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
  'inference host in a worker thread (needs ../shared/faces)',
  () => {
    let host: InferenceHost;
    beforeAll(async () => {
      host = createWorkerInferenceHost();
    });
    afterAll(async () => {
      await host?.close();
    });

    it('refuses to analyse before a pack is loaded, with a message saying so', async () => {
      await expect(host.analyzeFrame(blankFrame())).rejects.toMatchObject({ code: 'MODEL_LOAD' });
    });

    it('loads the default pack with its liveness judge and says what it loaded', async () => {
      const { info, liveness } = await host.load({});
      expect(info.pack).toBeTruthy();
      expect(info.embeddingSize).toBeGreaterThan(0);
      expect(info.models.every((m) => m.provider === 'cpu')).toBe(true);
      expect(['ready', 'unavailable']).toContain(liveness.state);
      if (liveness.state === 'ready') expect(liveness.threshold).toBeGreaterThan(0);
      else expect(liveness.message).toMatch(/door stays shut/);
    });

    /** True when the default pack's liveness files are all there: then liveness must have loaded. */
    async function livenessFilesPresent(pack: string): Promise<boolean> {
      const resolved = await resolvePack(pack);
      return resolved.liveness.length > 0 && resolved.missingLiveness.length === 0;
    }

    it('scores liveness per face when asked, and never quietly without it when its files are present', async () => {
      const { info, liveness } = await host.load({});
      // Models present but not loaded (or none in CI) is a failure here, not a skipped assertion.
      if (process.env.CI || (await livenessFilesPresent(info.pack))) {
        expect(liveness.state, liveness.message ?? '').toBe('ready');
      }
      const frame = await rgbaFrameFromPhoto(identityPhotos()[0].path);
      const result = await host.analyzeFrame(frame, { liveness: true });
      if (liveness.state === 'ready') {
        expect(result.faces[0].liveness?.verdict).toMatch(/^(live|spoof|cannot_judge)$/);
        expect(result.faces[0].liveness?.models).toEqual(liveness.models);
      } else expect(result.faces[0].liveness).toBeUndefined();
    });

    it('finds the face in a 640x480 RGBA camera frame and returns a unit embedding', async () => {
      const photo = identityPhotos()[0];
      const frame = await rgbaFrameFromPhoto(photo.path);
      const sent = frame.data;
      const result = await host.analyzeFrame(frame, { maxFaces: 5 });
      expect(result.width).toBe(640);
      expect(result.height).toBe(480);
      expect(result.faces.length).toBeGreaterThanOrEqual(1);
      const face = result.faces[0];
      expect(face.embedding).toBeInstanceOf(Float32Array);
      const norm = Math.hypot(...face.embedding!);
      expect(norm).toBeCloseTo(1, 3);
      expect(face.aligned).toBeUndefined(); // frames do not carry crops back
      expect(result.timings.total).toBeGreaterThan(0);
      // The frame's buffer moved to the worker (transferred, not copied).
      expect(sent.byteLength).toBe(0);
    });

    it('finds nothing in a blank frame', async () => {
      const result = await host.analyzeFrame(blankFrame());
      expect(result.faces).toEqual([]);
    });

    it('decodes photo bytes in the worker and returns the aligned crop when asked', async () => {
      const photo = identityPhotos()[1];
      const bytes = readFileSync(photo.path);
      const result = await host.analyzePhoto(bytes, photo.file, { keepAligned: true });
      expect(result.faces.length).toBeGreaterThanOrEqual(1);
      expect(result.faces[0].aligned).toMatchObject({ width: 112, height: 112 });
      // A Buffer view into Node's pool is copied, never detached under the caller.
      expect(bytes.byteLength).toBeGreaterThan(0);
      const again = await host.embedAligned(result.faces[0].aligned!);
      let dot = 0;
      for (let i = 0; i < again.length; i++) dot += again[i] * result.faces[0].embedding![i];
      expect(dot).toBeGreaterThan(0.99);
    });

    it('reports an unreadable photo as IMAGE_UNREADABLE naming it, and keeps working', async () => {
      await expect(host.analyzePhoto(new Uint8Array([1, 2, 3, 4]), 'broken.jpg')).rejects.toMatchObject({
        code: 'IMAGE_UNREADABLE',
        message: expect.stringContaining('broken.jpg'),
      });
      expect((await host.analyzeFrame(blankFrame())).faces).toEqual([]);
    });

    it('answers requests in order even when they are sent together', async () => {
      const frame = await rgbaFrameFromPhoto(path.join(facesDir, identityPhotos()[0].file));
      const results = await Promise.all([
        host.analyzeFrame(blankFrame()),
        host.analyzeFrame(frame),
        host.analyzeFrame(blankFrame()),
      ]);
      expect(results.map((r) => r.faces.length > 0)).toEqual([false, true, false]);
    });
  },
);

describe('inference host failures', () => {
  it('reports a worker that dies, and rejects what was pending', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-worker-'));
    const entry = path.join(dir, 'dies.mjs');
    writeFileSync(
      entry,
      "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n",
    );
    const host = createWorkerInferenceHost({ entry: pathToFileURL(entry) });
    const exited = new Promise<string>((resolve) => host.onExit(resolve));
    await expect(host.load({})).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await exited).toMatch(/exit code 3/);
    await expect(host.analyzeFrame(blankFrame())).rejects.toThrow(/stopped/);
  });
});
