#!/usr/bin/env python3
"""Open-set 1:N on the dev sets from the cached embeddings of bench/dev-embeddings.ts.

    python3 bench/dev-identification.py /tmp/w3-recognition               # product figures, trade-off, variants
    python3 bench/dev-identification.py /tmp/w3-recognition --lookalikes  # the look-alike margin (matcher/decide.ts)

It replays the product's path (evaluate-identification.ts) on the cache, so that choices can be
compared in seconds: enrol the first photo of each person in order (refusal limits of quality.ts,
then the duplicate check at the gallery-size threshold for the set's size), probe with the other
photos and the strangers, decide with galleryThreshold(pack, enrolled templates) and the margin
0.05. On lfw-dev with `open_single` it gives exactly what `facegate eval-identification` gives
(297 enrolled, DIR 549/573, FPIR 6/300, 0 wrong), so its other figures stand for the product's.

Sets: lfw-dev's labels.csv (300 people enrol one photo, 573 probes, 300 one-photo strangers);
cfp-fp-dev split by person id: every other person (150) enrols their first frontal photo and
probes with all their other photos (frontal and profile, 1,628 probes); the other 150 people are
strangers, each with their first frontal and first profile photo (300 stranger photos).

"confirmed": a person refused as a duplicate of someone else is enrolled as the administrator
would after seeing both faces ("different people"), and the live decision then asks either of the
pair to lead the other by the look-alike margin (0.19). 95 % intervals: bootstrap over people
(1,000 resamples of the enrolled people with all their probes, and of the stranger people).
"""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG = json.load(open(os.path.join(HERE, '..', 'resources', 'models', 'catalog.json')))
PACKS = {p['id']: p for p in (CATALOG['packs'] if isinstance(CATALOG['packs'], list) else CATALOG['packs'].values())}
DATASETS = os.path.join(HERE, '..', '..', 'shared', 'datasets')
if not os.path.isdir(DATASETS):
    DATASETS = '/work/shared/datasets'
MODELS = {'paddle': 'mobilefacenet-paddle', 'fr': 'faceplugin-arcface-512', 'foamliu': 'mobilefacenet-foamliu',
          'w600k': 'w600k-mbf-deq'}
CANDIDATES = [
    ('open_single (default)', 'open_single', ['paddle']),
    ('open_bgr', 'open_bgr', ['paddle', 'fr']),
    ('insightface_mbf (non-commercial)', 'insightface_mbf', ['w600k']),
]
MARGIN = 0.05
LOOKALIKE_MARGIN = 0.19


def load(cache, name):
    folder = os.path.join(cache, name)
    index = json.load(open(os.path.join(folder, 'index.json')))['images']
    emb = {}
    for key, model in MODELS.items():
        for flip in (False, True):
            raw = np.fromfile(os.path.join(folder, f"{model}{'.flip' if flip else ''}.f32"), dtype=np.float32)
            emb[(key, flip)] = raw.reshape(len(index), -1)
    return index, emb


def unit(x):
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(n > 0, n, 1)


def features(emb, members, flip=False):
    parts = []
    for m in members:
        e = emb[(m, False)]
        parts.append(unit(e + emb[(m, True)]) if flip else unit(e))
    return unit(np.concatenate(parts, axis=1))


def tail_score(tail, rate):
    """gallery-threshold.ts tailScore."""
    def at(a, b):
        slope = (math.log(b[1]) - math.log(a[1])) / (b[0] - a[0])
        return a[0] + (math.log(rate) - math.log(a[1])) / slope
    if rate >= tail[0][1]:
        return tail[0][0]
    for i in range(1, len(tail)):
        if rate >= tail[i][1]:
            return at(tail[i - 1], tail[i])
    return at(tail[-2], tail[-1])


def gallery_threshold(pack, templates, target=0.01):
    """gallery-threshold.ts galleryThreshold."""
    p = PACKS[pack]
    fitted = tail_score(p['impostor']['tail'], target / max(1, templates))
    return max(p['threshold'], round(fitted * 1000) / 1000)


