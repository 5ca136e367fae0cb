import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { PairedKiosk, PairingState } from '../../shared/contract';
import { FaceGateError } from '../errors';
import type { KeyValueStore } from './key-value-store';
import type { CallerSession } from './session';

const devicesKey = 'pairing.devices';
const deviceSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  /** sha256 of the device token (the token is 32 random bytes: a fast hash is enough). */
  tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
  pairedAt: z.number(),
  lastUsedAt: z.number().nullable(),
});
type Device = z.infer<typeof deviceSchema>;

/** A pairing code lives this long, and only until it is used once. */
export const pairingCodeLifetimeMs = 10 * 60_000;
/** After this many wrong codes every pending code is cancelled (8 digits: a guess in 10^7 at most). */
const maxWrongCodes = 10;
/** Last use is written at most this often per device (it is shown in admin, not an audit trail). */
const lastUseWriteMs = 60_000;

interface PendingCode {
  codeHash: Buffer;
  name: string;
  expires: number;
}

type Pairing = { kind: 'trusted' } | { kind: 'device'; deviceId: string };

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const hashCode = (code: string) => createHash('sha256').update(code, 'utf8').digest();
/** What a person types: digits only, spaces and dashes ignored. */
export const normaliseCode = (code: string) => code.replace(/[\s-]/g, '');

/**
 * Which connections are kiosks. Only a paired kiosk may submit camera frames (and so open the
 * door) or receive the decisions, which name people. The app's own window is paired by
 * construction (the IPC adapter says so when it opens the session); a browser kiosk is paired once
 * by an admin: the admin screen makes a one-time code, the kiosk exchanges it for a device token
 * (random, stored hashed, revocable), and presents that token on every connection.
 */
export class KioskPairing {
  private readonly sessions = new Map<string, Pairing>();
  private readonly pending: PendingCode[] = [];
  private wrongCodes = 0;
  private readonly lastWritten = new Map<string, number>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => number,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** The transport vouches for this session (the Electron window): paired by construction. */
  trust(session: CallerSession): void {
    this.sessions.set(session.id, { kind: 'trusted' });
  }

  isPaired(session: CallerSession): boolean {
    const pairing = this.sessions.get(session.id);
    if (!pairing) return false;
    if (pairing.kind === 'trusted') return true;
    const device = this.devices().find((d) => d.id === pairing.deviceId);
    if (!device) {
      // Revoked while connected.
      this.sessions.delete(session.id);
      return false;
    }
    this.touch(device);
    return true;
  }

  state(session: CallerSession): PairingState {
    const pairing = this.sessions.get(session.id);
    if (!pairing || !this.isPaired(session)) return { paired: false, name: null, byConstruction: false };
    if (pairing.kind === 'trusted') return { paired: true, name: null, byConstruction: true };
    const device = this.devices().find((d) => d.id === pairing.deviceId);
    return { paired: true, name: device?.name ?? null, byConstruction: false };
  }

  /** Admin: a one-time code for the kiosk called `name`. */
  createCode(name: string): { code: string; expiresAt: string } {
    this.dropExpired();
    const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
    const expires = this.now() + pairingCodeLifetimeMs;
    this.pending.push({ codeHash: hashCode(code), name, expires });
    this.wrongCodes = 0;
    return { code, expiresAt: new Date(expires).toISOString() };
  }

  /** The kiosk exchanges a code for its device token; the session is paired from now on. */
  redeem(session: CallerSession, code: string): { token: string; device: PairedKiosk } {
    this.dropExpired();
    const wanted = hashCode(normaliseCode(code));
    const index = this.pending.findIndex((p) => timingSafeEqual(p.codeHash, wanted));
    if (index === -1) {
      this.wrongCodes++;
      if (this.wrongCodes >= maxWrongCodes && this.pending.length > 0) {
        this.log(`pairing: ${this.wrongCodes} wrong codes, every pending pairing code is cancelled`);
        this.pending.length = 0;
      }
      throw new FaceGateError(
        'UNAUTHORIZED',
        'That pairing code is not valid (wrong, used already, or older than 10 minutes). Ask an administrator for a new one.',
      );
    }
    const [entry] = this.pending.splice(index, 1);
    const token = randomBytes(32).toString('base64url');
    const device: Device = {
      id: randomUUID(),
      name: entry.name,
      tokenHash: hashToken(token),
      pairedAt: this.now(),
      lastUsedAt: this.now(),
    };
    this.save([...this.devices(), device]);
    this.sessions.set(session.id, { kind: 'device', deviceId: device.id });
    return { token, device: view(device) };
  }

