import type { Clock } from '../../src/shared/clock.js';

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/** How one simulated process's clocks relate to virtual (true) time. */
export interface ProcessClockOptions {
  /** Wall-clock offset from true time in ms (clock skew between hosts). Default 0. */
  wallOffsetMs?: number;
  /** Clock rate: 1.001 runs 0.1 % fast (drift). Applies to both clocks. Default 1. */
  rate?: number;
  /** The process's monotonic origin. Default 0. */
  monotonicOffsetMs?: number;
  /**
   * Decides, when one of this process's timers falls due, whether it may run now or must wait
   * until a later true time (the process is paused: GC, SIGSTOP, Lambda freeze).
   */
  deferUntil?: () => number | undefined;
  /** When true, this process's timers never fire again (the process crashed). */
  isDead?: () => boolean;
}

/** A clock driven by {@link VirtualTime}, with `wallJump` to move its wall clock (NTP step). */
export interface VirtualClock extends Clock {
  wallJump(ms: number): void;
}

/**
 * Discrete-event virtual time for deterministic tests and simulations: timers fire in time order,
 * and after each one every promise continuation runs before the next, so the same schedule always
 * gives the same history. Nothing waits for real time.
 *
 * @example
 * ```ts
 * const time = new VirtualTime();
 * const clock = time.clock();
 * const lock = new LeaseLock({ store: new MemoryLockStore(), clock });
 * await time.runFor(30_000);
 * ```
 */
export class VirtualTime {
  #now = 0;
  #seq = 0;
  readonly #heap: Timer[] = [];
  /** Called after every event once promise continuations have settled (e.g. a safety checker). */
  afterEvent: (() => void) | undefined;

  /** True time in ms since the start. */
  get now(): number {
    return this.#now;
  }

  get pending(): number {
    return this.#heap.filter((timer) => !timer.cancelled).length;
  }

  /** Runs `callback` at true time `now + delay`; returns a cancel function. */
  at(delay: number, callback: () => void): () => void {
    const timer: Timer = { at: this.#now + Math.max(0, delay), seq: this.#seq++, callback, cancelled: false };
    this.#push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** A promise that resolves at `now + delay` true time. */
  delay(delay: number): Promise<void> {
    return new Promise((resolve) => this.at(delay, resolve));
  }

  /** A process's clock: skewed wall time, drifting rate, pausable and killable timers. */
  clock(options: ProcessClockOptions = {}): VirtualClock {
    const rate = options.rate ?? 1;
    let wallOffset = options.wallOffsetMs ?? 0;
    const monotonicOffset = options.monotonicOffsetMs ?? 0;
    const epoch = Date.UTC(2030, 0, 1);
    const schedule = (callback: () => void, ms: number): (() => void) => {
      let cancelled = false;
      let cancelInner = (): void => undefined;
      const fire = (): void => {
        if (cancelled || options.isDead?.()) return;
        const resumeAt = options.deferUntil?.();
        if (resumeAt !== undefined && resumeAt > this.#now) {
          cancelInner = this.at(resumeAt - this.#now, fire);
          return;
        }
        callback();
      };
      cancelInner = this.at(Math.max(0, ms) / rate, fire);
      return () => {
        cancelled = true;
        cancelInner();
      };
    };
    return {
      now: () => Math.floor(epoch + wallOffset + this.#now * rate),
      monotonic: () => monotonicOffset + this.#now * rate,
      schedule,
      sleep(ms, signal) {
        return new Promise<void>((resolve, reject) => {
          if (signal?.aborted) {
            reject(signal.reason);
            return;
          }
          const onAbort = (): void => {
            cancel();
            reject(signal?.reason);
          };
          const cancel = schedule(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          }, ms);
          signal?.addEventListener('abort', onAbort, { once: true });
        });
      },
      wallJump(ms) {
        wallOffset += ms;
      },
    };
  }

  /** Lets every pending promise continuation run (they are all microtasks of earlier events). */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Runs events until true time `now + duration` (or until none are left), then settles. */
  async runFor(duration: number): Promise<void> {
    await this.runUntil(this.#now + duration);
  }

  /** Runs events up to true time `end`. */
  async runUntil(end: number): Promise<void> {
    await this.settle();
    for (;;) {
      const next = this.#peek();
      if (next === undefined || next.at > end) break;
      this.#pop();
      if (next.cancelled) continue;
      this.#now = next.at;
      next.callback();
      await this.settle();
      this.afterEvent?.();
    }
    this.#now = Math.max(this.#now, end);
  }

  /** Runs events until `done` resolves (or time `limit` passes), returning its value. */
  async until<T>(done: PromiseLike<T>, limit = Number.MAX_SAFE_INTEGER): Promise<T> {
    let result: { value: T } | { error: unknown } | undefined;
    Promise.resolve(done).then(
      (value) => (result = { value }),
      (error: unknown) => (result = { error }),
    );
    await this.settle();
    while (result === undefined) {
      const next = this.#peek();
      if (next === undefined || next.at > limit) throw new Error(`virtual time: nothing left to run before ${limit} ms and the promise is pending`);
      this.#pop();
      if (next.cancelled) continue;
      this.#now = next.at;
      next.callback();
      await this.settle();
      this.afterEvent?.();
    }
    if ('error' in result) throw result.error;
    return result.value;
  }

  #peek(): Timer | undefined {
    while (this.#heap.length > 0 && this.#heap[0]!.cancelled) this.#pop();
    return this.#heap[0];
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (before(heap[parent]!, timer)) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = timer;
  }

  #pop(): Timer | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
        if (before(last, heap[child]!)) break;
        heap[index] = heap[child]!;
        index = child;
      }
      heap[index] = last;
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
