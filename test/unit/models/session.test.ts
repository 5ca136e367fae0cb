import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { FaceGateError } from '../../../src/core/errors';
import { availableProviders, createModelSession, type ProviderName } from '../../../src/core/models';
import { rejection, removeTemp, starterDir, tempDir } from './helpers';

const temps: string[] = [];
afterAll(() => temps.forEach(removeTemp));
// The smallest starter model: 64x64 grey in, 136 landmark coordinates out.
const landmarkModel = () => path.join(starterDir(), 'fr_landmark.onnx');

function greyInput(value: number): Record<string, Tensor> {
  return { input: new Tensor('float32', new Float32Array(64 * 64).fill(value), [1, 1, 64, 64]) };
}

describe('createModelSession', () => {
  it('opens a model on the CPU by default and exposes its inputs and outputs', async () => {
    const session = await createModelSession(landmarkModel());
    try {
      expect(session.provider).toBe('cpu');
      expect(session.fallbacks).toEqual([]);
      expect(session.inputNames).toEqual(['input']);
      expect(session.inputMetadata[0]).toMatchObject({
        name: 'input',
        type: 'float32',
        shape: [1, 1, 64, 64],
      });
      expect(session.outputMetadata[0].shape).toEqual([1, 136]);
      const out = await session.run(greyInput(0.5));
      expect(out.output.dims).toEqual([1, 136]);
    } finally {
      await session.release();
    }
  });

  // This machine has no GPU (and no CUDA libraries), so CUDA fails and the CPU takes over.
  it('falls back from cuda to cpu and reports both the provider used and why cuda failed', async () => {
    const session = await createModelSession(landmarkModel(), { providers: ['cuda', 'cpu'] });
    try {
      expect(session.provider).toBe('cpu');
      expect(session.fallbacks.map((f) => f.provider)).toEqual(['cuda']);
      expect(session.fallbacks[0].error.length).toBeGreaterThan(0);
    } finally {
      await session.release();
    }
  });

  it('tries every provider in order (dml and coreml do not exist on Linux)', async () => {
    const session = await createModelSession(landmarkModel(), { providers: ['dml', 'coreml', 'cpu'] });
    expect(session.provider).toBe('cpu');
    expect(session.fallbacks.map((f) => f.provider)).toEqual(['dml', 'coreml']);
    await session.release();
  });

  it('is a MODEL_LOAD error naming the file when every provider fails', async () => {
    const error = (await rejection(
      createModelSession(landmarkModel(), { providers: ['cuda'] }),
    )) as FaceGateError;
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.message).toContain(landmarkModel());
    expect(error.message).toMatch(/cuda: /);
    expect(error.message).toMatch(/Add 'cpu'/);
  });

  it('is a MODEL_LOAD error for a corrupt model file', async () => {
    const dir = tempDir('corrupt-model');
    temps.push(dir);
    const file = path.join(dir, 'broken.onnx');
    writeFileSync(file, Buffer.from('this is not a protobuf model at all'));
    const error = (await rejection(createModelSession(file))) as FaceGateError;
    expect(error).toBeInstanceOf(FaceGateError);
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/corrupt or not an ONNX model/);
  });

  it('refuses an unknown provider name or bad thread counts before loading anything', async () => {
    const unknown = (await rejection(
      createModelSession(landmarkModel(), { providers: ['tpu' as ProviderName, 'cpu'] }),
    )) as FaceGateError;
    expect(unknown.code).toBe('INVALID_INPUT');
    expect(unknown.message).toMatch(
      /Unknown execution provider 'tpu': use one of cuda, dml, coreml, webgpu, cpu/,
    );
    expect(
      ((await rejection(createModelSession(landmarkModel(), { providers: [] }))) as FaceGateError).code,
    ).toBe('INVALID_INPUT');
    const threads = (await rejection(
      createModelSession(landmarkModel(), { intraOpNumThreads: 0 }),
    )) as FaceGateError;
    expect(threads.message).toMatch(/intraOpNumThreads must be a whole number/);
  });

  it('accepts thread counts', async () => {
    const session = await createModelSession(landmarkModel(), { intraOpNumThreads: 1, interOpNumThreads: 2 });
    expect((await session.run(greyInput(0))).output.dims).toEqual([1, 136]);
    await session.release();
  });

  it('serialises run() calls: concurrent calls each get their own correct result, in order', async () => {
    const session = await createModelSession(landmarkModel(), { intraOpNumThreads: 1 });
    try {
      const values = [0, 0.25, 0.5, 0.75, 1];
      const solo: Float32Array[] = [];
      for (const v of values) solo.push((await session.run(greyInput(v))).output.data as Float32Array);
      const finished: number[] = [];
      const together = await Promise.all(
        values.map((v, i) =>
          session.run(greyInput(v)).then((out) => {
            finished.push(i);
            return out.output.data as Float32Array;
          }),
        ),
      );
      expect(finished).toEqual([0, 1, 2, 3, 4]);
      together.forEach((data, i) => expect(Array.from(data)).toEqual(Array.from(solo[i])));
      // Different inputs give different outputs, so the comparison above means something.
      expect(Array.from(solo[0])).not.toEqual(Array.from(solo[4]));
    } finally {
      await session.release();
    }
  });

  it('a failing run does not block the queue, and a released session refuses to run', async () => {
    const session = await createModelSession(landmarkModel());
    const bad = session.run({ input: new Tensor('float32', new Float32Array(4), [1, 1, 2, 2]) });
    const good = session.run(greyInput(0.1));
    await expect(bad).rejects.toThrow();
    expect((await good).output.dims).toEqual([1, 136]);
    await session.release();
    await session.release(); // twice is harmless
    const error = (await rejection(session.run(greyInput(0.1)))) as FaceGateError;
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.message).toMatch(/was released/);
  });
});

describe('availableProviders', () => {
  it('lists the providers of this onnxruntime-node build, cpu among them', () => {
    const names = availableProviders().map((p) => p.name);
    expect(names).toContain('cpu');
  });
});