  /** A paired kiosk presents its token on a new connection. */
  resume(session: CallerSession, token: string): PairingState {
    const wanted = Buffer.from(hashToken(token), 'hex');
    const device = this.devices().find((d) => timingSafeEqual(Buffer.from(d.tokenHash, 'hex'), wanted));
    if (!device) {
      this.sessions.delete(session.id);
      throw new FaceGateError(
        'UNAUTHORIZED',
        'This kiosk is no longer paired (its pairing was removed). Ask an administrator for a new pairing code.',
      );
    }
    this.sessions.set(session.id, { kind: 'device', deviceId: device.id });
    this.touch(device, true);
    return { paired: true, name: device.name, byConstruction: false };
  }

  /** The device a session is paired as (null: unpaired or the app's own window). */
  deviceOf(session: CallerSession): string | null {
    const pairing = this.sessions.get(session.id);
    return pairing?.kind === 'device' ? pairing.deviceId : null;
  }

  /** Whose wrong PINs count together (AdminAuth): the app, one paired kiosk, or everyone else. */
  lockoutClient(session: CallerSession): string {
    const pairing = this.sessions.get(session.id);
    if (!pairing || !this.isPaired(session)) return 'unpaired';
    return pairing.kind === 'trusted' ? 'app' : `kiosk:${pairing.deviceId}`;
  }

  list(): PairedKiosk[] {
    return this.devices().map(view);
  }

  /** Removes a device: its token stops working at once, also on connections that are open now. */
  revoke(id: string): PairedKiosk | null {
    const devices = this.devices();
    const device = devices.find((d) => d.id === id);
    if (!device) return null;
    this.save(devices.filter((d) => d.id !== id));
    for (const [sessionId, pairing] of this.sessions) {
      if (pairing.kind === 'device' && pairing.deviceId === id) this.sessions.delete(sessionId);
    }
    return view(device);
  }

  endSession(session: CallerSession): void {
    this.sessions.delete(session.id);
  }

  private touch(device: Device, force = false): void {
    const now = this.now();
    const last = this.lastWritten.get(device.id) ?? 0;
    if (!force && now - last < lastUseWriteMs) return;
    this.lastWritten.set(device.id, now);
    try {
      this.save(this.devices().map((d) => (d.id === device.id ? { ...d, lastUsedAt: now } : d)));
    } catch (error) {
      // Last use is information, not security: a database hiccup must not refuse the kiosk.
      this.log(`pairing: could not note the last use of ${device.name}: ${(error as Error).message}`);
    }
  }

  private dropExpired(): void {
    const now = this.now();
    for (let i = this.pending.length - 1; i >= 0; i--)
      if (this.pending[i].expires <= now) this.pending.splice(i, 1);
  }

  private devices(): Device[] {
    const parsed = z.array(deviceSchema).safeParse(this.store.get(devicesKey) ?? []);
    if (!parsed.success) {
      // A damaged list pairs nobody (fail closed); the admin pairs the kiosks again.
      this.log(`pairing: the stored list of paired kiosks ('${devicesKey}') is damaged; no kiosk is paired`);
      return [];
    }
    return parsed.data;
  }

  private save(devices: Device[]): void {
    this.store.set(devicesKey, devices);
  }
}

function view(device: Device): PairedKiosk {
  return {
    id: device.id,
    name: device.name,
    pairedAt: new Date(device.pairedAt).toISOString(),
    lastUsedAt: device.lastUsedAt === null ? null : new Date(device.lastUsedAt).toISOString(),
  };
}
