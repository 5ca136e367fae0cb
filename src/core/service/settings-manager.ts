import { describeIssues } from '../../shared/contract';
import {
  applySettingsPatch,
  resolveSettings,
  settingsSections,
  type Settings,
  type SettingsPatch,
  type SettingsSection,
} from '../../shared/settings';
import { FaceGateError } from '../errors';
import type { Gallery } from '../gallery/gallery';

const keyOf = (section: SettingsSection) => `app.${section}`;

export type SettingsListener = (settings: Settings, changed: SettingsSection[]) => void;

/**
 * The app's settings, one database row per section (so a change is audited per section, with
 * what it was before). Stored values that no longer validate fall back to their defaults, one
 * key at a time, and are named in the log; a patch is validated as a whole before anything is
 * saved, so the stored settings are always consistent.
 */
export class SettingsManager {
  private settings: Settings;
  private readonly listeners = new Set<SettingsListener>();

  constructor(
    private readonly gallery: Gallery,
    log: (line: string) => void,
  ) {
    const stored = Object.fromEntries(
      settingsSections.map((section) => [section, readSafely(gallery, keyOf(section), log)]),
    );
    const { settings, dropped } = resolveSettings(
      Object.fromEntries(Object.entries(stored).filter(([, value]) => value !== undefined)),
    );
    if (dropped.length > 0) {
      log(`settings: ignored invalid stored values, using defaults for ${dropped.join(', ')}`);
    }
    this.settings = settings;
  }

  get current(): Settings {
    return this.settings;
  }

  onChange(listener: SettingsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The settings a patch would give and the sections it changes, validated; nothing is saved. */
  preview(patch: SettingsPatch): { settings: Settings; changed: SettingsSection[] } {
    const result = applySettingsPatch(this.settings, patch);
    if (!result.success)
      throw new FaceGateError('INVALID_INPUT', describeIssues('settings.set', result.error));
    const next = result.data;
    const changed = settingsSections.filter(
      (section) => JSON.stringify(next[section]) !== JSON.stringify(this.settings[section]),
    );
    return { settings: next, changed };
  }

  /**
   * Reads these stored keys again (a site kiosk: the sync wrote the site's new values into the
   * file) and tells listeners; a value that does not validate keeps its default, named in the log.
   * Returns the sections that changed.
   */
  reload(keys: readonly string[], log: (line: string) => void): SettingsSection[] {
    const sections = settingsSections.filter((section) => keys.includes(keyOf(section)));
    if (sections.length === 0) return [];
    const stored = Object.fromEntries(
      settingsSections.map((section) => [section, readSafely(this.gallery, keyOf(section), log)]),
    );
    const { settings, dropped } = resolveSettings(
      Object.fromEntries(Object.entries(stored).filter(([, value]) => value !== undefined)),
    );
    if (dropped.length > 0) {
      log(`settings: ignored invalid stored values, using defaults for ${dropped.join(', ')}`);
    }
    const changed = settingsSections.filter(
      (section) => JSON.stringify(settings[section]) !== JSON.stringify(this.settings[section]),
    );
    if (changed.length === 0) return [];
    this.settings = settings;
    for (const listener of [...this.listeners]) listener(settings, changed);
    return changed;
  }

  /** Validates the merged result, saves the sections that changed (audited) and tells listeners. */
  update(patch: SettingsPatch, actor: string): { settings: Settings; changed: SettingsSection[] } {
    const { settings: next, changed } = this.preview(patch);
    if (changed.length === 0) return { settings: this.settings, changed };
    this.gallery.db.transaction(() => {
      for (const section of changed) this.gallery.setSetting(keyOf(section), next[section], actor);
    });
    this.settings = next;
    for (const listener of [...this.listeners]) listener(next, changed);
    return { settings: next, changed };
  }
}

function readSafely(gallery: Gallery, key: string, log: (line: string) => void): unknown {
  try {
    return gallery.settings.get(key);
  } catch (error) {
    log(`settings: ${(error as Error).message}`);
    return undefined;
  }
}
