export { KioskSync, type KioskSyncOptions, type KioskSyncStatus } from './kiosk-sync';
export { LocalReplica, type KioskIdentity } from './local-replica';
export { latestPgSchemaVersion, pgMigrations } from './pg-migrations';
export * from './site-store';
export { joinSite } from './join';
export { importSqlite, kioskSettingSections, siteSettingSections, type ImportReport } from './import-sqlite';
export {
  LocalPassages,
  passageChannel,
  SitePassages,
  SitePassbackStore,
  type PassageKind,
  type SitePassage,
} from './passages';
export { SiteWrites } from './site-writes';
