import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelSpec } from './catalog-schema';
import { cachedSha256 } from './checksum';
import { readOnnxNodes } from './onnx-graph';
import { createModelSession, type TensorMetadata } from './session';

/** A model file of an unknown folder, with the spec it was given (from the catalog when its sha256 is known). */
export interface RecognisedModel {
  spec: ModelSpec;
  path: string;
  /** 'catalog': the file's sha256 is a catalog model; 'inspected': recognised from its inputs and outputs. */
  origin: 'catalog' | 'inspected';
}

export interface SkippedFile {
  path: string;
  reason: string;
}

type Shape = readonly (number | string)[];

function shapeOf(meta: TensorMetadata | undefined): Shape {
  return meta?.shape ?? [];
}

function dim(shape: Shape, index: number): number | undefined {
  const value = shape[index];
  return typeof value === 'number' && value > 0 ? value : undefined;
}

const unknownLicence = {
  name: 'unknown',
  commercialUse: false,
  notes: 'Recognised from a folder of unknown files: check the licence of this file yourself.',
};

/** A catalog-style id from a file name: lower case, other characters turned into '-'. */
export function idFromFileName(fileName: string): string {
  const base = path.basename(fileName, path.extname(fileName)).toLowerCase();
  const id = base.replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return id || 'model';
}

/** The crop scale MiniFASNet encodes in its file name, as upstream parse_model_name reads it ("2.7_80x80_..." or "4_0_0_80x80_..."). */
export function miniFasNetCropScale(fileName: string): number {
  const first = path.basename(fileName).split('_')[0];
  const scale = Number(first);
  return Number.isFinite(scale) && scale > 0 ? scale : 2.7;
}

/** What the inputs and outputs say the model is, or the reason it is not recognised. */
type Inspection =
  | {
      ok: true;
      spec: Omit<
        ModelSpec,
        'id' | 'fileName' | 'folder' | 'bytes' | 'sha256' | 'licence' | 'urls' | 'source'
      >;
    }
  | { ok: false; reason: string };

/**
 * The task of a model from its inputs and outputs, following InsightFace's model_zoo ModelRouter
 * (5+ outputs: detector; square input of 112+ (multiple of 16): ArcFace; 192: landmarks; 96:
 * attributes) plus the kinds FaceGate knows (YuNet, UltraFace, 68-point landmarks, MiniFASNet).
 * arcfaceMeanStd comes from the graph's first nodes (see arcfaceNormalisation).
 */
