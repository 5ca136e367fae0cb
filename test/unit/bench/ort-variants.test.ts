import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ortVariants } from '../../../bench/ort';

describe('bench --suite ort: FACEGATE_ORT_VARIANTS', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-ort-variants-'));
  const file = path.join(dir, 'MobileFaceNet_int8_qdq.onnx');
  writeFileSync(file, 'not read here');

  it('is empty when unset or blank', () => {
    expect(ortVariants(undefined)).toEqual([]);
    expect(ortVariants('  ')).toEqual([]);
  });

  it('reads FILE@MODEL_ID items, a file name with @ in its folder included', () => {
    const odd = path.join(dir, 'a@b');
    writeFileSync(odd, '');
    expect(ortVariants(`${file}@mobilefacenet-paddle,${odd}@minifasnet-v2-2.7`)).toEqual([
      { file, modelId: 'mobilefacenet-paddle' },
      { file: odd, modelId: 'minifasnet-v2-2.7' },
    ]);
  });

  it('refuses an item without a model id, and a file that does not exist, naming it', () => {
    expect(() => ortVariants(file)).toThrow(/FILE@MODEL_ID/);
    expect(() => ortVariants(`${file}@`)).toThrow(/FILE@MODEL_ID/);
    expect(() => ortVariants(`${path.join(dir, 'missing.onnx')}@mobilefacenet-paddle`)).toThrow(
      /missing\.onnx does not exist/,
    );
  });
});
