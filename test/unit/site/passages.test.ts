import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Gallery } from '../../../src/core/gallery/gallery';
import { LocalPassages, LocalReplica, SitePassbackStore, type SitePassage } from '../../../src/core/site';

/**
 * A kiosk's copy of the site's passages (src/core/site/passages.ts) in a real SQLite file: the
 * state it decides anti-passback from must not depend on the order passages reach it in.
 */
describe('LocalPassages: anti-passback state at a site kiosk', () => {
  let dir: string;
  const open: Gallery[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-passages-'));
  });

  afterEach(() => {
    for (const g of open.splice(0)) g.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A joined kiosk copy holding people 1 and 2 (applied from the site, as the sync does). */
  function kiosk(name: string): LocalPassages {
    // In memory for the 840 orders below (a file's fsync per transaction would take seconds).
    const gallery = Gallery.open(name === 'order' ? ':memory:' : path.join(dir, `${name}.db`));
    open.push(gallery);
    const replica = new LocalReplica(gallery);
    replica.join({ kioskId: `kiosk-${name}`, name, door: 'main' }, 'site-1');
    const person = (id: number) => ({
      id,
      name: `P${id}`,
      employeeCode: null,
      group: null,
      active: true,
      notes: '',
      validFrom: null,
      validUntil: null,
      createdAt: 1,
      updatedAt: 1,
      groupIds: [],
    });
    replica.applyBatch(
      [
        { seq: 1, entity: 'person', key: '1' },
        { seq: 2, entity: 'person', key: '2' },
      ],
      { people: [person(1), person(2)], templates: [], settings: new Map(), accounts: [] },
    );
    return new LocalPassages(replica);
  }

  const passage = (
    seq: number,
    kind: SitePassage['kind'],
    at: number,
    personId: number | null = 1,
  ): SitePassage & { seq: number } => ({
    seq,
    id: `k:${seq}`,
    kioskId: 'k',
    personId,
    area: kind === 'reset' ? null : 'main',
    kind,
    at,
    kioskAt: at,
  });

  const permutations = <T>(list: T[]): T[][] =>
    list.length <= 1
      ? [list]
      : list.flatMap((item, i) =>
          permutations([...list.slice(0, i), ...list.slice(i + 1)]).map((rest) => [item, ...rest]),
        );

  it('ends in the same state whatever order the passages arrive in: the latest by time wins', () => {
    const history = [
      passage(1, 'in', 100),
      passage(2, 'out', 200),
      passage(3, 'in', 300),
      passage(4, 'reset', 250),
      passage(5, 'in', 150, 2),
      passage(6, 'reset', 400, null), // everyone, after the last passage of person 1
      passage(7, 'out', 120, 2), // older than person 2's entry, arrives later
    ];
    const k = kiosk('order');
    const fresh = () =>
      open[open.length - 1].db.sqlite.exec('DELETE FROM passback_state; DELETE FROM site_passback_resets;');
    const states = permutations(history.slice(0, 6)).map((order) => {
      fresh();
      // One at a time, as separate feed batches, then person 2's late exit.
      order.forEach((p, i) => k.applyFeed([{ ...p, seq: i + 1 }]));
      k.applyFeed([{ ...history[6], seq: 7 }]);
      return `${k.inside(1, 'main')}/${k.inside(2, 'main')}`;
    });
    expect(states).toHaveLength(720);
    // The reset of everyone at 400 is the last word for both (and an older passage stays dropped).
    expect(new Set(states)).toEqual(new Set(['null/null']));

    // Without the reset of everyone: 1 is inside (in at 300 after the reset at 250), 2 inside (150 > 120).
    const partial = permutations(history.slice(0, 5)).map((order) => {
      fresh();
      k.applyFeed(order.map((p, i) => ({ ...p, seq: i + 1 })));
      k.applyFeed([{ ...history[6], seq: 6 }]);
      return `${k.inside(1, 'main')}/${k.inside(2, 'main')}`;
    });
    expect(new Set(partial)).toEqual(new Set(['true/true']));
    // Arrival order alone (the last to arrive wins) would have said otherwise for some orders.
    fresh();
    k.applyFeed([passage(3, 'in', 300), passage(2, 'out', 200)]);
    expect(k.inside(1, 'main')).toBe(true);
  });

  it('an entry and an exit at the same millisecond count as inside, in either order (the refusing side)', () => {
    for (const order of [
      [passage(1, 'in', 500), passage(2, 'out', 500)],
      [passage(1, 'out', 500), passage(2, 'in', 500)],
    ]) {
      const k = kiosk(`tie-${order[0].kind}`);
      k.applyFeed(order);
      expect(k.inside(1, 'main')).toBe(true);
    }
  });

  it('a passage decided here applies at once and is queued to go up once; the feed bringing it back changes nothing', () => {
    const k = kiosk('own');
    const store = new SitePassbackStore(k);
    store.set(1, 'main', true, 1000);
    expect(store.inside(1, 'main')).toBe(true);
    expect(k.depth()).toBe(1);
    const [queued] = k.outboxBatch();
    expect(queued).toMatchObject({ kioskId: 'kiosk-own', personId: 1, area: 'main', kind: 'in', at: 1000 });
    k.delivered([queued.id]);
    expect(k.depth()).toBe(0);
    k.applyFeed([{ ...queued, seq: 9 }]);
    expect(store.inside(1, 'main')).toBe(true);
    expect(k.appliedSeq).toBe(9);
    // A reset (here, the admin's "count as outside") counts the person as outside and travels too.
    expect(store.reset(1, 2000)).toBe(1);
    expect(store.inside(1, 'main')).toBeNull();
    expect(k.outboxBatch().map((p) => p.kind)).toEqual(['reset']);
  });

  it('ignores a passage of a person this copy does not hold (erased meanwhile)', () => {
    const k = kiosk('erased');
    k.applyFeed([passage(1, 'in', 100, 77)]);
    expect(k.inside(77, 'main')).toBeNull();
    expect(k.appliedSeq).toBe(1);
  });

  it('refuses to record a passage in a file that has not joined a site', () => {
    const gallery = Gallery.open(path.join(dir, 'desk.db'));
    open.push(gallery);
    const k = new LocalPassages(new LocalReplica(gallery));
    expect(() => k.record({ personId: 1, area: 'main', kind: 'in', kioskAt: 1 })).toThrow(
      /has not joined a site/,
    );
  });
});