def refusal(q):
    """quality.ts refusal limits (what is refused outright; the rest is enrolled with a note)."""
    if q is None:
        return 'no_face'
    if abs(q['yawDegrees']) > 50:
        return 'not_frontal'
    if abs(q['rollDegrees']) > 45:
        return 'tilted'
    if q['interEyePx'] < 20:
        return 'too_small'
    if q['detScore'] < 0.5:
        return 'low_score'
    if q['sharpness'] < 10:
        return 'blurry'
    if not 0.10 <= q['noseHeight'] <= 1.0:
        return 'looking_up_or_down'
    return None


def lfw_set(index):
    rows = [l.strip().split(',') for l in open(os.path.join(DATASETS, 'lfw-dev', 'labels.csv')) if l.strip()][1:]
    by_person, strangers = {}, []
    for f, ident, subset in rows:
        if subset == 'stranger':
            strangers.append((f, 's:' + ident))
        elif subset == 'identification':
            by_person.setdefault(ident, []).append(f)
    enrol = [(sorted(by_person[p])[0], p) for p in sorted(by_person)]
    probes = [(f, p) for p in sorted(by_person) for f in sorted(by_person[p])[1:]]
    return enrol, probes, strangers


def cfp_set(index):
    by_person = {}
    for im in index:
        by_person.setdefault(im['file'].split('/')[1], []).append(im['file'])
    ids = sorted(by_person, key=int)
    enrol, probes, strangers = [], [], []
    for n, p in enumerate(ids):
        frontal = sorted(f for f in by_person[p] if '/frontal/' in f)
        profile = sorted(f for f in by_person[p] if '/profile/' in f)
        if n % 2 == 0:
            enrol.append((frontal[0], p))
            probes += [(f, p) for f in sorted(by_person[p]) if f != frontal[0]]
        else:
            strangers += [(f, 's:' + p) for f in frontal[:1] + profile[:1]]
    return enrol, probes, strangers


