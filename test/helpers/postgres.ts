import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './mosquitto';

/** Debian's PostgreSQL server binaries (any major version), or undefined when not installed. */
export const postgresBin = (() => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : undefined;
})();

/** The server refuses to run as root: as root, run its tools as the 'postgres' user. */
const asRoot = process.getuid?.() === 0;

function run(tool: string, args: string[]): string {
  const command = path.join(postgresBin!, tool);
  const argv = asRoot ? ['-u', 'postgres', '--', command, ...args] : args;
  const result = spawnSync(asRoot ? 'runuser' : command, argv, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`${tool} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

/**
 * A throwaway PostgreSQL cluster in a temp folder on a free port of 127.0.0.1 (trust auth, no
 * fsync: the tests stop it cleanly or kill the kiosks, never the server's disk), started and
 * stopped by the test. `url` connects as the superuser to the 'facegate' database.
 */
export class Postgres {
  readonly dir: string;
  port = 0;

  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-pg-'));
    chmodSync(this.dir, 0o755);
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/facegate`;
  }

  async init(): Promise<void> {
    if (!postgresBin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
    const data = path.join(this.dir, 'data');
    mkdirSync(data);
    if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', this.dir]);
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    this.port = await freePort();
    await this.start();
    run('createdb', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', 'facegate']);
  }

  async start(): Promise<void> {
    const data = path.join(this.dir, 'data');
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${this.port} -k ${this.dir} -c fsync=off -c max_connections=60`,
      'start',
    ]);
  }

  /** Stops the server ('fast': disconnects every client at once, as a crash of the link would). */
  async stop(): Promise<void> {
    run('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }

  async destroy(): Promise<void> {
    try {
      await this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
