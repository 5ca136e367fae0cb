import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import type { Command, CommandContext } from '../command';
import { stringOption, writeJson } from '../command';
import { exitCodes } from '../exit-codes';
import { FaceGateError } from '../../core/errors';
import { AccountStore } from '../../core/service/accounts';
import { AdminAuth, defaultAccount } from '../../core/service/admin-auth';
import { defaultSettings } from '../../shared/settings';
import { isValidPin } from '../../shared/pin';
import { cliActor, databaseHelp, databaseOptions, withGallery } from './people';

/**
 * The new PIN, never from the command line (it would stay in the shell history and show in the
 * process list): the first line of standard input, e.g. `printf '%s\n' 482913 | facegate ...`
 * in a script, or typed at the prompt (twice) in a terminal.
 */
export async function readNewPin(
  ctx: CommandContext,
  input: NodeJS.ReadableStream & { isTTY?: boolean },
): Promise<string> {
  const lines = createInterface({ input, terminal: false });
  const iterator = lines[Symbol.asyncIterator]();
  const next = async (prompt: string) => {
    if (input.isTTY) ctx.stderr.write(prompt);
    const { value, done } = await iterator.next();
    return done ? undefined : String(value).trim();
  };
  // Typed at a terminal: no echo, so the PIN is not left on the screen.
  const hide = input.isTTY === true && process.platform !== 'win32';
  const echo = (on: boolean) => {
    if (hide) spawnSync('stty', [on ? 'echo' : '-echo'], { stdio: ['inherit', 'ignore', 'ignore'] });
  };
  echo(false);
  try {
    const pin = await next('New admin PIN (6 to 12 digits): ');
    if (pin === undefined || pin === '') {
      throw new FaceGateError('INVALID_INPUT', 'No PIN given: type it, or pipe it on standard input.');
    }
    if (!isValidPin(pin)) throw new FaceGateError('INVALID_INPUT', 'A PIN is 6 to 12 digits.');
    if (input.isTTY && (await next('\nOnce more: ')) !== pin) {
      throw new FaceGateError('INVALID_INPUT', 'The two PINs differ; nothing was changed.');
    }
    return pin;
  } finally {
    echo(true);
    if (hide) ctx.stderr.write('\n');
    lines.close();
  }
}

export function adminCommandWith(input: NodeJS.ReadableStream & { isTTY?: boolean }): Command {
  return {
    name: 'admin',
    summary: 'Reset a forgotten admin PIN, from this computer only (audited)',
    usage: 'reset-pin [--account NAME] [--db FILE]   (the new PIN on standard input or at the prompt)',
    options: { ...databaseOptions, account: { type: 'string' } },
    help: [
      'facegate admin reset-pin',
      '  Sets a new admin PIN in the database, lifts every PIN lockout and ends the admin sessions of',
      '  a running FaceGate (their next call asks for the new PIN). The PIN is read from standard',
      '  input, never from the command line. The reset is written to the audit log with the name of',
      '  the user who ran it. There is deliberately no way to do this from a kiosk: whoever can run',
      '  this can already read and write the database file (its folder is private to the user).',
      '  --account NAME   the admin account to reset (default admin); it is enabled and made an',
      '                   administrator, or created when it does not exist (docs/access.md).',
      '',
      databaseHelp,
    ].join('\n'),
    async run(ctx) {
      const [action] = ctx.positionals;
      if (action !== 'reset-pin') {
        throw new FaceGateError(
          'INVALID_INPUT',
          action ? `unknown action '${action}': use reset-pin.` : 'say reset-pin (facegate admin --help).',
        );
      }
      const account = stringOption(ctx, 'account') ?? defaultAccount;
      const pin = await readNewPin(ctx, input);
      const user = (() => {
        try {
          return userInfo().username;
        } catch {
          return 'unknown user';
        }
      })();
      await withGallery(ctx, async (gallery) => {
        const auth = new AdminAuth(
          gallery.settings,
          new AccountStore(gallery.db),
          () => defaultSettings.admin,
        );
        await auth.resetPin(pin, account);
        gallery.audit.record({
          actor: `${cliActor} (${user})`,
          action: 'admin.pin_reset',
          target: `account:${account}`,
          details: { user },
        });
      });
      if (ctx.json) writeJson(ctx, { reset: true, user });
      else ctx.stdout.write(`The admin PIN was reset (audited as ${user}). Log in with the new PIN.\n`);
      return exitCodes.ok;
    },
  };
}

export const adminCommand = adminCommandWith(process.stdin);
