import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Attendance } from '../../../src/core/attendance/attendance';
import { AuditLog } from '../../../src/core/gallery/audit-log';
import { FaceGateDatabase } from '../../../src/core/gallery/database';
import { RelayBoardSimulator, type RelayBoardOptions } from '../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, hasSocat } from '../../helpers/socat';
import { skipUnlessPlatform, skipWithout } from '../../helpers/fixtures';
import { startCli } from '../../helpers/cli';

const hasUdevadm = spawnSync('udevadm', ['--version'], { stdio: 'ignore' }).status === 0;
const boards: RelayBoardSimulator[] = [];
const temps: string[] = [];

/** Run the CLI without blocking this process (the board simulator must keep answering). */
function facegate(args: string[], env: Record<string, string | undefined> = {}) {
  return startCli(args, { env });
}

async function board(options: RelayBoardOptions) {
  const pair = await createPtyPair();
  const sim = await RelayBoardSimulator.attach(pair.boardPath, options);
  boards.push(sim);
  return { port: pair.devicePath, sim };
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-door-cli-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(boards.splice(0).map((b) => b.close()));
  await disposeAllPtyPairs();
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('facegate relay list', () => {
  it.skipIf(skipWithout('udevadm', process.platform !== 'linux' || hasUdevadm))(
    'lists ports, or says none were found (needs udevadm on Linux)',
    async () => {
      const { status: code, stdout } = await facegate(['relay', 'list']).done;
      expect(code).toBe(0);
      expect(stdout).toMatch(/PATH\s+USB ID|No serial ports found/);
    },
  );

  it.skipIf(skipUnlessPlatform('linux'))(
    'without udevadm says how to install it, and does not crash',
    async () => {
      // A PATH holding only node: udevadm cannot be found.
      const dir = tempDir();
      symlinkSync(process.execPath, path.join(dir, 'node'));
      const { status: code, stderr } = await facegate(['relay', 'list'], { ...process.env, PATH: dir }).done;
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/needs `udevadm`.*`udev` package/);
      expect(stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    },
  );
});

describe.skipIf(skipWithout('socat', hasSocat))('facegate relay test and door open on a socat pty', () => {
  it('relay test locks, pulses and relocks, printing each state change', async () => {
    const { port, sim } = await board({ protocol: 'lcus' });
    const run = await facegate([
      'relay',
      'test',
      '--port',
      port,
      '--protocol',
      'lcus',
      '--channel',
      '1',
      '--pulse',
      '300',
    ]).done;
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/locked\s+startup/);
    expect(lines[1]).toMatch(/unlocked\s+pulse:test\s+until/);
    expect(lines[2]).toMatch(/locked\s+deadline/);
    expect(run.stdout).toMatch(/OK: lcus relay opened for 300 ms and relocked/);
    await sim.waitForCommand(() => true, { from: 3 });
    expect(sim.commands.slice(0, 3).map((c) => c.energise)).toEqual([false, true, false]);
    expect(sim.relays.get(1)).toBe(false);
  });

  it('relay test --json reports the states of a Modbus board', async () => {
    const { port } = await board({ protocol: 'modbus', slaveId: 3 });
    const run = await facegate([
      'relay',
      'test',
      '--json',
      '--port',
      port,
      '--protocol',
      'modbus',
      '--slave',
      '3',
      '--coil',
      '2',
      '--pulse',
      '200',
    ]).done;
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; events: { state: string; reason: string }[] };
    expect(report.ok).toBe(true);
    expect(report.events.map((e) => `${e.state}:${e.reason}`)).toEqual([
      'locked:startup',
      'unlocked:pulse:test',
      'locked:deadline',
      'disconnected:test-end',
    ]);
  });

  it('relay test fails clearly when a Modbus board does not answer', async () => {
    const { port, sim } = await board({ protocol: 'modbus' });
    sim.behaviour = { reply: 'silent', exceptionCode: 4 };
    const run = await facegate([
      'relay',
      'test',
      '--port',
      port,
      '--protocol',
      'modbus',
      '--reply-timeout',
      '100',
    ]).done;
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/fault\s+modbus-timeout/);
    expect(run.stderr).toMatch(/Could not lock the relay first: .*did not answer within 100 ms/);
  });

  it('refuses bad options with the usage status and names the option', async () => {
    const missing = await facegate(['relay', 'test', '--protocol', 'lcus']).done;
    expect(missing.status).toBe(64);
    expect(missing.stderr).toMatch(/--port is required/);
    const channel = await facegate([
      'relay',
      'test',
      '--port',
      '/dev/null',
      '--protocol',
      'lcus',
      '--channel',
      '9',
    ]).done;
    expect(channel.status).toBe(64);
    expect(channel.stderr).toMatch(/--channel: /);
    const seconds = await facegate(['door', 'open', '--seconds', '300', '--port', 'x', '--protocol', 'lcus'])
      .done;
    expect(seconds.status).toBe(64);
    expect(seconds.stderr).toMatch(/--seconds must be 0.2 to 255/);
  });

  it('door open held open by a child process relocks when the child gets SIGTERM', async () => {
    const { port, sim } = await board({ protocol: 'kmtronic' });
    const env = { ...process.env, FACEGATE_DATA_DIR: tempDir() };
    const { child, done } = facegate(
      ['door', 'open', '--seconds', '60', '--port', port, '--protocol', 'kmtronic'],
      env,
    );
    const opened = await sim.waitForCommand((c) => c.energise, { timeoutMs: 15_000 });
    child.kill('SIGTERM');
    const run = await done;
    expect(run.status).toBe(143);
    expect(run.stderr).toMatch(/SIGTERM: relocking before exit/);
    const relocked = await sim.waitForCommand((c) => !c.energise && c.at > opened.at);
    expect(relocked.bytes).toEqual(Buffer.from([0xff, 0x01, 0x00]));
    expect(sim.relays.get(1)).toBe(false);
    expect(run.stdout).toMatch(/disconnected\s+signal:SIGTERM/);
  });

  it('door open records the manual open as an attendance event and in the audit log of --db', async () => {
    const { port } = await board({ protocol: 'numato' });
    const file = path.join(tempDir(), 'facegate.db');
    const run = await facegate([
      'door',
      'open',
      '--seconds',
      '0.3',
      '--port',
      port,
      '--protocol',
      'numato',
      '--channel',
      '2',
      '--db',
      file,
    ]).done;
    expect(run.status).toBe(0);
    const db = FaceGateDatabase.open(file);
    try {
      const { entries } = new AuditLog(db).list({ actions: ['door.manual_open'] });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        actor: 'cli',
        target: 'door',
        details: { seconds: 0.3, opened: true, note: `numato on ${port}` },
      });
      const { events } = new Attendance(db).events();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ kind: 'manual_open', doorOpened: true, person: null });
    } finally {
      db.close();
    }
  });

  it('door open on a missing port does not pretend: not opened, audited as such', async () => {
    const file = path.join(tempDir(), 'facegate.db');
    const run = await facegate([
      'door',
      'open',
      '--port',
      '/dev/ttyFACEGATE-none',
      '--protocol',
      'lcus',
      '--db',
      file,
    ]).done;
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/could not be locked first, so it was not opened: Cannot open serial port/);
    const db = FaceGateDatabase.open(file);
    try {
      const { entries } = new AuditLog(db).list({ actions: ['door.manual_open'] });
      expect(entries[0].details).toMatchObject({ opened: false });
      expect(new Attendance(db).events().events[0]).toMatchObject({ kind: 'manual_open', doorOpened: false });
    } finally {
      db.close();
    }
  });
});
