import path from 'node:path';
import {
  callNames,
  contract,
  isKioskCall,
  describeIssues,
  isCallName,
  type CallName,
  type AccessDecision,
  type CallResult,
  frameSchema,
  type FrameResult,
} from '../../shared/contract';
import type { HeldFrame } from './frame-port-broker';
import { events, type EventName, type EventSpec } from '../../shared/events';
import type { Settings } from '../../shared/settings';
import { Attendance } from '../attendance/attendance';
import { EventSnapshots } from '../attendance/snapshots';
import { FaceGateError } from '../errors';
import { Gallery } from '../gallery/gallery';
import { DeskWrites } from '../gallery/gallery-writes';
import type { InferenceHost } from '../inference';
import { grantCalls, grantScopes, Integrations, isGranted } from '../integrations';
import { defaultDatabasePath } from '../paths';
import { AccessRulesStore } from '../gallery/access-rules-store';
import { rolesFor } from '../../shared/roles';
import { AccessRulesGate } from './access-rules-gate';
import { AccountStore } from './accounts';
import { AdminAuth } from './admin-auth';
import { AlarmBoard } from './alarms';
import { accessHandlers } from './handlers/access';
import { credentialHandlers } from './handlers/credentials';
import { CredentialStore } from '../gallery/credential-store';
import { KioskCredentials } from './kiosk-credentials';
import { PassbackGate, SqlitePassbackStore } from './passback';
import { SitePassbackStore } from '../site/passages';
import { DoorSupervisor } from '../door/supervision';
import type { DoorStateChange } from '../../shared/door';
import type { Handlers, ServiceContext } from './context';
import { DoorManager } from './door-manager';
import { doorRecordPath, relockFromRecord } from '../door/relock-record';
import { asDatabaseError } from '../gallery/database';
import { EventBus } from './event-bus';
import { FramePipeline } from './frame-pipeline';
import { adminHandlers } from './handlers/admin';
import { pairingHandlers } from './handlers/pairing';
import { KioskPairing } from './kiosk-pairing';
import { frontDeskHandlers } from './handlers/front-desk';
import { doorHandlers } from './handlers/door';
import { integrationHandlers } from './handlers/integrations';
import { kioskHandlers } from './handlers/kiosk';
import { peopleHandlers } from './handlers/people';
import { recordHandlers } from './handlers/records';
import { rosterHandlers } from './handlers/roster';
import { settingsHandlers } from './handlers/settings';
import { modelDownloadHandlers } from './handlers/models-download';
import { ModelManager } from './model-manager';
import { newSession, type CallerSession } from './session';
import { SettingsManager } from './settings-manager';
import { SiteMember } from './site-member';
import { StatusTracker } from './status-tracker';
import type { FaceGateService, SessionOptions } from './types';

export interface FaceGateServiceOptions {
  /** Where the analyzer runs: a worker thread (headless, tests) or a utilityProcess (the app). */
  inference: InferenceHost;
  /** The SQLite database (default: FACEGATE_DB or the user data directory). */
  databasePath?: string;
  /** An open gallery instead of a path (tests that prepare one). */
  gallery?: Gallery;
  /** Model pack search path (default: FACEGATE_MODELS_PATH, user folder, resources, starter). */
  searchPath?: string[];
  /** Intra-op threads per model in the inference host (default: the cores available). */
  threads?: number;
  version?: string;
  /** The clock (tests); epoch milliseconds. */
  now?: () => number;
  log?: (line: string) => void;
  /** Check every result against the contract's output schema (tests; costs time per call). */
  validateResults?: boolean;
  /** Resolve once the models are loaded (default) or return at once and load in the background. */
  waitForModels?: boolean;
  /**
   * The site database (postgres://…) when this desk is a kiosk of a site (docs/site.md);
   * default FACEGATE_DATABASE_URL. Unset: a single desk, as before.
   */
  siteUrl?: string;
  /**
   * Track, then recognise (default true); false embeds every face of every frame, and
   * 'judge-every-frame' tracks but judges the main face's liveness on every frame, also while a
   * decision holds (both to measure what tracking saves: `--suite stream`).
   */
  tracking?: boolean | 'judge-every-frame';
  /**
   * Overlapped frames (default false; docs/DESIGN.md "Frame path figures"): the inference host runs
   * the detector on a thread of its own, and a kiosk's next frame is detected while the one before
   * is embedded and judged.
   */
  overlap?: boolean;
  /** Outbox backoff and MQTT acknowledgement timeout (tests shorten them). */
  integrations?: { baseDelayMs?: number; maxDelayMs?: number; mqttAckTimeoutMs?: number };
}

