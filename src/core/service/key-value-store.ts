/**
 * Where the service keeps its own state (settings, the admin PIN hash, the lockout counter): the
 * gallery database's settings table in the app; a Map in tests that need no database.
 */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
}

export class MemoryStore implements KeyValueStore {
  private readonly values = new Map<string, string>();

  get(key: string): unknown {
    const text = this.values.get(key);
    return text === undefined ? undefined : JSON.parse(text);
  }

  set(key: string, value: unknown): unknown {
    const previous = this.get(key);
    // Stored as JSON, like the database does, so tests see the same round trip.
    this.values.set(key, JSON.stringify(value));
    return previous;
  }
}
