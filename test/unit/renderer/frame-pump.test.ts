import { describe, expect, it } from 'vitest';
import { FramePump } from '../../../src/renderer/src/lib/frame-pump';

/** A submit whose promises the test resolves by hand, and a timer queue it runs by hand. */
function harness(options: { pauseAfter?: (r: string) => number } = {}) {
  let frameNo = 0;
  const sent: number[] = [];
  const results: string[] = [];
  const pending: { frame: number; resolve: (r: string) => void; reject: (e: unknown) => void }[] = [];
  const timers: { callback: () => void; ms: number }[] = [];
  let maxInFlight = 0;
  const pump = new FramePump<number, string>({
    grab: () => ++frameNo,
    submit: (frame) => {
      sent.push(frame);
      maxInFlight = Math.max(maxInFlight, pending.length + 1);
      return new Promise((resolve, reject) => pending.push({ frame, resolve, reject }));
    },
    onResult: (r) => results.push(r),
    onError: () => results.push('error'),
    pauseAfter: options.pauseAfter,
    setTimer: (callback, ms) => {
      const timer = { callback, ms };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer) => {
      const index = timers.indexOf(timer as (typeof timers)[number]);
      if (index >= 0) timers.splice(index, 1);
    },
  });
  const settle = async (value: string) => {
    pending.shift()?.resolve(value);
    await Promise.resolve();
    await Promise.resolve();
  };
  const fail = async () => {
    pending.shift()?.reject(new Error('gone'));
    await Promise.resolve();
    await Promise.resolve();
  };
  const runTimers = () => {
    for (const timer of timers.splice(0)) timer.callback();
  };
  return { pump, sent, results, pending, timers, settle, fail, runTimers, maxInFlight: () => maxInFlight };
}

describe('FramePump', () => {
  it('keeps one frame in flight and drops the frames that arrive meanwhile', async () => {
    const h = harness();
    h.pump.start();
    expect(h.sent).toEqual([1]);
    for (let i = 0; i < 5; i++) h.pump.frameAvailable();
    expect(h.sent).toEqual([1]);
    expect(h.pump.stats.skipped).toBe(4);
    await h.settle('r1');
    // The newest frame goes out as soon as the result is back; nothing was queued.
    expect(h.sent).toEqual([1, 2]);
    expect(h.results).toEqual(['r1']);
    await h.settle('r2');
    expect(h.sent).toEqual([1, 2]);
    expect(h.maxInFlight()).toBe(1);
  });

  it('waits for a new picture instead of resending the same one', async () => {
    const h = harness();
    h.pump.start();
    await h.settle('r1');
    expect(h.sent).toEqual([1]);
    h.pump.frameAvailable();
    expect(h.sent).toEqual([1, 2]);
  });

  it('pauses after a result when asked (models still loading)', async () => {
    const h = harness({ pauseAfter: (r) => (r === 'not_ready' ? 1000 : 0) });
    h.pump.start();
    h.pump.frameAvailable();
    await h.settle('not_ready');
    expect(h.sent).toEqual([1]);
    expect(h.timers.map((t) => t.ms)).toEqual([1000]);
    h.pump.frameAvailable();
    expect(h.sent).toEqual([1]);
    h.runTimers();
    expect(h.sent).toEqual([1, 2]);
  });

  it('backs off exponentially on errors and recovers', async () => {
    const h = harness();
    h.pump.start();
    await h.fail();
    expect(h.timers.map((t) => t.ms)).toEqual([250]);
    h.runTimers();
    await h.fail();
    expect(h.timers.map((t) => t.ms)).toEqual([500]);
    h.runTimers();
    await h.settle('ok');
    expect(h.results).toEqual(['error', 'error', 'ok']);
    expect(h.pump.stats.errors).toBe(2);
  });

  it('ignores a result that comes back after stop() and sends nothing more', async () => {
    const h = harness();
    h.pump.start();
    h.pump.stop();
    await h.settle('late');
    h.pump.frameAvailable();
    expect(h.results).toEqual([]);
    expect(h.sent).toEqual([1]);
  });

  it('retries the grab on the next picture when the video was not ready', () => {
    let ready = false;
    const sent: number[] = [];
    const pump = new FramePump<number, string>({
      grab: () => (ready ? 7 : null),
      submit: (frame) => {
        sent.push(frame);
        return new Promise(() => {});
      },
      onResult: () => {},
      onError: () => {},
    });
    pump.start();
    expect(sent).toEqual([]);
    ready = true;
    pump.frameAvailable();
    expect(sent).toEqual([7]);
    pump.stop();
  });

  it('takes a grab that answers later (camera planes): busy meanwhile, one in flight, a null answer waits for the next picture', async () => {
    const grabs: { resolve: (f: number | null) => void }[] = [];
    const sent: number[] = [];
    const pump = new FramePump<number, string>({
      grab: () => new Promise<number | null>((resolve) => grabs.push({ resolve })),
      submit: (frame) => {
        sent.push(frame);
        return Promise.resolve(`r${frame}`);
      },
      onResult: () => {},
      onError: () => {},
    });
    pump.start();
    expect(grabs).toHaveLength(1);
    expect(pump.busy).toBe(true);
    // New pictures while the copy runs start no second grab.
    pump.frameAvailable();
    pump.frameAvailable();
    expect(grabs).toHaveLength(1);
    grabs[0].resolve(null);
    await Promise.resolve();
    expect(pump.busy).toBe(false);
    expect(sent).toEqual([]);
    pump.frameAvailable();
    expect(grabs).toHaveLength(2);
    grabs[1].resolve(5);
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual([5]);
    expect(pump.stats.sent).toBe(1);
    pump.stop();
  });
});