export function inspectModel(
  fileName: string,
  inputs: readonly TensorMetadata[],
  outputs: readonly TensorMetadata[],
  arcfaceMeanStd: number[] = [127.5, 127.5],
): Inspection {
  const input = shapeOf(inputs[0]);
  if (input.length !== 4)
    return { ok: false, reason: `its first input is not an NCHW image tensor (shape [${input.join(', ')}])` };
  const channels = dim(input, 1);
  const height = dim(input, 2);
  const width = dim(input, 3);
  const names = outputs.map((o) => o.name);
  const outputShapes = outputs.map(shapeOf);
  const last = (shape: Shape) => dim(shape, shape.length - 1);

  if (outputs.length >= 5) {
    const yunet = ['cls_', 'obj_', 'bbox_', 'kps_'].every((prefix) =>
      names.some((n) => n.startsWith(prefix)),
    );
    if (yunet) {
      const strides = names
        .filter((n) => n.startsWith('cls_'))
        .map((n) => Number(n.slice(4)))
        .filter((s) => Number.isInteger(s) && s > 0);
      return {
        ok: true,
        spec: {
          title: `${fileName} (recognised as a YuNet face detector)`,
          task: 'detection',
          kind: 'yunet',
          input: {
            width: width ?? 640,
            height: height ?? 640,
            dynamicSize: !width || !height,
            channelOrder: 'bgr',
            mean: [0, 0, 0],
            std: [1, 1, 1],
          },
          output: { strides: strides.length ? strides : [8, 16, 32] },
          evidence:
            'Recognised from its outputs (cls_/obj_/bbox_/kps_ per stride): YuNet preprocessing, BGR raw 0-255.',
        },
      };
    }
    if (![6, 9, 10, 15].includes(outputs.length)) {
      return {
        ok: false,
        reason: `it has ${outputs.length} outputs, but SCRFD detectors have 6, 9, 10 or 15`,
      };
    }
    const fiveStrides = outputs.length >= 10;
    // SCRFD's outputs come in groups of one per stride: scores (last dim 1), boxes (4), keypoints (10).
    const groupSize = fiveStrides ? 5 : 3;
    const expected = (index: number) => [1, 4, 10][Math.floor(index / groupSize)];
    const mismatch = outputShapes.findIndex((shape, i) => {
      const size = shape[shape.length - 1];
      return typeof size === 'number' && size !== expected(i);
    });
    if (mismatch >= 0) {
      return {
        ok: false,
        reason: `its ${outputs.length} outputs do not follow SCRFD's layout (output '${names[mismatch]}' should end in ${expected(mismatch)})`,
      };
    }
    return {
      ok: true,
      spec: {
        title: `${fileName} (recognised as an SCRFD face detector)`,
        task: 'detection',
        kind: 'scrfd',
        input: {
          width: width ?? 640,
          height: height ?? 640,
          dynamicSize: !width || !height,
          channelOrder: 'rgb',
          mean: [127.5, 127.5, 127.5],
          std: [128, 128, 128],
        },
        output: {
          strides: fiveStrides ? [8, 16, 32, 64, 128] : [8, 16, 32],
          anchorsPerCell: fiveStrides ? 1 : 2,
          keypoints: outputs.length === 9 || outputs.length === 15,
        },
        evidence: `Recognised from its ${outputs.length} outputs like InsightFace model_zoo (SCRFD): RGB, (p - 127.5) / 128.`,
      },
    };
  }

  const scores = outputShapes[names.indexOf('scores')];
  const boxes = outputShapes[names.indexOf('boxes')];
  if (outputs.length === 2 && scores && boxes && last(scores) === 2 && last(boxes) === 4 && width && height) {
    return {
      ok: true,
      spec: {
        title: `${fileName} (recognised as an UltraFace face detector)`,
        task: 'detection',
        kind: 'ultraface',
        input: {
          width,
          height,
          dynamicSize: false,
          channelOrder: 'bgr',
          mean: [127, 127, 127],
          std: [128, 128, 128],
        },
        output: { boxEncoding: 'corners' },
        evidence:
          "Recognised from its outputs 'scores' [.., 2] and 'boxes' [.., 4]: the starter pack's UltraFace preprocessing.",
      },
    };
  }

  if (!width || !height)
    return { ok: false, reason: `its input size is not fixed (shape [${input.join(', ')}])` };

  if (channels === 1 && outputs.length === 1 && last(outputShapes[0]) === 136) {
    return {
      ok: true,
      spec: {
        title: `${fileName} (recognised as a 68-point landmark model)`,
        task: 'landmarks',
        kind: 'landmark68',
        input: {
          width,
          height,
          dynamicSize: false,
          channelOrder: 'grey',
          mean: [0, 0, 0],
          std: [256, 256, 256],
        },
        output: { cropScale: 1, points: 68 },
        evidence:
          'Recognised from its grey input and 136 outputs: the starter pack landmark preprocessing (pixel / 256).',
      },
    };
  }
  if (channels !== 3) return { ok: false, reason: `its input has ${channels ?? '?'} channels, not 3` };

  const logits = outputs.length === 1 ? last(outputShapes[0]) : undefined;
  if (logits !== undefined && logits <= 3 && logits >= 2) {
    const minifasnet = width === 80 && height === 80;
    return {
      ok: true,
      spec: minifasnet
        ? {
            title: `${fileName} (recognised as a MiniFASNet liveness model)`,
            task: 'liveness',
            kind: 'minifasnet',
            input: {
              width,
              height,
              dynamicSize: false,
              channelOrder: 'bgr',
              mean: [0, 0, 0],
              std: [1, 1, 1],
            },
            output: { cropScale: miniFasNetCropScale(fileName), liveClass: 1 },
            evidence:
              'Recognised from its 80x80 input and class logits: Silent-Face MiniFASNet preprocessing (BGR raw, crop scale from the file name).',
          }
        : {
            title: `${fileName} (recognised as a liveness classifier)`,
            task: 'liveness',
            kind: 'faceplugin-liveness',
            input: {
              width,
              height,
              dynamicSize: false,
              channelOrder: 'bgr',
              mean: [0, 0, 0],
              std: [1, 1, 1],
            },
            output: { cropScale: 2.7, liveClass: 0 },
            evidence:
              'Recognised from its class logits: assumed to preprocess like the starter pack fr_liveness (BGR raw, as measured in the catalog, 2.7x crop). Measure before use.',
          },
    };
  }
  if (width === 192 && height === 192) {
    if (logits !== 212)
      return {
        ok: false,
        reason: 'a 192x192 landmark model other than 2d106det (212 outputs) is not supported',
      };
    return {
      ok: true,
      spec: {
        title: `${fileName} (recognised as a 106-point landmark model)`,
        task: 'landmarks',
        kind: 'landmark106',
        input: {
          width,
          height,
          dynamicSize: false,
          channelOrder: 'rgb',
          mean: [arcfaceMeanStd[0], arcfaceMeanStd[0], arcfaceMeanStd[0]],
          std: [arcfaceMeanStd[1], arcfaceMeanStd[1], arcfaceMeanStd[1]],
        },
        output: { points: 106, cropScale: 1.5 },
        evidence: 'Recognised from its 192x192 input (InsightFace model_zoo: Landmark).',
      },
    };
  }
  if (width === 96 && height === 96) {
    return {
      ok: true,
      spec: {
        title: `${fileName} (recognised as a gender/age model)`,
        task: 'attributes',
        kind: 'genderage',
        input: {
          width,
          height,
          dynamicSize: false,
          channelOrder: 'rgb',
          mean: [arcfaceMeanStd[0], arcfaceMeanStd[0], arcfaceMeanStd[0]],
          std: [arcfaceMeanStd[1], arcfaceMeanStd[1], arcfaceMeanStd[1]],
        },
        output: { cropScale: 1.5 },
        evidence: 'Recognised from its 96x96 input (InsightFace model_zoo: Attribute).',
      },
    };
  }
  const embedding = outputs.length === 1 && outputShapes[0].length === 2 ? last(outputShapes[0]) : undefined;
  if (width === height && width >= 112 && width % 16 === 0 && embedding !== undefined && embedding >= 32) {
    const [mean, std] = arcfaceMeanStd;
    return {
      ok: true,
      spec: {
        title: `${fileName} (recognised as an ArcFace-style embedder, ${embedding}-d)`,
        task: 'recognition',
        kind: 'arcface',
        input: {
          width,
          height,
          dynamicSize: false,
          channelOrder: 'rgb',
          mean: [mean, mean, mean],
          std: [std, std, std],
        },
        output: { embeddingSize: embedding },
        evidence:
          `Recognised from its ${width}x${height} input and ${embedding}-d output like InsightFace model_zoo (ArcFaceONNX): ` +
          `RGB, (p - ${mean}) / ${std} (${mean === 0 ? 'the graph starts with Sub and Mul nodes' : 'no Sub/Mul nodes at the start of the graph'}).`,
      },
    };
  }
  return {
    ok: false,
    reason: `no known model has a ${width}x${height} input with outputs [${outputShapes.map((s) => `[${s.join(', ')}]`).join(', ')}]`,
  };
}

