import { createInterface } from 'node:readline';
import { badgePattern, isValidPersonalPin } from '../../shared/credentials';
import type { CommandContext } from '../command';
import { stringOption } from '../command';
import { FaceGateError } from '../../core/errors';
import type { Gallery } from '../../core/gallery/gallery';
import type { GalleryWrites } from '../../core/gallery/gallery-writes';

export const credentialEditOptions = {
  pin: { type: 'string' },
  'duress-pin': { type: 'string' },
  badge: { type: 'string' },
} as const;
export const credentialEditHelp = [
  '  --pin -               the kiosk PIN (4 to 12 digits), read from standard input; "" removes it',
  '  --duress-pin -        the duress PIN (opens as usual, raises a silent alarm), read from standard',
  '                        input after --pin when both are given; "" removes it',
  '  --badge N             the badge number a keyboard-wedge reader types; "" removes it',
].join('\n');

/**
 * `people edit ID --pin - --duress-pin - --badge N`: PINs come from standard input (one a line),
 * never from the command line (shell history, the process list); hashed like an admin secret.
 */
export async function applyCredentialOptions(
  ctx: CommandContext,
  gallery: Gallery,
  personId: number,
  actor: string,
  input: NodeJS.ReadableStream,
  writes: GalleryWrites,
): Promise<boolean> {
  const pinOption = stringOption(ctx, 'pin');
  const duressOption = stringOption(ctx, 'duress-pin');
  const badge = stringOption(ctx, 'badge');
  if (pinOption === undefined && duressOption === undefined && badge === undefined) return false;
  for (const [name, value] of [
    ['--pin', pinOption],
    ['--duress-pin', duressOption],
  ] as const) {
    if (value !== undefined && value !== '-' && value !== '') {
      throw new FaceGateError(
        'INVALID_INPUT',
        `${name} takes "-" (read the PIN from standard input) or "" (remove it), never the PIN itself.`,
      );
    }
  }
  const lines = createInterface({ input, terminal: false })[Symbol.asyncIterator]();
  const read = async (what: string) => {
    const { value, done } = await lines.next();
    const pin = done ? '' : String(value).trim();
    if (!isValidPersonalPin(pin)) {
      throw new FaceGateError('INVALID_INPUT', `The ${what} on standard input must be 4 to 12 digits.`);
    }
    return pin;
  };
  const pin = pinOption === '-' ? await read('PIN') : pinOption === '' ? null : undefined;
  const duress = duressOption === '-' ? await read('duress PIN') : duressOption === '' ? null : undefined;
  if (badge !== undefined && badge !== '' && !badgePattern.test(badge)) {
    throw new FaceGateError('INVALID_INPUT', `A badge number is 4 to 32 digits, got '${badge}'.`);
  }
  // The file, or a site kiosk's file: set in the site (hashes and tags only), for every kiosk.
  await writes.setCredentials(personId, {
    ...(pin !== undefined ? { pin } : {}),
    ...(duress !== undefined ? { duressPin: duress } : {}),
    ...(badge !== undefined ? { badge: badge === '' ? null : badge } : {}),
  });
  gallery.audit.record({
    actor,
    action: 'person.credentials',
    personId,
    details: {
      ...(pin !== undefined ? { pin: pin === null ? 'removed' : 'set' } : {}),
      ...(duress !== undefined ? { duressPin: duress === null ? 'removed' : 'set' } : {}),
      ...(badge !== undefined ? { badge: badge === '' ? null : badge } : {}),
    },
  });
  return true;
}
