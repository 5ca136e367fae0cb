import { createHash } from 'node:crypto';
import type { CallArgs } from '../../../shared/contract';
import type { EnrolResult, QualityReport } from '../../../shared/people';
import { FaceGateError, isFaceGateError } from '../../errors';
import { enrolFace } from '../../gallery/enrolment';
import { recognizerOf } from '../../gallery/face-engine';
import { decisionThreshold } from '../../gallery/gallery-threshold';
import { assessFaces, type QualityGates } from '../../gallery/quality';
import type { HostAnalysis } from '../../inference';
import { actorOf, type Handlers, type ServiceContext } from '../context';
import type { CallerSession } from '../session';

/** Faces considered in an enrolment image: enough to notice a second person in it. */
export const enrolMaxFaces = 10;

export function gates(ctx: ServiceContext): QualityGates {
  const { cameraSamples: _samples, ...gates } = ctx.settings.current.enrolment;
  return gates;
}

export function requireModels(ctx: ServiceContext) {
  if (!ctx.models.ready || !ctx.models.info) {
    throw new FaceGateError(
      'MODEL_LOAD',
      `The face models are not ready (${ctx.models.message ?? ctx.models.state}); enrol once the status page shows them loaded.`,
    );
  }
  return ctx.models.info;
}

async function enrol(
  ctx: ServiceContext,
  session: CallerSession,
  personId: number,
  force: boolean,
  source: 'photo' | 'camera',
  sourceRef: string,
  analyse: () => Promise<HostAnalysis>,
  contentSha256: string | null = null,
): Promise<EnrolResult> {
  const info = requireModels(ctx);
  ctx.gallery.people.require(personId);
  let analysis: HostAnalysis;
  try {
    analysis = await analyse();
  } catch (error) {
    if (!isFaceGateError(error, 'IMAGE_UNREADABLE')) throw error;
    // One unreadable file among several uploads is a per-photo result, not a failed call.
    const quality: QualityReport = {
      ok: false,
      faceCount: 0,
      face: null,
      figures: {},
      issues: [{ code: 'unreadable', message: error.message }],
    };
    return { accepted: false, template: null, quality, duplicateOf: null, message: error.message };
  }
  const settings = ctx.settings.current;
  const { person: _person, ...result } = await enrolFace(ctx.gallery, analysis, {
    personId,
    source,
    sourceRef,
    model: recognizerOf({ info }),
    duplicateThreshold: decisionThreshold(
      settings.recognition.threshold,
      info,
      ctx.gallery.index()?.size ?? 0,
    ),
    force,
    contentSha256,
    gates: gates(ctx),
    actor: actorOf(session),
    // The desk's file, or (a site kiosk) the site database, whence it reaches this copy and every
    // other kiosk through the change feed; refused, with the reason, when the site cannot be reached.
    writes: ctx.writes,
  });
  if (result.accepted) ctx.bus.emit('people.changed', { id: personId, change: 'enrolled' });
  return result;
}

function countMatching(ctx: ServiceContext, query: CallArgs<'people.list'>, page: number): number {
  // The repository lists pages; a full page means there may be more, so count them all.
  if (page < query.limit) return query.offset + page;
  return ctx.gallery.listPeople({ ...query, limit: 100_000, offset: 0 }).length;
}

export const peopleHandlers: Pick<
  Handlers,
  | 'people.list'
  | 'people.get'
  | 'people.create'
  | 'people.update'
  | 'people.delete'
  | 'people.deleteTemplate'
  | 'people.thumbnail'
  | 'enrol.check'
  | 'enrol.fromFrame'
  | 'enrol.fromPhoto'
> = {
  'people.list': (query, _session, ctx) => {
    const people = ctx.gallery.listPeople(query);
    return { people, total: countMatching(ctx, query, people.length) };
  },
  'people.get': ({ id }, _session, ctx) => ({
    person: ctx.gallery.people.require(id),
    templates: ctx.gallery.templates.listForPerson(id),
  }),
  'people.create': async (input, session, ctx) => {
    const person = await ctx.writes.createPerson(input, actorOf(session));
    ctx.bus.emit('people.changed', { id: person.id, change: 'created' });
    ctx.status.changed();
    return person;
  },
  'people.update': async ({ id, ...patch }, session, ctx) => {
    const person = await ctx.writes.updatePerson(id, patch, actorOf(session));
    // Someone deactivated while standing at the desk: the next decision must use the new facts.
    ctx.frames.reset();
    ctx.bus.emit('people.changed', { id, change: 'updated' });
    return person;
  },
  'people.delete': async ({ id }, session, ctx) => {
    // At a site kiosk: returns once the site has erased the person and the kiosks online have dropped them.
    const { wiped: _wiped, ...result } = await ctx.writes.erasePerson(
      id,
      ctx.settings.current.attendance.erasure,
      actorOf(session),
      ctx.log,
    );
    ctx.frames.reset();
    ctx.bus.emit('people.changed', { id, change: 'deleted' });
    ctx.status.changed();
    return result;
  },
  'people.deleteTemplate': async ({ personId, templateId }, session, ctx) => {
    const removed = await ctx.writes.deleteTemplate(personId, templateId, actorOf(session));
    if (removed) ctx.bus.emit('people.changed', { id: personId, change: 'template_deleted' });
    return { removed };
  },
  'people.thumbnail': ({ id, templateId }, _session, ctx) => {
    const templates = ctx.gallery.templates.listForPerson(id);
    const template = templateId !== undefined ? templates.find((t) => t.id === templateId) : templates[0];
    const crop = template ? ctx.gallery.templates.crop(template.id) : null;
    return crop ? { mime: 'image/jpeg' as const, data: new Uint8Array(crop) } : null;
  },
  'enrol.check': async ({ frame }, _session, ctx) => {
    requireModels(ctx);
    const analysis = await ctx.host.analyzeFrame(frame, { maxFaces: enrolMaxFaces, keepAligned: true });
    const { quality: _quality, ...report } = assessFaces(analysis.faces, gates(ctx));
    return report;
  },
  'enrol.fromFrame': ({ personId, frame, force }, session, ctx) =>
    enrol(ctx, session, personId, force, 'camera', `camera (${session.label})`, () =>
      ctx.host.analyzeFrame(frame, { maxFaces: enrolMaxFaces, keepAligned: true }),
    ),
  'enrol.fromPhoto': ({ personId, fileName, data, force }, session, ctx) =>
    enrol(
      ctx,
      session,
      personId,
      force,
      'photo',
      fileName,
      () => ctx.host.analyzePhoto(data, fileName, { maxFaces: enrolMaxFaces, keepAligned: true }),
      createHash('sha256').update(data).digest('hex'),
    ),
};
