import { mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { FaceGateError, isFaceGateError } from '../errors';
import { seededRandom } from '../random';
import { decodeImage } from '../image/decode';
import type { FaceEngine } from './face-engine';
import { recognizerOf } from './face-engine';
import { Gallery } from './gallery';
import { galleryThreshold } from './gallery-threshold';
import { importFolder, type ImportReport } from './import-folder';
import type { DecisionRule } from './matcher/decide';
import type { QualityGates } from './quality';

/** One photo of an identification set: its path (relative to the set's root) and person. */
export interface LabelledPhoto {
  file: string;
  identity: string;
}

/** An open-set 1:N set: the first photo of each person is enrolled, the rest probe; strangers are never enrolled. */
export interface IdentificationSet {
  root: string;
  enrol: LabelledPhoto[];
  probes: LabelledPhoto[];
  strangers: LabelledPhoto[];
}

/**
 * Reads a labels file (`file,identity,subset`, lfw-dev's format): subset `identification` people
 * enrol their first photo (sorted by file name) and probe with the others; subset `stranger` photos
 * are never enrolled.
 */
export function readIdentificationSet(
  labelsFile: string,
  root = path.dirname(labelsFile),
): IdentificationSet {
  let text: string;
  try {
    text = readFileSync(labelsFile, 'utf8');
  } catch (error) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `Cannot read the labels file ${labelsFile}: ${(error as Error).message}`,
    );
  }
  const rows = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => line.split(','));
  if (rows[0]?.[0] === 'file') rows.shift();
  const byPerson = new Map<string, string[]>();
  const strangers: LabelledPhoto[] = [];
  for (const [index, cells] of rows.entries()) {
    const [file, identity, subset] = cells.map((c) => c.trim());
    if (!file || !identity || !subset) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `${labelsFile} line ${index + 2}: expected file,identity,subset, got "${cells.join(',')}".`,
      );
    }
    if (subset === 'stranger') strangers.push({ file, identity });
    else if (subset === 'identification') byPerson.set(identity, [...(byPerson.get(identity) ?? []), file]);
  }
  const enrol: LabelledPhoto[] = [];
  const probes: LabelledPhoto[] = [];
  for (const [identity, files] of [...byPerson.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const [first, ...rest] = [...files].sort();
    enrol.push({ file: first, identity });
    for (const file of rest) probes.push({ file, identity });
  }
  if (!enrol.length) {
    throw new FaceGateError(
      'INVALID_INPUT',
      `${labelsFile} lists no person of subset "identification": nothing to enrol.`,
    );
  }
  return { root, enrol, probes, strangers };
}

export interface IdentificationOptions {
  /** An empty folder for the gallery database and the import folder (it is emptied first). */
  workDir: string;
  /** The live decision; a null threshold is the product default (gallery-size-aware, gallery-threshold.ts). */
  rule: { threshold: number | null; margin: number };
  /** Similarity at which enrolment calls a face a duplicate (default: the rule's threshold). */
  duplicateThreshold?: number;
  gates?: Partial<QualityGates>;
  /** Quality problems short of a refusal are noted, not refused (the product default), unless strict. */
  strict?: boolean;
  /**
   * Act as the administrator who sees a look-alike refused as a duplicate of another labelled person
   * and confirms "different people": those photos are enrolled with force (the pair is stored and the
   * live decision keeps them apart by the look-alike margin). Off: a refused look-alike is a miss.
   */
  confirmLookalikes?: boolean;
  onProgress?: (stage: 'enrol' | 'probe', done: number, total: number) => void;
}

export interface ProbeOutcome {
  file: string;
  /** The person the photo shows; null for a stranger. */
  identity: string | null;
  /** The decision's person (identity string), or null when unknown. */
  decided: string | null;
  /** The best candidate's identity and similarity (null when no face or an empty gallery). */
  best: { identity: string; score: number } | null;
  secondScore: number | null;
  noFace: boolean;
}

export interface CurvePoint {
  threshold: number;
  /** Probes identified as their own person at this threshold, of all probes. */
  dir: number;
  /** Strangers whose best candidate reaches the threshold, of all strangers. */
  fpir: number;
}

