import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** What the probe saw of one replica Region: how long each primary version took to show there. */
export interface ReplicaLagObserved {
  region: string;
  /** Primary versions this replica caught up with (showed it, or a later one) during the run. */
  versionsArrived: number;
  /** Primary versions it had not caught up with when the probe stopped. */
  versionsMissing: number;
  /** From AWSCURRENT moving on the primary to this replica showing that version or a later one (ms, ± one poll). */
  lagMs: { median: number; max: number } | null;
  /** The replica's AWSCURRENT is the primary's at the last poll. */
  inSyncAtEnd: boolean;
}

/**
 * Watches where AWSCURRENT points in the primary and in each replica, every `intervalMs`, with
 * DescribeSecret — which no strategy calls and which has no throttle bucket to share with the fleet
 * (ListSecretVersionIds would draw on the 50/s one the refresher's census uses); the harness takes
 * {@link ReplicaProbe.calls} off the run's counts — and times each version's arrival at each
 * replica after the primary. It sees only version ids and labels, never a value.
 *
 * @example
 * ```ts
 * const probe = new ReplicaProbe(secretId, 'us-east-1', clientsByRegion);
 * probe.start(50);
 * // … run …
 * await probe.stop();
 * probe.observed();
 * ```
 */
export class ReplicaProbe {
  readonly #secretId: string;
  readonly #primary: string;
  readonly #clients: ReadonlyMap<string, SecretsManagerClient>;
  /** Region → version id → when it was first seen as AWSCURRENT there. */
  readonly #firstCurrent = new Map<string, Map<string, number>>();
  readonly #lastCurrent = new Map<string, string | undefined>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #calls = 0;

  constructor(secretId: string, primary: string, clients: ReadonlyMap<string, SecretsManagerClient>) {
    this.#secretId = secretId;
    this.#primary = primary;
    this.#clients = clients;
    for (const region of clients.keys()) this.#firstCurrent.set(region, new Map());
  }

  start(intervalMs: number): void {
    const tick = (): void => {
      this.#polling = this.poll().finally(() => {
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, intervalMs);
      });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#polling;
  }

  /** One look at every Region (also called once more after the run, when the last copies are due). */
  async poll(): Promise<void> {
    await Promise.all(
      [...this.#clients].map(async ([region, client]) => {
        this.#calls += 1;
        const current = await currentVersionOf(client, this.#secretId).catch(() => undefined);
        const at = Date.now();
        this.#lastCurrent.set(region, current);
        const seen = this.#firstCurrent.get(region);
        if (current !== undefined && seen !== undefined && !seen.has(current)) seen.set(current, at);
      }),
    );
  }

  /** DescribeSecret calls the probe made, to be left out of what the fleet cost. */
  get calls(): number {
    return this.#calls;
  }

  /**
   * Per replica Region, how long it stayed behind each version the primary made current: until it
   * showed that version or a later one (copies queued behind a pause arrive together, so a replica
   * may skip a version it was never current with).
   */
  observed(): ReplicaLagObserved[] {
    const primaryOrder = [...(this.#firstCurrent.get(this.#primary) ?? new Map<string, number>())].sort((a, b) => a[1] - b[1]);
    const primaryNow = this.#lastCurrent.get(this.#primary);
    return [...this.#clients.keys()]
      .filter((region) => region !== this.#primary)
      .map((region) => {
        const seen = this.#firstCurrent.get(region) ?? new Map<string, number>();
        const lags: number[] = [];
        let missing = 0;
        let caughtUpAt: number | undefined;
        // From the newest version back: a replica has caught up with a version once it shows it or a later one.
        for (let index = primaryOrder.length - 1; index >= 0; index -= 1) {
          const [versionId, madeCurrentAt] = primaryOrder[index] as [string, number];
          const arrived = seen.get(versionId);
          if (arrived !== undefined && (caughtUpAt === undefined || arrived < caughtUpAt)) caughtUpAt = arrived;
          if (caughtUpAt === undefined) missing += 1;
          else lags.push(Math.max(0, caughtUpAt - madeCurrentAt));
        }
        lags.sort((a, b) => a - b);
        return {
          region,
          versionsArrived: lags.length,
          versionsMissing: missing,
          lagMs: lags.length === 0 ? null : { median: lags[Math.floor((lags.length - 1) / 2)] ?? 0, max: lags.at(-1) ?? 0 },
          inSyncAtEnd: primaryNow !== undefined && this.#lastCurrent.get(region) === primaryNow,
        };
      });
  }
}

async function currentVersionOf(client: SecretsManagerClient, secretId: string): Promise<string | undefined> {
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  const current = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'));
  return current?.[0];
}
