#!/usr/bin/env python3
"""Ranks recognizer candidates on the dev pairs from the cached embeddings of bench/dev-embeddings.ts.

    python3 bench/dev-packs.py /tmp/i11-recognition            # tables for lfw-dev and cfp-fp-dev
    python3 bench/dev-packs.py /tmp/i11-recognition --json     # the same as JSON
    python3 bench/dev-packs.py /tmp/i11-recognition --tails    # the catalog's impostor tails and genuine quantiles
    python3 bench/dev-packs.py /tmp/w3-recognition --paired    # open_bgr against the default, paired, both sets
    python3 bench/dev-packs.py /tmp/w4-int8/eval --model paddle_int8=paddle-int8 --paired paddle_int8
        # a file embedded with dev-embeddings.ts --model (cache stem paddle-int8) against the default, paired

Per candidate and set: LFW-protocol accuracy (threshold fitted on the other folds), its 95 % CI
from a bootstrap over people (1,000 resamples of the persons of the pairs' first image, each
taking all its pairs), TAR at FAR 1e-3 (lowest threshold with FAR <= 1e-3, as metrics.ts),
wrong pairs and the exact McNemar p-value against the current default ('open' = paddle+foamliu).
A pair with a missing face scores -1 (decided "different"), as `facegate eval` does.
Fusion is score-level: the mean of the members' cosines (FusedEmbedder). Flip: normalise(e + e_flip) (embedded mirrored for paddle and fr_feature only).
"""
import json
import math
import os
import sys

import numpy as np

MODELS = {
    'paddle': 'mobilefacenet-paddle',
    'fr_feature': 'faceplugin-arcface-512',
    'foamliu': 'mobilefacenet-foamliu',
    'w600k_deq': 'w600k-mbf-deq',
}
CANDIDATES = {
    'open (paddle+foamliu, current default)': [('paddle', False), ('foamliu', False)],
    'paddle': [('paddle', False)],
    'fr_feature': [('fr_feature', False)],
    'foamliu': [('foamliu', False)],
    'paddle+fr_feature': [('paddle', False), ('fr_feature', False)],
    'paddle flip': [('paddle', True)],
    'fr_feature flip': [('fr_feature', True)],
    'paddle+fr_feature flip': [('paddle', True), ('fr_feature', True)],
    'w600k_deq (non-commercial)': [('w600k_deq', False)],
}
BASELINE = 'open (paddle+foamliu, current default)'
DEFAULT = 'paddle'  # open_single, the default since 2026-12-07


def load(cache, name):
    folder = os.path.join(cache, name)
    index = json.load(open(os.path.join(folder, 'index.json')))['images']
    n = len(index)
    emb = {}
    for key, model in MODELS.items():
        for flip in (False, True):
            file = os.path.join(folder, f"{model}{'.flip' if flip else ''}.f32")
            if not os.path.exists(file):
                continue  # a recognizer this cache does not hold: its candidates cannot be scored
            raw = np.fromfile(file, dtype=np.float32)
            emb[(key, flip)] = raw.reshape(n, -1)
    return index, emb


def embeddings(emb, key, flip):
    plain = emb[(key, False)]
    if not flip:
        return plain
    summed = plain + emb[(key, True)]
    norm = np.linalg.norm(summed, axis=1, keepdims=True)
    return summed / np.where(norm > 0, norm, 1)


def read_pairs(root):
    rows = [line.strip().split(',') for line in open(os.path.join(root, 'pairs.csv')) if line.strip()][1:]
    return [(a, b, s == '1', f) for a, b, s, f in rows]


def person_of(path):
    return path.split('/')[1]