class Run:
    """One product run: enrolment (with or without confirmed look-alikes) and every query's scores."""

    def __init__(self, index, emb, the_set, pack, members, confirm=False, flip=False, target=0.01, margin=MARGIN,
                 cohort=False):
        row = {im['file']: i for i, im in enumerate(index)}
        feats = features(emb, members, flip)
        enrol, probes, strangers = the_set
        duplicate_at = gallery_threshold(pack, len(enrol), target)
        templates, people, refused, pairs = [], [], [], set()
        for f, p in enrol:
            why = refusal(index[row[f]]['quality'])
            vec = feats[row[f]]
            rivals = []
            if not why and templates:
                s = np.array(templates) @ vec
                rivals = [j for j in np.argsort(-s)[:3] if s[j] >= duplicate_at]
                if rivals and not confirm:
                    why = 'duplicate'
            if why:
                refused.append((f, why))
                continue
            for j in rivals:
                pairs.add((int(j), len(people)))
            templates.append(vec)
            people.append(p)
        self.people, self.refused, self.pairs = people, refused, pairs
        self.threshold = gallery_threshold(pack, len(templates), target)
        T = np.array(templates)
        partners = {}
        for a, b in pairs:
            partners.setdefault(a, []).append(b)
            partners.setdefault(b, []).append(a)
        self.partners = partners
        position = {p: i for i, p in enumerate(people)}

        gram = T @ T.T
        np.fill_diagonal(gram, -1)
        template_cohort = -np.sort(-gram, axis=1)[:, :10].mean(1)

        def scores(queries):
            sc = feats[[row[f] for f, _ in queries]] @ T.T
            if cohort:
                # Cohort normalisation with the gallery as cohort: minus the mean of the template's 10
                # nearest other templates and of the query's 2nd-11th best templates.
                query_cohort = -np.sort(-sc, axis=1)[:, 1:11].mean(1, keepdims=True)
                sc = sc - 0.5 * (template_cohort[None, :] + query_cohort)
            order = np.argsort(-sc, axis=1)
            i = np.arange(len(sc))
            best, second = sc[i, order[:, 0]], sc[i, order[:, 1]]
            # The lead the decision asks for: the margin over the runner-up, the look-alike margin over a partner.
            short = np.zeros(len(sc), dtype=bool)
            for k in range(len(sc)):
                for j in partners.get(order[k, 0], []):
                    if best[k] - sc[k, j] < max(margin, LOOKALIKE_MARGIN):
                        short[k] = True
            return order[:, 0], best, (best - second >= margin) & ~short

        self.p_who, self.p_best, self.p_clear = scores(probes)
        self.s_who, self.s_best, self.s_clear = scores(strangers)
        self.p_own = np.array([position.get(p, -1) for _, p in probes])
        self.p_person = np.array([p for _, p in probes])
        self.s_person = np.array([p for _, p in strangers])
        self.profile = np.array(['/profile/' in f for f, _ in probes])

    def at(self, threshold, probe_sel=None, stranger_sel=None):
        pk = (self.p_best >= threshold) & self.p_clear
        sk = (self.s_best >= threshold) & self.s_clear
        right = pk & (self.p_who == self.p_own)
        wrong = pk & (self.p_who != self.p_own)
        ps = np.arange(len(pk)) if probe_sel is None else probe_sel
        ss = np.arange(len(sk)) if stranger_sel is None else stranger_sel
        return right[ps].mean(), sk[ss].mean(), int(wrong[ps].sum()), int(right[ps].sum()), int(sk[ss].sum())

    def best_dir_at_fpir(self, fpir, probe_sel=None, stranger_sel=None):
        """The highest DIR among thresholds (0.001 steps) whose FPIR is at most `fpir`: a trade-off point."""
        best = (0.0, None)
        for t in np.arange(0.25, 0.70, 0.001):
            d, f, *_ = self.at(t, probe_sel, stranger_sel)
            if f <= fpir + 1e-12 and d > best[0]:
                best = (d, t)
        return best


def resamples(run, reps=1000, seed=7):
    rng = np.random.default_rng(seed)
    pp = {}
    for i, p in enumerate(run.p_person):
        pp.setdefault(p, []).append(i)
    sp = {}
    for i, p in enumerate(run.s_person):
        sp.setdefault(p, []).append(i)
    pkeys, skeys = list(pp), list(sp)
    for _ in range(reps):
        a = np.concatenate([pp[pkeys[k]] for k in rng.integers(0, len(pkeys), len(pkeys))])
        b = np.concatenate([sp[skeys[k]] for k in rng.integers(0, len(skeys), len(skeys))])
        yield a.astype(int), b.astype(int)


def ci(values):
    return np.percentile(values, 2.5), np.percentile(values, 97.5)


def product_table(cache):
    for set_name, make in (('lfw-dev', lfw_set), ('cfp-fp-dev', cfp_set)):
        index, emb = load(cache, set_name)
        the_set = make(index)
        print(f'\n== {set_name}: {len(the_set[0])} people to enrol, {len(the_set[1])} probes, {len(the_set[2])} stranger photos')
        for label, pack, members in CANDIDATES:
            for confirm in (False, True):
                run = Run(index, emb, the_set, pack, members, confirm=confirm)
                d, f, wrong, nr, nf = run.at(run.threshold)
                boots = [run.at(run.threshold, a, b)[:2] for a, b in resamples(run, 1000)]
                dl, dh = ci([x[0] for x in boots])
                fl, fh = ci([x[1] for x in boots])
                pt, pthr = run.best_dir_at_fpir(0.01)
                extra = ''
                if set_name == 'cfp-fp-dev':
                    fr = run.at(run.threshold, np.where(~run.profile)[0])[0]
                    pr = run.at(run.threshold, np.where(run.profile)[0])[0]
                    extra = f'; frontal probes {fr * 100:.1f} %, profile probes {pr * 100:.1f} %'
                print(f'{label:34s} {"confirmed" if confirm else "refused  "} enrolled {len(run.people)}/{len(the_set[0])} '
                      f'thr {run.threshold:.3f}: DIR {d * 100:.1f} % [{dl * 100:.1f}, {dh * 100:.1f}] ({nr}/{len(run.p_best)}), '
                      f'FPIR {f * 100:.2f} % [{fl * 100:.2f}, {fh * 100:.2f}] ({nf}/{len(run.s_best)}), wrong person {wrong}; '
                      f'best DIR at FPIR <= 1 %: {pt * 100:.1f} % (thr {pthr:.3f}){extra}')
                if label.startswith('open_single') and not confirm:
                    print('   refused:', run.refused)
                if label.startswith('open_single') and confirm:
                    print('   trade-off (threshold: DIR / FPIR):',
                          ', '.join(f'{t:.2f}: {run.at(t)[0] * 100:.1f} / {run.at(t)[1] * 100:.1f}'
                                    for t in (0.36, 0.38, 0.40, 0.41, 0.42, 0.44, 0.46, 0.48, 0.50)))


