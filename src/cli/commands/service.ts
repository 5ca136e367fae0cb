import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringOption, writeJson, type Command, type CommandContext } from '../command';
import { exitCodes } from '../exit-codes';
import { FaceGateError } from '../../core/errors';

/** systemd quotes: a word with spaces, quotes or backslashes in double quotes, escaped. */
function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\])/g, '\\$1')}"`;
}

export interface UnitOptions {
  scope: 'user' | 'system';
  node: string;
  bin: string;
  /** Extra `facegate serve` arguments (e.g. --db FILE, --port N). */
  serveArgs: string[];
  /** Environment to carry into the unit (FACEGATE_* variables set now). */
  environment: Record<string, string>;
  /** System units run as this user. */
  user?: string;
}

/**
 * The systemd unit that keeps `facegate serve` running: restarted a second after any exit
 * (Restart=always), so a crash with the door released is followed by a start that relocks it
 * first (docs/door.md, "Boards without a timer").
 */
export function serviceUnit(options: UnitOptions): string {
  const exec = [options.node, options.bin, 'serve', ...options.serveArgs].map(quote).join(' ');
  const env = Object.entries(options.environment).map(
    ([key, value]) => `Environment=${quote(`${key}=${value}`)}`,
  );
  return [
    '# Written by `facegate service install`; docs/door.md and docs/app.md explain it.',
    '[Unit]',
    'Description=FaceGate front desk (headless host; relocks the door first at every start)',
    'After=network.target',
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    ...(options.scope === 'system' && options.user ? [`User=${options.user}`] : []),
    ...env,
    `ExecStart=${exec}`,
    // Any exit, clean or not, is followed by a start one second later: the start relocks the door.
    'Restart=always',
    'RestartSec=1',
    // SIGTERM relocks the door before exiting; give it time before SIGKILL.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=10',
    '',
    '[Install]',
    `WantedBy=${options.scope === 'user' ? 'default.target' : 'multi-user.target'}`,
    '',
  ].join('\n');
}

function unitPath(scope: 'user' | 'system'): string {
  if (scope === 'system') return '/etc/systemd/system/facegate.service';
  const config = process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config');
  return path.join(config, 'systemd', 'user', 'facegate.service');
}

function install(ctx: CommandContext): number {
  const system = Boolean(ctx.values.system);
  const scope = system ? 'system' : 'user';
  const serveArgs: string[] = [];
  for (const name of ['db', 'port', 'host']) {
    const value = stringOption(ctx, name);
    if (value !== undefined) serveArgs.push(`--${name}`, name === 'db' ? path.resolve(value) : value);
  }
  const environment = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        /^FACEGATE_(DB|DATA_DIR|MODELS_PATH)$/.test(entry[0]) && typeof entry[1] === 'string',
    ),
  );
  const unit = serviceUnit({
    scope,
    node: process.execPath,
    bin: fileURLToPath(new URL('../bin/facegate.js', import.meta.url)),
    serveArgs,
    environment,
    ...(system ? { user: os.userInfo().username } : {}),
  });
  if (ctx.values.print) {
    ctx.stdout.write(unit);
    return exitCodes.ok;
  }
  if (process.platform !== 'linux') {
    throw new FaceGateError(
      'INVALID_INPUT',
      'facegate service install writes a systemd unit (Linux). On Windows and macOS, the app starts at login (docs/app.md).',
    );
  }
  const file = unitPath(scope);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, unit, { mode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FaceGateError(
      'INVALID_INPUT',
      `Cannot write ${file} (${code ?? (error as Error).message})${system ? ': a system unit needs root (sudo).' : '.'}`,
    );
  }
  const ctl = system ? 'sudo systemctl' : 'systemctl --user';
  if (ctx.json) writeJson(ctx, { file, scope });
  else {
    ctx.stdout.write(
      [
        `Wrote ${file}. Start it now and at every boot with:`,
        `  ${ctl} daemon-reload && ${ctl} enable --now facegate`,
        ...(system
          ? []
          : [`  loginctl enable-linger ${os.userInfo().username}   # start at boot, before anyone logs in`]),
        '',
      ].join('\n'),
    );
  }
  return exitCodes.ok;
}

export const serviceCommand: Command = {
  name: 'service',
  summary: 'Install a systemd unit that keeps `facegate serve` running (restarts it after any exit)',
  usage: 'install [--system] [--print] [--db FILE] [--port N] [--host ADDRESS]',
  options: {
    system: { type: 'boolean', default: false },
    print: { type: 'boolean', default: false },
    db: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
  },
  help: [
    'facegate service install            ~/.config/systemd/user/facegate.service (a user unit)',
    'facegate service install --system   /etc/systemd/system/facegate.service (needs root; runs as you)',
    'facegate service install --print    print the unit instead of writing it',
    '',
    'The unit runs `facegate serve` with Restart=always and RestartSec=1: after a crash the next start',
    'comes by itself and relocks the door first. --db, --port and --host are passed to serve;',
    'FACEGATE_DB, FACEGATE_DATA_DIR and FACEGATE_MODELS_PATH set now are kept in the unit.',
  ].join('\n'),
  run(ctx) {
    const [action] = ctx.positionals;
    if (action !== 'install') {
      throw new FaceGateError(
        'INVALID_INPUT',
        action ? `unknown action '${action}': use install.` : 'say install (facegate service --help).',
      );
    }
    return Promise.resolve(install(ctx));
  },
};
