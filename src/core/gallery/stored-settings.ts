import type { SettingsStore } from './settings-store';

/**
 * The app keeps its validated settings as one JSON object under this key of the settings table
 * (sections recognition, attendance, enrolment, ...); the CLI reads the same values so both
 * behave alike on one database.
 */
export const appSettingsKey = 'settings';

/** One section of the app's stored settings, or {} when none is stored. */
export function storedSection(store: SettingsStore, section: string): Record<string, unknown> {
  const all = store.get(appSettingsKey);
  if (!all || typeof all !== 'object') return {};
  const value = (all as Record<string, unknown>)[section];
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A stored number, when it is one. */
export function storedNumber(section: Record<string, unknown>, key: string): number | undefined {
  const value = section[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
