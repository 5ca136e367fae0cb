import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/core/service/event-bus';

describe('event bus', () => {
  it('delivers to every listener, survives a throwing one, and unsubscribes', () => {
    const errors: unknown[] = [];
    const bus = new EventBus((e) => errors.push(e));
    const seen: string[] = [];
    bus.on(() => {
      throw new Error('bad listener');
    });
    const off = bus.on((name) => seen.push(name));
    bus.emit('settings.changed', { sections: ['kiosk'] });
    off();
    bus.emit('settings.changed', { sections: ['kiosk'] });
    expect(seen).toEqual(['settings.changed']);
    expect(errors).toHaveLength(2);
  });
});
