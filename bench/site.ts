import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventLog } from '../src/core/attendance/event-log';
import { embeddingToBlob, normalised } from '../src/core/gallery/embedding-codec';
import { recognizerOf } from '../src/core/gallery/face-engine';
import type { ModelRef } from '../src/core/gallery/template-repository';
import { Gallery } from '../src/core/gallery/gallery';
import { decodeImage } from '../src/core/image';
import { createWorkerInferenceHost } from '../src/core/inference';
import { createFaceGateService } from '../src/core/service';
import { joinSite, KioskSync, SiteStore } from '../src/core/site';
import { Postgres, postgresBin } from '../test/helpers/postgres';
import { identityPhotos } from './shared-faces';
import { rgbaFrame, stream, waitReady, withService } from './stream';
import { milliseconds, summarise, type BenchRow, type BenchSuite } from './suite';

/** Without the frame rows (FACEGATE_BENCH_SITE_FRAMES=0) no model is needed: stand-in vectors. */
const syntheticModel: ModelRef = { modelId: 'bench-recognizer', modelSha256: 'c'.repeat(64) };
let dim = 512;
let model: ModelRef = syntheticModel;
const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};

function randomUnit(): Float32Array {
  // dim: the recognizer's (the frame rows need the real model's vectors in the kiosk's index).
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = Math.random() - 0.5;
  return normalised(v);
}

async function seed(store: SiteStore, templates: number): Promise<void> {
  const perPerson = 2;
  const chunk = 2000;
  for (let start = 0; start < templates; start += chunk) {
    const count = Math.min(chunk, templates - start);
    const rows = Array.from({ length: count / perPerson }, (_, i) => ({
      name: `Person ${start / perPerson + i}`,
      vectors: Array.from({ length: perPerson }, () => embeddingToBlob(randomUnit()).toString('base64')),
    }));
    await store.transaction('seed', async (client) => {
      const now = Date.now();
      const people = await client.query(
        `INSERT INTO people (name, created_at, updated_at) SELECT n, $2, $2 FROM unnest($1::text[]) AS n RETURNING id`,
        [rows.map((r) => r.name), now],
      );
      const personIds = people.rows.map((r: { id: string }) => Number(r.id));
      const templateOwners = personIds.flatMap((id) => Array(perPerson).fill(id) as number[]);
      const inserted = await client.query(
        `INSERT INTO templates (person_id, source, created_at) SELECT p, 'import', $2 FROM unnest($1::bigint[]) AS p RETURNING id`,
        [templateOwners, now],
      );
      const vectors = rows.flatMap((r) => r.vectors);
      await client.query(
        `INSERT INTO template_embeddings (template_id, model_id, model_sha256, dim, created_at, vector)
         SELECT t, $3, $4, $5, $6, decode(v, 'base64') FROM unnest($1::bigint[], $2::text[]) AS x(t, v)`,
        [
          inserted.rows.map((r: { id: string }) => Number(r.id)),
          vectors,
          model.modelId,
          model.modelSha256,
          dim,
          now,
        ],
      );
      await client.query(
        `INSERT INTO changes (entity, entity_key, at) SELECT 'person', id::text, $2 FROM unnest($1::bigint[]) AS id`,
        [personIds, now],
      );
    });
  }
}

/** The recognizer the service loads with the default pack (its id and sha, and its vectors' size). */
async function defaultRecognizer(): Promise<{ model: ModelRef; dim: number }> {
  const host = createWorkerInferenceHost();
  try {
    const loaded = await host.load({ liveness: false });
    return { model: recognizerOf({ info: loaded.info }), dim: loaded.info.embeddingSize };
  } finally {
    await host.close();
  }
}

