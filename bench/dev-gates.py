#!/usr/bin/env python3
"""What each enrolment gate protects, measured on the dev identification set.

    node bin/facegate.js eval-identification ../shared/datasets/lfw-dev/labels.csv --pack PACK \\
        --cache /tmp/i11-recognition/id-cache --json > id.json
    python3 bench/dev-gates.py id.json

Takes one eval-identification run (everyone the refusal limits let through is enrolled, with the
quality figures of their enrolment photo) and replays each gate at several limits: a person whose
enrolment photo misses the limit is refused, so their probes become misses and strangers taken for
them are no longer false accepts. For each limit: people enrolled, DIR (of all probes), FPIR, and
the DIR of the people the limit would refuse (what refusing them protects: if it is as high as the
others', the gate refuses people the desk would have recognised).
"""
import json
import sys

GATES = [
    ('interEyePx', 'min', [0, 15, 20, 25, 30, 35, 40, 45]),
    ('sharpness', 'min', [0, 10, 20, 30, 50, 80, 120]),
    ('detScore', 'min', [0, 0.5, 0.6, 0.7, 0.8, 0.9]),
    ('yawDegrees', 'maxabs', [90, 60, 50, 40, 30, 20]),
    ('rollDegrees', 'maxabs', [90, 45, 30, 20]),
]


def main():
    data = json.load(open(sys.argv[1]))
    outcomes = data['outcomes']
    quality = {e['identity']: e['quality'] for e in data['enrolment']}
    probes = [o for o in outcomes if o['identity'] is not None]
    strangers = [o for o in outcomes if o['identity'] is None]
    people = data['people']
    print(f"{data['pack']}: {people} people, {len(quality)} enrolled by the run, {len(probes)} probes, "
          f"{len(strangers)} strangers; rule {data['rule']}")
    for figure, kind, limits in GATES:
        print(f'\n{figure} ({"at least" if kind == "min" else "|value| at most"}):')
        print(f"{'limit':>8s} {'enrolled':>9s} {'DIR %':>7s} {'FPIR %':>7s} {'refused':>8s} {'DIR of refused %':>17s}")
        for limit in limits:
            def passes(identity):
                q = quality.get(identity)
                if q is None:
                    return False
                v = q.get(figure)
                if v is None:
                    return True
                return v >= limit if kind == 'min' else abs(v) <= limit
            kept = {i for i in quality if passes(i)}
            refused = set(quality) - kept
            correct = [o for o in probes if o['decided'] == o['identity'] and o['identity'] in kept]
            fp = [o for o in strangers if o['decided'] is not None and o['decided'] in kept]
            refused_probes = [o for o in probes if o['identity'] in refused]
            refused_ok = [o for o in refused_probes if o['decided'] == o['identity']]
            dir_refused = f"{100 * len(refused_ok) / len(refused_probes):.1f} ({len(refused_ok)}/{len(refused_probes)})" if refused_probes else '-'
            print(f"{limit:>8} {len(kept):>5d}/{people:<3d} {100 * len(correct) / len(probes):7.2f} "
                  f"{100 * len(fp) / len(strangers):7.2f} {len(refused):>8d} {dir_refused:>17s}")


if __name__ == '__main__':
    main()