/**
 * ArcFace normalisation as InsightFace's arcface_onnx.py decides it: mean 0 / std 1 when one of the
 * first 8 graph nodes is named Sub* (or _minus*) and one Mul* (or _mul*) (mxnet exports normalise
 * inside the graph), else 127.5 / 127.5.
 */
export async function arcfaceNormalisation(file: string): Promise<[number, number]> {
  const nodes = await readOnnxNodes(file, 8);
  const sub = nodes.some((n) => n.name.startsWith('Sub') || n.name.startsWith('_minus'));
  const mul = nodes.some((n) => n.name.startsWith('Mul') || n.name.startsWith('_mul'));
  return sub && mul ? [0, 1] : [127.5, 127.5];
}

/**
 * Recognises one model file: the catalog's spec when its sha256 is a catalog model, else a
 * synthetic spec from its inputs and outputs (inspectModel); a file that cannot be loaded or
 * recognised comes back as a SkippedFile with the reason.
 */
export async function recogniseModelFile(
  file: string,
  catalogModels: readonly ModelSpec[],
): Promise<RecognisedModel | SkippedFile> {
  const info = await stat(file);
  const sha256 = await cachedSha256(file);
  const known = catalogModels.find((m) => m.sha256 === sha256 && m.bytes === info.size);
  if (known) return { spec: known, path: file, origin: 'catalog' };

  let session;
  try {
    session = await createModelSession(file, { intraOpNumThreads: 1 });
  } catch (error) {
    return { path: file, reason: `onnxruntime cannot load it (${(error as Error).message})` };
  }
  try {
    const normalisation = await arcfaceNormalisation(file);
    const inspection = inspectModel(
      path.basename(file),
      session.inputMetadata,
      session.outputMetadata,
      normalisation,
    );
    if (!inspection.ok) return { path: file, reason: inspection.reason };
    const spec: ModelSpec = {
      ...inspection.spec,
      id: idFromFileName(file),
      fileName: path.basename(file),
      folder: '',
      bytes: info.size,
      sha256,
      licence: unknownLicence,
      urls: [],
      source: `Found in ${path.dirname(file)}; not in the catalog.`,
    };
    return { spec, path: file, origin: 'inspected' };
  } finally {
    await session.release();
  }
}

/** Every .onnx file of a folder (not recursive), sorted by name like InsightFace's glob. */
export async function onnxFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.onnx'))
    .map((e) => path.join(dir, e.name))
    .sort();
}
