import type { Clock } from '../../src/index.js';

interface Entry {
  at: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/**
 * Discrete-event virtual time. Events run in time order (ties in scheduling order); after every
 * instant the scheduler lets pending promise continuations settle (one macrotask turn) before it
 * moves time on, so real async code — the refresher, the lock, the AWS SDK over an in-process
 * handler — runs unchanged and sees time advance only between events.
 *
 * @example
 * ```ts
 * const scheduler = new VirtualScheduler(Date.UTC(2026, 0, 1));
 * const clock = scheduler.clock();
 * void clock.sleep(1_000).then(() => console.log(clock.now()));
 * await scheduler.run(scheduler.now + 5_000);
 * ```
 */
export class VirtualScheduler {
  readonly #heap: Entry[] = [];
  #sequence = 0;
  #current: number;
  #stopped = false;
  /** Events run so far (for the report's speed figure). */
  eventsRun = 0;

  readonly origin: number;

  constructor(origin: number) {
    this.origin = origin;
    this.#current = origin;
  }

  /** The virtual wall-clock time, epoch ms. */
  get now(): number {
    return this.#current;
  }

  /** Runs `run` after `ms` of virtual time; returns a cancel function. */
  after(ms: number, run: () => void): () => void {
    const entry: Entry = { at: this.#current + Math.max(0, ms), seq: this.#sequence++, run, cancelled: false };
    this.#push(entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /**
   * A {@link Clock} on virtual time for one simulated process: its wall clock may be skewed by
   * `skewMs`; its monotonic clock starts at 0 when the clock is made.
   */
  clock(skewMs = 0): Clock {
    const monotonicOrigin = this.#current;
    return {
      now: () => this.#current + skewMs,
      monotonic: () => this.#current - monotonicOrigin,
      sleep: (ms, signal) =>
        new Promise<void>((resolve, reject) => {
          if (signal?.aborted) {
            reject(signal.reason);
            return;
          }
          const onAbort = (): void => {
            cancel();
            reject(signal?.reason);
          };
          const cancel = this.after(ms, () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          });
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
      schedule: (callback, ms) => this.after(ms, callback),
    };
  }

  /** Makes {@link run} return after the current instant; later runs do nothing. */
  stop(): void {
    this.#stopped = true;
  }

  /** Whether {@link stop} was called. */
  get isStopped(): boolean {
    return this.#stopped;
  }

  /** Runs events until virtual time `until` (inclusive) or until none are left. */
  async run(until: number): Promise<void> {
    await settle();
    while (this.#heap.length > 0 && !this.#stopped) {
      const next = this.#heap[0];
      if (next === undefined || next.at > until) break;
      this.#current = next.at;
      while (this.#heap.length > 0 && (this.#heap[0]?.at ?? Number.POSITIVE_INFINITY) === this.#current) {
        const entry = this.#pop();
        if (entry === undefined || entry.cancelled) continue;
        this.eventsRun += 1;
        entry.run();
      }
      await settle();
    }
    if (!this.#stopped) this.#current = Math.max(this.#current, until);
  }

  /**
   * Runs virtual time in steps of `stepMs` until `call` settles, and settles as it does. A real turn
   * of the event loop comes between steps: a first SDK call loads modules and resolves its
   * configuration with real I/O, which no number of virtual steps alone would wait for.
   */
  async complete<T>(call: Promise<T>, stepMs = 1): Promise<T> {
    let done = false;
    const settled = call.finally(() => {
      done = true;
    });
    settled.catch(() => undefined);
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.run(this.#current + stepMs);
    }
    return settled;
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(entry, heap[parent] as Entry)) break;
      heap[index] = heap[parent] as Entry;
      index = parent;
    }
    heap[index] = entry;
  }

  #pop(): Entry | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        let candidate = last;
        if (left < heap.length && before(heap[left] as Entry, candidate)) {
          smallest = left;
          candidate = heap[left] as Entry;
        }
        if (right < heap.length && before(heap[right] as Entry, candidate)) smallest = right;
        if (smallest === index) break;
        heap[index] = heap[smallest] as Entry;
        index = smallest;
      }
      heap[index] = last;
    }
    return top;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** One macrotask turn: every promise continuation queued so far has run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
