import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announce, SiteStore } from '../../../src/core/site';
import { skipWithout } from '../../helpers/fixtures';
import { Postgres, postgresBin } from '../../helpers/postgres';

/**
 * A kiosk reads the change feed "after the last seq I applied". That is only safe when a change
 * with a lower seq can never become visible after one with a higher seq: two admin writes at two
 * kiosks at the same moment must commit in the order of their seqs, or the kiosk that read the
 * later one first skips the earlier one for ever (an erasure it never applies).
 */
describe.skipIf(skipWithout('PostgreSQL (apt-get install postgresql)', Boolean(postgresBin)))(
  'the change feed commits in seq order (real PostgreSQL)',
  () => {
    let pg: Postgres;
    let store: SiteStore;

    beforeAll(async () => {
      pg = new Postgres();
      await pg.init();
      store = SiteStore.open(pg.url, { max: 4 });
      await store.migrate();
      await store.ensureSite('Office');
    });

    afterAll(async () => {
      await store?.close();
      await pg?.destroy();
    });

    it('a reader that saw a change never later finds an earlier seq committed', async () => {
      const before = await store.latestSeq();
      let releaseSlow!: () => void;
      const slowMayCommit = new Promise<void>((resolve) => (releaseSlow = resolve));
      let slowAnnounced!: () => void;
      const slowHasSeq = new Promise<void>((resolve) => (slowAnnounced = resolve));

      // A: takes its seq first, then is slow to commit (a large enrolment, a busy server).
      const slow = store.transaction('slow write', async (client) => {
        const seq = await announce(client, 'setting', 'app.slow', Date.now());
        slowAnnounced();
        await slowMayCommit;
        return seq;
      });
      await slowHasSeq;
      // B: a quick write at another kiosk while A is still open.
      const quick = store.transaction('quick write', (client) =>
        announce(client, 'setting', 'app.quick', Date.now()),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));

      // A kiosk catches up now and remembers the highest seq it applied.
      const seen = await store.changesSince(before);
      const applied = seen.length ? Math.max(...seen.map((c) => c.seq)) : before;

      releaseSlow();
      const [slowSeq, quickSeq] = await Promise.all([slow, quick]);
      const all = await store.changesSince(before);
      expect(all.map((c) => c.seq).sort((a, b) => a - b)).toEqual([slowSeq, quickSeq].sort((a, b) => a - b));
      // Every committed change at or below what the kiosk applied was in what it read.
      const missed = all.filter((c) => c.seq <= applied && !seen.some((s) => s.seq === c.seq));
      expect(missed).toEqual([]);
      // And the next catch-up (after `applied`) brings both writes.
      const next = await store.changesSince(applied);
      expect(new Set([...seen, ...next].map((c) => c.seq))).toEqual(new Set([slowSeq, quickSeq]));
    }, 30_000);
  },
);
