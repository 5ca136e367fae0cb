import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionWatch } from '../../../src/renderer/src/lib/connection-watch';

afterEach(() => {
  vi.useRealTimers();
});

/** A ping whose answers the test gives by hand. */
function harness() {
  vi.useFakeTimers();
  const pings: { resolve: (v: string) => void; reject: (e: unknown) => void }[] = [];
  const changes: boolean[] = [];
  const answers: string[] = [];
  const watch = new ConnectionWatch<string>({
    ping: () => new Promise((resolve, reject) => pings.push({ resolve, reject })),
    onAnswer: (v) => answers.push(v),
    onChange: (online) => changes.push(online),
    intervalMs: 500,
    timeoutMs: 1200,
  });
  return { watch, pings, changes, answers };
}

describe('ConnectionWatch', () => {
  it('goes offline at once when a ping fails (the socket closed) and online with the next answer', async () => {
    const { watch, pings, changes, answers } = harness();
    watch.start();
    pings[0].resolve('a');
    await vi.advanceTimersByTimeAsync(500);
    expect(answers).toEqual(['a']);
    expect(changes).toEqual([]);
    pings[1].reject(new Error('connection lost'));
    await vi.advanceTimersByTimeAsync(0);
    expect(changes).toEqual([false]);
    expect(watch.isOnline).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    pings[2].resolve('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(changes).toEqual([false, true]);
    watch.stop();
  });

  it('goes offline when a ping hangs past the timeout, and never has two pings in flight', async () => {
    const { watch, pings, changes } = harness();
    watch.start();
    await vi.advanceTimersByTimeAsync(1199);
    expect(changes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(changes).toEqual([false]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(pings).toHaveLength(1);
    pings[0].resolve('late');
    await vi.advanceTimersByTimeAsync(0);
    expect(changes).toEqual([false, true]);
    watch.stop();
  });

  it('stops asking once stopped', async () => {
    const { watch, pings } = harness();
    watch.start();
    pings[0].resolve('a');
    watch.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(pings).toHaveLength(1);
  });
});
