import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayBoardSimulator } from '../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, hasSocat } from '../../helpers/socat';
import { skipWithout } from '../../helpers/fixtures';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/hold-door-open.ts');
const boards: RelayBoardSimulator[] = [];

afterEach(async () => {
  await Promise.all(boards.splice(0).map((b) => b.close()));
  await disposeAllPtyPairs();
});

async function holdOpenThen(ending: 'exit' | 'throw') {
  const pair = await createPtyPair();
  const board = await RelayBoardSimulator.attach(pair.boardPath, { protocol: 'lcus' });
  boards.push(board);
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, pair.devicePath, ending], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { board, code, stdout };
}

describe.skipIf(skipWithout('socat', hasSocat))('a process that ends without an orderly shutdown', () => {
  it.each(['exit', 'throw'] as const)('writes "locked" on the way out (%s)', async (ending) => {
    const { board, code, stdout } = await holdOpenThen(ending);
    expect(stdout).toContain('open');
    expect(code).not.toBe(0);
    const opened = await board.waitForCommand((c) => c.energise);
    const relocked = await board.waitForCommand((c) => !c.energise && c.at > opened.at);
    expect(relocked.bytes).toEqual(Buffer.from([0xa0, 0x01, 0x00, 0xa1]));
    expect(board.relays.get(1)).toBe(false);
  });
});
