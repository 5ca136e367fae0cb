import type { AccessReason } from '../../shared/access';
import { mainDoor, type RuleVerdict } from '../../shared/access-rules';
import type { AccessDecision } from '../../shared/contract';
import { credentialLockout } from '../../shared/credentials';
import type { Presented } from '../access/rules';
import type { Attendance } from '../attendance/attendance';
import type { CredentialStore, StoredCredentials } from '../gallery/credential-store';
import type { Gallery } from '../gallery/gallery';
import type { AccessRulesGate } from './access-rules-gate';
import type { AlarmBoard } from './alarms';
import type { DoorManager } from './door-manager';
import type { EventBus } from './event-bus';
import type { KeyValueStore } from './key-value-store';
import { LockoutBook } from './lockout-book';
import { verifyPin } from '../gallery/pin-hash';
import type { CallerSession } from './session';
import { SerialQueue } from '../serial-queue';

/** How long after a live face asked for its PIN the PIN may come (the kiosk shows the pad meanwhile). */
export const faceWaitsForPinMs = 30_000;

export interface KioskCredentialsDeps {
  store: CredentialStore;
  rules: AccessRulesGate;
  gallery: Gallery;
  attendance: Attendance;
  door: DoorManager;
  bus: EventBus;
  alarms: AlarmBoard;
  /** Where lockouts are kept (the settings table: a restart does not reset them). */
  kv: KeyValueStore;
  /** Whose failures count together ('app', 'kiosk:<id>', 'unpaired'): see LockoutClient. */
  clientOf: (session: CallerSession) => string;
  /** Every decision made here (the service records passages for anti-passback). */
  decided?: (session: CallerSession, decision: AccessDecision) => void;
  now: () => number;
  log: (line: string) => void;
}

type Match = { credentials: StoredCredentials; duress: boolean };

/**
 * PINs and badges at the kiosk (docs/access.md, "PIN and badge"). A credential identifies the
 * person (a badge number, or a PIN typed alone, found by its tag), or proves it is the person
 * whose live face the kiosk just recognised (face and PIN). Either way the same rules function
 * decides, told what was presented; a grant pulses the door and writes the event like a face
 * does. Wrong PINs and unknown badges count per credential (the person's PIN; PINs typed alone and
 * badges per kiosk) in a stored lockout book; attempts run one at a time, so parallel guesses cannot
 * slip past the count. A duress PIN is a right PIN that also raises a silent `duress` alarm: the
 * kiosk sees exactly what it sees for the PIN.
 */
export class KioskCredentials {
  private readonly faces = new Map<string, { personId: number; until: number }>();
  private readonly book: LockoutBook;
  private readonly queue = new SerialQueue();

  constructor(private readonly deps: KioskCredentialsDeps) {
    this.book = new LockoutBook(
      deps.kv,
      'credentials.lockouts',
      () => ({
        allowance: credentialLockout.allowance,
        firstLockMs: credentialLockout.firstLockSeconds * 1000,
        maxLockMs: credentialLockout.maxLockSeconds * 1000,
        decayMs: credentialLockout.decaySeconds * 1000,
      }),
      deps.now,
    );
  }

  /** A decision at this kiosk: a live known face asked for its PIN waits for it a while. */
  faceDecided(session: CallerSession, decision: AccessDecision): void {
    if (decision.reason === 'pin_required' && decision.person) {
      this.faces.set(session.id, {
        personId: decision.person.id,
        until: this.deps.now() + faceWaitsForPinMs,
      });
    } else if (decision.kind !== 'no_face') this.faces.delete(session.id);
  }

  endKiosk(session: CallerSession): void {
    this.faces.delete(session.id);
  }

  /** The lockouts of a person's PIN (admin: clear after a person forgot theirs). */
  clearPerson(personId: number): void {
    this.book.clear(`person:${personId}`);
  }

  present(session: CallerSession, input: { pin?: string; badge?: string }): Promise<AccessDecision> {
    return this.queue.run(() => this.presentNow(session, input));
  }

  private async presentNow(
    session: CallerSession,
    input: { pin?: string; badge?: string },
  ): Promise<AccessDecision> {
    const now = this.deps.now();
    const client = this.deps.clientOf(session);
    const waiting = this.faces.get(session.id);
    const face = waiting && waiting.until >= now ? waiting : undefined;
    let match: Match;
    let via: string;
    if (input.badge !== undefined) {
      const key = `${client}|badge`;
      if (this.book.isLocked(key)) return this.refuse('locked_out', now);
      const credentials = this.deps.store.byBadge(input.badge);
      if (!credentials) {
        this.book.fail(key);
        return this.refuse('unknown_credential', now, `unknown badge at ${session.label}`);
      }
      this.book.clear(key);
      match = { credentials, duress: false };
      via = 'badge';
      if (input.pin !== undefined) {
        const checked = await this.checkPin(credentials, input.pin, now, session);
        if ('refused' in checked) return checked.refused;
        match = checked;
        via = 'badge and PIN';
      }
    } else if (face) {
      const credentials = this.deps.store.get(face.personId) ?? {
        personId: face.personId,
        pin: null,
        duress: null,
        badge: null,
      };
      const checked = await this.checkPin(credentials, input.pin ?? '', now, session);
      if ('refused' in checked) {
        // Locked: the face no longer waits (the next person at this kiosk starts afresh).
        if (checked.refused.reason === 'locked_out') this.faces.delete(session.id);
        return checked.refused;
      }
      match = checked;
      via = 'face and PIN';
    } else {
      const key = `${client}|pin`;
      if (this.book.isLocked(key)) return this.refuse('locked_out', now);
      const pin = input.pin ?? '';
      const found = this.deps.store.byTag(this.deps.store.tag(pin));
      if (!found) {
        this.book.fail(key);
        return this.refuse('unknown_credential', now, `wrong PIN at ${session.label}`);
      }
      if (this.book.isLocked(`person:${found.credentials.personId}`)) return this.refuse('locked_out', now);
      const hash = found.duress ? found.credentials.duress : found.credentials.pin;
      if (!hash || !(await verifyPin(pin, hash))) {
        this.book.fail(key);
        return this.refuse('unknown_credential', now, `wrong PIN at ${session.label}`);
      }
      this.book.clear(key);
      match = found;
      via = 'PIN';
    }
    const presented: Presented =
      face && (face.personId === match.credentials.personId || via === 'face and PIN')
        ? 'face_and_pin'
        : 'pin';
    if (presented === 'face_and_pin') this.faces.delete(session.id);
    return this.decide(session, match, presented, via, now);
  }

