import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FaceGateError } from '../../../src/core/errors';
import {
  inspectModel,
  loadCatalog,
  parseOnnxNodes,
  readOnnxNodes,
  recogniseFolder,
  recogniseModelFile,
  resolvePack,
  type TensorMetadata,
} from '../../../src/core/models';
import { hasSharedModels, sharedModelsDir } from '../../helpers/paths';
import { copySharedModel, rejection, removeTemp, starterDir, tempDir } from './helpers';
import { skipWithout } from '../../helpers/fixtures';

const temps: string[] = [];
function temp(prefix: string): string {
  const dir = tempDir(prefix);
  temps.push(dir);
  return dir;
}
afterAll(() => temps.forEach(removeTemp));

/** Protobuf helpers to build a tiny ONNX ModelProto by hand. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
function field(number: number, payload: number[]): number[] {
  return [...varint((number << 3) | 2), ...varint(payload.length), ...payload];
}
const str = (s: string) => [...Buffer.from(s, 'utf8')];
function node(name: string, opType: string): number[] {
  return field(1, [
    ...field(1, str('in')),
    ...field(2, str('out')),
    ...field(3, str(name)),
    ...field(4, str(opType)),
  ]);
}

const tensor = (name: string, shape: (number | string)[]): TensorMetadata => ({
  name,
  isTensor: true,
  type: 'float32',
  shape,
});

describe('ONNX graph reader (first nodes, as InsightFace arcface_onnx.py inspects them)', () => {
  it('reads node names and operators from a hand-built ModelProto, skipping other fields', () => {
    const graph = [...node('_minusscalar0', 'Sub'), ...node('_mulscalar0', 'Mul'), ...node('conv0', 'Conv')];
    const model = Uint8Array.from([
      ...[0x08, 0x07], // ir_version = 7 (varint field 1)
      ...field(2, str('pytorch')),
      ...field(7, [...graph, ...field(2, str('main'))]),
    ]);
    expect(parseOnnxNodes(model, 8)).toEqual([
      { name: '_minusscalar0', opType: 'Sub' },
      { name: '_mulscalar0', opType: 'Mul' },
      { name: 'conv0', opType: 'Conv' },
    ]);
    expect(parseOnnxNodes(model, 2)).toHaveLength(2);
    // A prefix cut inside the second node keeps the first.
    expect(parseOnnxNodes(model.subarray(0, model.length - 20), 8).length).toBeGreaterThanOrEqual(1);
    expect(parseOnnxNodes(Uint8Array.from([0xff, 0xff]), 8)).toEqual([]);
  });

  it('reads the first nodes of a real model file', async () => {
    const nodes = await readOnnxNodes(path.join(starterDir(), 'fr_feature.onnx'), 4);
    expect(nodes).toEqual([
      { name: 'Conv_0', opType: 'Conv' },
      { name: 'PRelu_1', opType: 'PRelu' },
      { name: 'Conv_2', opType: 'Conv' },
      { name: 'PRelu_3', opType: 'PRelu' },
    ]);
  });
});

describe('inspectModel (InsightFace model_zoo routing, plus the kinds FaceGate knows)', () => {
  it('routes by outputs and input size', () => {
    const image = (size: number | string, channels = 3) => [tensor('x', [1, channels, size, size])];
    const scrfd = Array.from({ length: 9 }, (_, i) => tensor(`o${i}`, ['?', [1, 4, 10][Math.floor(i / 3)]]));
    expect(inspectModel('a.onnx', image('?'), scrfd)).toMatchObject({
      ok: true,
      spec: {
        task: 'detection',
        kind: 'scrfd',
        input: { dynamicSize: true, width: 640 },
        output: { keypoints: true },
      },
    });
    const scrfd5 = Array.from({ length: 10 }, (_, i) => tensor(`o${i}`, ['?', [1, 4][Math.floor(i / 5)]]));
    expect(inspectModel('a.onnx', image('?'), scrfd5)).toMatchObject({
      ok: true,
      spec: { output: { strides: [8, 16, 32, 64, 128], anchorsPerCell: 1, keypoints: false } },
    });
    const notScrfd = Array.from({ length: 9 }, (_, i) => tensor(`prob${i}`, [1, 3]));
    expect(inspectModel('age.onnx', image(64), notScrfd)).toMatchObject({ ok: false });
    expect(inspectModel('r.onnx', image(112), [tensor('e', [1, 512])], [0, 1])).toMatchObject({
      ok: true,
      spec: {
        task: 'recognition',
        kind: 'arcface',
        input: { mean: [0, 0, 0], std: [1, 1, 1] },
        output: { embeddingSize: 512 },
      },
    });
    expect(inspectModel('2.7_80x80_X.onnx', image(80), [tensor('l', [1, 3])])).toMatchObject({
      ok: true,
      spec: { task: 'liveness', kind: 'minifasnet', output: { cropScale: 2.7, liveClass: 1 } },
    });
    expect(inspectModel('4_0_0_80x80_X.onnx', image(80), [tensor('l', [1, 3])])).toMatchObject({
      spec: { output: { cropScale: 4 } },
    });
    expect(inspectModel('lmk.onnx', image(64, 1), [tensor('o', [1, 136])])).toMatchObject({
      spec: { task: 'landmarks', kind: 'landmark68', input: { channelOrder: 'grey' } },
    });
    expect(inspectModel('odd.onnx', image(100), [tensor('o', [1, 7])])).toMatchObject({ ok: false });
    expect(inspectModel('vec.onnx', [tensor('x', [1, 10])], [tensor('o', [1, 7])])).toMatchObject({
      ok: false,
    });
  });

  it.skipIf(skipWithout('../shared/models', hasSharedModels))(
    'recognises every real model file from its inputs/outputs alone (needs ../shared/models)',
    async () => {
      const expectations: [string, string, string][] = [
        [path.join(sharedModelsDir, 'buffalo_s/det_500m.onnx'), 'detection', 'scrfd'],
        [path.join(sharedModelsDir, 'opencv-zoo/face_detection_yunet_2023mar.onnx'), 'detection', 'yunet'],
        [path.join(sharedModelsDir, 'mobilefacenet-paddle/MobileFaceNet.onnx'), 'recognition', 'arcface'],
        [
          path.join(sharedModelsDir, 'anti-spoofing/4_0_0_80x80_MiniFASNetV1SE.onnx'),
          'liveness',
          'minifasnet',
        ],
        [path.join(starterDir(), 'fr_detect.onnx'), 'detection', 'ultraface'],
        [path.join(starterDir(), 'fr_landmark.onnx'), 'landmarks', 'landmark68'],
        [path.join(starterDir(), 'fr_feature.onnx'), 'recognition', 'arcface'],
        [path.join(starterDir(), 'fr_liveness.onnx'), 'liveness', 'faceplugin-liveness'],
      ];
      for (const [file, task, kind] of expectations) {
        const result = await recogniseModelFile(file, []); // an empty catalog: no sha256 shortcut
        expect('spec' in result, file).toBe(true);
        if (!('spec' in result)) continue;
        expect(result.origin).toBe('inspected');
        expect([result.spec.task, result.spec.kind], file).toEqual([task, kind]);
        expect(result.spec.licence.commercialUse).toBe(false);
      }
      const yunet = await recogniseModelFile(
        path.join(sharedModelsDir, 'opencv-zoo/face_detection_yunet_2023mar.onnx'),
        [],
      );
      expect('spec' in yunet && yunet.spec.input).toMatchObject({
        channelOrder: 'bgr',
        width: 640,
        height: 640,
      });
      const paddle = await recogniseModelFile(
        path.join(sharedModelsDir, 'mobilefacenet-paddle/MobileFaceNet.onnx'),
        [],
      );
      // No Sub/Mul nodes at the start of its graph: InsightFace's default 127.5 / 127.5.
      expect('spec' in paddle && paddle.spec.input).toMatchObject({
        mean: [127.5, 127.5, 127.5],
        std: [127.5, 127.5, 127.5],
      });
      expect('spec' in paddle && paddle.spec.output).toEqual({ embeddingSize: 128 });
    },
  );

  it('skips a file onnxruntime cannot load, saying why', async () => {
    const file = path.join(temp('bad-onnx'), 'broken.onnx');
    writeFileSync(file, 'not a model');
    const result = await recogniseModelFile(file, []);
    expect(result).toMatchObject({ path: file, reason: expect.stringMatching(/onnxruntime cannot load it/) });
  });

  it("skips the starter package's age model (9 outputs that are not SCRFD's)", async () => {
    const result = await recogniseModelFile(path.join(starterDir(), 'fr_age.onnx'), []);
    expect(result).toMatchObject({ reason: expect.stringMatching(/do not follow SCRFD's layout/) });
  });
});

describe.skipIf(skipWithout('../shared/models', hasSharedModels))(
  'a folder of ONNX files as a pack (needs ../shared/models)',
  () => {
    it('builds a pack from copies with unfamiliar names, recognised by their inputs and outputs or sha256', async () => {
      const dir = temp('folder-pack');
      copySharedModel(dir, 'opencv-zoo/face_detection_yunet_2023mar.onnx', 'detector.onnx');
      copySharedModel(dir, 'mobilefacenet-paddle/MobileFaceNet.onnx', 'embedder.onnx');
      copySharedModel(dir, 'anti-spoofing/2.7_80x80_MiniFASNetV2.onnx', '2.7_80x80_MiniFASNetV2.onnx');
      copyFileSync(path.join(starterDir(), 'fr_age.onnx'), path.join(dir, 'age.onnx'));
      writeFileSync(path.join(dir, 'notes.txt'), 'ignored');

      const inspection = await recogniseFolder(dir);
      expect(inspection.models.map((m) => [path.basename(m.path), m.origin, m.spec.id])).toEqual([
        ['2.7_80x80_MiniFASNetV2.onnx', 'catalog', 'minifasnet-v2-2.7'],
        ['detector.onnx', 'catalog', 'yunet-2023mar'],
        ['embedder.onnx', 'catalog', 'mobilefacenet-paddle'],
      ]);
      expect(inspection.skipped.map((s) => path.basename(s.path))).toEqual(['age.onnx']);

      const pack = await resolvePack(dir);
      expect(pack.origin).toBe('folder');
      expect(pack.spec.id).toMatch(/^facegate-folder-pack/);
      expect(pack.detector.spec.kind).toBe('yunet');
      expect(pack.recognizer.path).toBe(path.join(dir, 'embedder.onnx'));
      expect(pack.liveness.map((m) => m.spec.id)).toEqual(['minifasnet-v2-2.7']);
      expect(pack.fused).toEqual([]);
      expect(pack.spec.fuse).toEqual([]);
      // The recognizer is a catalog model: the threshold comes from the catalog pack that uses it
      // alone (open fuses it with another model, so its threshold is for fused scores).
      const singlePack = loadCatalog().packs.find((p) => p.id === 'open_single');
      expect(pack.spec.threshold).toBe(singlePack?.threshold);
      expect(pack.spec.thresholdEvidence).toMatch(/open_single/);
    });

    it('uses synthetic specs for files the catalog does not know', async () => {
      const dir = temp('folder-unknown');
      const detector = copySharedModel(dir, 'buffalo_s/det_500m.onnx', 'scrfd.onnx');
      const embedder = copySharedModel(dir, 'mobilefacenet-foamliu/MobileFaceNet.onnx', 'arc.onnx');
      // Append an empty protobuf field (number 100, length 0) that ONNX parsers skip: the models
      // still load, but their sha256 is no longer a catalog one.
      for (const file of [detector, embedder]) {
        writeFileSync(file, Buffer.from([0xa2, 0x06, 0x00]), { flag: 'a' });
      }
      const pack = await resolvePack(dir);
      expect(pack.detector.spec).toMatchObject({
        id: 'scrfd',
        kind: 'scrfd',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(pack.recognizer.spec).toMatchObject({
        id: 'arc',
        kind: 'arcface',
        output: { embeddingSize: 128 },
      });
      expect(pack.spec.thresholdEvidence).toMatch(/not a measurement/);
    });

    it('refuses a folder without a recognizer, listing what it found', async () => {
      const dir = temp('folder-incomplete');
      copySharedModel(dir, 'buffalo_s/det_500m.onnx', 'det_500m.onnx');
      const error = (await rejection(resolvePack(dir))) as FaceGateError;
      expect(error.code).toBe('PACK_NOT_FOUND');
      expect(error.message).toMatch(/lacks a face recognizer/);
      expect(error.message).toMatch(/det_500m\.onnx: detection \(scrfd\)/);
    });

    it('refuses a folder that does not exist', async () => {
      const error = (await rejection(
        resolvePack(path.join(temp('folder-none'), 'missing/')),
      )) as FaceGateError;
      expect(error.code).toBe('PACK_NOT_FOUND');
      expect(error.message).toMatch(/Cannot read the model folder/);
    });
  },
);
