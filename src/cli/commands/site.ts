import type { Command, CommandContext } from '../command';
import { stringOption, writeJson } from '../command';
import { exitCodes } from '../exit-codes';
import { FaceGateError } from '../../core/errors';
import { hashPin } from '../../core/gallery/pin-hash';
import { importSqlite, joinSite, latestPgSchemaVersion, SiteStore } from '../../core/site';
import { readNewPin } from './admin';
import { databaseHelp, databaseOptions, withGallery } from './people';

const facegateVersion = '0.1.0';
/** A kiosk not heard from for this long is shown as offline. */
const onlineWithinMs = 15_000;

/** The site database URL: --url, else FACEGATE_DATABASE_URL. */
export function siteUrl(ctx: CommandContext): string {
  const url = stringOption(ctx, 'url') ?? process.env.FACEGATE_DATABASE_URL;
  if (!url) {
    throw new FaceGateError(
      'INVALID_INPUT',
      'No site database: give --url postgres://USER@HOST/DB or set FACEGATE_DATABASE_URL (docs/site.md).',
    );
  }
  return url;
}

async function withStore<T>(ctx: CommandContext, work: (store: SiteStore) => Promise<T>): Promise<T> {
  const store = SiteStore.open(siteUrl(ctx));
  try {
    return await work(store);
  } finally {
    await store.close().catch(() => undefined);
  }
}

function age(ms: number | null): string {
  if (ms === null) return 'never';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120
    ? `${s} s ago`
    : s < 7200
      ? `${Math.round(s / 60)} min ago`
      : `${Math.round(s / 3600)} h ago`;
}

export function siteCommandWith(input: NodeJS.ReadableStream & { isTTY?: boolean }): Command {
  return {
    name: 'site',
    summary: 'Many kiosks, one site: the PostgreSQL site database and its kiosks (docs/site.md)',
    usage: [
      'init [--site-name NAME] [--account NAME]     (the first admin PIN on standard input)',
      '       facegate site join --name NAME [--door DOOR] [--id ID] [--db FILE]',
      '       facegate site status',
      '       facegate site import-sqlite [--db FILE]',
    ].join('\n'),
    options: {
      ...databaseOptions,
      url: { type: 'string' },
      'site-name': { type: 'string' },
      account: { type: 'string' },
      name: { type: 'string' },
      door: { type: 'string' },
      id: { type: 'string' },
    },
    help: [
      'Every action talks to the site database given by --url or FACEGATE_DATABASE_URL',
      '(postgres://USER:PASSWORD@HOST:PORT/DB). Without it FaceGate is a single desk, as before.',
      '',
      'facegate site init',
      '  Creates or migrates the site database to the schema this FaceGate speaks, names the site,',
      '  and creates the first administrator (--account, default admin) when the site has none;',
      '  the PIN is read from standard input, never from the command line. Safe to run again.',
      'facegate site join --name NAME [--door DOOR] [--id ID]',
      '  Makes this computer a kiosk of the site: registers it (a new id unless --id) and marks',
      '  the local database (--db) as its offline copy. A local database that already holds',
      '  people of its own is refused: import it first, then join with a fresh one.',
      'facegate site status',
      '  The site: its kiosks, when each was last seen, what it has applied, its outbox depth,',
      '  its clock skew and version.',
      'facegate site import-sqlite [--db FILE]',
      "  Moves a single desk's gallery (people, templates, embeddings, attendance, audit log,",
      '  accounts, site settings) into a new, empty site in one transaction, with a report.',
      '',
      '  --url URL             the site database (default: $FACEGATE_DATABASE_URL)',
      databaseHelp,
    ].join('\n'),
    async run(ctx) {
      const [action, ...rest] = ctx.positionals;
      if (rest.length > 0)
        throw new FaceGateError('INVALID_INPUT', `unexpected arguments: ${rest.join(' ')}`);
      switch (action) {
        case 'init':
          return init(ctx, input);
        case 'join':
          return join(ctx);
        case 'status':
          return status(ctx);
        case 'import-sqlite':
          return importGallery(ctx);
        default:
          throw new FaceGateError(
            'INVALID_INPUT',
            action
              ? `unknown action '${action}': use init, join, status or import-sqlite.`
              : 'say init, join, status or import-sqlite (facegate site --help).',
          );
      }
    },
  };
}

