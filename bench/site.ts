import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
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
import { createFaceGateService, type FaceGateService } from '../src/core/service';
import { joinSite, KioskSync, SiteStore } from '../src/core/site';
import { Postgres, postgresBin } from '../test/helpers/postgres';
import { identityPhotos } from './shared-faces';
import { rgbaFrame, stream, waitReady } from './stream';
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

/** A service ready to stream: admin PIN set, models loaded, the streamed person enrolled. */
async function readyService(
  options: { databasePath: string; siteUrl?: string },
  photo: { file: string; path: string; identity: string },
): Promise<{ service: FaceGateService; templates: number }> {
  const service = await createFaceGateService({
    inference: createWorkerInferenceHost(),
    ...options,
    version: 'bench',
  });
  try {
    const admin = service.openSession('bench');
    await service.call('admin.setupPin', { pin: '246813' }, admin);
    await waitReady(service, admin);
    // At a site kiosk the enrolment is written to the site and comes back through the feed.
    const person = await service.call('people.create', { name: photo.identity }, admin);
    await service.call(
      'enrol.fromPhoto',
      { personId: person.id, fileName: photo.file, data: readFileSync(photo.path) },
      admin,
    );
    return { service, templates: (await service.call('status.get', {}, admin)).database.templates };
  } catch (error) {
    await service.close();
    throw error;
  }
}

/**
 * A copy of a kiosk's file as a single desk's: the same people and templates, without the site
 * tables (no sync, no outbox), so that "site kiosk" and "desk" differ in the site machinery only.
 */
function deskCopy(kioskFile: string, deskFile: string): void {
  const source = new Database(kioskFile, { readonly: true });
  try {
    source.prepare('VACUUM INTO ?').run(deskFile);
  } finally {
    source.close();
  }
  const desk = new Database(deskFile);
  try {
    const site = desk
      .prepare(
        "SELECT type, name FROM sqlite_master WHERE name LIKE 'site\\_%' ESCAPE '\\' AND type IN ('trigger', 'table')",
      )
      .all() as { type: string; name: string }[];
    for (const { type, name } of site.sort((a, b) =>
      a.type === 'trigger' ? -1 : b.type === 'trigger' ? 1 : 0,
    ))
      desk.exec(`DROP ${type === 'trigger' ? 'TRIGGER' : 'TABLE'} "${name}"`);
  } finally {
    desk.close();
  }
}

/**
 * Frame-to-result latency, the stream bench's measure (one face, 640x480, one frame in flight,
 * the default pack with liveness, real models), at a single desk (empty gallery, as the stream
 * bench; and the same N templates as the site), and at a site kiosk whose file and index hold the
 * whole site, idle and while enrolments arrive from the site (one every 200 ms, sent from this
 * process). All services live in this process; each round runs every setup in turn so load
 * drift on a shared machine falls on all of them. Nothing else of the site runs meanwhile (the
 * simulated kiosks are stopped): a real kiosk has its own computer.
 */