  /** The PIN (or duress PIN) of this person; a wrong one counts towards their lockout. */
  private async checkPin(
    credentials: StoredCredentials,
    pin: string,
    now: number,
    session: CallerSession,
  ): Promise<Match | { refused: AccessDecision }> {
    const key = `person:${credentials.personId}`;
    if (this.book.isLocked(key)) return { refused: this.refuse('locked_out', now) };
    if (credentials.pin && (await verifyPin(pin, credentials.pin))) {
      this.book.clear(key);
      return { credentials, duress: false };
    }
    if (credentials.duress && (await verifyPin(pin, credentials.duress))) {
      this.book.clear(key);
      return { credentials, duress: true };
    }
    this.book.fail(key);
    return {
      refused: this.refuse(
        'wrong_pin',
        now,
        `wrong PIN for person #${credentials.personId} at ${session.label}`,
      ),
    };
  }

  private async decide(
    session: CallerSession,
    match: Match,
    presented: Presented,
    via: string,
    now: number,
  ): Promise<AccessDecision> {
    const personId = match.credentials.personId;
    const person = this.deps.gallery.people.get(personId) ?? null;
    const ref = person ? { id: person.id, name: person.name } : null;
    if (match.duress) {
      // Silent: the alarm goes to admin and the integrations; the kiosk's answer is the PIN's.
      this.deps.alarms.raise('duress', ref, `duress PIN at ${session.label}`);
      this.deps.log(`access: duress PIN for person ${personId} at ${session.label}`);
    }
    if (!person) return this.refuse('person_missing', now);
    const rule: RuleVerdict | null =
      this.deps.rules.verdict(personId, now, mainDoor, presented, session) ?? null;
    let reason: AccessReason = presented === 'face_and_pin' ? 'face_and_pin_accepted' : 'pin_accepted';
    if (!person.active) reason = 'inactive';
    else if (!rule?.allowed) reason = 'not_allowed';
    const granted = reason === 'pin_accepted' || reason === 'face_and_pin_accepted';
    let doorOpened = false;
    let door: AccessDecision['door'] = 'none';
    if (granted && this.deps.door.enabled) {
      door = 'fault';
      try {
        const pulsed = await this.deps.door.pulse(via);
        doorOpened = pulsed.opened;
        if (pulsed.opened) door = pulsed.confirmed ? 'open' : 'sent';
      } catch (error) {
        this.deps.log(`door: pulse failed: ${(error as Error).message}`);
      }
    }
    let attendance: AccessDecision['attendance'] = null;
    const recorded = this.deps.attendance.record({
      outcome: granted ? 'recognised' : 'denied',
      personId,
      doorOpened,
      at: now,
      note: `${rule?.text ?? reason}; by ${via}${match.duress ? ' (duress PIN)' : ''}`,
    });
    if (recorded.recorded) {
      attendance = { kind: recorded.event.kind, eventId: recorded.event.id };
      this.deps.bus.emit('attendance.recorded', recorded.event);
    }
    const result: AccessDecision = {
      kind: granted ? 'granted' : 'denied',
      person: ref,
      similarity: null,
      liveness: null,
      reason,
      ...(rule ? { rule } : {}),
      doorOpened,
      door,
      attendance,
      at: new Date(now).toISOString(),
    };
    this.deps.bus.emit('access.decision', result);
    this.deps.decided?.(session, result);
    return result;
  }

  /** A refusal that names nobody (a wrong PIN must not tell whose it was). */
  private refuse(reason: AccessReason, now: number, note?: string): AccessDecision {
    if (note) {
      this.deps.log(`access: ${reason}: ${note}`);
      const recorded = this.deps.attendance.record({ outcome: 'denied', personId: null, at: now, note });
      if (recorded.recorded) this.deps.bus.emit('attendance.recorded', recorded.event);
    }
    return {
      kind: 'denied',
      person: null,
      similarity: null,
      liveness: null,
      reason,
      doorOpened: false,
      door: 'none',
      attendance: null,
      at: new Date(now).toISOString(),
    };
  }
}
