import type { CallArgs, Status } from '../../shared/contract';
import type { Gallery } from '../gallery/gallery';
import type { DoorManager } from './door-manager';
import type { EventBus } from './event-bus';
import type { FramePipeline } from './frame-pipeline';
import type { ModelManager } from './model-manager';
import type { SettingsManager } from './settings-manager';

type CameraReport = CallArgs<'status.reportCamera'>;

/** What a database that cannot take writes now means for the desk, for the status page. */
const databaseMessages: Partial<Record<string, string>> = {
  'read-only':
    'The database is read-only: recognition works, but nothing can be saved (events wait in a journal). Make the file and its folder writable.',
  locked:
    'Another program holds the database lock: events wait in a journal and are written when it lets go.',
  full: 'The disk is full: events wait in a journal; free some space.',
};

/** Status changes are announced at most this often (a flapping relay must not flood the UI). */
const coalesceMs = 200;

/** The status page's picture of the app, and the 'status.changed' event when part of it changes. */
export class StatusTracker {
  private camera: { state: Status['camera']['state']; label: string | null; message: string | null } = {
    state: 'unknown',
    label: null,
    message: null,
  };
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt: number;

  constructor(
    private readonly deps: {
      version: string;
      databasePath: string | null;
      gallery: Gallery;
      models: ModelManager;
      door: DoorManager;
      frames: () => FramePipeline | undefined;
      settings: SettingsManager;
      bus: EventBus;
      now: () => number;
      /** This desk as a kiosk of a site: its link to the site database. */
      site?: { status(): NonNullable<Status['site']> };
      /** Kept writes waiting for the database (pending-writes.ts). */
      attendance?: { readonly pendingWrites: number };
    },
  ) {
    this.startedAt = deps.now();
  }

  reportCamera(report: CameraReport): void {
    const next = { state: report.state, label: report.label ?? null, message: report.message ?? null };
    if (JSON.stringify(next) === JSON.stringify(this.camera)) return;
    if (next.state !== 'ok') this.deps.frames()?.reset();
    this.camera = next;
    this.changed();
  }

  /** Announce the status soon (several changes in a burst make one event). */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.deps.bus.emit('status.changed', this.snapshot());
    }, coalesceMs);
    this.timer.unref?.();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  snapshot(): Status {
    const { models, door, gallery, settings } = this.deps;
    const frames = this.deps.frames();
    const required = settings.current.liveness.requiredForDoor;
    const doorStatus = door.status();
    const info = models.info;
    let database: Status['database'];
    try {
      const writable = gallery.db.writeState();
      const pendingWrites = this.deps.attendance?.pendingWrites ?? 0;
      database = {
        state: writable === 'writable' ? 'ready' : writable,
        message:
          databaseMessages[writable] ??
          (pendingWrites > 0 ? `${pendingWrites} event(s) wait to be written.` : null),
        path: this.deps.databasePath,
        people: gallery.people.count(),
        templates: gallery.templates.count(),
        ...(pendingWrites > 0 ? { pendingWrites } : {}),
      };
    } catch (error) {
      database = {
        state: 'error',
        message: (error as Error).message,
        path: this.deps.databasePath,
        people: 0,
        templates: 0,
      };
    }
    return {
      version: this.deps.version,
      uptimeSeconds: (this.deps.now() - this.startedAt) / 1000,
      camera: {
        ...this.camera,
        lastFrameAt: frames?.lastFrameAt ? new Date(frames.lastFrameAt).toISOString() : null,
        framesProcessed: frames?.processed ?? 0,
        framesDropped: frames?.dropped ?? 0,
        fps: frames?.fps() ?? 0,
      },
      models: {
        state: models.state,
        message: models.message,
        pack: info?.pack ?? null,
        provider: info ? [...new Set(info.models.map((m) => m.provider))].join(', ') : null,
        commercialUse: info?.commercialUse ?? null,
      },
      liveness: {
        state: models.liveness.state === 'ready' ? 'ready' : required ? 'unavailable' : 'disabled',
        message: models.liveness.message,
        requiredForDoor: required,
        models: models.liveness.models,
      },
      relay: doorStatus
        ? {
            state: doorStatus.state,
            message: doorStatus.detail ?? doorStatus.reason,
            port: doorStatus.path ?? doorStatus.port,
          }
        : { state: 'disabled', message: 'The door is disabled in the settings.', port: null },
      database,
      ...(this.deps.site ? { site: this.deps.site.status() } : {}),
    };
  }
}
