// The first thing `facegate serve` runs, before the CLI bundle (and its database, models and web
// server) loads: send "locked" to the door recorded beside the database. A board without its own
// timer left released by a crash is relocked within a second of the restart. Bundled on its own
// (dist/early-relock.js) so that it loads only the door code and serialport.
import path from 'node:path';
import { doorRecordPath, relockFromRecord } from '../core/door/relock-record';
import { defaultDatabasePath } from '../core/paths';

/** The --db option of an argument list (`--db FILE` or `--db=FILE`). */
function dbOption(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--db') return argv[i + 1];
    if (argv[i].startsWith('--db=')) return argv[i].slice(5);
  }
  return undefined;
}

export async function earlyRelock(argv: string[]): Promise<void> {
  if (argv[0] !== 'serve') return;
  const file = path.resolve(dbOption(argv) ?? defaultDatabasePath());
  const result = await relockFromRecord(doorRecordPath(file));
  if (result && !result.relocked) {
    process.stderr.write(
      `facegate serve: early relock failed (${result.detail}); the door controller retries.\n`,
    );
  }
}
