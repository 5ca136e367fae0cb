import path from 'node:path';
import { stringOption, writeJson, type CommandContext } from '../command';
import { exitCodes } from '../exit-codes';
import { FaceGateError } from '../../core/errors';
import { downloadPack, needsLicenceAcceptance, packLicences } from '../../core/models';
import { userModelsDir } from '../../core/paths';

/**
 * `facegate models download PACK [--accept-licence] [--dir DIR]`: the licences first (on stderr,
 * so --json stays clean), then each file with its progress; a pack with a non-commercial licence
 * needs --accept-licence.
 */
export async function downloadCommand(ctx: CommandContext, packId: string | undefined): Promise<number> {
  if (!packId)
    throw new FaceGateError('INVALID_INPUT', "Name the pack to download: 'facegate models download open'.");
  const destRoot = path.resolve(stringOption(ctx, 'dir') ?? userModelsDir());
  const licences = packLicences(packId);
  const accepted = ctx.values['accept-licence'] === true;
  const lines = [`Pack '${packId}': the licences of its models.`];
  for (const l of licences) {
    lines.push(`  ${l.model}: ${l.name}; commercial use ${l.commercialUse ? 'allowed' : 'NOT allowed'}`);
    if (l.notes) lines.push(`    ${l.notes}`);
  }
  if (needsLicenceAcceptance(licences))
    lines.push(
      accepted
        ? 'Non-commercial licence accepted (--accept-licence).'
        : 'This pack is for non-commercial use only: run again with --accept-licence to accept its licence.',
    );
  ctx.stderr.write(`${lines.join('\n')}\n\nInto ${destRoot}\n`);

  let lastLine = '';
  const result = await downloadPack(packId, {
    destRoot,
    acceptLicence: accepted,
    onProgress: (p) => {
      const percent = Math.floor((100 * p.received) / p.total);
      const line = `  ${p.model}: ${percent} % of ${(p.total / 1e6).toFixed(1)} MB`;
      // One line per 10 % step: readable in a log as well as on a terminal.
      if (line !== lastLine && (percent % 10 === 0 || p.received === p.total)) {
        lastLine = line;
        ctx.stderr.write(`${line}\n`);
      }
    },
    onMirrorFailed: (f) =>
      ctx.stderr.write(`  ${f.model}: ${f.url} failed (${f.reason}); trying the next mirror\n`),
  });
  if (ctx.json) {
    writeJson(ctx, result);
  } else {
    for (const f of result.files)
      ctx.stdout.write(
        `${f.status === 'present' ? 'present   ' : 'downloaded'}  ${f.model.padEnd(24)}  ${f.path}\n`,
      );
    ctx.stdout.write(`Pack '${packId}' is ready (checked against the catalog's sha256).\n`);
  }
  return exitCodes.ok;
}
