import { utilityProcess, type UtilityProcess } from 'electron';
import { RpcInferenceHost } from '../core/inference/rpc-host';
import { ortTelemetrySwitch } from '../core/models/telemetry-off';
import type { InferenceResponse } from '../core/inference/types';

/** The app's inference host: the analyzer in an Electron utilityProcess (src/main/inference-process.ts). */
export function createUtilityInferenceHost(
  entry: string,
  /** Sees the child once it exists (main hands it the kiosk windows' frame ports). */
  onChild?: (child: UtilityProcess) => void,
): RpcInferenceHost {
  const child = utilityProcess.fork(entry, [], {
    serviceName: 'FaceGate inference',
    stdio: 'inherit',
    // ONNX Runtime's telemetry off before the child loads it (src/core/models/telemetry-off.ts).
    env: { ...process.env, [ortTelemetrySwitch]: '1' },
  });
  onChild?.(child);
  let exitListener: ((reason: string) => void) | undefined;
  child.on('exit', (code) => exitListener?.(`exit code ${code}`));
  return new RpcInferenceHost('utility process', {
    // Structured clone; utilityProcess transfers only MessagePorts, so buffers are copied.
    post: (request) => child.postMessage(request),
    onMessage: (listener) => child.on('message', (message: InferenceResponse) => listener(message)),
    onExit: (listener) => {
      exitListener = listener;
    },
    terminate: async () => {
      child.kill();
    },
  });
}
