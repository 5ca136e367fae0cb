/**
 * "Start at login" for the desktop app, as a pure plan (unit-tested under Node) that index.ts
 * carries out. Windows and macOS: Electron's app.setLoginItemSettings. Linux, where Electron has
 * no login items: an XDG autostart entry, ~/.config/autostart/facegate.desktop, that starts the
 * AppImage (APPIMAGE is its real path; process.execPath is inside a temporary mount). Nothing in
 * development (it would register the bare Electron binary).
 */
import path from 'node:path';

export type LoginItemPlan =
  | { kind: 'electron'; openAtLogin: boolean }
  | { kind: 'autostart-file'; file: string; content: string | null }
  | { kind: 'none'; reason: string };

export interface LoginItemInput {
  enabled: boolean;
  packaged: boolean;
  platform: NodeJS.Platform;
  executable: string;
  env: NodeJS.ProcessEnv;
  home: string;
}

/** A desktop-entry Exec value: the path quoted, with the characters the spec reserves escaped. */
function execQuote(file: string): string {
  return `"${file.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function loginItemPlan(input: LoginItemInput): LoginItemPlan {
  if (!input.packaged) return { kind: 'none', reason: 'not packaged (development build)' };
  if (input.platform === 'win32' || input.platform === 'darwin')
    return { kind: 'electron', openAtLogin: input.enabled };
  if (input.platform !== 'linux') return { kind: 'none', reason: `no login items on ${input.platform}` };
  const configHome = input.env.XDG_CONFIG_HOME || path.join(input.home, '.config');
  const file = path.join(configHome, 'autostart', 'facegate.desktop');
  if (!input.enabled) return { kind: 'autostart-file', file, content: null };
  const target = input.env.APPIMAGE || input.executable;
  const content = [
    '[Desktop Entry]',
    'Type=Application',
    'Name=FaceGate',
    'Comment=Front-desk face check-in (started at login from the admin settings)',
    `Exec=${execQuote(target)}`,
    'X-GNOME-Autostart-enabled=true',
    'Terminal=false',
    '',
  ].join('\n');
  return { kind: 'autostart-file', file, content };
}
