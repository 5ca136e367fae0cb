import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FaceGateDatabase } from '../src/core/gallery/database';
import { Integrations } from '../src/core/integrations';
import type { AttendanceEvent } from '../src/shared/attendance';
import { defaultIntegrationSettings, type IntegrationSettings } from '../src/shared/integrations';
import { milliseconds, summarise, type BenchRow, type BenchSuite } from './suite';

const receiverDelayMs = 200;

const event = (id: number): AttendanceEvent => ({
  id,
  at: new Date().toISOString(),
  person: { id: 1, name: 'Bench Person' },
  kind: 'check_in',
  similarity: 0.7,
  liveness: 0.9,
  doorOpened: true,
  device: 'bench',
  note: null,
});

/** One run: `count` events through the outbox to a receiver that answers each after 200 ms. */
async function run(count: number, concurrency: number): Promise<BenchRow> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-bench-outbox-'));
  let received = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.writeHead(204).end();
        if (++received === count) done();
      }, receiverDelayMs),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const db = FaceGateDatabase.open(path.join(dir, 'facegate.db'));
  const settings: IntegrationSettings = { ...defaultIntegrationSettings, webhookConcurrency: concurrency };
  const integrations = new Integrations({
    db,
    settings: () => settings,
    device: () => 'bench',
    version: 'bench',
    now: Date.now,
    log: () => {},
    openDoor: () => Promise.resolve(),
  });
  integrations.store.createEndpoint({ url, kinds: ['check_in'], description: '', enabled: true });
  integrations.reloadEndpoints();
  try {
    // What the frame path pays: the bus listener (an array push), per event.
    const emitMs: number[] = [];
    const started = performance.now();
    for (let i = 1; i <= count; i++) {
      const t = performance.now();
      integrations.onEvent('attendance.recorded', event(i));
      emitMs.push(performance.now() - t);
      // Events arrive over time, as at a desk: let the batch flush every 10.
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await finished;
    const seconds = (performance.now() - started) / 1000;
    await integrations.settled();
    const emit = summarise(emitMs);
    return {
      concurrency,
      events: count,
      seconds: Number(seconds.toFixed(2)),
      'events/s': Number((count / seconds).toFixed(1)),
      'ideal events/s': Number(((concurrency * 1000) / receiverDelayMs).toFixed(1)),
      'emit median µs': milliseconds(emit.median * 1000),
      'emit p95 µs': milliseconds(emit.p95 * 1000),
    };
  } finally {
    await integrations.close();
    db.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

export const outboxSuite: BenchSuite = {
  name: 'outbox',
  summary: 'Webhook events/s through the SQLite outbox to a receiver answering in 200 ms, and the emit cost',
  async run({ iterations, log }) {
    const count = Math.max(100, iterations * 10);
    const rows: BenchRow[] = [];
    for (const concurrency of [1, 4, 16]) {
      log(`outbox: ${count} events, concurrency ${concurrency}`);
      rows.push(await run(concurrency === 1 ? Math.min(count, 50) : count, concurrency));
    }
    return {
      suite: 'outbox',
      rows,
      notes: [
        `Receiver: 127.0.0.1, answers every POST after ${receiverDelayMs} ms. Throughput is bound by concurrency x (1000 / ${receiverDelayMs}).`,
        'emit: the bus listener the frame path calls (no database, no network); rows are written in a batch after the tick.',
      ],
    };
  },
};
