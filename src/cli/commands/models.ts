import path from 'node:path';
import { stringOption, writeJson, type Command, type CommandContext } from '../command';
import { exitCodes } from '../exit-codes';
import { FaceGateError } from '../../core/errors';
import { downloadCommand } from './models-download';
import { listPacks, modelSearchPath, recogniseFolder, verifyPacks, type PackStatus } from '../../core/models';

function packToJson(pack: PackStatus) {
  return {
    id: pack.id,
    title: pack.title,
    description: pack.description,
    available: pack.available,
    default: pack.isDefault,
    commercialUse: pack.commercialUse,
    licences: pack.licences,
    threshold: pack.threshold,
    thresholdEvidence: pack.thresholdEvidence,
    missing: pack.missing,
    files: pack.files.map((f) => ({
      role: f.role,
      required: f.required,
      model: f.model.id,
      file: (f.model.folder ? `${f.model.folder}/` : '') + f.model.fileName,
      path: f.path ?? null,
      bytes: f.model.bytes,
      sha256: f.model.sha256,
      licence: f.model.licence,
      urls: f.model.urls,
    })),
  };
}

/** 'detector yunet; recognizers a + b (fused); liveness c, d': the pack's models by role. */
function describeModels(pack: PackStatus): string {
  const roles: PackStatus['files'][number]['role'][] = ['detector', 'landmarks', 'recognizer', 'liveness'];
  return roles
    .map((role) => {
      const ids = pack.files.filter((f) => f.role === role).map((f) => f.model.id);
      if (ids.length === 0) return '';
      if (role === 'recognizer' && ids.length > 1) return `recognizers ${ids.join(' + ')} (fused)`;
      return `${role} ${ids.join(', ')}`;
    })
    .filter(Boolean)
    .join('; ');
}

async function list(ctx: CommandContext): Promise<number> {
  const searchPath = modelSearchPath();
  const packs = await listPacks(searchPath);
  const chosen = packs.find((p) => p.isDefault);
  if (ctx.json) {
    writeJson(ctx, { searchPath, defaultPack: chosen?.id ?? null, packs: packs.map(packToJson) });
    return exitCodes.ok;
  }
  const width = Math.max(...packs.map((p) => p.id.length));
  const lines = ['Model packs:', ''];
  for (const pack of packs) {
    const state = pack.available ? (pack.isDefault ? 'available, default' : 'available') : 'not installed';
    lines.push(`  ${pack.id.padEnd(width)}  ${pack.title}`);
    lines.push(`  ${''.padEnd(width)}  ${state}; threshold ${pack.threshold}`);
    lines.push(`  ${''.padEnd(width)}  models: ${describeModels(pack)}`);
    lines.push(
      `  ${''.padEnd(width)}  licence: ${pack.licences.join(' + ')}; commercial use ${pack.commercialUse ? 'allowed' : 'NOT allowed'}`,
    );
    if (pack.missing.length) lines.push(`  ${''.padEnd(width)}  missing: ${pack.missing.join(', ')}`);
    lines.push('');
  }
  lines.push(
    chosen
      ? `Default (no --pack given): ${chosen.id}`
      : 'No default pack has all its files: set FACEGATE_MODELS_PATH or download a pack.',
  );
  lines.push('Search path (FACEGATE_MODELS_PATH first):', ...searchPath.map((dir) => `  ${dir}`));
  lines.push('', "Run 'facegate models --json' for files, hashes and download URLs.");
  ctx.stdout.write(`${lines.join('\n')}\n`);
  return exitCodes.ok;
}