async function init(
  ctx: CommandContext,
  input: NodeJS.ReadableStream & { isTTY?: boolean },
): Promise<number> {
  return withStore(ctx, async (store) => {
    const schema = await store.migrate();
    const site = await store.ensureSite(stringOption(ctx, 'site-name') ?? 'FaceGate site');
    let adminCreated: string | null = null;
    if ((await store.accountCount()) === 0) {
      const account = stringOption(ctx, 'account') ?? 'admin';
      const pin = await readNewPin(ctx, input);
      await store.putAccount({
        name: account,
        role: 'administrator',
        secret: JSON.stringify(await hashPin(pin)),
        disabled: false,
      });
      adminCreated = account;
    }
    if (ctx.json) writeJson(ctx, { site, schema, adminCreated });
    else {
      ctx.stdout.write(
        `Site '${site.name}' (${site.id}): schema ${schema.from === schema.to ? `at ${schema.to}` : `${schema.from} -> ${schema.to}`}.\n`,
      );
      ctx.stdout.write(
        adminCreated
          ? `Administrator '${adminCreated}' created.\n`
          : 'The site already has admin accounts; none was created.\n',
      );
    }
    return exitCodes.ok;
  });
}

async function join(ctx: CommandContext): Promise<number> {
  const name = stringOption(ctx, 'name');
  if (!name || !name.trim()) throw new FaceGateError('INVALID_INPUT', 'Name the kiosk: --name "Side door".');
  return withStore(ctx, (store) =>
    withGallery(ctx, async (gallery) => {
      const joined = await joinSite(store, gallery, {
        id: stringOption(ctx, 'id'),
        name: name.trim(),
        door: stringOption(ctx, 'door') ?? '',
        version: facegateVersion,
      });
      if (ctx.json) writeJson(ctx, joined);
      else {
        ctx.stdout.write(
          `Kiosk '${joined.kiosk.name}' (${joined.kiosk.id}${joined.kiosk.door ? `, door ${joined.kiosk.door}` : ''}) ` +
            `joined site '${joined.siteName}'. Start it with FACEGATE_DATABASE_URL set; it copies the site's ` +
            'people on its first connection.\n',
        );
      }
      return exitCodes.ok;
    }),
  );
}

async function status(ctx: CommandContext): Promise<number> {
  return withStore(ctx, async (store) => {
    const schema = await store.schemaVersion();
    const site = schema > 0 ? await store.siteInfo() : null;
    if (!site) {
      throw new FaceGateError(
        'DATABASE',
        'The site database has no site yet: run `facegate site init` first.',
      );
    }
    const [kiosks, latestSeq, counts] = await Promise.all([
      store.kiosks(),
      store.latestSeq(),
      store.counts(),
    ]);
    const now = Date.now();
    const rows = kiosks.map((k) => ({
      ...k,
      online: k.lastSeenAt !== null && now - k.lastSeenAt < onlineWithinMs,
      behind: Math.max(0, latestSeq - k.appliedSeq),
    }));
    if (ctx.json) {
      writeJson(ctx, { site, schema, latestSchema: latestPgSchemaVersion, latestSeq, counts, kiosks: rows });
      return exitCodes.ok;
    }
    ctx.stdout.write(
      `Site '${site.name}' (${site.id}), schema ${schema}: ${counts.people} people, ${counts.templates} templates, ` +
        `${counts.attendanceEvents} attendance events; change ${latestSeq}.\n`,
    );
    if (rows.length === 0) ctx.stdout.write('No kiosk has joined yet (facegate site join).\n');
    for (const k of rows) {
      ctx.stdout.write(
        `  ${k.online ? 'online ' : 'OFFLINE'}  ${k.name}${k.door ? ` [${k.door}]` : ''}  last seen ${age(k.lastSeenAt)}, ` +
          `${k.behind === 0 ? 'up to date' : `${k.behind} changes behind`}, outbox ${k.outboxDepth}, ` +
          `clock skew ${k.clockSkewMs === null ? '?' : `${k.clockSkewMs} ms`}, version ${k.version || '?'}  (${k.id})\n`,
      );
    }
    return exitCodes.ok;
  });
}

async function importGallery(ctx: CommandContext): Promise<number> {
  return withStore(ctx, (store) =>
    withGallery(
      ctx,
      async (gallery) => {
        const report = await importSqlite(store, gallery, gallery.db.file);
        if (ctx.json) writeJson(ctx, report);
        else {
          ctx.stdout.write(
            `Imported ${report.source} into the site: ${report.people} people, ${report.templates} templates ` +
              `(${report.embeddings} embeddings, ${report.photoRecords} imported photos remembered), ${report.attendanceEvents} attendance events, ` +
              `${report.auditEntries} audit entries, ${report.accounts} admin accounts, ` +
              `${report.credentials} people with a PIN or badge, ${report.lookalikePairs} look-alike pairs, settings: ` +
              `${report.settings.join(', ') || 'none'}.\n`,
          );
          if (report.kioskSettingsLeft.length > 0) {
            ctx.stdout.write(
              `Left in the file (each kiosk's own): ${report.kioskSettingsLeft.join(', ')}. ` +
                'People have new site ids (--json lists them).\n',
            );
          }
        }
        return exitCodes.ok;
      },
      { readonly: true },
    ),
  );
}

export const siteCommand = siteCommandWith(process.stdin);