def miss_analysis(cache):
    index, emb = load(cache, 'lfw-dev')
    run = Run(index, emb, lfw_set(index), 'open_single', ['paddle'], confirm=True)
    t = run.threshold
    own = run.p_own
    refused = own < 0
    rank1_wrong = ~refused & (run.p_who != own)
    below = ~refused & ~rank1_wrong & (run.p_best < t)
    ambiguous = ~refused & ~rank1_wrong & (run.p_best >= t) & ~run.p_clear
    print(f'\n== lfw-dev misses (open_single, confirmed look-alikes, thr {t}): refused person {refused.sum()}, '
          f'best candidate someone else {rank1_wrong.sum()} (no threshold can fix these), own person below '
          f'the threshold {below.sum()} (scores {np.sort(run.p_best[below]).round(3).tolist()}), ambiguous {ambiguous.sum()}')
    fa = (run.s_best >= t) & run.s_clear
    print(f'   strangers let in: {fa.sum()} at {np.sort(run.s_best[fa]).round(3).tolist()}')
    qual = {im['file']: im['quality'] for im in index}
    probes = lfw_set(index)[1]
    eyes = np.array([qual[f]['interEyePx'] if qual[f] else 0 for f, _ in probes])
    yaw = np.array([abs(qual[f]['yawDegrees']) if qual[f] else 90 for f, _ in probes])
    miss = ~((run.p_best >= t) & run.p_clear & (run.p_who == own))
    for name, sel in (('eyes < 35 px', eyes < 35), ('eyes >= 35 px', eyes >= 35), ('|yaw| > 25', yaw > 25),
                      ('|yaw| <= 25', yaw <= 25)):
        print(f'   probes with {name}: {sel.sum()}, missed {miss[sel].sum()} ({miss[sel].mean() * 100:.1f} %)')


