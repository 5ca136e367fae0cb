/**
 * One kiosk of a site in a process of its own, for the site tests (test/integration/site):
 * `fork(this file, { execArgv: ['--import', 'tsx'] })`. It opens its own SQLite file, joins the
 * site, runs the real KioskSync, and answers the parent's messages: identify an embedding
 * against its in-memory index, check someone in (the real EventLog, so the outbox trigger runs),
 * enrol or erase through the site store, report its status, or write events in a loop until it
 * is killed. `present` is a face at this kiosk's door with anti-passback on: the real access rules
 * gate and PassbackGate over the site's passback store (the service's wiring), entry or exit by
 * the kiosk's name (`exits`).
 */
import { EventLog } from '../../src/core/attendance/event-log';
import { Gallery } from '../../src/core/gallery/gallery';
import { AccessRulesStore } from '../../src/core/gallery/access-rules-store';
import { AccessRulesGate } from '../../src/core/service/access-rules-gate';
import { PassbackGate } from '../../src/core/service/passback';
import { newSession } from '../../src/core/service/session';
import { joinSite, KioskSync, SitePassbackStore, SiteStore } from '../../src/core/site';
import { defaultSettings } from '../../src/shared/settings';

interface Start {
  op: 'start';
  file: string;
  url: string;
  kioskId: string;
  name: string;
  door: string;
  model: { modelId: string; modelSha256: string };
  /** Names of the exit kiosks (anti-passback); every other kiosk is an entry. */
  exits?: string[];
}
type Message =
  | Start
  | { op: 'identify'; id: number; vector: number[] }
  | { op: 'present'; id: number; vector: number[] }
  | { op: 'inside'; id: number; personId: number }
  | { op: 'passbackReset'; id: number; personId?: number }
  | { op: 'checkin'; id: number; personId: number | null; count: number }
  | { op: 'enrol'; id: number; name: string; vectors: number[][] }
  | { op: 'erase'; id: number; personId: number }
  | { op: 'status'; id: number }
  | { op: 'writeLoop'; id: number; personId: number | null }
  | { op: 'enrolLoop'; id: number; vector: number[]; templates: number }
  | { op: 'stop'; id: number };

let gallery: Gallery;
let sync: KioskSync;
let log: EventLog;
let admin: SiteStore;
let model: Start['model'];
let rules: AccessRulesGate;
let passback: PassbackGate;
const kioskSession = newSession('site kiosk');

const reply = (id: number, body: Record<string, unknown>) => process.send!({ ...body, id });

// The test runner gone (killed, or its output pipe closed): a kiosk must not outlive it.
process.on('disconnect', () => process.exit(0));

process.on('message', (raw) => {
  const message = raw as Message;
  void handle(message).catch((error: unknown) =>
    reply('id' in message ? message.id : 0, {
      error: error instanceof Error ? error.message : String(error),
    }),
  );
});

async function handle(message: Message): Promise<void> {
  switch (message.op) {
    case 'start': {
      model = message.model;
      gallery = Gallery.open(message.file);
      gallery.useModel(model);
      admin = SiteStore.open(message.url, { max: 2 });
      // Joining needs the server; a restart while it is down keeps the membership it has.
      await joinSite(admin, gallery, {
        id: message.kioskId,
        name: message.name,
        door: message.door,
        version: 'test',
      }).catch((error: unknown) => {
        if (!gallery.db.sqlite.prepare("SELECT 1 FROM sqlite_master WHERE name = 'site_state'").get())
          throw error;
      });
      sync = new KioskSync({
        url: message.url,
        gallery,
        version: 'test',
        pushIntervalMs: 100,
        heartbeatMs: 500,
      });
      log = new EventLog(gallery.db);
      passback = new PassbackGate(
        new SitePassbackStore(sync.passages, () => void sync.push()),
        () => ({ enabled: true, exitKiosks: message.exits ?? [] }),
        () => message.name,
      );
      rules = new AccessRulesGate(new AccessRulesStore(gallery.db), () => defaultSettings, passback);
      sync.start();
      process.send!({ id: 0, ready: true });
      return;
    }
    case 'identify': {
      const result = gallery.identify(Float32Array.from(message.vector), { threshold: 0.3, margin: 0 });
      reply(message.id, {
        decision: result.decision,
        personId: result.person?.id ?? null,
        similarity: result.similarity,
      });
      return;
    }
    case 'present': {
      // As the frame path does: recognise, ask the rules (anti-passback included), record a grant.
      const result = gallery.identify(Float32Array.from(message.vector), { threshold: 0.3, margin: 0 });
      const personId = result.person?.id ?? null;
      const verdict =
        personId === null ? undefined : rules.verdict(personId, Date.now(), undefined, 'face', kioskSession);
      if (personId !== null && verdict?.allowed) passback.passed(personId, kioskSession, Date.now());
      reply(message.id, { personId, allowed: verdict?.allowed ?? false, code: verdict?.code ?? null });
      return;
    }
    case 'inside':
      reply(message.id, {
        inside: sync.passages.inside(message.personId, 'main'),
        passageSeq: sync.passages.appliedSeq,
        passagesQueued: sync.passages.depth(),
      });
      return;
    case 'passbackReset':
      reply(message.id, { reset: passback.reset(message.personId) });
      return;
    case 'checkin': {
      const ids: number[] = [];
      for (let i = 0; i < message.count; i++) {
        ids.push(
          log.append({ personId: message.personId, kind: 'check_in', doorOpened: true, device: 'kiosk' }).id,
        );
      }
      reply(message.id, { ids });
      return;
    }
    case 'enrol': {
      const result = await admin.enrol(
        { name: message.name },
        message.vectors.map((v) => ({
          source: 'photo' as const,
          embeddings: [{ ...model, vector: Float32Array.from(v) }],
        })),
      );
      reply(message.id, result);
      return;
    }
    case 'erase': {
      const erased = await admin.erasePerson(message.personId, 'anonymise');
      const kiosks = await admin.waitForKiosks(erased.seq, 3000);
      reply(message.id, { ...erased, ...kiosks });
      return;
    }
    case 'status':
      reply(message.id, { ...sync.status() });
      return;
    case 'writeLoop': {
      reply(message.id, { started: true });
      for (;;) {
        log.append({ personId: message.personId, kind: 'check_in', doorOpened: true, device: 'kiosk' });
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    case 'enrolLoop': {
      reply(message.id, { started: true });
      for (let i = 0; ; i++) {
        await admin.enrol(
          { name: `Loop ${i}` },
          Array.from({ length: message.templates }, () => ({
            source: 'import' as const,
            embeddings: [{ ...model, vector: Float32Array.from(message.vector) }],
          })),
        );
      }
    }
    case 'stop':
      await sync.stop();
      await admin.close();
      gallery.close();
      reply(message.id, { stopped: true });
      process.exit(0);
  }
}
