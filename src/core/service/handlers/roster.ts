import { importRosterRow, planRoster, type RosterContext } from '../../gallery/roster-import';
import { recognizerOf } from '../../gallery/face-engine';
import { decisionThreshold } from '../../gallery/gallery-threshold';
import { actorOf, type Handlers, type ServiceContext } from '../context';
import { enrolMaxFaces, gates, requireModels } from './people';

function rosterContext(ctx: ServiceContext): RosterContext {
  return { gallery: ctx.gallery, access: ctx.rules.store, writes: ctx.writes };
}

/**
 * Roster import from the admin page (docs/ui.md, "Import a roster"): a preview that writes
 * nothing, then one call per row, so the page shows progress and each row's result as it comes.
 */
export const rosterHandlers: Pick<Handlers, 'roster.preview' | 'roster.importRow'> = {
  'roster.preview': ({ csv, photos }, _session, ctx) => {
    const names = new Set(photos.map((p) => p.toLowerCase()));
    return planRoster(csv, rosterContext(ctx), (file) => names.has(file.toLowerCase()));
  },
  'roster.importRow': async ({ row, photo }, session, ctx) => {
    const info = photo ? requireModels(ctx) : null;
    const settings = ctx.settings.current;
    const result = await importRosterRow(
      row,
      rosterContext(ctx),
      photo
        ? {
            bytes: photo.data,
            analyse: () =>
              ctx.host.analyzePhoto(photo.data, photo.fileName, {
                maxFaces: enrolMaxFaces,
                keepAligned: true,
              }),
          }
        : null,
      {
        ...(info
          ? {
              model: recognizerOf({ info }),
              duplicateThreshold: decisionThreshold(
                settings.recognition.threshold,
                info,
                ctx.gallery.index()?.size ?? 0,
              ),
            }
          : {}),
        gates: gates(ctx),
        actor: actorOf(session),
      },
    );
    if (result.person) {
      ctx.bus.emit('people.changed', {
        id: result.person.id,
        change: result.outcome === 'enrolled' ? 'enrolled' : result.created ? 'created' : 'updated',
      });
      ctx.frames.reset();
      ctx.status.changed();
    }
    return result;
  },
};
