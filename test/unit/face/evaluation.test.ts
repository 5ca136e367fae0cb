import { describe, expect, it } from 'vitest';
import {
  accuracyAt,
  bestThreshold,
  equalErrorRate,
  foldAccuracy,
  rocAuc,
  rocCurve,
  tarAtFar,
  type ScoredPair,
} from '../../../src/core/face/evaluation/metrics';
import { parsePairsCsv } from '../../../src/core/face/evaluation/pairs-file';
import { rocSvg } from '../../../src/core/face/evaluation/roc-svg';

const pair = (score: number, same: boolean): ScoredPair => ({ score, same });

describe('verification metrics', () => {
  const separable = [pair(0.9, true), pair(0.7, true), pair(0.3, false), pair(0.1, false)];
  // One impostor (0.6) scores above one genuine pair (0.5).
  const overlapping = [pair(0.9, true), pair(0.5, true), pair(0.6, false), pair(0.1, false)];

  it('computes the ROC from (0,0) to (1,1) and its AUC', () => {
    const roc = rocCurve(overlapping);
    expect(roc[0]).toMatchObject({ far: 0, tar: 0 });
    expect(roc.at(-1)).toMatchObject({ far: 1, tar: 1 });
    expect(rocAuc(separable)).toBe(1);
    expect(rocAuc(overlapping)).toBeCloseTo(0.75); // 3 of the 4 genuine/impostor orderings right
    expect(rocAuc([pair(0.5, true), pair(0.5, false)])).toBeCloseTo(0.5); // a tie counts half
  });

  it('picks the middle of the clean gap as the best threshold', () => {
    expect(bestThreshold(separable)).toEqual({ threshold: 0.5, accuracy: 1 });
    const { threshold, accuracy } = bestThreshold(overlapping);
    expect(accuracy).toBe(0.75);
    expect(accuracyAt(overlapping, threshold)).toBe(0.75);
  });

  it('reports TAR at a FAR and the equal error rate', () => {
    expect(tarAtFar(overlapping, 0)).toMatchObject({ tar: 0.5, threshold: 0.9 });
    expect(tarAtFar(overlapping, 0.5).tar).toBe(1);
    expect(equalErrorRate(separable).eer).toBe(0);
    expect(equalErrorRate(overlapping).eer).toBeCloseTo(0.5);
    expect(tarAtFar([pair(0.9, true)], 0.01).tar).toBeNaN();
  });

  it('uses thresholds from the other folds (LFW protocol) and the own one for a single fold', () => {
    const folds = [
      ...separable.map((p) => ({ ...p, fold: '1' })),
      { ...pair(0.45, true), fold: '2' },
      { ...pair(0.35, false), fold: '2' },
    ];
    const result = foldAccuracy(folds);
    // Fold 2 is judged with fold 1's threshold 0.5: its genuine pair at 0.45 is rejected.
    expect(result.folds.find((f) => f.fold === '2')?.accuracy).toBe(0.5);
    expect(result.accuracy).toBeLessThan(1);
    expect(result.accuracyStd).toBeGreaterThan(0);
    const single = foldAccuracy(folds.map((p) => ({ ...p, fold: '' })));
    expect(single.accuracy).toBe(1);
    expect(single.accuracyStd).toBe(0);
  });
});

describe('parsePairsCsv', () => {
  it('reads rows with or without a header, quoted paths with spaces and commas, and folds', () => {
    const rows = parsePairsCsv('a,b,same,fold\n"my photos/a, 1.jpg",b.jpg,1,3\r\nc.jpg,d.jpg,false,4\n\n');
    expect(rows).toEqual([
      { a: 'my photos/a, 1.jpg', b: 'b.jpg', same: true, fold: '3', line: 2 },
      { a: 'c.jpg', b: 'd.jpg', same: false, fold: '4', line: 3 },
    ]);
    expect(parsePairsCsv('x.jpg,y.jpg,0')).toEqual([
      { a: 'x.jpg', b: 'y.jpg', same: false, fold: '', line: 1 },
    ]);
    expect(parsePairsCsv('same,b,a\n1,y.jpg,x.jpg')[0]).toMatchObject({ a: 'x.jpg', b: 'y.jpg', same: true });
  });

  it('names the line of a malformed row', () => {
    expect(() => parsePairsCsv('a,b,same\nx.jpg,y.jpg,maybe', 'pairs.csv')).toThrow(/pairs.csv, line 2/);
    expect(() => parsePairsCsv('', 'pairs.csv')).toThrow(/no pairs/);
  });
});

describe('rocSvg', () => {
  it('draws a standalone SVG with the curve and the AUC in the legend', () => {
    const svg = rocSvg(rocCurve([pair(0.9, true), pair(0.2, false)]), { title: 'open <test>', auc: 1 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('AUC = 1.0000');
    expect(svg).toContain('open &lt;test&gt;');
    expect(svg).toMatch(/<polyline points="[\d., ]+"/);
    const log = rocSvg(rocCurve([pair(0.9, true), pair(0.2, false)]), { title: 't', auc: 1, logFar: true });
    expect(log).toContain('1e-4');
  });
});
