import pg from 'pg';
import type { Gallery } from '../gallery/gallery';
import { LocalReplica } from './local-replica';
import { LocalPassages, passageChannel, SitePassages } from './passages';
import { personExtras } from './site-rules';
import { changeChannel, isUnreachable, SiteStore, type Change } from './site-store';

export interface KioskSyncOptions {
  url: string;
  gallery: Gallery;
  /** FaceGate's version, shown by `facegate site status`. */
  version: string;
  /** How often the outbox is looked at and sent up (ms). */
  pushIntervalMs?: number;
  /** How often the kiosk tells the site it is alive, and reads the feed even without a notification (ms). */
  heartbeatMs?: number;
  /** Changes read per batch (one local transaction each). */
  batchSize?: number;
  /** Events sent up per batch (one server transaction each). */
  pushBatchSize?: number;
  /** After each applied batch; `settings` names the setting keys it changed, `rules` whether the rules changed. */
  onChange?: (applied: {
    seq: number;
    people: number;
    erased: number;
    settings: string[];
    rules: boolean;
  }) => void;
  /** Called when the kiosk goes online or offline. */
  onOnline?: (online: boolean) => void;
}

export interface KioskSyncStatus {
  /** True while the kiosk holds a live connection that listens for changes. */
  online: boolean;
  appliedSeq: number;
  outboxDepth: number;
  /** Server clock minus kiosk clock, as last measured (ms). */
  clockSkewMs: number | null;
  lastContactAt: number | null;
  lastError: string | null;
}

const backoffMs = [250, 500, 1000, 2000, 5000];

/**
 * A kiosk as a member of a site. It LISTENs for changes, applies them (and everything it missed,
 * from the change feed, on every reconnect) to its local copy and in-memory index, sends its
 * outbox up, and tells the site it is alive. Everything here is asynchronous and off the frame
 * path: while the server is unreachable the kiosk decides from its local copy and queues events,
 * and `status().online` is false.
 */
export class KioskSync {
  readonly replica: LocalReplica;
  readonly store: SiteStore;
  /** Anti-passback passages: this kiosk's copy and outbox, and the site's feed (passages.ts). */
  readonly passages: LocalPassages;
  private readonly sitePassages: SitePassages;
  private listener: pg.Client | null = null;
  private stopped = false;
  private isOnline = false;
  private attempt = 0;
  private catchingUp: Promise<void> | null = null;
  private catchUpAgain = false;
  private pushing: Promise<void> | null = null;
  private beating: Promise<void> | null = null;
  private beatAgain = false;
  private timers: NodeJS.Timeout[] = [];
  private reconnectTimer: NodeJS.Timeout | null = null;
  private clockSkewMs: number | null = null;
  private lastContactAt: number | null = null;
  private lastError: string | null = null;

  constructor(private readonly options: KioskSyncOptions) {
    this.replica = new LocalReplica(options.gallery);
    this.store = SiteStore.open(options.url, { max: 2, queryTimeoutMs: 5000 });
    this.passages = new LocalPassages(this.replica);
    this.sitePassages = new SitePassages(this.store);
  }

  private get connected(): boolean {
    return this.isOnline;
  }

  private set connected(value: boolean) {
    if (value === this.isOnline) return;
    this.isOnline = value;
    this.options.onOnline?.(value);
  }

  /** Starts listening and pushing; returns at once (the first catch-up runs in the background). */
  start(): void {
    this.stopped = false;
    void this.connect();
    this.timers.push(setInterval(() => void this.push(), this.options.pushIntervalMs ?? 500));
    this.timers.push(setInterval(() => void this.heartbeat(), this.options.heartbeatMs ?? 2000));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.catchingUp?.catch(() => undefined);
    await this.pushing?.catch(() => undefined);
    await this.beating?.catch(() => undefined);
    const listener = this.listener;
    this.listener = null;
    this.connected = false;
    await listener?.end().catch(() => undefined);
    await this.store.close().catch(() => undefined);
  }

  status(): KioskSyncStatus {
    return {
      online: this.isOnline,
      appliedSeq: this.replica.appliedSeq,
      outboxDepth: this.replica.outboxDepth() + this.passages.depth(),
      clockSkewMs: this.clockSkewMs,
      lastContactAt: this.lastContactAt,
      lastError: this.lastError,
    };
  }

