import type { CalibrationResult } from '../../shared/people';
import { FaceGateError } from '../../core/errors';
import { calibrateGallery } from '../../core/gallery/calibration';
import type { Gallery } from '../../core/gallery/gallery';
import type { ModelRef } from '../../core/gallery/template-repository';
import { findPackSpec, loadCatalog } from '../../core/models';
import type { PackSpec } from '../../core/models/catalog-schema';
import { packRecognizerIdentity } from '../../core/models/catalog';
import { numberOption, stringOption, writeJson, type Command } from '../command';
import { exitCodes } from '../exit-codes';
import { galleryThreshold } from '../../core/gallery/gallery-threshold';
import { storedNumber, storedSection } from '../../core/gallery/stored-settings';
import { databaseHelp, databaseOptions, withGallery } from './people';

/** The model to calibrate and its pack's default threshold: from --pack, else the gallery's main model. */
function chooseModel(
  gallery: Gallery,
  packId: string | undefined,
): { model: ModelRef; pack: string; packThreshold: number; spec: PackSpec } {
  const catalog = loadCatalog();
  if (packId) {
    const pack = findPackSpec(catalog, packId);
    if (!pack) {
      throw new FaceGateError(
        'PACK_NOT_FOUND',
        `There is no pack '${packId}' in the catalog; see facegate models.`,
      );
    }
    // The pack's recognizer as templates record it (fused recognizers under their joint id).
    const recognizer = packRecognizerIdentity(catalog, pack);
    return {
      model: { modelId: recognizer.id, modelSha256: recognizer.sha256 },
      pack: pack.id,
      packThreshold: pack.threshold,
      spec: pack,
    };
  }
  const [main] = gallery.templates.models().sort((a, b) => b.templates - a.templates);
  if (!main)
    throw new FaceGateError(
      'NOT_FOUND',
      'The gallery has no templates yet: enrol people first (facegate enroll, import).',
    );
  const ordered = [...catalog.packs].sort(
    (a, b) => rank(catalog.defaultPacks, a.id) - rank(catalog.defaultPacks, b.id),
  );
  const pack = ordered.find((p) => packRecognizerIdentity(catalog, p).id === main.modelId);
  if (!pack) {
    throw new FaceGateError(
      'PACK_NOT_FOUND',
      `No pack of the catalog uses the gallery's model '${main.modelId}'; name the pack with --pack.`,
    );
  }
  return { model: main, pack: pack.id, packThreshold: pack.threshold, spec: pack };
}

function rank(order: readonly string[], id: string): number {
  const i = order.indexOf(id);
  return i < 0 ? order.length : i;
}

const sourceText: Record<CalibrationResult['source'], string> = {
  gallery: 'measured on this gallery',
  extrapolated: 'extrapolated from this gallery',
  pack: "the pack's",
};

function describe(result: CalibrationResult, pack: string): string {
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(2)}%`);
  return [
    `Gallery: ${result.people} people, ${result.templates} templates of ${result.model} (pack ${pack}).`,
    `Pairs: ${result.genuinePairs} genuine (same person), ${result.impostorPairs} impostor (different people).`,
    `Target: ${pct(result.targetFar)} of strangers taken for someone, i.e. ${result.pairFar.toExponential(1)} per template pair.`,
    result.message,
    `Suggested threshold: ${result.suggestedThreshold.toFixed(3)} (${sourceText[result.source]}; pack threshold ${result.packThreshold}).`,
    `At the suggestion: ${pct(result.genuineIdentificationRate)} of templates are recognised by their person's other templates; ` +
      `${pct(result.genuineAcceptRate)} of genuine pairs pass.`,
    ...[
      ['suggestion', result.atSuggestion],
      ['current setting', result.atCurrent],
    ].flatMap(([label, point]) =>
      point && typeof point === 'object' ? [rates(label as string, point)] : [],
    ),
    result.warning ?? '',
  ]
    .filter(Boolean)
    .join('\n');
}

function rates(label: string, point: NonNullable<CalibrationResult['atSuggestion']>): string {
  const oneIn = (v: number) =>
    v > 0 ? `about 1 in ${Math.max(1, Math.round(1 / v)).toLocaleString('en')}` : 'none';
  const staff =
    point.staffRefused === null
      ? 'staff falsely refused: unknown (no same-person photos to measure it)'
      : `staff falsely refused ${(point.staffRefused * 100).toFixed(1)} % (${oneIn(point.staffRefused)}; ` +
        `${point.staffRefusedFrom === 'gallery' ? "this gallery's people" : "the pack's dev measurement"})`;
  return (
    `At the ${label} ${point.threshold.toFixed(3)}: strangers taken for someone ${(point.strangersAccepted * 100).toFixed(2)} % ` +
    `(${oneIn(point.strangersAccepted)}), ${staff}.`
  );
}

export const calibrateCommand: Command = {
  name: 'calibrate',
  summary: 'Suggest a match threshold from the gallery itself (genuine vs impostor scores)',
  usage: '[--pack ID] [--far RATE] [--json]',
  options: { ...databaseOptions, pack: { type: 'string' }, far: { type: 'string' } },
  help: [
    'Genuine scores are pairs of templates of the same person, impostor scores pairs of different people.',
    'A stranger is compared with every template, so 1:N false accepts grow with the gallery: the threshold',
    'is set where the impostor tail falls to RATE / templates. When the gallery has too few impostor pairs to',
    'see such a rare tail it says so and extrapolates the tail from the highest impostor scores. It never',
    "suggests less than the pack's 1:1 threshold. See docs/gallery.md.",
    '',
    "  --pack ID             calibrate this pack's recognizer (default: the model most templates use)",
    '  --far RATE            target share of strangers taken for someone (default 0.001)',
    '',
    databaseHelp,
  ].join('\n'),
  async run(ctx) {
    return withGallery(ctx, async (gallery) => {
      const { model, pack, packThreshold, spec } = chooseModel(gallery, stringOption(ctx, 'pack'));
      const stored = storedSection(gallery.settings, 'recognition');
      const templates = [...gallery.templates.embeddingsFor(model.modelId)].filter(
        (e) => e.modelSha256 === model.modelSha256,
      ).length;
      const result = calibrateGallery(gallery, model, {
        targetFar: numberOption(ctx, 'far') ?? 0.001,
        packThreshold,
        currentThreshold: storedNumber(stored, 'threshold') ?? galleryThreshold(spec, templates),
        ...(spec.genuine ? { genuineQuantiles: spec.genuine.quantiles } : {}),
        ...(spec.impostor ? { impostorModel: spec.impostor } : {}),
      });
      if (ctx.json) writeJson(ctx, { pack, ...result });
      else ctx.stdout.write(`${describe(result, pack)}\n`);
      return exitCodes.ok;
    });
  },
};
