/**
 * Door supervision (docs/door.md): the door contact and the exit button read from the relay
 * board's inputs (Modbus discrete inputs, Numato GPIO), polled a few times a second through the
 * same serial link as the relay commands (one command at a time). An opening that no grant
 * explains is `door_forced`; a door still open `heldOpenSeconds` after it opened is
 * `door_held_open`; a press of the exit button opens the door. The clock and the reads are
 * injected, so the logic runs the same against a socat pty board and in a unit test.
 */
export interface BoardInput {
  index: number;
  /** The input reads 1 when the contact is open / the button pressed. */
  activeHigh: boolean;
}

export interface SupervisionSettings {
  contactInput: BoardInput | null;
  exitButtonInput: BoardInput | null;
  heldOpenSeconds: number;
}

export interface SupervisionEvents {
  alarm(kind: 'door_held_open' | 'door_forced', detail: string): void;
  /** The exit button went from released to pressed. */
  exitPressed(): void;
  /** The contact changed (true: open). */
  contact?(open: boolean): void;
  log(line: string): void;
}

/** An opening this long after the relock still belongs to the grant (people walk slowly). */
export const grantGraceMs = 3000;

export class DoorSupervisor {
  private timer: NodeJS.Timeout | undefined;
  private grantUntil = Number.NEGATIVE_INFINITY;
  private openedAt: number | null = null;
  private heldRaised = false;
  private buttonDown = false;
  private readFailed = false;
  private running = false;

  constructor(
    private readonly read: (index: number) => Promise<boolean>,
    private readonly settings: () => SupervisionSettings,
    private readonly events: SupervisionEvents,
    private readonly now: () => number,
    private readonly pollMs = 200,
  ) {}

  get doorOpen(): boolean {
    return this.openedAt !== null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      await this.tick();
      if (this.running) this.timer = setTimeout(() => void loop(), this.pollMs);
    };
    void loop();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** The door was released until `until` (a grant, a manual open, the exit button). */
  granted(until: number): void {
    this.grantUntil = Math.max(this.grantUntil, until);
  }

  /** One poll: read the inputs that are wired and act on the changes. */
  async tick(): Promise<void> {
    const { contactInput, exitButtonInput, heldOpenSeconds } = this.settings();
    try {
      if (exitButtonInput) {
        const pressed = (await this.read(exitButtonInput.index)) === exitButtonInput.activeHigh;
        if (pressed && !this.buttonDown) this.events.exitPressed();
        this.buttonDown = pressed;
      }
      if (contactInput) {
        const open = (await this.read(contactInput.index)) === contactInput.activeHigh;
        this.contact(open, heldOpenSeconds);
      }
      if (this.readFailed) this.events.log('door: the board answers input reads again');
      this.readFailed = false;
    } catch (error) {
      // Said once per outage; the relay side reports the board's state itself.
      if (!this.readFailed)
        this.events.log(`door: cannot read the board's inputs: ${(error as Error).message}`);
      this.readFailed = true;
    }
  }

  private contact(open: boolean, heldOpenSeconds: number): void {
    const now = this.now();
    if (open && this.openedAt === null) {
      this.openedAt = now;
      this.heldRaised = false;
      this.events.contact?.(true);
      if (now > this.grantUntil + grantGraceMs) {
        this.events.alarm(
          'door_forced',
          'the door contact opened without a grant, exit button or manual open',
        );
      }
    } else if (!open && this.openedAt !== null) {
      this.openedAt = null;
      this.events.contact?.(false);
    }
    if (open && this.openedAt !== null && !this.heldRaised && now - this.openedAt >= heldOpenSeconds * 1000) {
      this.heldRaised = true;
      this.events.alarm('door_held_open', `the door has been open for more than ${heldOpenSeconds} s`);
    }
  }
}
