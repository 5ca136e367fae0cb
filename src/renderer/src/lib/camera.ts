import { backoffDelay } from './backoff';

/**
 * The camera, kept alive for days: opens the chosen device (or any), notices when it goes away
 * (track ended, device list changed, frames stopped) and retries with a growing delay until it
 * is back. Everything it starts it stops in destroy(): tracks, timers, listeners.
 */

export type CameraState =
  'starting' | 'running' | 'no_camera' | 'permission_denied' | 'disconnected' | 'error';

export interface CameraSnapshot {
  state: CameraState;
  stream: MediaStream | null;
  /** The device in use, when running. */
  deviceId: string | null;
  label: string | null;
  /** The browser's error message, for the status page. */
  message: string | null;
  /** When the next attempt starts (epoch ms), while waiting to retry. */
  retryAt: number | null;
}

export interface CameraOptions {
  /** Device to prefer; any camera is used when it is missing. */
  deviceId?: string | null;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Restart the camera when no frame has arrived for this long while running. */
  stallMs?: number;
}

export class CameraController {
  private snapshot: CameraSnapshot = {
    state: 'starting',
    stream: null,
    deviceId: null,
    label: null,
    message: null,
    retryAt: null,
  };
  private wantedDevice: string | null;
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stallTimer: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private destroyed = false;
  /** Bumped for every open, so a slow getUserMedia that finishes after a newer one is discarded. */
  private openSeq = 0;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly stallMs: number;

  constructor(
    private readonly onChange: (snapshot: CameraSnapshot) => void,
    options: CameraOptions = {},
  ) {
    this.wantedDevice = options.deviceId ?? null;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.stallMs = options.stallMs ?? 10_000;
    navigator.mediaDevices?.addEventListener('devicechange', this.onDeviceChange);
    this.stallTimer = setInterval(this.checkStall, Math.max(1000, this.stallMs / 2));
  }

  get current(): CameraSnapshot {
    return this.snapshot;
  }

  /** Video inputs the browser lists (labels appear once permission is granted). */
  async devices(): Promise<MediaDeviceInfo[]> {
    if (!navigator.mediaDevices?.enumerateDevices) return [];
    const all = await navigator.mediaDevices.enumerateDevices();
    return all.filter((d) => d.kind === 'videoinput');
  }

  start(): void {
    void this.open();
  }

  /** Switch to another device (null: any camera). */
  select(deviceId: string | null): void {
    this.wantedDevice = deviceId;
    this.attempts = 0;
    void this.open();
  }

  /** The preview showed a new frame (feeds the stall watchdog). */
  noteFrame(): void {
    this.lastFrameAt = performance.now();
  }

  destroy(): void {
    this.destroyed = true;
    this.openSeq++;
    navigator.mediaDevices?.removeEventListener('devicechange', this.onDeviceChange);
    clearTimeout(this.retryTimer);
    clearInterval(this.stallTimer);
    this.stopStream();
  }

  private async open(): Promise<void> {
    if (this.destroyed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const seq = ++this.openSeq;
    this.stopStream();
    this.update({ state: 'starting', stream: null, message: null, retryAt: null });
    if (!navigator.mediaDevices?.getUserMedia) {
      this.update({
        state: 'no_camera',
        message: 'This browser gives no camera access (mediaDevices missing).',
      });
      return;
    }
    const deviceId = this.wantedDevice;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: deviceId
          ? { deviceId: { exact: deviceId }, width: { ideal: 1280 }, height: { ideal: 720 } }
          : { width: { ideal: 1280 }, height: { ideal: 720 } },
      });
      if (seq !== this.openSeq || this.destroyed) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      const track = stream.getVideoTracks()[0];
      track?.addEventListener('ended', this.onTrackEnded);
      this.attempts = 0;
      this.lastFrameAt = performance.now();
      this.update({
        state: 'running',
        stream,
        deviceId: track?.getSettings().deviceId ?? deviceId,
        label: track?.label || null,
        message: null,
        retryAt: null,
      });
    } catch (error) {
      if (seq !== this.openSeq || this.destroyed) return;
      const name = (error as DOMException)?.name ?? '';
      const message = (error as Error)?.message || String(error);
      if (name === 'NotAllowedError' || name === 'SecurityError') {
        // Retrying will not help until the person changes the permission; a device change retries.
        this.update({ state: 'permission_denied', message });
        return;
      }
      if ((name === 'NotFoundError' || name === 'OverconstrainedError') && deviceId) {
        // The chosen camera is gone: fall back to any camera on the next attempt.
        this.wantedDevice = null;
      }
      const state: CameraState =
        name === 'NotFoundError' || name === 'OverconstrainedError' ? 'no_camera' : 'error';
      this.scheduleRetry(state, message);
    }
  }

  private scheduleRetry(state: CameraState, message: string | null): void {
    if (this.destroyed) return;
    const delay = backoffDelay(this.attempts++, this.retryBaseMs, this.retryMaxMs);
    this.update({ state, stream: null, message, retryAt: Date.now() + delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }

  private readonly onTrackEnded = () => {
    if (this.destroyed) return;
    this.stopStream();
    this.scheduleRetry('disconnected', null);
  };

  private readonly onDeviceChange = () => {
    if (this.destroyed || this.snapshot.state === 'running' || this.snapshot.state === 'starting') return;
    // A camera was plugged in (or permission changed): try now instead of waiting out the back-off.
    this.attempts = 0;
    void this.open();
  };

  private readonly checkStall = () => {
    if (this.snapshot.state !== 'running') return;
    if (performance.now() - this.lastFrameAt > this.stallMs) {
      this.stopStream();
      this.scheduleRetry('disconnected', 'The camera stopped sending pictures.');
    }
  };

  private stopStream(): void {
    const stream = this.snapshot.stream;
    if (!stream) return;
    for (const track of stream.getTracks()) {
      track.removeEventListener('ended', this.onTrackEnded);
      track.stop();
    }
    this.snapshot = { ...this.snapshot, stream: null };
  }

  private update(change: Partial<CameraSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    if (!this.destroyed) this.onChange(this.snapshot);
  }
}
