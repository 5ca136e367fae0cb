/**
 * The camera's clock: picture k appears at start + k * tick, whatever the pipeline does. The kiosk
 * sends the newest picture as soon as it is idle (a picture that already appeared goes at once;
 * otherwise it waits for the next one), so a slow frame skips pictures instead of shifting the
 * clock. `span()` is the time the sent pictures cover, (last picture + 1) ticks, so fps is
 * processed frames per camera time and 30 means every picture was analysed. The same clock runs
 * in the WebSocket client (a worker thread) and in Chromium (cameraClockSource).
 */
export const cameraClockSource = `(tick) => {
  const start = performance.now();
  let last = -1;
  return {
    start,
    async next() {
      const now = performance.now();
      last = Math.max(last + 1, Math.floor((now - start) / tick));
      const wait = start + last * tick - now;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    },
    span(elapsed) { return Math.max(elapsed, (last + 1) * tick); },
    pictures() { return last + 1; },
  };
}`;
export type CameraClock = {
  start: number;
  next(): Promise<void>;
  span(elapsed: number): number;
  pictures(): number;
};
export const cameraClock = new Function(`return ${cameraClockSource}`)() as (tick: number) => CameraClock;
