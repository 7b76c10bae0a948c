import type { LambdaContextLike } from '../lambda/index.js';
import type { Clock } from '../shared/clock.js';

/**
 * How long a request that arrives after the last known deadline waits for the INVOKE event of the
 * invocation that sent it: Lambda sends the event to the extension and the function at the same
 * time, so the function's request can come first.
 */
const INVOKE_EVENT_WAIT_MS = 1_000;

/**
 * The time the extension may spend on a request: until the current invocation's deadline (from its
 * INVOKE event), or during the init phase until its end — never beyond, since Lambda freezes the
 * environment when the invocation ends and a refresh left running would hold the lease while frozen.
 */
export class InvocationWindow {
  readonly #clock: Clock;
  #deadlineMs: number;
  #invoked: Array<() => void> = [];

  /** `initDeadlineMs`: when the init phase ends (Lambda allows it 10 s). */
  constructor(clock: Clock, initDeadlineMs: number) {
    this.#clock = clock;
    this.#deadlineMs = initDeadlineMs;
  }

  /** An INVOKE event arrived. */
  begin(deadlineMs: number): void {
    this.#deadlineMs = deadlineMs;
    for (const wake of this.#invoked.splice(0)) wake();
  }

  /** A Lambda context for `LambdaTokenProvider`, bounded by the invocation this request belongs to. */
  async context(): Promise<LambdaContextLike> {
    if (this.#clock.now() >= this.#deadlineMs) {
      let cancel: () => void = () => undefined;
      await new Promise<void>((resolve) => {
        this.#invoked.push(resolve);
        cancel = this.#clock.schedule(resolve, INVOKE_EVENT_WAIT_MS);
      });
      cancel();
    }
    const deadlineMs = this.#deadlineMs;
    return { getRemainingTimeInMillis: () => deadlineMs - this.#clock.now() };
  }
}
