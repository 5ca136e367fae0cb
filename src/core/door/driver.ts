import type { RelayPolarity, RelaySettings } from '../../shared/door';
import { RelayError } from './relay-error';
import { SerialLink } from './serial-link';
import { resolvePortPath } from './serial-ports';

/**
 * One relay on one board. `on` always means "the door is released": the driver applies the
 * polarity setting when it turns that into the board's bytes.
 */
export interface RelayDriver {
  readonly settings: RelaySettings;
  /** The device path in use while open. */
  readonly path: string | undefined;
  readonly isOpen: boolean;
  /** Resolve the port setting (a USB id is looked up again each time) and open it. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Switch the relay; throws RelayError when the board cannot be driven or says it failed. */
  setRelay(on: boolean): Promise<void>;
  /**
   * The board relocks by itself after pulseRelay (its own timer): a host that dies mid-pulse
   * cannot leave the door released.
   */
  readonly boardTimer: boolean;
  /**
   * Boards with a timer: release the door for `ms` on the board's timer (the board relocks by
   * itself). Sent again while released, it restarts the board's timer with the new time.
   */
  pulseRelay?(ms: number): Promise<void>;
  /** Ask the board whether the door is released, on boards that can say. */
  readBack?(): Promise<boolean>;
  /** The level of one of the board's inputs (door contact, exit button), where it has inputs. */
  readInput?(index: number): Promise<boolean>;
  /** The exact bytes setRelay(on) sends. */
  frame(on: boolean): Buffer;
  /** Called when the open port goes away (unplugged, closed by the OS). */
  onLost(listener: (error: RelayError) => void): () => void;
  /** Last resort while the process exits: write the "locked" bytes synchronously. */
  relockSync(): boolean;
  /** For messages: "LCUS relay 1 on /dev/ttyUSB0". */
  describe(): string;
}

/** The physical relay command for a door state under a polarity. */
export function energised(released: boolean, polarity: RelayPolarity): boolean {
  return polarity === 'normal' ? released : !released;
}

type PortResolver = (port: string) => Promise<string>;

/** What every serial relay board shares: the port, the link, polarity, the read-back check. */
export abstract class SerialRelayDriver<S extends RelaySettings = RelaySettings> implements RelayDriver {
  readonly settings: S;
  private link: SerialLink | undefined;
  private readonly lostListeners = new Set<(error: RelayError) => void>();
  private readonly resolvePort: PortResolver;

  constructor(settings: S, resolvePort: PortResolver = (port) => resolvePortPath(port)) {
    this.settings = settings;
    this.resolvePort = resolvePort;
  }

  /** The board's bytes that energise (true) or release (false) the relay. */
  protected abstract switchFrame(energise: boolean): Buffer;
  /** The board's name and relay for messages, e.g. "LCUS relay 1". */
  protected abstract get boardLabel(): string;

  readBack?(): Promise<boolean>;

  get boardTimer(): boolean {
    return false;
  }

  get path(): string | undefined {
    return this.link?.path;
  }

  get isOpen(): boolean {
    return this.link?.isOpen ?? false;
  }

  describe(): string {
    return `${this.boardLabel} on ${this.link?.path ?? this.settings.port}`;
  }

  frame(on: boolean): Buffer {
    return this.switchFrame(energised(on, this.settings.polarity));
  }

  async open(): Promise<void> {
    await this.close();
    const path = await this.resolvePort(this.settings.port);
    const link = await SerialLink.open({
      path,
      baudRate: this.settings.baudRate,
      parity: this.settings.parity,
      stopBits: this.settings.stopBits,
    });
    link.onLost((error) => {
      for (const listener of this.lostListeners) listener(error);
    });
    this.link = link;
  }

  async close(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    await link?.close();
  }

  onLost(listener: (error: RelayError) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  async setRelay(on: boolean): Promise<void> {
    await this.send(this.openLink(), this.frame(on));
    await this.checkReadBack(on);
  }

  /** With the readBack setting: read the relay back and throw on a mismatch. */
  protected async checkReadBack(on: boolean): Promise<void> {
    if (this.settings.readBack && this.readBack) {
      const released = await this.readBack();
      if (released !== on) {
        throw new RelayError(
          'readback-mismatch',
          `${this.describe()} reads ${released ? 'released' : 'locked'} after being told ${on ? 'release' : 'lock'}. ` +
            'Check the channel and polarity settings.',
        );
      }
    }
  }

  relockSync(): boolean {
    return this.link?.writeSync(this.frame(false)) ?? false;
  }

  /** Send one switch command; boards that answer override this to check the answer. */
  protected send(link: SerialLink, bytes: Buffer): Promise<void> {
    return link.write(bytes);
  }

  /** The open link, or the error a command on a closed port gets. */
  protected openLink(): SerialLink {
    if (!this.link?.isOpen) {
      throw new RelayError('port-closed', `${this.describe()}: the serial port is not open.`);
    }
    return this.link;
  }

  /** A physical relay state read from the board, as a door state. */
  protected released(energisedNow: boolean): boolean {
    return energised(energisedNow, this.settings.polarity);
  }
}