const handlers: Handlers = {
  ...kioskHandlers,
  ...adminHandlers,
  ...pairingHandlers,
  ...peopleHandlers,
  ...recordHandlers,
  ...settingsHandlers,
  ...doorHandlers,
  ...modelDownloadHandlers,
  ...integrationHandlers,
  ...frontDeskHandlers,
  ...accessHandlers,
  ...rosterHandlers,
  ...credentialHandlers,
};

/**
 * The whole app behind the contract: gallery, attendance, door, access policy, settings and the
 * analyzer (through the inference host), composed once. Electron IPC, the WebSocket host and the
 * tests all call it through `call(name, input, session)`; every input is parsed with the
 * contract's schema here, admin calls need the session's PIN login, and failures are
 * FaceGateErrors.
 */
export async function createFaceGateService(options: FaceGateServiceOptions): Promise<FaceGateService> {
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const databasePath = options.gallery
    ? options.gallery.db.file
    : (options.databasePath ?? defaultDatabasePath());
  if (!options.gallery) {
    // Relock the recorded door before the database opens (it may be slow, locked or broken).
    const early = await relockFromRecord(doorRecordPath(path.resolve(databasePath)));
    if (early && !early.relocked) log(`door: early relock failed: ${early.detail}`);
  }
  const gallery = options.gallery ?? Gallery.open(databasePath);
  // A site's kiosk (docs/site.md): refused before anything else starts when the file has not joined.
  const siteUrl = options.siteUrl ?? process.env.FACEGATE_DATABASE_URL;
  let onSiteStatus = () => {};
  let onSiteApplied = (_applied: { settings: string[]; rules: boolean }) => {};
  let site: SiteMember | undefined;
  try {
    site = siteUrl
      ? SiteMember.start(
          siteUrl,
          gallery,
          options.version ?? '0.1.0',
          () => onSiteStatus(),
          (applied) => onSiteApplied(applied),
        )
      : undefined;
  } catch (error) {
    if (!options.gallery) gallery.close();
    throw error;
  }
  const bus = new EventBus((error) => log(`event listener failed: ${(error as Error).message}`));
  const settings = new SettingsManager(gallery, log);
  const pairing = new KioskPairing(gallery.settings, now, log);
  const auth = new AdminAuth(
    gallery.settings,
    new AccountStore(gallery.db),
    () => settings.current.admin,
    now,
    (session) => pairing.lockoutClient(session),
  );
  const alarms = new AlarmBoard(bus, now);
  // At a site, passages travel to every kiosk and decisions read this kiosk's copy (docs/site.md).
  const member = site;
  const passback = new PassbackGate(
    member
      ? new SitePassbackStore(member.sync.passages, () => void member.sync.push())
      : new SqlitePassbackStore(gallery.db),
    () => ({ enabled: settings.current.door.antiPassback, exitKiosks: settings.current.door.exitKiosks }),
    (session) => pairing.state(session).name,
  );
  const rules = new AccessRulesGate(new AccessRulesStore(gallery.db), () => settings.current, passback);
  const attendance = new Attendance(gallery.db, settings.current.attendance);
  const snapshots = new EventSnapshots(gallery.db, log, now);
  // The serving thread never waits for another program's lock (better-sqlite3 would block the
  // whole event loop, door timer included); events the database cannot take now are kept in a
  // journal and written when it is back, exactly once (docs/gallery.md, "Faults").
  gallery.db.setBusyTimeout(0);
  attendance
    .keepPendingWrites((event) => bus.emit('attendance.recorded', event))
    .start(1000, (count) => log(`database: wrote ${count} event(s) kept while it was unavailable`));

  // The parts refer to each other through callbacks that run only once everything exists.
  const statusChanged = () => status.changed();
  const models = new ModelManager(options.inference, gallery, bus, {
    ...(options.searchPath ? { searchPath: options.searchPath } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
    ...(options.overlap ? { overlap: true } : {}),
    onChange: () => {
      frames.configure();
      statusChanged();
    },
    log,
  });
  const door = new DoorManager(
    (change) => {
      bus.emit('door.state', change);
      statusChanged();
    },
    log,
    gallery.db.file === ':memory:' ? undefined : doorRecordPath(gallery.db.file),
  );
  const frames = new FramePipeline({
    host: options.inference,
    models,
    gallery,
    attendance,
    door,
    bus,
    settings: () => settings.current,
    now,
    log,
    rules,
    snapshots,
    decided: (session, decision) => decided(session, decision),
    tracking: options.tracking ?? true,
    overlap: options.overlap ?? false,
  });
  const credentialStore = new CredentialStore(gallery.db);
  const credentials = new KioskCredentials({
    store: credentialStore,
    rules,
    gallery,
    attendance,
    door,
    bus,
    alarms,
    kv: gallery.settings,
    clientOf: (session) => pairing.lockoutClient(session),
    now,
    log,
    decided: (session, decision) => decided(session, decision),
  });
  // Every kiosk decision, by face or by PIN: a face waiting for its PIN, a passage for anti-passback.
  const decided = (session: CallerSession, decision: AccessDecision) => {
    credentials.faceDecided(session, decision);
    if (decision.kind === 'granted' && decision.person) passback.passed(decision.person.id, session, now());
  };
  const status: StatusTracker = new StatusTracker({
    site,
    version: options.version ?? '0.1.0',
    databasePath,
    gallery,
    models,
    door,
    frames: () => frames,
    settings,
    bus,
    now,
    attendance,
  });

  // Door supervision (docs/door.md): the contact and the exit button on the board's inputs.
  const openForExit = async () => {
    const pulsed = await door.pulse('exit button').catch((error: unknown) => {
      log(`door: exit button: ${(error as Error).message}`);
      return { opened: false };
    });
    log(`door: exit button pressed, door ${pulsed.opened ? 'opened' : 'did not open'}`);
    const event = attendance.manualOpen({
      actor: 'exit button',
      note: 'exit button',
      doorOpened: pulsed.opened,
    });
    if (event) bus.emit('attendance.recorded', event);
  };
  const supervisor = new DoorSupervisor(
    (index) => door.readInput(index),
    () => settings.current.door.supervision,
    {
      alarm: (kind, detail) => {
        log(`door: ${kind}: ${detail}`);
        alarms.raise(kind, null, detail);
      },
      exitPressed: () => void openForExit(),
      log,
    },
    now,
  );
  bus.on((name, payload) => {
    const change = payload as DoorStateChange;
    if (name === 'door.state' && change.state === 'unlocked' && change.unlockedUntil !== undefined)
      supervisor.granted(change.unlockedUntil);
  });
  const superviseDoor = () => {
    const { enabled, supervision } = settings.current.door;
    if (enabled && (supervision.contactInput || supervision.exitButtonInput)) supervisor.start();
    else supervisor.stop();
  };
  onSiteStatus = statusChanged;

  // Webhooks and MQTT: one more subscriber of the bus (docs/integrations.md).
  const integrations = new Integrations({
    db: gallery.db,
    settings: () => settings.current.integrations,
    device: () => settings.current.attendance.deviceName,
    version: options.version ?? '0.1.0',
    now,
    log,
    openDoor: async () => {
      await service.call('door.open', {}, grantCalls(newSession('mqtt door command'), ['door.open']));
    },
    ...options.integrations,
  });
  bus.on((name, payload) => integrations.onEvent(name, payload));

  const applySettings = async (next: Settings) => {
    attendance.configure(next.attendance);
    snapshots.purgeExpired(next.snapshots.keepDays);
    frames.configure();
    await door.apply(next.door);
    superviseDoor();
    await integrations.apply();
    // Loading a pack can take seconds: it runs in the background, its progress is pushed.
    void models.apply(next);
  };

  // A site's kiosk: site settings and rules changed anywhere apply here as they arrive (docs/site.md).
  onSiteApplied = (applied) => {
    const sections = settings.reload(applied.settings, log);
    if (sections.length > 0) {
      applySettings(settings.current).catch((error: unknown) => log(`settings: ${(error as Error).message}`));
      bus.emit('settings.changed', { sections });
      statusChanged();
    }
    // Rules changed: evidence gathered under the old ones must not decide.
    if (applied.rules) frames.reset();
  };

  const ctx: ServiceContext = {
    gallery,
    attendance,
    snapshots,
    settings,
    auth,
    rules,
    credentials,
    credentialStore,
    passback,
    supervisor,
    pairing,
    bus,
    host: options.inference,
    models,
    door,
    alarms,
    frames,
    status,
    integrations,
    now,
    log,
    applySettings,
    ...(options.searchPath ? { searchPath: options.searchPath } : {}),
    ...(site ? { site } : {}),
    writes: site?.writes ?? new DeskWrites(gallery, now),
  };

  // Start: relock the door before anything else, then the models.
  await integrations.start();
  await door.apply(settings.current.door).catch((error: unknown) => log(`door: ${(error as Error).message}`));
  superviseDoor();
  const loading = models.apply(settings.current);
  if (options.waitForModels !== false) await loading;
  try {
    const purged = attendance.purgeExpired(now());
    if (purged > 0) log(`attendance: purged ${purged} events past the retention period`);
  } catch (error) {
    log(`attendance: purge skipped: ${(error as Error).message}`);
  }
  try {
    snapshots.purgeExpired(settings.current.snapshots.keepDays);
  } catch (error) {
    log(`snapshots: purge skipped: ${(error as Error).message}`);
  }

  const service = new Service(ctx, options.validateResults ?? false);
  return service;
}

class Service implements FaceGateService {
  private closed: Promise<void> | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly validateResults: boolean,
  ) {}

  call<N extends CallName>(name: N, input: unknown, session: CallerSession): Promise<CallResult<N>>;
  call(name: string, input: unknown, session: CallerSession): Promise<unknown>;
  async call(name: string, input: unknown, session: CallerSession): Promise<unknown> {
    if (this.closed) throw new FaceGateError('INTERNAL', 'FaceGate is shutting down.');
    if (!isCallName(name)) throw new FaceGateError('INVALID_INPUT', `Unknown call '${name}'.`);
    const spec = contract[name];
    // A REST API key or the MQTT door command is granted its calls; everyone else needs a
    // logged-in account whose role is allowed for the call (src/shared/roles.ts).
    if (spec.admin && !isGranted(session, name)) this.ctx.auth.require(session, rolesFor(name));
    if (isKioskCall(name) && !this.ctx.pairing.isPaired(session)) {
      throw new FaceGateError(
        'UNAUTHORIZED',
        'This kiosk is not paired: an administrator pairs it once from the admin screen (Kiosks).',
      );
    }
    const parsed = spec.input.safeParse(input);
    if (!parsed.success) throw new FaceGateError('INVALID_INPUT', describeIssues(name, parsed.error));
    const handler = handlers[name] as (args: unknown, s: CallerSession, c: ServiceContext) => unknown;
    let result: unknown;
    try {
      result = await handler(parsed.data, session, this.ctx);
    } catch (error) {
      // A locked, full, read-only or corrupt database is a DATABASE error naming the file, never INTERNAL.
      throw asDatabaseError(error, this.ctx.gallery.db.file);
    }
    if (this.validateResults) {
      const checked = spec.output.safeParse(result);
      if (!checked.success) {
        throw new FaceGateError(
          'INTERNAL',
          `The result of ${name} breaks the contract: ${describeIssues(name, checked.error)}`,
        );
      }
    }
    return result;
  }

  async submitHeldFrame(frame: HeldFrame, session: CallerSession): Promise<FrameResult> {
    if (this.closed) throw new FaceGateError('INTERNAL', 'FaceGate is shutting down.');
    // The checks of frames.submit: a paired kiosk only; the size as the contract bounds it.
    if (!this.ctx.pairing.isPaired(session)) {
      throw new FaceGateError(
        'UNAUTHORIZED',
        'This kiosk is not paired: an administrator pairs it once from the admin screen (Kiosks).',
      );
    }
    const { width, timestamp } = frameSchema.shape;
    if (
      !width.safeParse(frame.width).success ||
      !width.safeParse(frame.height).success ||
      !timestamp.safeParse(frame.timestamp).success
    ) {
      throw new FaceGateError('INVALID_INPUT', 'frames.submit: the frame size or timestamp is out of range');
    }
    this.ctx.auth.endSession(session);
    return this.ctx.frames.submit(frame, session);
  }

  openSession(label: string, options: SessionOptions = {}): CallerSession {
    const session = newSession(label);
    if (options.trustedKiosk) this.ctx.pairing.trust(session);
    return session;
  }

  closeSession(session: CallerSession): void {
    this.ctx.auth.endSession(session);
    this.ctx.pairing.endSession(session);
    this.ctx.frames.endKiosk(session);
    this.ctx.credentials.endKiosk(session);
  }

  mayReceive(event: EventName, session: CallerSession): boolean {
    const spec: EventSpec = events[event];
    if (spec.admin) return this.ctx.auth.isLoggedIn(session);
    if (spec.kiosk) return this.ctx.pairing.isPaired(session) || this.ctx.auth.isLoggedIn(session);
    return true;
  }

  on(listener: Parameters<FaceGateService['on']>[0]): () => void {
    return this.ctx.bus.on(listener);
  }

  restApi() {
    if (this.closed || !this.ctx.settings.current.integrations.restEnabled) return undefined;
    return (presentedKey: string) => {
      const key = this.ctx.integrations.store.verifyKey(presentedKey);
      if (!key) return undefined;
      return { session: grantScopes(newSession(`api key "${key.name}" (${key.prefix})`), key.scopes), key };
    };
  }

  /** Relock the door first, then stop inference and close the database. Safe to call twice. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      const { door, host, gallery, status, alarms, log } = this.ctx;
      alarms.close();
      this.ctx.supervisor.stop();
      // Decisions already taken finish their pulse and their write before the door and database close.
      await this.ctx.frames.settle();
      await door.close().catch((error: unknown) => log(`door: ${(error as Error).message}`));
      await this.ctx.integrations
        .close()
        .catch((error: unknown) => log(`integrations: ${(error as Error).message}`));
      status.close();
      await this.ctx.site?.stop().catch((error: unknown) => log(`site: ${(error as Error).message}`));
      this.ctx.attendance.stopPendingWrites();
      await this.ctx.snapshots.settled();
      await host.close().catch((error: unknown) => log(`inference: ${(error as Error).message}`));
      gallery.close();
    })();
    return this.closed;
  }
}

/** Every call has a handler (the Handlers type says so; this keeps the list in one place for docs). */
export const implementedCalls: readonly CallName[] = callNames.filter((name) => name in handlers);
