interface Waiting {
  task: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  superseded: () => unknown;
}

/**
 * Runs async tasks one at a time in call order. A failed task does not block the ones after it.
 * runLatest() is the bounded form for work where only the newest matters (camera frames).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting: Waiting | undefined;
  private count = 0;

  /** Tasks queued or running (a superseded runLatest task is not counted: it never runs). */
  get pending(): number {
    return this.count;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.count++;
    const done = () => {
      this.count--;
    };
    const counted = () => task().finally(done);
    const result = this.tail.then(counted, counted);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Bounded, newest wins: at most one task waits behind the queue's work. A task queued while
   * another is already waiting takes its place, and the one it replaces resolves at once with
   * `superseded()` without running. However fast tasks arrive, the queue holds the running task
   * and one waiting task, never more.
   */
  runLatest<T, S>(task: () => Promise<T>, superseded: () => S): Promise<T | S> {
    // An idle queue starts the task: it is at work, not waiting, and nothing supersedes it.
    if (this.count === 0) return this.run(task);
    return new Promise<T | S>((resolve, reject) => {
      const previous = this.waiting;
      this.waiting = {
        task,
        resolve: resolve as (value: unknown) => void,
        reject,
        superseded,
      };
      if (previous) {
        // The link already in the queue runs whatever waits when its turn comes: the newest.
        previous.resolve(previous.superseded());
        return;
      }
      void this.run(async () => {
        const next = this.waiting;
        this.waiting = undefined;
        if (!next) return;
        try {
          next.resolve(await next.task());
        } catch (error) {
          next.reject(error);
        }
      });
    });
  }
}
