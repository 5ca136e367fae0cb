import { decisionThreshold } from '../../gallery/gallery-threshold';
import { findPackSpec, loadCatalog } from '../../models';
import { calibrateGallery } from '../../gallery/calibration';
import { recognizerOf } from '../../gallery/face-engine';
import { listPacks, modelSearchPath, resolvePack } from '../../models';
import { FaceGateError } from '../../errors';
import { actorOf, type Handlers } from '../context';

export const settingsHandlers: Pick<
  Handlers,
  'settings.get' | 'settings.set' | 'recognition.calibrate' | 'models.list' | 'models.active'
> = {
  'settings.get': (_args, _session, ctx) => ctx.settings.current,
  'settings.set': async ({ patch }, session, ctx) => {
    const pack = patch.recognition?.pack;
    if (pack && pack !== ctx.settings.current.recognition.pack) {
      // Refuse a pack whose files are missing or damaged now, rather than stop recognising later.
      await resolvePack(pack, ctx.searchPath ? { searchPath: ctx.searchPath } : {});
    }
    // A site's kiosk writes the site's sections to the site first (every kiosk applies them as
    // they arrive, this one before the call returns); the desk's file is written just below.
    const preview = ctx.settings.preview(patch);
    await ctx.writes.putSettings(
      Object.fromEntries(preview.changed.map((s) => [s, preview.settings[s]])),
      actorOf(session),
    );
    const { settings, changed } = ctx.settings.update(patch, actorOf(session));
    if (changed.length > 0) {
      await ctx.applySettings(settings);
      ctx.bus.emit('settings.changed', { sections: changed });
      ctx.status.changed();
    }
    return settings;
  },
  'recognition.calibrate': ({ targetFar }, _session, ctx) => {
    const info = ctx.models.info;
    if (!info)
      throw new FaceGateError('MODEL_LOAD', 'Calibration needs the face models loaded: see the status page.');
    const spec = findPackSpec(loadCatalog(), info.pack);
    const current = decisionThreshold(
      ctx.settings.current.recognition.threshold,
      info,
      ctx.gallery.index()?.size ?? 0,
    );
    const result = calibrateGallery(ctx.gallery, recognizerOf({ info }), {
      targetFar,
      packThreshold: info.threshold,
      currentThreshold: current,
      ...(spec?.genuine ? { genuineQuantiles: spec.genuine.quantiles } : {}),
      ...(spec?.impostor ? { impostorModel: spec.impostor } : {}),
    });
    return { ...result, currentThreshold: current };
  },
  'models.list': async (_args, _session, ctx) => {
    const searchPath = ctx.searchPath ?? modelSearchPath();
    const active = ctx.models.info?.pack ?? null;
    const packs = await listPacks(searchPath);
    return {
      packs: packs.map((p) => ({
        id: p.id,
        title: p.title,
        available: p.available,
        missing: p.missing,
        commercialUse: p.commercialUse,
        licences: p.licences,
        threshold: p.threshold,
        liveness: p.files.some((f) => f.role === 'liveness'),
        active: p.id === active,
      })),
      searchPath,
    };
  },
  'models.active': (_args, _session, ctx) => {
    const info = ctx.models.info;
    if (!info) return null;
    return {
      pack: info.pack,
      title: info.title,
      provider: [...new Set(info.models.map((m) => m.provider))].join(', '),
      models: info.models.map((m) => ({
        id: m.id,
        task: m.role,
        licence: m.licence.name,
        commercialUse: m.licence.commercialUse,
      })),
      commercialUse: info.commercialUse,
      embeddingSize: info.embeddingSize,
      threshold: ctx.settings.current.recognition.threshold ?? info.threshold,
      livenessModels: ctx.models.liveness.models,
      livenessThreshold: ctx.models.liveness.threshold,
    };
  },
};