/**
 * Frame-to-result latency, the stream bench's measure (one face, 640x480, one frame in flight,
 * the default pack with liveness, real models), at a single desk and at a site kiosk whose file
 * and index hold the whole site while enrolments arrive from the site (one every 200 ms).
 * Both services live in this process; the rounds alternate desk and site so load drift on a
 * shared machine falls on both. Nothing else of the site runs meanwhile (the simulated kiosks
 * are stopped): a real kiosk has its own computer.
 */
async function frameLatency(options: {
  url: string;
  store: SiteStore;
  kioskFile: string;
  iterations: number;
  rounds: number;
  log: (line: string) => void;
}): Promise<{ rows: BenchRow[]; streamRows: BenchRow[]; enrolled: number; siteTemplates: number }> {
  const photo = identityPhotos()[0];
  const frame = rgbaFrame(await decodeImage(readFileSync(photo.path), photo.file));
  return withService(undefined, async (desk) => {
    const site = await createFaceGateService({
      inference: createWorkerInferenceHost(),
      databasePath: options.kioskFile,
      siteUrl: options.url,
      version: 'bench',
    });
    try {
      const admin = site.openSession('bench');
      await site.call('admin.setupPin', { pin: '246813' }, admin);
      await waitReady(site, admin);
      // The streamed person is enrolled at the kiosk, which writes it to the site (docs/site.md).
      const person = await site.call('people.create', { name: photo.identity }, admin);
      await site.call(
        'enrol.fromPhoto',
        { personId: person.id, fileName: photo.file, data: readFileSync(photo.path) },
        admin,
      );
      const siteTemplates = (await site.call('status.get', {}, admin)).database.templates;
      const rows: BenchRow[] = [];
      const streamRows: BenchRow[] = [];
      const asRow = (measure: string, r: BenchRow): BenchRow => ({
        measure,
        median_ms: r['latency ms'],
        p95_ms: r['p95 ms'],
        n: r.frames,
      });
      const medians = { desk: [] as number[], idle: [] as number[], site: [] as number[] };
      // CPU time per frame (every thread of this process) depends far less on the machine's load.
      const cpu = { desk: [] as number[], idle: [] as number[], site: [] as number[] };
      let enrolled = 0;
      for (let round = 1; round <= options.rounds; round++) {
        options.log(`site bench: frame-to-result, round ${round}: single desk...`);
        const kioskAtDesk = desk.openSession(`bench-desk-${round}`, { trustedKiosk: true });
        const atDesk = await stream(
          `one face: single desk (round ${round})`,
          (f) => desk.call('frames.submit', f, kioskAtDesk),
          frame,
          options.iterations,
        );
        options.log(`site bench: frame-to-result, round ${round}: site kiosk, idle...`);
        const kioskIdle = site.openSession(`bench-site-idle-${round}`, { trustedKiosk: true });
        const atSiteIdle = await stream(
          `one face: site kiosk, ${siteTemplates} templates, idle (round ${round})`,
          (f) => site.call('frames.submit', f, kioskIdle),
          frame,
          options.iterations,
        );
        options.log(`site bench: frame-to-result, round ${round}: site kiosk while enrolments arrive...`);
        let enrolling = true;
        const enrolments = (async () => {
          while (enrolling) {
            await options.store.enrol({ name: `Arriving ${round}-${enrolled}` }, [
              { source: 'camera', embeddings: [{ ...model, vector: randomUnit() }] },
            ]);
            enrolled++;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        })();
        const kioskAtSite = site.openSession(`bench-site-${round}`, { trustedKiosk: true });
        const atSite = await stream(
          `one face: site kiosk, ${siteTemplates} templates, enrolments arriving (round ${round})`,
          (f) => site.call('frames.submit', f, kioskAtSite),
          frame,
          options.iterations,
        );
        enrolling = false;
        await enrolments;
        streamRows.push(atDesk, atSiteIdle, atSite);
        rows.push(asRow(`frame-to-result, one face: single desk (round ${round})`, atDesk));
        rows.push(
          asRow(
            `frame-to-result, one face: site kiosk, ${siteTemplates} templates, idle (round ${round})`,
            atSiteIdle,
          ),
        );
        rows.push(
          asRow(
            `frame-to-result, one face: site kiosk, ${siteTemplates} templates, enrolments arriving (round ${round})`,
            atSite,
          ),
        );
        medians.desk.push(Number(atDesk['latency ms']));
        medians.idle.push(Number(atSiteIdle['latency ms']));
        medians.site.push(Number(atSite['latency ms']));
        cpu.desk.push(Number(atDesk['cpu ms/frame']));
        cpu.idle.push(Number(atSiteIdle['cpu ms/frame']));
        cpu.site.push(Number(atSite['cpu ms/frame']));
      }
      for (const [what, values] of [
        ['single desk', cpu.desk],
        ['site kiosk, idle', cpu.idle],
        ['site kiosk, enrolments arriving', cpu.site],
      ] as const) {
        rows.push({
          measure: `CPU ms per frame (not latency), one face: ${what} (median of ${options.rounds} rounds)`,
          median_ms: milliseconds(summarise(values).median),
          p95_ms: null,
          n: options.rounds,
        });
      }
      const desk50 = summarise(medians.desk).median;
      rows.push({
        measure: `frame-to-result: site kiosk idle minus single desk (median of ${options.rounds} round medians)`,
        median_ms: milliseconds(summarise(medians.idle).median - desk50),
        p95_ms: null,
        n: options.rounds,
      });
      const site50 = summarise(medians.site).median;
      rows.push({
        measure: `frame-to-result: site kiosk while enrolments arrive minus single desk (median of ${options.rounds} round medians)`,
        median_ms: milliseconds(site50 - desk50),
        p95_ms: null,
        n: options.rounds,
      });
      return { rows, streamRows, enrolled, siteTemplates };
    } finally {
      await site.close();
    }
  });
}

/**
 * Ten kiosks (each its own SQLite file, gallery, index and KioskSync, in this one process) on a
 * throwaway PostgreSQL holding 100k templates: cold start from the server, enrolment-to-everywhere
 * latency, events per second into PostgreSQL, and the 1:N search time at a kiosk while changes
 * arrive. FACEGATE_BENCH_SITE_TEMPLATES / FACEGATE_BENCH_SITE_KIOSKS change the sizes.
 */
export const siteSuite: BenchSuite = {
  name: 'site',
  summary: 'a site of 10 kiosks on PostgreSQL: cold start, enrolment-to-everywhere, events/s',
  async run({ iterations, log }) {
    if (!postgresBin) {
      throw new Error(
        'The site bench needs PostgreSQL (apt-get install postgresql): it starts a throwaway server.',
      );
    }
    const templates = envInt('FACEGATE_BENCH_SITE_TEMPLATES', 100_000);
    const withFrames = process.env.FACEGATE_BENCH_SITE_FRAMES !== '0';
    const frameRounds = envInt('FACEGATE_BENCH_SITE_FRAME_ROUNDS', 2);
    if (withFrames) {
      // The index must hold vectors of the model the kiosk loads, or the frame rows would match
      // one person instead of the site.
      ({ model, dim } = await defaultRecognizer());
      log(`site bench: vectors for ${model.modelId} (${dim}-d), the default pack's recognizer`);
    } else {
      model = syntheticModel;
      dim = 512;
    }
    const kioskCount = envInt('FACEGATE_BENCH_SITE_KIOSKS', 10);
    const eventsPerKiosk = 1000;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-bench-site-'));
    const pg = new Postgres();
    const rows: BenchRow[] = [];
    const kiosks: { gallery: Gallery; sync: KioskSync; applied: Map<number, number> }[] = [];
    let store: SiteStore | undefined;
    try {
      await pg.init();
      store = SiteStore.open(pg.url);
      await store.migrate();
      await store.ensureSite('bench');
      log(`site bench: seeding ${templates} templates...`);
      let t = performance.now();
      await seed(store, templates);
      rows.push({
        measure: `seed ${templates} templates into PostgreSQL`,
        median_ms: milliseconds(performance.now() - t),
        p95_ms: null,
        n: 1,
      });

      // Cold start: every kiosk joins with an empty file and copies the whole site, together.
      log(`site bench: cold start of ${kioskCount} kiosks...`);
      const latest = await store.latestSeq();
      const coldMs: number[] = [];
      t = performance.now();
      await Promise.all(
        Array.from({ length: kioskCount }, async (_, i) => {
          const gallery = Gallery.open(path.join(dir, `kiosk-${i}.db`));
          await joinSite(store!, gallery, {
            id: randomUUID(),
            name: `Kiosk ${i}`,
            door: `door-${i}`,
            version: 'bench',
          });
          gallery.useModel(model);
          const applied = new Map<number, number>();
          const sync = new KioskSync({
            url: pg.url,
            gallery,
            version: 'bench',
            onChange: ({ seq }) => applied.set(seq, performance.now()),
          });
          kiosks.push({ gallery, sync, applied });
          const started = performance.now();
          sync.start();
          await sync.whenCaughtUp(30 * 60_000);
          if (sync.replica.appliedSeq < latest) throw new Error('kiosk did not catch up');
          gallery.index(); // the index is built (or already up to date) before the first frame
          coldMs.push(performance.now() - started);
        }),
      );
      const cold = summarise(coldMs);
      rows.push({
        measure: `cold start: ${kioskCount} kiosks copy ${templates} templates together`,
        median_ms: milliseconds(cold.median),
        p95_ms: milliseconds(cold.p95),
        n: coldMs.length,
      });
      rows.push({
        measure: 'cold start: all kiosks ready (wall)',
        median_ms: milliseconds(performance.now() - t),
        p95_ms: null,
        n: 1,
      });

      // 1:N search at a kiosk, idle and while enrolments arrive (the frame path's matching cost).
      const probe = randomUnit();
      const searchMs = (n: number) => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) {
          const s = performance.now();
          kiosks[0].gallery.identify(probe, { threshold: 0.5, margin: 0.05 });
          out.push(performance.now() - s);
        }
        return out;
      };
      const idle = summarise(searchMs(Math.max(iterations, 20)));
      rows.push({
        measure: `1:N search, ${templates} templates, idle`,
        median_ms: milliseconds(idle.median),
        p95_ms: milliseconds(idle.p95),
        n: Math.max(iterations, 20),
      });

      // Enrolment to everywhere: one enrolment at a time, until every kiosk's index holds it.
      log('site bench: enrolment to everywhere...');
      const everywhere: number[] = [];
      const perKiosk: number[] = [];
      const busySearch: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const started = performance.now();
        const { seq } = await store.enrol({ name: `Enrolled ${i}` }, [
          { source: 'camera', embeddings: [{ ...model, vector: randomUnit() }] },
        ]);
        let done = false;
        while (!done) {
          busySearch.push(...searchMs(1));
          await new Promise((resolve) => setTimeout(resolve, 2));
          done = kiosks.every((k) => [...k.applied.keys()].some((s) => s >= seq));
        }
        const times = kiosks.map((k) =>
          Math.min(...[...k.applied].filter(([s]) => s >= seq).map(([, at]) => at)),
        );
        for (const at of times) perKiosk.push(at - started);
        everywhere.push(Math.max(...times) - started);
      }
      const all = summarise(everywhere);
      const each = summarise(perKiosk);
      rows.push({
        measure: `enrolment to every kiosk (${kioskCount})`,
        median_ms: milliseconds(all.median),
        p95_ms: milliseconds(all.p95),
        n: everywhere.length,
      });
      rows.push({
        measure: 'enrolment to one kiosk',
        median_ms: milliseconds(each.median),
        p95_ms: milliseconds(each.p95),
        n: perKiosk.length,
      });
      const busy = summarise(busySearch);
      rows.push({
        measure: `1:N search while enrolments arrive`,
        median_ms: milliseconds(busy.median),
        p95_ms: milliseconds(busy.p95),
        n: busySearch.length,
      });

      // Events up: every kiosk writes its events locally at once, then they drain into PostgreSQL.
      log('site bench: events up...');
      t = performance.now();
      for (const k of kiosks) {
        const events = new EventLog(k.gallery.db);
        k.gallery.db.transaction(() => {
          for (let i = 0; i < eventsPerKiosk; i++) events.append({ kind: 'unknown', device: 'bench' });
        });
      }
      const writtenMs = performance.now() - t;
      t = performance.now();
      for (;;) {
        const counts = await store.counts();
        if (counts.attendanceEvents >= kioskCount * eventsPerKiosk) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const drainMs = performance.now() - t;
      const total = kioskCount * eventsPerKiosk;
      rows.push({
        measure: `events up: ${total} from ${kioskCount} kiosks, drained`,
        median_ms: milliseconds(drainMs),
        p95_ms: null,
        n: 1,
      });
      rows.push({
        measure: 'events up: events per second into PostgreSQL',
        median_ms: Math.round(total / (drainMs / 1000)),
        p95_ms: null,
        n: 1,
      });
      const duplicates = await store.query<{ n: string }>(
        'dups',
        'SELECT count(*) - count(DISTINCT id) AS n FROM attendance_events',
      );

      // Frame-to-result at one kiosk of this site against a single desk (issue 17).
      let frames: Awaited<ReturnType<typeof frameLatency>> | undefined;
      if (withFrames) {
        for (const k of kiosks.splice(0)) {
          await k.sync.stop();
          k.gallery.close();
        }
        frames = await frameLatency({
          url: pg.url,
          store,
          kioskFile: path.join(dir, 'kiosk-0.db'),
          iterations: Math.max(iterations, 20),
          rounds: frameRounds,
          log,
        });
        rows.push(...frames.rows);
      }
      return {
        suite: 'site',
        rows,
        notes: [
          `${kioskCount} kiosks in one process (each its own SQLite file, index and KioskSync) on a throwaway PostgreSQL ${path.basename(path.dirname(postgresBin))} (fsync off) on this machine.`,
          `Embeddings: ${dim}-d random unit vectors, 2 templates per person. Events written locally in ${milliseconds(writtenMs)} ms; duplicates in PostgreSQL: ${duplicates[0].n}.`,
          'The "events per second" row is a rate, not milliseconds. Figures are noisy on a shared machine: compare runs on the same machine only.',
          ...(frames
            ? [
                `Frame rows: the stream bench's frame-to-result (${identityPhotos()[0].file}, 640x480, one frame in flight, default pack, liveness on) at a single desk and at kiosk 0 (its file holds ${frames.siteTemplates} templates), ${frames.enrolled} enrolments arriving from the site meanwhile (one per 200 ms); rounds alternate desk and site. FACEGATE_BENCH_SITE_FRAMES=0 leaves them out.`,
              ]
            : [
                'Frame rows left out (FACEGATE_BENCH_SITE_FRAMES=0); vectors are stand-ins for a 512-d model.',
              ]),
        ],
        details: {
          templates,
          kioskCount,
          eventsPerKiosk,
          coldMs,
          everywhere,
          perKiosk,
          model,
          ...(frames
            ? {
                frames: {
                  rows: frames.streamRows,
                  enrolled: frames.enrolled,
                  siteTemplates: frames.siteTemplates,
                },
              }
            : {}),
        },
      };
    } finally {
      for (const k of kiosks) {
        await k.sync.stop().catch(() => undefined);
        k.gallery.close();
      }
      await store?.close().catch(() => undefined);
      await pg.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