def best_threshold(scores, same):
    order = np.argsort(scores, kind='stable')
    s = scores[order]
    y = same[order]
    correct = y.sum() + np.cumsum(np.where(y, -1, 1))
    # candidate thresholds between consecutive distinct scores
    distinct = np.append(s[1:] != s[:-1], True)
    cands = np.where(distinct)[0]
    best = correct[cands].max()
    base = y.sum()
    if base > best:
        return s[0] - 1e-3
    idx = cands[correct[cands] == best]
    mids = [(s[i] + s[i + 1]) / 2 if i + 1 < len(s) else s[i] + 1e-3 for i in idx]
    return mids[(len(mids) - 1) // 2]


def tar_at_far(scores, same, far):
    imp = np.sort(scores[~same])[::-1]
    k = int(math.floor(far * len(imp)))  # impostors allowed at or above the threshold
    # lowest threshold with FAR <= far: just above the (k+1)-th highest impostor
    t = imp[k] if k < len(imp) else -np.inf
    return float((scores[same] > t).mean()), float(t)


def mcnemar(a_ok, b_ok):
    b = int(np.sum(a_ok & ~b_ok))
    c = int(np.sum(~a_ok & b_ok))
    n = b + c
    if n == 0:
        return 1.0, b, c
    k = min(b, c)
    p = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n * 2
    return min(1.0, p), b, c


def evaluate(index, emb, pairs, members):
    pos = {img['file']: i for i, img in enumerate(index)}
    ia = np.array([pos[a] for a, _, _, _ in pairs])
    ib = np.array([pos[b] for _, b, _, _ in pairs])
    same = np.array([s for _, _, s, _ in pairs])
    folds = np.array([f for _, _, _, f in pairs])
    has = lambda e: np.linalg.norm(e, axis=1) > 0
    scores = np.zeros(len(pairs))
    ok_face = np.ones(len(pairs), dtype=bool)
    for key, flip in members:
        e = embeddings(emb, key, flip)
        scores += np.sum(e[ia] * e[ib], axis=1)
        ok_face &= has(e)[ia] & has(e)[ib]
    scores /= len(members)
    scores[~ok_face] = -1
    correct = np.zeros(len(pairs), dtype=bool)
    accs = []
    for f in sorted(set(folds)):
        test = folds == f
        t = best_threshold(scores[~test], same[~test])
        correct[test] = (scores[test] >= t) == same[test]
        accs.append(correct[test].mean())
    tar, _ = tar_at_far(scores, same, 1e-3)
    return {
        'scores': scores,
        'same': same,
        'correct': correct,
        'accuracy': float(np.mean(accs)),
        'tar1e3': tar,
        'wrong': int((~correct).sum()),
        'noFacePairs': int((~ok_face).sum()),
    }


def bootstrap_ci(correct, people, reps=1000, seed=1):
    rng = np.random.default_rng(seed)
    uniq, inv = np.unique(people, return_inverse=True)
    sums = np.bincount(inv, weights=correct.astype(float), minlength=len(uniq))
    counts = np.bincount(inv, minlength=len(uniq))
    out = []
    for _ in range(reps):
        pick = rng.integers(0, len(uniq), len(uniq))
        out.append(sums[pick].sum() / counts[pick].sum())
    return float(np.percentile(out, 2.5)), float(np.percentile(out, 97.5))


def paired(cache, challenger='paddle+fr_feature', reps=1000, seed=5):
    """Challenger minus the default on each dev set: accuracy and TAR at FAR 1e-3, with 95 % intervals
    of the difference from a paired bootstrap over people (the same resampled people's pairs scored by
    both), and McNemar's exact test on the pairs only one of the two gets right."""
    roots = {'lfw-dev': '../shared/datasets/lfw-dev', 'cfp-fp-dev': '../shared/datasets/cfp-fp-dev'}
    for name, root in roots.items():
        if not os.path.exists(os.path.join(cache, name, 'index.json')):
            print(f'{name}: no cache in {cache}', file=sys.stderr)
            continue
        index, emb = load(cache, name)
        pairs = read_pairs(root)
        known = {img['file'] for img in index}
        if not all(a in known and b in known for a, b, _, _ in pairs):
            pairs = [p for p in pairs if p[0] in known and p[1] in known]
            print(f'{name}: cache incomplete ({len(index)} images): PARTIAL, {len(pairs)} pairs')
        people = np.array([person_of(a) for a, _, _, _ in pairs])
        a = evaluate(index, emb, pairs, CANDIDATES[DEFAULT])
        b = evaluate(index, emb, pairs, CANDIDATES[challenger])
        uniq, inv = np.unique(people, return_inverse=True)
        groups = [np.where(inv == k)[0] for k in range(len(uniq))]
        rng = np.random.default_rng(seed)
        d_acc, d_tar = [], []
        for _ in range(reps):
            pick = np.concatenate([groups[k] for k in rng.integers(0, len(uniq), len(uniq))])
            d_acc.append(b['correct'][pick].mean() - a['correct'][pick].mean())
            d_tar.append(tar_at_far(b['scores'][pick], a['same'][pick], 1e-3)[0]
                         - tar_at_far(a['scores'][pick], a['same'][pick], 1e-3)[0])
        p, only_b, only_a = mcnemar(b['correct'], a['correct'])
        ci = lambda v: (np.percentile(v, 2.5) * 100, np.percentile(v, 97.5) * 100)
        print(f"{name}: {challenger} {b['accuracy'] * 100:.2f} % vs {DEFAULT} {a['accuracy'] * 100:.2f} %: "
              f"difference {100 * (b['accuracy'] - a['accuracy']):+.2f} points, 95 % CI [{ci(d_acc)[0]:+.2f}, {ci(d_acc)[1]:+.2f}], "
              f"McNemar {only_b} / {only_a}, p = {p:.3f}; TAR@FAR 1e-3 {b['tar1e3'] * 100:.2f} vs {a['tar1e3'] * 100:.2f} %: "
              f"difference {100 * (b['tar1e3'] - a['tar1e3']):+.2f} points, 95 % CI [{ci(d_tar)[0]:+.2f}, {ci(d_tar)[1]:+.2f}]")


def main():
    cache = sys.argv[1] if len(sys.argv) > 1 else '/tmp/i11-recognition'
    for i, arg in enumerate(sys.argv):
        if arg == '--model':  # KEY=STEM: a recognizer cached as STEM.f32 (dev-embeddings.ts --model)
            key, _, stem = sys.argv[i + 1].partition('=')
            if not key or not stem:
                sys.exit(f'--model wants KEY=STEM, got {sys.argv[i + 1]}')
            MODELS[key] = stem
            CANDIDATES[key] = [(key, False)]
    if '--paired' in sys.argv:
        following = sys.argv[sys.argv.index('--paired') + 1:]
        challenger = following[0] if following and not following[0].startswith('--') else 'paddle+fr_feature'
        if challenger not in CANDIDATES:
            sys.exit(f'unknown candidate {challenger}: one of {", ".join(CANDIDATES)}')
        paired(cache, challenger)
        return
    as_json = '--json' in sys.argv
    roots = {'lfw-dev': '../shared/datasets/lfw-dev', 'cfp-fp-dev': '../shared/datasets/cfp-fp-dev'}
    result = {}
    for name, root in roots.items():
        if not os.path.exists(os.path.join(cache, name, 'index.json')):
            continue
        index, emb = load(cache, name)
        pairs = read_pairs(root)
        known = {img['file'] for img in index}
        if not all(a in known and b in known for a, b, _, _ in pairs):
            pairs = [p for p in pairs if p[0] in known and p[1] in known]
            print(f'{name}: cache incomplete ({len(index)} images): PARTIAL, {len(pairs)} pairs', file=sys.stderr)
        people = np.array([person_of(a) for a, _, _, _ in pairs])
        no_face = sum(1 for img in index if not img['faces'])
        base = evaluate(index, emb, pairs, CANDIDATES[BASELINE])
        single = evaluate(index, emb, pairs, CANDIDATES[DEFAULT])
        rows = {}
        for cand, members in CANDIDATES.items():
            r = evaluate(index, emb, pairs, members)
            lo, hi = bootstrap_ci(r['correct'], people)
            p, b, c = mcnemar(r['correct'], base['correct'])
            p2, b2, c2 = mcnemar(r['correct'], single['correct'])
            rows[cand] = {
                'accuracy': r['accuracy'],
                'ci95': [lo, hi],
                'tar1e3': r['tar1e3'],
                'wrong': r['wrong'],
                'noFacePairs': r['noFacePairs'],
                'mcnemarVsDefault': {'p': p, 'onlyThisRight': b, 'onlyDefaultRight': c},
                'mcnemarVsOpenSingle': {'p': p2, 'onlyThisRight': b2, 'onlyDefaultRight': c2},
            }
        result[name] = {'pairs': len(pairs), 'imagesNoFace': no_face, 'candidates': rows}
        if not as_json:
            print(f'\n{name}: {len(pairs)} pairs, {no_face} images with no face even at 0.2')
            print(f"{'candidate':42s} {'acc %':>7s} {'95% CI (people)':>17s} {'TAR@1e-3':>9s} {'wrong':>6s} {'McNemar p vs open':>18s} {'p vs open_single':>18s}")
            for cand, r in rows.items():
                m = r['mcnemarVsDefault']
                m2 = r['mcnemarVsOpenSingle']
                print(
                    f"{cand:42s} {r['accuracy']*100:7.2f} {r['ci95'][0]*100:7.2f}-{r['ci95'][1]*100:6.2f} "
                    f"{r['tar1e3']*100:9.2f} {r['wrong']:6d} {m['p']:8.3f} (+{m['onlyThisRight']}/-{m['onlyDefaultRight']})"
                    f" {m2['p']:8.3f} (+{m2['onlyThisRight']}/-{m2['onlyDefaultRight']})"
                )
    # Pack thresholds (catalog evidence): the impostor cosines of the LFW dev pairs fitted with a
    # Gaussian, threshold = mean + 3.719 sd (1e-4 per pair if the tail were Gaussian), as before;
    # genuine quantiles (0 to 100 % in 5 % steps) for calibrate's refusal estimate.
    stats = {}
    for cand in ('open (paddle+foamliu, current default)', 'paddle', 'paddle+fr_feature', 'fr_feature', 'w600k_deq (non-commercial)'):
        entry = {}
        for name in result:
            index, emb = load(cache, name)
            known = {img['file'] for img in index}
            pairs = [p for p in read_pairs(roots[name]) if p[0] in known and p[1] in known]
            r = evaluate(index, emb, pairs, CANDIDATES[cand])
            ok = r['scores'] > -1
            imp = r['scores'][(~r['same']) & ok]
            gen = r['scores'][r['same'] & ok]
            entry[name] = {'impostorMean': float(imp.mean()), 'impostorSd': float(imp.std()), 'impostors': int(len(imp)),
                           'genuine': int(len(gen)), 'genuineQuantiles': [round(float(np.percentile(gen, q)), 3) for q in range(0, 101, 5)],
                           'scores': r['scores'], 'same': r['same']}
        lfw = entry['lfw-dev']
        thr = round(lfw['impostorMean'] + 3.719 * lfw['impostorSd'], 3)
        stats[cand] = {'threshold': thr, 'impostorMean': round(lfw['impostorMean'], 4), 'impostorSd': round(lfw['impostorSd'], 4),
                       'impostors': lfw['impostors'], 'genuineQuantiles': lfw['genuineQuantiles'], 'genuinePairs': lfw['genuine']}
        for name, e in entry.items():
            s, y = e['scores'], e['same']
            stats[cand][name] = {'far': float((s[~y] >= thr).mean()), 'farCount': int((s[~y] >= thr).sum()),
                                 'tar': float((s[y] >= thr).mean()), 'impostorMax': float(s[~y].max()),
                                 'genuineP01': float(np.percentile(s[y], 1)), 'genuineP05': float(np.percentile(s[y], 5))}
    result['thresholds'] = stats
    if as_json:
        print(json.dumps(result, indent=1))
    else:
        print('\npack thresholds (LFW dev impostors, mean + 3.719 sd):')
        for cand, s in stats.items():
            print(f"{cand:42s} mean {s['impostorMean']:.4f} sd {s['impostorSd']:.4f} -> {s['threshold']:.3f}; " +
                  '; '.join(f"{n}: FAR {v['farCount']} ({v['far']*100:.2f} %), TAR {v['tar']*100:.2f} %, max impostor {v['impostorMax']:.3f}, genuine p1 {v['genuineP01']:.3f}"
                            for n, v in s.items() if isinstance(v, dict)))
            print(f"{'':42s} genuine quantiles {s['genuineQuantiles']}")


def catalog_tails(cache):
    """The catalog's `impostor` (mean, sd, tail) and `genuine` quantiles per pack, from every pair of cached lfw-dev images."""
    out = {}
    for cand in ['paddle', 'paddle+fr_feature', 'w600k_deq (non-commercial)', 'open (paddle+foamliu, current default)']:
        index, emb = load(cache, 'lfw-dev')
        ids = np.array([person_of(img['file']) for img in index])
        total = None
        for key, flip in CANDIDATES[cand]:
            e = embeddings(emb, key, flip)
            s = e @ e.T
            total = s if total is None else total + s
        total /= len(CANDIDATES[cand])
        iu = np.triu_indices(len(index), 1)
        diff = ids[iu[0]] != ids[iu[1]]
        imp = total[iu][diff]
        gen = total[iu][~diff]
        tail = []
        for t in [round(x, 2) for x in np.arange(0.2, 0.7, 0.02)]:
            c = int((imp >= t).sum())
            if c < 10:
                break
            tail.append([t, float('%.3g' % (c / len(imp)))])
        out[cand] = {'images': len(index), 'pairs': int(len(imp)), 'genuinePairs': int(len(gen)),
                     'mean': round(float(imp.mean()), 4), 'sd': round(float(imp.std()), 4),
                     'gaussian1e-4': round(float(imp.mean() + 3.719 * imp.std()), 3), 'tail': tail,
                     'genuineQuantiles': [round(float(np.percentile(gen, q)), 3) for q in range(0, 101, 5)]}
    return out


if __name__ == '__main__':
    if '--tails' in sys.argv:
        print(json.dumps(catalog_tails(sys.argv[1] if len(sys.argv) > 2 else '/tmp/i11-recognition'), indent=1))
    else:
        main()


def impostor_tail(cache, set_name, members, thresholds):
    """Per-pair impostor rate P(score >= t) over every pair of cached images of different people."""
    index, emb = load(cache, set_name)
    ids = np.array([person_of(img['file']) for img in index])
    has = np.ones(len(index), dtype=bool)
    total = None
    for key, flip in members:
        e = embeddings(emb, key, flip)
        has &= np.linalg.norm(e, axis=1) > 0
        s = e @ e.T
        total = s if total is None else total + s
    total /= len(members)
    iu = np.triu_indices(len(index), 1)
    different = (ids[iu[0]] != ids[iu[1]]) & has[iu[0]] & has[iu[1]]
    scores = total[iu][different]
    return len(scores), [(t, float((scores >= t).mean())) for t in thresholds]