async function frameLatency(options: {
  url: string;
  store: SiteStore;
  dir: string;
  kioskFile: string;
  iterations: number;
  rounds: number;
  log: (line: string) => void;
}): Promise<{ rows: BenchRow[]; streamRows: BenchRow[]; enrolled: number; siteTemplates: number }> {
  const photo = identityPhotos()[0];
  const frame = rgbaFrame(await decodeImage(readFileSync(photo.path), photo.file));
  const deskFile = path.join(options.dir, 'desk-site-sized.db');
  deskCopy(options.kioskFile, deskFile);
  const services: FaceGateService[] = [];
  try {
    const empty = await readyService({ databasePath: path.join(options.dir, 'desk-empty.db') }, photo);
    services.push(empty.service);
    const sized = await readyService({ databasePath: deskFile }, photo);
    services.push(sized.service);
    const kiosk = await readyService({ databasePath: options.kioskFile, siteUrl: options.url }, photo);
    services.push(kiosk.service);
    const setups = [
      { key: 'desk', label: `single desk, ${empty.templates} template(s)`, service: empty.service },
      { key: 'sized', label: `single desk, ${sized.templates} templates`, service: sized.service },
      { key: 'idle', label: `site kiosk, ${kiosk.templates} templates, idle`, service: kiosk.service },
      {
        key: 'busy',
        label: `site kiosk, ${kiosk.templates} templates, enrolments arriving`,
        service: kiosk.service,
        enrolments: true,
      },
    ];
    const rows: BenchRow[] = [];
    const streamRows: BenchRow[] = [];
    const latency = new Map<string, number[]>();
    const cpu = new Map<string, number[]>();
    const overhead = new Map<string, number[]>();
    let enrolled = 0;
    for (let round = 1; round <= options.rounds; round++) {
      for (const setup of setups) {
        options.log(`site bench: frame-to-result, round ${round}: ${setup.label}...`);
        let enrolling = Boolean(setup.enrolments);
        const enrolments = (async () => {
          while (enrolling) {
            await options.store.enrol({ name: `Arriving ${enrolled}` }, [
              { source: 'camera', embeddings: [{ ...model, vector: randomUnit() }] },
            ]);
            enrolled++;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        })();
        const session = setup.service.openSession(`bench-${setup.key}-${round}`, { trustedKiosk: true });
        const measured = await stream(
          `one face: ${setup.label} (round ${round})`,
          (f) => setup.service.call('frames.submit', f, session),
          frame,
          options.iterations,
        ).finally(() => (enrolling = false));
        await enrolments;
        streamRows.push(measured);
        rows.push({
          measure: `frame-to-result, one face: ${setup.label} (round ${round})`,
          median_ms: measured['latency ms'],
          p95_ms: measured['p95 ms'],
          n: measured.frames,
        });
        latency.set(setup.key, [...(latency.get(setup.key) ?? []), Number(measured['latency ms'])]);
        cpu.set(setup.key, [...(cpu.get(setup.key) ?? []), Number(measured['cpu ms/frame'])]);
        overhead.set(setup.key, [...(overhead.get(setup.key) ?? []), Number(measured['overhead ms'])]);
      }
    }
    const median = (values: Map<string, number[]>, key: string) => summarise(values.get(key) ?? []).median;
    for (const setup of setups) {
      // CPU time per frame (every thread of this process) depends far less on the machine's load.
      rows.push({
        measure: `CPU ms per frame (not latency), one face: ${setup.label} (median of ${options.rounds} rounds)`,
        median_ms: milliseconds(median(cpu, setup.key)),
        p95_ms: null,
        n: options.rounds,
      });
    }
    for (const setup of setups) {
      // Latency minus the inference worker's time: matching, rules, attendance, the site's sync.
      rows.push({
        measure: `main-thread ms per frame (latency minus inference): ${setup.label} (median of ${options.rounds} rounds)`,
        median_ms: milliseconds(median(overhead, setup.key)),
        p95_ms: null,
        n: options.rounds,
      });
    }
    for (const setup of setups.slice(1)) {
      rows.push({
        measure: `frame-to-result: ${setup.label} minus single desk, empty (median of ${options.rounds} round medians)`,
        median_ms: milliseconds(median(latency, setup.key) - median(latency, 'desk')),
        p95_ms: null,
        n: options.rounds,
      });
    }
    return { rows, streamRows, enrolled, siteTemplates: kiosk.templates };
  } finally {
    for (const service of services) await service.close();
  }
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
          dir,
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
                `Frame rows: the stream bench's frame-to-result (${identityPhotos()[0].file}, 640x480, one frame in flight, default pack, liveness on) at a single desk (empty, and a copy of kiosk 0's file without the site tables) and at kiosk 0 (its file holds ${frames.siteTemplates} templates), ${frames.enrolled} enrolments arriving from the site in the "enrolments arriving" runs (one per 200 ms, sent from this process: their client work counts in its CPU); each round runs every setup in turn. FACEGATE_BENCH_SITE_FRAMES=0 leaves them out.`,
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