async function verify(ctx: CommandContext): Promise<number> {
  const packId = stringOption(ctx, 'pack');
  const searchPath = modelSearchPath();
  const results = await verifyPacks(packId ? [packId] : undefined, searchPath);
  const mismatched = results.filter((r) => r.status === 'mismatch');
  // With --pack, the pack must be usable: its required files present. Without, absent packs are normal.
  const missingRequired = packId
    ? results.filter((r) => r.status === 'missing' && r.role !== 'liveness')
    : [];
  const ok = mismatched.length === 0 && missingRequired.length === 0;
  if (ctx.json) {
    writeJson(ctx, { ok, searchPath, files: results });
  } else {
    const seen = new Set<string>();
    for (const r of results) {
      const key = `${r.pack}/${r.model}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const where = r.path ?? `(not found: ${r.fileName})`;
      const status = r.status === 'ok' ? 'ok      ' : r.status === 'mismatch' ? 'MISMATCH' : 'missing ';
      ctx.stdout.write(`${status}  ${r.pack.padEnd(10)}  ${r.model.padEnd(24)}  ${where}\n`);
      if (r.status === 'mismatch')
        ctx.stdout.write(`          expected ${r.expected}\n          actual   ${r.actual}\n`);
    }
  }
  for (const r of mismatched) {
    ctx.stderr.write(
      `facegate models verify: ${r.path} does not match model '${r.model}' (pack '${r.pack}'): delete it and download it again.\n`,
    );
  }
  for (const r of missingRequired) {
    ctx.stderr.write(
      `facegate models verify: pack '${r.pack}' is missing ${r.fileName} (model '${r.model}').\n`,
    );
  }
  return ok ? exitCodes.ok : exitCodes.config;
}

async function inspect(ctx: CommandContext, folder: string | undefined): Promise<number> {
  if (!folder) throw new FaceGateError('INVALID_INPUT', 'Give a folder: facegate models inspect FOLDER');
  const { dir, models, skipped } = await recogniseFolder(path.resolve(folder));
  if (ctx.json) {
    writeJson(ctx, {
      folder: dir,
      models: models.map((m) => ({ path: m.path, origin: m.origin, spec: m.spec })),
      skipped,
    });
    return exitCodes.ok;
  }
  for (const m of models) {
    const how =
      m.origin === 'catalog' ? `catalog model '${m.spec.id}'` : 'recognised from its inputs/outputs';
    const { width, height, channelOrder, mean, std } = m.spec.input;
    ctx.stdout.write(
      `${path.basename(m.path)}: ${m.spec.task} (${m.spec.kind}), ${how}; input ${width}x${height} ${channelOrder} mean [${mean.join(', ')}] std [${std.join(', ')}]\n`,
    );
  }
  for (const s of skipped) ctx.stdout.write(`${path.basename(s.path)}: not recognised: ${s.reason}\n`);
  if (models.length === 0 && skipped.length === 0) ctx.stdout.write(`No .onnx files in ${dir}\n`);
  return exitCodes.ok;
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'List the model packs, verify their files, or inspect a folder of ONNX models',
  usage:
    '[list] [--json] | verify [--pack ID] [--json] | inspect FOLDER [--json] | download PACK [--accept-licence] [--dir DIR]',
  options: {
    pack: { type: 'string' },
    dir: { type: 'string' },
    'accept-licence': { type: 'boolean', default: false },
  },
  help: [
    '  (no subcommand), list  every pack of the catalog: available or not (missing files), licence and',
    '                         whether commercial use is allowed, threshold, and the folders searched',
    '  verify [--pack ID]     re-hash the model files (sha256) against the catalog; exit status',
    `                         ${exitCodes.config} when a file does not match (or, with --pack, a required file is missing)`,
    '  inspect FOLDER         how each .onnx file of a folder is recognised (for --pack FOLDER)',
    "  download PACK          fetch a pack's files over HTTPS from the catalog's mirrors into the user's",
    '                         model folder (or --dir DIR): licences shown first, resumed after an',
    "                         interruption, each file checked against the catalog's sha256 before it is",
    '                         moved into place. Non-commercial packs need --accept-licence.',
    `                         Exit status ${exitCodes.ioError} when every mirror of a file failed or the disk is full.`,
    '',
    'Folders searched, in order: FACEGATE_MODELS_PATH (colon-separated; semicolons on Windows), the',
    "user's model folder, the app's resources/models, and the npm starter pack.",
  ].join('\n'),
  async run(ctx) {
    const [sub, ...rest] = ctx.positionals;
    if (sub === undefined || sub === 'list') return list(ctx);
    if (sub === 'verify') return verify(ctx);
    if (sub === 'inspect') return inspect(ctx, rest[0]);
    if (sub === 'download') return downloadCommand(ctx, rest[0]);
    throw new FaceGateError(
      'INVALID_INPUT',
      `Unknown subcommand 'models ${sub}': use list, verify, inspect or download.`,
    );
  },
};