export interface IdentificationEvaluation {
  pack: string;
  people: number;
  enrolled: number;
  /** enrolled / people. */
  enrolledShare: number;
  refused: ImportReport['refused'];
  /** Look-alikes enrolled after the administrator's "different people" confirmation (confirmLookalikes). */
  confirmedLookalikes: number;
  /** Enrolled with a quality note (usable, not ideal). */
  noted: number;
  probes: number;
  strangers: number;
  rule: DecisionRule;
  /** Probes identified as their own person, of all probes (a refused person's probes are misses). */
  dir: number;
  /** People all of whose probes were identified as them, of all people (refused people count as misses). */
  dirPeople: number;
  /** Strangers identified as someone, of all strangers. */
  fpir: number;
  /** 95 % intervals of DIR and FPIR: bootstrap over people (1,000 resamples, seeded). */
  ci95: { dir: [number, number]; fpir: [number, number] };
  /** Probes (of all) whose best candidate is their own person, whatever the score. */
  rank1: number;
  /** Probes identified as someone else: the error a door must never make. */
  wrongPerson: { file: string; identity: string; decided: string; score: number }[];
  probeNoFace: number;
  /** Each enrolled person's enrolment photo quality figures (to measure what each gate protects). */
  enrolment: { identity: string; quality: Record<string, number> }[];
  curve: CurvePoint[];
  outcomes: ProbeOutcome[];
}

/**
 * Open-set 1:N through the product's own path: the first photo of each person is imported with
 * importFolder (quality gates and duplicate check included) into a fresh gallery, then every other
 * photo and every stranger is analysed and identified with the live decision rule.
 */
