// How long a restart of `facegate serve` takes to relock a board without its own timer, for the
// report (not a test: no assertions on time). Spawns `facegate serve --db F` 7 times with an LCUS
// door recorded beside F on a socat pty and prints the times from spawn to the "locked" bytes.
//   node --import tsx test/integration/door/tools/restart-relock-time.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Gallery } from '../../../../src/core/gallery/gallery';
import { SettingsManager } from '../../../../src/core/service/settings-manager';
import { writeDoorRecord, doorRecordPath } from '../../../../src/core/door/relock-record';
import { relaySettingsSchema } from '../../../../src/shared/door';
import { RelayBoardSimulator } from '../../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs } from '../../../helpers/socat';
import { repoRoot } from '../../../helpers/paths';
const times: number[] = [];
for (let i = 0; i < 7; i++) {
  const pair = await createPtyPair();
  const sim = await RelayBoardSimulator.attach(pair.boardPath, { protocol: 'lcus' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'measure-'));
  const db = path.join(dir, 'f.db');
  const g = Gallery.open(db);
  const relay = { driver: 'lcus', port: pair.devicePath } as const;
  new SettingsManager(g, () => {}).update({ door: { enabled: true, relay } }, 't');
  g.close();
  writeDoorRecord(doorRecordPath(db), relaySettingsSchema.parse(relay));
  const t0 = performance.timeOrigin + performance.now();
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin/facegate.js'), 'serve', '--db', db, '--port', '0'],
    { stdio: 'ignore', env: { ...process.env, FACEGATE_DATA_DIR: dir } },
  );
  const off = await sim.waitForCommand((c) => !c.energise, { timeoutMs: 20000 });
  times.push(off.at - t0);
  child.kill('SIGKILL');
  await sim.close();
  await disposeAllPtyPairs();
  rmSync(dir, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    ms: times.map(Math.round),
    median: Math.round(times[3]),
    max: Math.round(times[6]),
    load: os.loadavg()[0],
  }),
);
