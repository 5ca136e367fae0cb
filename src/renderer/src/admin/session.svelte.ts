import { getContext, setContext } from 'svelte';
import type { AdminState } from '../../../shared/contract';
import type { MessageKey } from '../i18n';
import { facegate, isUnauthorized, toUiError, type UiError } from '../lib/api';

/**
 * The admin login as the admin screens see it. Pages hand every failed call to `failed()`: an
 * UNAUTHORIZED error (session expired) sends the admin back to the PIN screen with a notice.
 */
export class AdminSession {
  state = $state<AdminState | null>(null);
  notice = $state<MessageKey | null>(null);
  loadError = $state<string | null>(null);

  async refresh(): Promise<void> {
    try {
      this.state = await facegate().admin.state();
      this.loadError = null;
    } catch (error) {
      this.loadError = toUiError(error).message;
    }
  }

  /** The message to show for a failed call; an expired session also returns to the PIN screen. */
  failed(error: unknown): UiError {
    if (isUnauthorized(error)) {
      this.notice = 'admin.sessionEnded';
      void this.refresh();
    }
    return toUiError(error);
  }

  async logout(): Promise<void> {
    try {
      this.state = await facegate().admin.logout();
    } catch (error) {
      this.failed(error);
    }
  }
}

const key = Symbol('admin-session');

export function provideSession(session: AdminSession): void {
  setContext(key, session);
}

export function useSession(): AdminSession {
  const session = getContext<AdminSession | undefined>(key);
  if (!session) throw new Error('useSession() outside the admin screen');
  return session;
}