  /** Resolves once the connection is up and the kiosk has applied everything up to now. */
  async whenCaughtUp(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.connected) {
        const latest = await this.store.latestSeq().catch(() => Infinity);
        const passages = await this.sitePassages.since(this.passages.appliedSeq, 1).catch(() => [0]);
        if (this.replica.appliedSeq >= latest && passages.length === 0) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `The kiosk did not catch up with the site within ${timeoutMs} ms (${this.lastError ?? 'no error'}).`,
    );
  }

  // --- The change feed --------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: 3000,
      query_timeout: 5000,
      keepAlive: true,
    });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (error) this.lastError = error.message;
      if (this.listener === client) this.listener = null;
      this.connected = false;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', () => void this.catchUp());
    try {
      await client.connect();
      // LISTEN first, then read the feed: a change committed in between is in both, never in neither.
      await client.query(`LISTEN ${changeChannel}`);
      await client.query(`LISTEN ${passageChannel}`);
      // A site of another schema version would fail every catch-up while looking online: refuse
      // it here, with what to do, and keep retrying (the kiosk stays offline on its copy).
      await this.store.requireSchema();
      if (this.stopped) {
        await client.end();
        return;
      }
      this.listener = client;
      this.connected = true;
      this.attempt = 0;
      this.lastError = null;
      this.lastContactAt = Date.now();
      await this.catchUp();
      void this.heartbeat();
      void this.push();
    } catch (error) {
      onLost(error as Error);
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = backoffMs[Math.min(this.attempt++, backoffMs.length - 1)];
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  /** Applies every change after the last applied one; concurrent calls coalesce into one more round. */
  catchUp(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    this.catchingUp = (async () => {
      let applied = false;
      try {
        do {
          this.catchUpAgain = false;
          // Passages are read only up to what was committed before the changes are read: the
          // person of each is then held here (one enrolled a moment ago is not dropped as unknown).
          const passagesUpTo = await this.sitePassages.latestSeq();
          for (;;) {
            const changes = await this.store.changesSince(
              this.replica.appliedSeq,
              this.options.batchSize ?? 2000,
            );
            if (changes.length === 0) break;
            await this.applyChanges(changes);
            this.lastContactAt = Date.now();
            applied = true;
          }
          // Passages (anti-passback) from every kiosk, ordered by time when applied.
          for (;;) {
            const passages = await this.sitePassages.since(
              this.passages.appliedSeq,
              this.options.batchSize ?? 2000,
              passagesUpTo,
            );
            if (passages.length === 0) break;
            this.passages.applyFeed(passages);
            this.lastContactAt = Date.now();
          }
        } while (this.catchUpAgain && !this.stopped);
        // Tell the site at once what this kiosk now holds (an erasure waits for it).
        if (applied) void this.heartbeat();
      } catch (error) {
        this.noteError(error);
      }
    })();
    const catchingUp = this.catchingUp;
    void catchingUp.finally(() => {
      if (this.catchingUp === catchingUp) this.catchingUp = null;
    });
    return catchingUp;
  }

  private async applyChanges(changes: Change[]): Promise<void> {
    const personIds = [...new Set(changes.filter((c) => c.entity === 'person').map((c) => Number(c.key)))];
    const settingKeys = [...new Set(changes.filter((c) => c.entity === 'setting').map((c) => c.key))];
    const accountNames = [...new Set(changes.filter((c) => c.entity === 'account').map((c) => c.key))];
    const { people, templates } = await this.store.people(personIds, { crops: false });
    const settings = await this.store.settings(settingKeys);
    const accounts = await this.store.accounts(accountNames);
    const rules = changes.some((c) => c.entity === 'rules') ? await this.store.accessRules() : undefined;
    const extras = await personExtras(this.store, personIds);
    // The state read above is at least as new as every change in the batch: applying it and
    // recording the batch's last seq never goes backwards.
    const result = this.replica.applyBatch(changes, {
      people,
      templates,
      settings,
      accounts,
      extras,
      ...(rules ? { rules } : {}),
    });
    this.options.onChange?.({
      seq: changes[changes.length - 1].seq,
      ...result,
      settings: settingKeys,
      rules: rules !== undefined,
    });
  }

  // --- Events up and signs of life --------------------------------------------------------------

  /** Sends queued events up until the outbox is empty or the server is unreachable. */
  push(): Promise<void> {
    if (this.pushing || !this.connected || this.stopped) return this.pushing ?? Promise.resolve();
    this.pushing = (async () => {
      try {
        for (;;) {
          // Passages first, before every batch of events: another kiosk's anti-passback waits for them.
          const passages = this.passages.outboxBatch(this.options.pushBatchSize ?? 500);
          if (passages.length > 0) {
            await this.sitePassages.insert(passages);
            this.passages.delivered(passages.map((p) => p.id));
            this.lastContactAt = Date.now();
            continue;
          }
          const batch = this.replica.outboxBatch(this.options.pushBatchSize ?? 500);
          if (batch.ids.length === 0) break;
          await this.store.insertEvents(batch.events, batch.audit);
          this.replica.delivered(batch.ids);
          this.lastContactAt = Date.now();
        }
      } catch (error) {
        this.noteError(error);
      }
    })();
    // Cleared after the assignment: a body that finishes without awaiting must not leave it set.
    const pushing = this.pushing;
    void pushing.finally(() => {
      if (this.pushing === pushing) this.pushing = null;
    });
    return pushing;
  }

  private heartbeat(): Promise<void> {
    if (this.stopped || !this.connected) return this.beating ?? Promise.resolve();
    if (this.beating) {
      // One more after this one: it carries what was applied meanwhile.
      this.beatAgain = true;
      return this.beating;
    }
    const beating = this.beat();
    this.beating = beating;
    void beating.finally(() => {
      if (this.beating !== beating) return;
      this.beating = null;
      if (this.beatAgain) {
        this.beatAgain = false;
        void this.heartbeat();
      }
    });
    return beating;
  }

  private async beat(): Promise<void> {
    const identity = this.replica.identity();
    if (!identity) return;
    try {
      const sentAt = Date.now();
      const { serverNow } = await this.store.heartbeat(identity.kioskId, {
        appliedSeq: this.replica.appliedSeq,
        outboxDepth: this.replica.outboxDepth() + this.passages.depth(),
        clockSkewMs: this.clockSkewMs,
        version: this.options.version,
      });
      const receivedAt = Date.now();
      if (this.stopped) return;
      this.clockSkewMs = Math.round(serverNow - (sentAt + receivedAt) / 2);
      this.replica.setClockSkew(this.clockSkewMs);
      this.lastContactAt = receivedAt;
      // A notification may have been lost with a dropped connection that has not noticed yet.
      void this.catchUp();
    } catch (error) {
      this.noteError(error);
    }
  }

  private noteError(error: unknown): void {
    this.lastError = error instanceof Error ? error.message : String(error);
    if (isUnreachable(error) && this.connected) {
      // Ending the listener makes it reconnect (with backoff), LISTEN again and catch up.
      this.connected = false;
      void this.listener?.end().catch(() => undefined);
    }
  }
}
