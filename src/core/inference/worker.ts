// The inference worker thread's entry (bundled as dist/inference-worker.js).
import { parentPort } from 'node:worker_threads';
import { InferenceRunner } from './runner';
import type { InferenceRequest } from './types';

if (!parentPort) throw new Error('The inference worker must run as a worker thread.');
const port = parentPort;
const runner = new InferenceRunner();

port.on('message', (request: InferenceRequest) => {
  void runner.handle(request).then(({ response, transfer }) => {
    try {
      port.postMessage(response, transfer);
    } catch {
      port.postMessage(response);
    }
  });
});
