import type { SettingsStore } from './settings-store';

/**
 * The app keeps each section of its validated settings (recognition, attendance, enrolment, ...)
 * as one JSON object under the key `app.<section>` of the settings table (the service's settings
 * manager); the CLI reads the same values so both behave alike on one database.
 */
export function appSettingsKey(section: string): string {
  return `app.${section}`;
}

/** One section of the app's stored settings, or {} when none is stored. */
export function storedSection(store: SettingsStore, section: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = store.get(appSettingsKey(section));
  } catch {
    return {}; // a damaged value: the defaults apply, as in the app
  }
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A stored number, when it is one. */
export function storedNumber(section: Record<string, unknown>, key: string): number | undefined {
  const value = section[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
