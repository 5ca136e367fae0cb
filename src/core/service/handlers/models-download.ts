import { randomUUID } from 'node:crypto';
import { downloadPack, findPackSpec, loadCatalog, needsLicenceAcceptance, packLicences } from '../../models';
import { packMembers } from '../../models/packs';
import { FaceGateError, toErrorInfo } from '../../errors';
import type { Handlers } from '../context';

/** One download at a time per service: two would write the same .part files. */
let running: string | null = null;

export const modelDownloadHandlers: Pick<Handlers, 'models.licences' | 'models.download'> = {
  'models.licences': ({ pack }) => {
    const licences = packLicences(pack);
    return { pack, needsAcceptance: needsLicenceAcceptance(licences), licences };
  },
  'models.download': async ({ pack, acceptLicence }, _session, ctx) => {
    if (running)
      throw new FaceGateError(
        'CONFLICT',
        `The pack '${running}' is being downloaded; wait for it to finish.`,
      );
    const catalog = loadCatalog();
    const job = randomUUID();
    const packSpec = findPackSpec(catalog, pack);
    const models = new Map(
      packSpec ? packMembers(catalog, packSpec).map(({ spec }) => [spec.id, spec.bytes]) : [],
    );
    const total = [...models.values()].reduce((a, b) => a + b, 0);
    const done = new Map<string, number>();
    const emit = (finished: boolean, message: string, error: string | null = null) => {
      const sum = [...done.values()].reduce((a, b) => a + b, 0);
      ctx.bus.emit('job.progress', {
        job,
        kind: 'models.download',
        done: Math.min(sum, total),
        total,
        finished,
        message,
        error,
      });
    };
    running = pack;
    try {
      let lastEmit = 0;
      const result = await downloadPack(pack, {
        catalog,
        acceptLicence,
        onProgress: (p) => {
          done.set(p.model, p.received);
          const now = Date.now();
          if (now - lastEmit >= 250) {
            lastEmit = now;
            emit(false, p.model);
          }
        },
      });
      for (const f of result.files) done.set(f.model, f.bytes);
      emit(true, pack);
      ctx.status.changed();
      return { pack, files: result.files.map(({ model, status, bytes }) => ({ model, status, bytes })) };
    } catch (error) {
      emit(true, pack, toErrorInfo(error).message);
      throw error;
    } finally {
      running = null;
    }
  },
};
