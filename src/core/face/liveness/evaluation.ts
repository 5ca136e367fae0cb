import { csvRows } from '../../csv';
import { FaceGateError } from '../../errors';
import type { LivenessVerdict } from '../types';

/** One row of a liveness labels file: `file,label[,attack_type,...]`, label real|spoof. */
export interface LivenessLabel {
  file: string;
  label: 'real' | 'spoof';
  /** Presentation attack instrument species (print, screen_replay, ...), '' when not given. */
  attackType: string;
  /**
   * Where the image comes from (`owner/name@commit:path#t=S` in ../shared/datasets/spoof-dev), '' when
   * not given. Frames of one clip share everything before '#': see clipOf and sourceOf.
   */
  source: string;
  /** 1-based line number, for messages. */
  line: number;
}

/** Parses a labels CSV with a header naming at least `file` and `label` (real or spoof). */
export function parseLivenessLabels(text: string, fileName = 'labels file'): LivenessLabel[] {
  const rows = csvRows(text);
  const header = rows.shift()?.fields.map((h) => h.trim().toLowerCase()) ?? [];
  const fileCol = header.indexOf('file');
  const labelCol = header.indexOf('label');
  const typeCol = header.indexOf('attack_type');
  const sourceCol = header.indexOf('source');
  if (fileCol < 0 || labelCol < 0) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `${fileName}: the first line must name the columns, with at least 'file' and 'label' (real or spoof); got '${header.join(',')}'.`,
    );
  }
  const labels = rows.map(({ fields, line }) => {
    const file = (fields[fileCol] ?? '').trim();
    const label = (fields[labelCol] ?? '').trim().toLowerCase();
    if (!file || (label !== 'real' && label !== 'spoof')) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `${fileName}, line ${line}: needs a file name and the label 'real' or 'spoof', got '${fields.join(',')}'.`,
      );
    }
    const attackType = (fields[typeCol] ?? '').trim();
    return {
      file,
      label: label as 'real' | 'spoof',
      // spoof-dev writes 'none' for the bona fide rows.
      attackType: label === 'real' && attackType === 'none' ? '' : attackType,
      source: sourceCol >= 0 ? (fields[sourceCol] ?? '').trim() : '',
      line,
    };
  });
  if (labels.length === 0) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `${fileName} lists no images: add rows 'file,label' under the header.`,
    );
  }
  return labels;
}

/** What the judge said about one labelled image. */
export interface LivenessOutcome {
  label: 'real' | 'spoof';
  attackType: string;
  /** Null when no face was found. */
  score: number | null;
  /** 'no_face' when the image holds no face. */
  verdict: LivenessVerdict | 'no_face';
}

export interface ErrorRate {
  errors: number;
  total: number;
  /** errors / total, null when total is 0. */
  rate: number | null;
}

export interface LivenessErrorRates {
  /** Attack presentation classification error rate: share of attacks accepted as live. */
  apcer: ErrorRate;
  /** APCER per attack type (PAI species), and the worst of them (ISO/IEC 30107-3 reports the maximum). */
  apcerBySpecies: Record<string, ErrorRate>;
  apcerWorst: number | null;
  /** Bona fide presentation classification error rate: share of real faces not accepted as live. */
  bpcer: ErrorRate;
  /** Images where no verdict could be reached (no face, cannot judge), counted as not accepted above. */
  notJudged: { real: number; spoof: number };
}

const rate = (errors: number, total: number): ErrorRate => ({
  errors,
  total,
  rate: total ? errors / total : null,
});

/**
 * ISO/IEC 30107-3 error rates at the verdicts given. Only 'live' is accepted: a face that cannot
 * be judged, or an image without a face, keeps the door shut, so it counts as a rejection.
 */
export function livenessErrorRates(outcomes: readonly LivenessOutcome[]): LivenessErrorRates {
  const attacks = outcomes.filter((o) => o.label === 'spoof');
  const bonaFide = outcomes.filter((o) => o.label === 'real');
  const accepted = (o: LivenessOutcome) => o.verdict === 'live';
  const species = new Map<string, LivenessOutcome[]>();
  for (const o of attacks) {
    const key = o.attackType || 'unspecified';
    species.set(key, [...(species.get(key) ?? []), o]);
  }
  const apcerBySpecies = Object.fromEntries(
    [...species].map(([key, list]) => [key, rate(list.filter(accepted).length, list.length)]),
  );
  const rates = Object.values(apcerBySpecies)
    .map((r) => r.rate)
    .filter((r): r is number => r !== null);
  const notJudged = (list: LivenessOutcome[]) =>
    list.filter((o) => o.verdict === 'cannot_judge' || o.verdict === 'no_face').length;
  return {
    apcer: rate(attacks.filter(accepted).length, attacks.length),
    apcerBySpecies,
    apcerWorst: rates.length ? Math.max(...rates) : null,
    bpcer: rate(bonaFide.filter((o) => !accepted(o)).length, bonaFide.length),
    notJudged: { real: notJudged(bonaFide), spoof: notJudged(attacks) },
  };
}
