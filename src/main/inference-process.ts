// The utilityProcess entry of the app's inference host: the same runner as the worker thread,
// over Electron's parentPort. Runs no Electron API beyond the port.
import { InferenceRunner } from '../core/inference/runner';
import type { InferenceRequest } from '../core/inference/types';

interface ParentPort {
  on(event: 'message', listener: (event: { data: InferenceRequest }) => void): void;
  postMessage(message: unknown): void;
}

const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!port) throw new Error('inference-process must be started with utilityProcess.fork().');
const runner = new InferenceRunner();
port.on('message', ({ data }) => {
  void runner.handle(data).then(({ response }) => port.postMessage(response));
});