export async function evaluateIdentification(
  engine: FaceEngine,
  set: IdentificationSet,
  options: IdentificationOptions,
): Promise<IdentificationEvaluation> {
  const work = path.resolve(options.workDir);
  rmSync(work, { recursive: true, force: true });
  const photos = path.join(work, 'photos');
  mkdirSync(photos, { recursive: true });
  // The import folder: one sub-folder per person, named as import names people, holding a link to the first photo.
  const folderOf = new Map<string, string>();
  for (const { file, identity } of set.enrol) {
    const folder = identity.replace(/[^\p{L}\p{N}_ .'-]+/gu, '_');
    folderOf.set(folder.replace(/_/g, ' ').replace(/\s+/g, ' ').trim(), identity);
    mkdirSync(path.join(photos, folder), { recursive: true });
    symlinkSync(path.resolve(set.root, file), path.join(photos, folder, path.basename(file)));
  }
  const gallery = Gallery.open(path.join(work, 'gallery.db'));
  try {
    const importOptions = {
      engine,
      duplicateThreshold:
        options.duplicateThreshold ??
        options.rule.threshold ??
        galleryThreshold(engine.info, set.enrol.length),
      gates: options.gates,
      strict: options.strict,
      actor: 'eval-identification',
      onProgress: (p: { index: number; total: number }) => options.onProgress?.('enrol', p.index, p.total),
    };
    let report = await importFolder(gallery, photos, importOptions);
    let confirmedLookalikes = 0;
    if (options.confirmLookalikes && report.refused.some((r) => r.reason === 'duplicate')) {
      // The administrator's confirmation: the same import again with force. Photos already enrolled
      // are skipped by their content hash, quality refusals stay refusals; the look-alikes are enrolled
      // and each pair is stored as "different people" (enrolFace).
      const again = await importFolder(gallery, photos, { ...importOptions, force: true });
      confirmedLookalikes = again.added;
      report = { ...report, refused: again.refused, noted: [...report.noted, ...again.noted] };
    }
    gallery.useModel(recognizerOf(engine));
    const rule: DecisionRule = {
      threshold: options.rule.threshold ?? galleryThreshold(engine.info, gallery.index()?.size ?? 0),
      margin: options.rule.margin,
    };
    const identityOfPerson = new Map<number, string>();
    const enrolment: IdentificationEvaluation['enrolment'] = [];
    for (const person of gallery.listPeople({ limit: 100_000 })) {
      const identity = folderOf.get(person.name) ?? person.name;
      identityOfPerson.set(person.id, identity);
      const [template] = gallery.templates.listForPerson(person.id);
      enrolment.push({ identity, quality: template?.quality ?? {} });
    }
    const queries = [
      ...set.probes.map((p) => ({ ...p, stranger: false })),
      ...set.strangers.map((p) => ({ ...p, stranger: true })),
    ];
    const outcomes: ProbeOutcome[] = [];
    for (const [i, query] of queries.entries()) {
      let embedding: Float32Array | undefined;
      try {
        const image = await decodeImage(path.resolve(set.root, query.file));
        const result = await engine.analyze(image, { embed: 'main' });
        embedding = result.faces[0]?.embedding;
      } catch (error) {
        if (!isFaceGateError(error)) throw error;
      }
      // The live decision itself (Gallery.identify: threshold, margin, confirmed look-alikes).
      const result = embedding && gallery.index() ? gallery.identify(embedding, rule, 2) : null;
      const hits = result?.candidates ?? [];
      const name = (personId: number) => identityOfPerson.get(personId) ?? String(personId);
      outcomes.push({
        file: query.file,
        identity: query.stranger ? null : query.identity,
        decided: result?.person ? name(result.person.id) : null,
        best: hits[0] ? { identity: name(hits[0].personId), score: hits[0].score } : null,
        secondScore: hits[1]?.score ?? null,
        noFace: !embedding,
      });
      options.onProgress?.('probe', i + 1, queries.length);
    }
    const probeOutcomes = outcomes.filter((o) => o.identity !== null);
    const strangerOutcomes = outcomes.filter((o) => o.identity === null);
    const share = (n: number, of: number) => (of ? n / of : Number.NaN);
    const correct = (o: ProbeOutcome) => o.decided !== null && o.decided === o.identity;
    const peopleOk = set.enrol.filter((e) => {
      const own = probeOutcomes.filter((o) => o.identity === e.identity);
      const enrolled = [...identityOfPerson.values()].includes(e.identity);
      return enrolled && own.every(correct);
    }).length;
    const thresholds = Array.from({ length: 101 }, (_, k) => k / 100);
    const curve = thresholds.map((threshold) => ({
      threshold,
      dir: share(
        probeOutcomes.filter((o) => o.best && o.best.identity === o.identity && o.best.score >= threshold)
          .length,
        probeOutcomes.length,
      ),
      fpir: share(
        strangerOutcomes.filter((o) => o.best && o.best.score >= threshold).length,
        strangerOutcomes.length,
      ),
    }));
    return {
      pack: engine.info.pack,
      people: set.enrol.length,
      enrolled: identityOfPerson.size,
      enrolledShare: share(identityOfPerson.size, set.enrol.length),
      refused: report.refused,
      confirmedLookalikes,
      noted: report.noted.length,
      probes: probeOutcomes.length,
      strangers: strangerOutcomes.length,
      rule,
      dir: share(probeOutcomes.filter(correct).length, probeOutcomes.length),
      ci95: {
        dir: bootstrapOverPeople(probeOutcomes, (o) => o.identity as string, correct),
        fpir: bootstrapOverPeople(
          strangerOutcomes,
          (o) => o.file,
          (o) => o.decided !== null,
        ),
      },
      dirPeople: share(peopleOk, set.enrol.length),
      fpir: share(strangerOutcomes.filter((o) => o.decided !== null).length, strangerOutcomes.length),
      rank1: share(
        probeOutcomes.filter((o) => o.best && o.best.identity === o.identity).length,
        probeOutcomes.length,
      ),
      wrongPerson: probeOutcomes
        .filter((o) => o.decided !== null && o.decided !== o.identity)
        .map((o) => ({
          file: o.file,
          identity: o.identity as string,
          decided: o.decided as string,
          score: o.best?.score ?? Number.NaN,
        })),
      probeNoFace: probeOutcomes.filter((o) => o.noFace).length,
      enrolment,
      curve,
      outcomes,
    };
  } finally {
    gallery.close();
  }
}

/**
 * 95 % percentile interval of the share of outcomes that pass, resampling whole people (all of a
 * person's outcomes together; a stranger is one person per photo), 1,000 times, seeded.
 */
export function bootstrapOverPeople<T>(
  outcomes: readonly T[],
  personOf: (o: T) => string,
  passes: (o: T) => boolean,
  resamples = 1000,
): [number, number] {
  const people = new Map<string, { n: number; ok: number }>();
  for (const o of outcomes) {
    const entry = people.get(personOf(o)) ?? { n: 0, ok: 0 };
    entry.n++;
    if (passes(o)) entry.ok++;
    people.set(personOf(o), entry);
  }
  const groups = [...people.values()];
  if (!groups.length) return [Number.NaN, Number.NaN];
  const random = seededRandom(20261207);
  const shares: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let n = 0;
    let ok = 0;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[Math.floor(random() * groups.length)];
      n += g.n;
      ok += g.ok;
    }
    shares.push(ok / n);
  }
  shares.sort((a, b) => a - b);
  return [shares[Math.floor(0.025 * (resamples - 1))], shares[Math.ceil(0.975 * (resamples - 1))]];
}
