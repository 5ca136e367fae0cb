// The utilityProcess entry of the app's inference host: the same runner as the worker thread,
// over Electron's parentPort. Runs no Electron API beyond the port. Kiosk windows' frame ports
// (src/core/inference/frame-ports.ts) arrive here too: their frames never pass through main.
import { FramePorts, isAttachFramePort } from '../core/inference/frame-ports';
import { InferenceRunner } from '../core/inference/runner';
import type { InferenceRequest } from '../core/inference/types';
import { mainPortEnd, type MessagePortMainLike } from './port-end';

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown; ports: MessagePortMainLike[] }) => void): void;
  postMessage(message: unknown): void;
}

const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!port) throw new Error('inference-process must be started with utilityProcess.fork().');
const runner = new InferenceRunner();
const framePorts = new FramePorts();
port.on('message', ({ data, ports }) => {
  if (isAttachFramePort(data)) {
    const [frame, control] = ports;
    if (frame && control) framePorts.attach(data.key, mainPortEnd(frame), mainPortEnd(control));
    return;
  }
  const request = framePorts.resolve(data as InferenceRequest);
  if (!('type' in request)) return port.postMessage(request);
  void runner.handle(request).then(({ response }) => port.postMessage(response));
});
