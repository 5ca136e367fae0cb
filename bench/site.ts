import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventLog } from '../src/core/attendance/event-log';
import { embeddingToBlob, normalised } from '../src/core/gallery/embedding-codec';
import { Gallery } from '../src/core/gallery/gallery';
import { joinSite, KioskSync, SiteStore } from '../src/core/site';
import { Postgres, postgresBin } from '../test/helpers/postgres';
import { milliseconds, summarise, type BenchRow, type BenchSuite } from './suite';

const dim = 512;
const model = { modelId: 'bench-recognizer', modelSha256: 'c'.repeat(64) };
const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};

function randomUnit(): Float32Array {
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
      return {
        suite: 'site',
        rows,
        notes: [
          `${kioskCount} kiosks in one process (each its own SQLite file, index and KioskSync) on a throwaway PostgreSQL ${path.basename(path.dirname(postgresBin))} (fsync off) on this machine.`,
          `Embeddings: ${dim}-d random unit vectors, 2 templates per person. Events written locally in ${milliseconds(writtenMs)} ms; duplicates in PostgreSQL: ${duplicates[0].n}.`,
          'The "events per second" row is a rate, not milliseconds. Figures are noisy on a shared machine: compare runs on the same machine only.',
        ],
        details: { templates, kioskCount, eventsPerKiosk, coldMs, everywhere, perKiosk },
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