def variants(cache):
    """Tried on the 1:N path; compared at the trade-off point DIR at FPIR <= 1 %, paired bootstrap over people."""
    index, emb = load(cache, 'lfw-dev')
    the_set = lfw_set(index)
    base = Run(index, emb, the_set, 'open_single', ['paddle'], confirm=True)
    tried = {
        'flip-averaged templates and probes': Run(index, emb, the_set, 'open_single', ['paddle'], confirm=True, flip=True),
        'gallery threshold for FPIR 0.5 %': Run(index, emb, the_set, 'open_single', ['paddle'], confirm=True, target=0.005),
        'margin 0 (threshold only)': Run(index, emb, the_set, 'open_single', ['paddle'], confirm=True, margin=0.0),
        'margin 0.10': Run(index, emb, the_set, 'open_single', ['paddle'], confirm=True, margin=0.10),
        'cohort normalisation (gallery as cohort)': Run(index, emb, the_set, 'open_single', ['paddle'], confirm=True,
                                                         cohort=True),
        'open_bgr (Paddle + fr_feature)': Run(index, emb, the_set, 'open_bgr', ['paddle', 'fr'], confirm=True),
    }
    print('\n== lfw-dev variants against open_single (confirmed look-alikes)')
    for name, run in tried.items():
        d0, _ = base.best_dir_at_fpir(0.01)
        d1, _ = run.best_dir_at_fpir(0.01)
        dp, fp, *_ = run.at(run.threshold)
        diffs = []
        for a, b in resamples(base, 200, seed=3):
            diffs.append(run.best_dir_at_fpir(0.01, a, b)[0] - base.best_dir_at_fpir(0.01, a, b)[0])
        lo, hi = ci(diffs)
        print(f'   {name}: at its threshold {run.threshold:.3f} DIR {dp * 100:.1f} % FPIR {fp * 100:.2f} %; '
              f'DIR at FPIR <= 1 % {d1 * 100:.1f} % vs {d0 * 100:.1f} % (difference {100 * (d1 - d0):+.1f} points, '
              f'95 % CI [{100 * lo:+.1f}, {100 * hi:+.1f}])')


def lookalikes(cache, pack='open_single', members=('paddle',)):
    """The look-alike margin: on each dev set, every pair of photos of two different people (each with
    another photo to probe, both photos enrollable) whose similarity reaches the 1:N threshold for 300
    templates: the pairs the duplicate check flags, that an administrator confirms as different.
    Both enrolled; every other photo of either person probes the pair."""
    threshold = gallery_threshold(pack, 300)
    for set_name in ('lfw-dev', 'cfp-fp-dev'):
        index, emb = load(cache, set_name)
        feats = features(emb, list(members))
        person = np.array([im['file'].split('/')[1] for im in index])
        usable = np.array([im['quality'] is not None for im in index])
        enrollable = np.array([refusal(im['quality']) is None for im in index])
        count = {p: (person == p).sum() for p in set(person)}
        candidates = np.where(np.array([count[p] >= 2 for p in person]) & enrollable)[0]
        sims = feats[candidates] @ feats[candidates].T
        hard = []
        for a in range(len(candidates)):
            for b in np.where(sims[a, a + 1:] >= threshold)[0] + a + 1:
                if person[candidates[a]] != person[candidates[b]]:
                    hard.append((candidates[a], candidates[b], sims[a, b]))
        own, other, profile = [], [], []
        for a, b, _ in hard:
            for enrolled, partner in ((a, b), (b, a)):
                for q in np.where((person == person[enrolled]) & usable)[0]:
                    if q != enrolled:
                        own.append(feats[q] @ feats[enrolled])
                        other.append(feats[q] @ feats[partner])
                        profile.append('/profile/' in index[q]['file'])
        own, other, profile = np.array(own), np.array(other), np.array(profile)
        lead = other - own
        print(f'\n== {set_name}: {len(hard)} hardest impostor pairs (>= {threshold}), '
              f'{len(set(person[[h[0] for h in hard]]) | set(person[[h[1] for h in hard]]))} people, {len(own)} probes')
        worst = np.sort(lead[other >= threshold])[::-1][:5]
        print('   largest leads of the partner over the own person (partner at or above the threshold):', worst.round(3).tolist())
        for m in (0.05, 0.10, 0.15, 0.19, 0.20):
            for sel, name in ((~profile, 'frontal'), (profile, 'profile')):
                if sel.any():
                    wrong = ((other >= threshold) & (lead >= m))[sel].sum()
                    right = ((own >= threshold) & (-lead >= m))[sel].mean() * 100
                    print(f'   margin {m:.2f}, {name} probes ({sel.sum()}): decided as the partner {wrong}, '
                          f'identified as themselves {right:.1f} %')


def main():
    cache = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith('--') else '/tmp/w3-recognition'
    if '--lookalikes' in sys.argv:
        lookalikes(cache)
        return
    product_table(cache)
    miss_analysis(cache)
    variants(cache)


if __name__ == '__main__':
    main()
