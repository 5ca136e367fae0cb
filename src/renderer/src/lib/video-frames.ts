/**
 * Calls `onFrame` for every new picture the video shows: requestVideoFrameCallback where the
 * browser has it, else animation frames filtered on currentTime. Returns the function that stops.
 */
export function watchVideoFrames(video: HTMLVideoElement, onFrame: () => void): () => void {
  let stopped = false;
  if ('requestVideoFrameCallback' in video) {
    let handle = 0;
    const next = () => {
      if (stopped) return;
      onFrame();
      handle = video.requestVideoFrameCallback(next);
    };
    handle = video.requestVideoFrameCallback(next);
    return () => {
      stopped = true;
      video.cancelVideoFrameCallback(handle);
    };
  }
  let handle = 0;
  let lastTime = -1;
  const tick = () => {
    if (stopped) return;
    const v = video as HTMLVideoElement;
    if (v.currentTime !== lastTime && v.readyState >= 2) {
      lastTime = v.currentTime;
      onFrame();
    }
    handle = requestAnimationFrame(tick);
  };
  handle = requestAnimationFrame(tick);
  return () => {
    stopped = true;
    cancelAnimationFrame(handle);
  };
}
