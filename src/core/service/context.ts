import type { CallArgs, CallName, CallResult } from '../../shared/contract';
import type { Settings } from '../../shared/settings';
import type { Attendance } from '../attendance/attendance';
import type { EventSnapshots } from '../attendance/snapshots';
import type { Gallery } from '../gallery/gallery';
import type { GalleryWrites } from '../gallery/gallery-writes';
import type { InferenceHost } from '../inference';
import type { Integrations } from '../integrations';
import type { CredentialStore } from '../gallery/credential-store';
import type { AccessRulesGate } from './access-rules-gate';
import type { KioskCredentials } from './kiosk-credentials';
import type { PassbackGate } from './passback';
import type { DoorSupervisor } from '../door/supervision';
import { sessionAccount } from './accounts';
import type { AdminAuth } from './admin-auth';
import type { AlarmBoard } from './alarms';
import type { DoorManager } from './door-manager';
import type { EventBus } from './event-bus';
import type { FramePipeline } from './frame-pipeline';
import type { KioskPairing } from './kiosk-pairing';
import type { ModelManager } from './model-manager';
import type { CallerSession } from './session';
import type { SettingsManager } from './settings-manager';
import type { SiteMember } from './site-member';
import type { StatusTracker } from './status-tracker';

/** Everything a call handler may use. */
export interface ServiceContext {
  gallery: Gallery;
  /**
   * The admin writes to people and faces (docs/site.md, "One store, two engines"): the desk's file,
   * or the site database at a site kiosk. Handlers write through it and never ask which.
   */
  writes: GalleryWrites;
  attendance: Attendance;
  /** The face crops kept at events (docs/ui.md, "Event snapshots"). */
  snapshots: EventSnapshots;
  settings: SettingsManager;
  auth: AdminAuth;
  /** Access groups, schedules, holidays, validity (docs/access.md). */
  rules: AccessRulesGate;
  /** Kiosk PINs, badges and duress PINs (docs/access.md). */
  credentials: KioskCredentials;
  credentialStore: CredentialStore;
  /** Anti-passback between entry and exit kiosks. */
  passback: PassbackGate;
  /** Door contact and exit button (docs/door.md). */
  supervisor: DoorSupervisor;
  pairing: KioskPairing;
  bus: EventBus;
  host: InferenceHost;
  models: ModelManager;
  door: DoorManager;
  /** Open alarms for admin (door faults, spoof attempts). */
  alarms: AlarmBoard;
  frames: FramePipeline;
  status: StatusTracker;
  integrations: Integrations;
  now: () => number;
  log: (line: string) => void;
  /** Where model packs are looked up (undefined: the default search path). */
  searchPath?: string[];
  /** Set when this desk is a kiosk of a site (docs/site.md). */
  site?: SiteMember;
  /** Applies settings that just changed to every part that depends on them. */
  applySettings: (settings: Settings) => Promise<void>;
}

export type Handler<N extends CallName> = (
  args: CallArgs<N>,
  session: CallerSession,
  ctx: ServiceContext,
) => Promise<CallResult<N>> | CallResult<N>;

export type Handlers = { [N in CallName]: Handler<N> };

/** The audit log's actor for a call: the account logged in, and the connection it came from. */
export function actorOf(session: CallerSession): string {
  return `${sessionAccount(session) ?? 'admin'} (${session.label})`;
}
