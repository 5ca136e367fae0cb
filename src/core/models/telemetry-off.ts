/**
 * ONNX Runtime's official builds (1.30 on Linux and macOS) carry Microsoft's 1DS telemetry: on the
 * first session they write a device id and an event queue (a SQLite file) under
 * `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` and upload to
 * mobile.events.data.microsoft.com: process path, OS, CPU model, memory, model file names and
 * producers, execution providers, run counts and times, a hashed device id. FaceGate promises
 * that faces and usage stay on the desk, so it sets ORT_DISABLE_TELEMETRY=1, which makes the
 * library create no uploader, log no event and persist no id (docs/app.md, "Threat model").
 *
 * Imported for its effect before onnxruntime-node is used, in every process and in the main
 * thread that starts an inference worker (a worker thread's process.env is its own copy, which
 * native code never reads). Forced, not defaulted: the promise does not depend on the shell.
 */
export const ortTelemetrySwitch = 'ORT_DISABLE_TELEMETRY';

export function turnOffOrtTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  env[ortTelemetrySwitch] = '1';
}

turnOffOrtTelemetry();
