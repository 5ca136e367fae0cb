import type { Sound } from './result-view';

/**
 * Short distinct tones for each result, generated with WebAudio (no audio files). Browsers keep
 * an AudioContext suspended until the page is touched; `unlock()` is called on the first input.
 */

interface Note {
  frequency: number;
  seconds: number;
  type: OscillatorType;
  /** Pause after the note. */
  gap?: number;
}

const melodies: Record<Exclude<Sound, null>, Note[]> = {
  granted: [
    { frequency: 660, seconds: 0.12, type: 'sine', gap: 0.02 },
    { frequency: 880, seconds: 0.2, type: 'sine' },
  ],
  denied: [{ frequency: 200, seconds: 0.45, type: 'triangle' }],
  unknown: [
    { frequency: 523, seconds: 0.14, type: 'sine', gap: 0.03 },
    { frequency: 392, seconds: 0.2, type: 'sine' },
  ],
  not_live: [
    { frequency: 330, seconds: 0.1, type: 'square', gap: 0.07 },
    { frequency: 330, seconds: 0.1, type: 'square', gap: 0.07 },
    { frequency: 330, seconds: 0.1, type: 'square' },
  ],
  notice: [{ frequency: 587, seconds: 0.12, type: 'sine' }],
};

export class Chimes {
  private context: AudioContext | null = null;

  private audio(): AudioContext | null {
    if (this.context) return this.context;
    if (typeof AudioContext === 'undefined') return null;
    this.context = new AudioContext();
    return this.context;
  }

  unlock(): void {
    const context = this.audio();
    if (context?.state === 'suspended') void context.resume().catch(() => {});
  }

  play(sound: Sound): void {
    if (sound === null) return;
    const context = this.audio();
    if (!context || context.state !== 'running') return;
    let at = context.currentTime + 0.01;
    for (const note of melodies[sound]) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = note.type;
      oscillator.frequency.value = note.frequency;
      // A quick fade in and out avoids clicks.
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(0.18, at + 0.01);
      gain.gain.setValueAtTime(0.18, at + note.seconds - 0.02);
      gain.gain.linearRampToValueAtTime(0, at + note.seconds);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + note.seconds);
      oscillator.onended = () => gain.disconnect();
      at += note.seconds + (note.gap ?? 0);
    }
  }

  close(): void {
    void this.context?.close().catch(() => {});
    this.context = null;
  }
}
