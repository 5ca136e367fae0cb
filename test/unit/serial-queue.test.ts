import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/core/serial-queue';

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

describe('SerialQueue.runLatest (bounded, newest wins)', () => {
  it('runs the task at work and only the newest waiting one; the others are superseded at once', async () => {
    const queue = new SerialQueue();
    const first = gate();
    const ran: number[] = [];
    const results: Promise<string>[] = [];
    results.push(
      queue.runLatest(
        async () => {
          ran.push(0);
          await first.opened;
          return 'done 0';
        },
        () => 'superseded 0',
      ),
    );
    for (let i = 1; i <= 50; i++) {
      results.push(
        queue.runLatest(
          async () => {
            ran.push(i);
            return `done ${i}`;
          },
          () => `superseded ${i}`,
        ),
      );
      // However many arrive, the queue holds the running task and one waiting task.
      expect(queue.pending).toBeLessThanOrEqual(2);
    }
    // The superseded ones answer before the running task ends.
    await expect(results[1]).resolves.toBe('superseded 1');
    await expect(results[49]).resolves.toBe('superseded 49');
    first.open();
    expect(await Promise.all(results)).toEqual([
      'done 0',
      ...Array.from({ length: 49 }, (_, i) => `superseded ${i + 1}`),
      'done 50',
    ]);
    expect(ran).toEqual([0, 50]);
    expect(queue.pending).toBe(0);
  });

  it('keeps order with run() and gives each caller its own failure', async () => {
    const queue = new SerialQueue();
    const order: string[] = [];
    const a = queue.run(async () => {
      order.push('a');
      throw new Error('a failed');
    });
    const b = queue.runLatest(
      async () => {
        order.push('b');
        throw new Error('b failed');
      },
      () => 'superseded',
    );
    const c = queue.run(async () => {
      order.push('c');
      return 'c';
    });
    await expect(a).rejects.toThrow('a failed');
    await expect(b).rejects.toThrow('b failed');
    await expect(c).resolves.toBe('c');
    expect(order).toEqual(['a', 'b', 'c']);
  });
});
