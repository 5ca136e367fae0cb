// The inference worker thread's entry (bundled as dist/inference-worker.js).
import { parentPort, type MessagePort } from 'node:worker_threads';
import { FramePorts, isAttachFramePort, nodePortEnd, type AttachFramePort } from './frame-ports';
import { InferenceRunner } from './runner';
import { createWorkerInferenceHost } from './worker-host';
import type { InferenceRequest } from './types';

if (!parentPort) throw new Error('The inference worker must run as a worker thread.');
const port = parentPort;
// Overlapped frames: the detector runs in a second inference worker of this one (its own thread).
const runner = new InferenceRunner({ detectorThread: () => createWorkerInferenceHost() });
// Kiosks' frame ports (src/core/inference/frame-ports.ts): frames that never pass the host's thread.
const framePorts = new FramePorts();

port.on('message', (message: InferenceRequest | AttachFramePort<MessagePort>) => {
  if (isAttachFramePort(message))
    return framePorts.attach(message.key, nodePortEnd(message.frame), nodePortEnd(message.control));
  const request = framePorts.resolve(message);
  if (!('type' in request)) return port.postMessage(request);
  void runner.handle(request).then(({ response, transfer }) => {
    try {
      port.postMessage(response, transfer);
    } catch {
      port.postMessage(response);
    }
  });
});
