import type { AdminSession } from './session.svelte';

/**
 * The busy / error / done state of an admin page whose buttons each run one call and then reload
 * the page's data. One place for it, so every page clears the old notice, disables its buttons
 * while a call runs and reports a failure (an expired session included) the same way.
 */
export class PageAction {
  busy = $state(false);
  error = $state<string | null>(null);
  done = $state<string | null>(null);

  constructor(
    private readonly session: AdminSession,
    private readonly reload: () => Promise<unknown>,
  ) {}

  /** Runs one call; on success shows `message` (when given) and reloads the page's data. */
  async run(task: () => Promise<unknown>, message?: string): Promise<void> {
    this.busy = true;
    this.error = null;
    this.done = null;
    try {
      await task();
      if (message) this.done = message;
      await this.reload();
    } catch (e) {
      this.error = this.session.failed(e).message;
    } finally {
      this.busy = false;
    }
  }
}
