import { describe, expect, it } from 'vitest';
import { FaceAnalyzer } from '../../../src/core/face';
import { attachLiveness } from '../../../src/core/face/liveness';
import { createRgbImage } from '../../../src/core/image';
import { resolvePack } from '../../../src/core/models';

describe('the liveness stage of the npm starter pack (ships with npm install)', () => {
  it('scores a face box, and its models are released with the analyzer', async () => {
    const pack = await resolvePack('starter');
    const analyzer = await FaceAnalyzer.load({ pack: 'starter', threads: 1 });
    const liveness = await attachLiveness(analyzer, pack);
    expect(liveness.state).toBe('ready');
    const estimator = liveness.estimator;
    if (!estimator) return;
    const frame = createRgbImage(640, 480);
    frame.data.fill(90);
    const box = { x1: 280, y1: 190, x2: 360, y2: 290 };
    const before = await estimator.estimate(frame, box);
    expect(before.models).toEqual(['faceplugin-liveness']);
    expect(before.score).toBeGreaterThanOrEqual(0);
    expect(before.score).toBeLessThanOrEqual(1);

    await analyzer.release();
    await expect(estimator.estimate(frame, box)).rejects.toThrow(/released/);
  });
});
