// Door timing over a real socat pty, for the report (not a test: no assertions on time).
//   node --import tsx test/integration/door/tools/measure-timing.ts [pulses] [driver]
// Prints, per measurement, the median and 95th percentile in milliseconds of:
//   open latency   pulse() called -> the board has the "on" bytes
//   relock delay   the promised unlockedUntil -> the board has the "off" bytes
import { DoorController, createRelayDriver } from '../../../../src/core/door';
import { relaySettingsSchema, type RelayDriverName } from '../../../../src/shared/door';
import { RelayBoardSimulator } from '../../../helpers/relay-board';
import { createPtyPair } from '../../../helpers/socat';

const pulses = Number(process.argv[2] ?? 30);
const driver = (process.argv[3] ?? 'lcus') as RelayDriverName;
const extra = driver === 'hex' ? { onHex: 'A0 01 01 A2', offHex: 'A0 01 00 A1' } : {};

const pair = await createPtyPair();
const board = await RelayBoardSimulator.attach(pair.boardPath, { protocol: driver, ...extra });
const settings = relaySettingsSchema.parse({ driver, port: pair.devicePath, ...extra });
const door = new DoorController({ driver: createRelayDriver(settings), timing: { reassertSeconds: 0 } });
await door.start();
await board.waitForCommand(() => true);

const open: number[] = [];
const relock: number[] = [];
for (let i = 0; i < pulses; i++) {
  const from = board.commands.length;
  const asked = performance.timeOrigin + performance.now();
  const result = await door.pulse(200, 'measure');
  const on = await board.waitForCommand((c) => c.energise, { from });
  const off = await board.waitForCommand((c) => !c.energise, { from });
  open.push(on.at - asked);
  relock.push(off.at - result.unlockedUntil!);
}
await door.shutdown();
await board.close();
await pair.dispose();

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return `median ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`;
};
console.log(`${driver}, ${pulses} pulses of 200 ms over a socat pty`);
console.log(`open latency (pulse() -> "on" at the board):       ${stats(open)}`);
console.log(`relock delay (unlockedUntil -> "off" at the board): ${stats(relock)}`);
