import { stringOption, numberOption, type Command } from '../command';
import { FaceGateError } from '../../core/errors';
import { createWorkerInferenceHost, RestartingInferenceHost } from '../../core/inference';
import { createFaceGateService } from '../../core/service';
import { startHeadlessHost } from '../../server/host';

export const defaultServePort = 8470;

/**
 * `facegate serve`: the app without a display. The built UI and the contract over a WebSocket,
 * for a kiosk browser on this machine (or, deliberately, elsewhere) and for the browser tests.
 * Runs until SIGINT/SIGTERM, then relocks the door and closes the database before exiting.
 */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run FaceGate headless: the UI and its API for a browser (binds to 127.0.0.1).',
  usage: '[--port N] [--host ADDRESS] [--db FILE] [--allow-origin URL]...',
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    db: { type: 'string' },
    'allow-origin': { type: 'string', multiple: true },
    renderer: { type: 'string' },
  },
  help: [
    `--port N            port to listen on (default ${defaultServePort}; 0 picks a free one)`,
    '--host ADDRESS      address to bind (default 127.0.0.1: this machine only). Binding to another',
    '                    address exposes the kiosk API to that network: only do it on a trusted LAN.',
    '--db FILE           the database (default: FACEGATE_DB, else the user data folder)',
    '--allow-origin URL  also accept WebSocket connections from pages of this origin (repeatable)',
    '--renderer DIR      serve the UI from DIR instead of the build in out/renderer',
    '',
    'Open the printed URL in a browser (Chromium kiosk: chromium --kiosk URL). With --json, one line',
    '{"url", "port", "pid"} is printed once the host listens. Admin screens need the admin PIN;',
    'the first visit to the admin screen sets it.',
  ].join('\n'),
  async run(ctx) {
    const port = numberOption(ctx, 'port') ?? defaultServePort;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new FaceGateError('INVALID_INPUT', `--port must be a port number (0 to 65535), got ${port}.`);
    }
    const log = (line: string) => ctx.stderr.write(`facegate serve: ${line}\n`);
    const databasePath = stringOption(ctx, 'db');
    const rendererDir = stringOption(ctx, 'renderer');
    const allowOrigins = (ctx.values['allow-origin'] as string[] | undefined) ?? [];

    const inference = new RestartingInferenceHost(() => createWorkerInferenceHost(), { log });
    let service: Awaited<ReturnType<typeof createFaceGateService>>;
    try {
      service = await createFaceGateService({
        inference,
        ...(databasePath ? { databasePath } : {}),
        log,
        // The page is up at once; the status page shows the models loading.
        waitForModels: false,
      });
    } catch (error) {
      // A database that cannot be used must end the process (and let a service manager retry),
      // not leave it hanging on the inference worker.
      await inference.close().catch(() => {});
      throw error;
    }
    let host: Awaited<ReturnType<typeof startHeadlessHost>>;
    try {
      host = await startHeadlessHost({
        service,
        port,
        host: stringOption(ctx, 'host') ?? '127.0.0.1',
        allowOrigins,
        ...(rendererDir ? { rendererDir } : {}),
        log,
      });
    } catch (error) {
      await service.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new FaceGateError(
          'INVALID_INPUT',
          `Cannot listen on port ${port} (${code}): another program uses it, or the address is not this machine's. Choose another with --port.`,
        );
      }
      throw error;
    }

    if (ctx.json)
      ctx.stdout.write(`${JSON.stringify({ url: host.url, port: host.port, pid: process.pid })}\n`);
    else ctx.stdout.write(`FaceGate is running at ${host.url} (Ctrl+C to stop)\n`);

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const stop = (name: NodeJS.Signals) => resolve(name);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    log(`${signal}: relocking the door and stopping`);
    // A second signal while closing gives up waiting (the door controller has already sent OFF).
    const force = () => process.exit(130);
    process.once('SIGINT', force);
    process.once('SIGTERM', force);
    await host.close();
    await service.close();
    return 0;
  },
};
