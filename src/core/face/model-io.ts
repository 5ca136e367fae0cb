import '../models/telemetry-off';
import { Tensor } from 'onnxruntime-node';
import { FaceGateError } from '../errors';
import type { ModelSession } from '../models';

/** Runs a session on one float32 NCHW input and returns every output's data by name. */
export async function runFloat32(
  session: ModelSession,
  data: Float32Array,
  dims: readonly number[],
): Promise<Record<string, Float32Array>> {
  const outputs = await session.run({ [session.inputNames[0]]: new Tensor('float32', data, dims) });
  const result: Record<string, Float32Array> = {};
  for (const [name, tensor] of Object.entries(outputs)) result[name] = tensor.data as Float32Array;
  return result;
}

/** The named output, or a MODEL_LOAD error saying the file is not the model its catalog entry claims. */
export function requireOutput(
  outputs: Record<string, Float32Array>,
  name: string,
  modelId: string,
): Float32Array {
  const data = outputs[name];
  if (!data) {
    throw new FaceGateError(
      'MODEL_LOAD',
      `Model '${modelId}' has no output named '${name}' (outputs: ${Object.keys(outputs).join(', ')}). ` +
        'The file does not match its catalog entry; check resources/models/catalog.json.',
    );
  }
  return data;
}

/** A float32 buffer reused between calls of one model (callers serialise their runs). */
export class InputBuffer {
  private data = new Float32Array(0);

  get(length: number): Float32Array {
    if (this.data.length !== length) this.data = new Float32Array(length);
    return this.data;
  }
}
