/**
 * Default network figures for the multi-Region simulation. They are typical published round trips
 * between AWS Regions (inter-Region latency dashboards such as cloudping.co's grid report
 * us-east-1 ↔ eu-west-1 at about 70–80 ms, us-east-1 ↔ ap-southeast-2 at about 200 ms and
 * eu-west-1 ↔ ap-southeast-2 at about 250–280 ms, medians over days). They were not measured here;
 * pass `--rtt a:b=ms` to use your own.
 */
export const DEFAULT_INTER_REGION_RTT_MS: Readonly<Record<string, number>> = {
  'eu-west-1|us-east-1': 75,
  'ap-southeast-2|us-east-1': 200,
  'ap-southeast-2|eu-west-1': 265,
  'us-east-1|us-west-2': 65,
  'eu-west-1|us-west-2': 130,
  'ap-southeast-2|us-west-2': 140,
  'eu-central-1|eu-west-1': 25,
  'eu-central-1|us-east-1': 90,
  'ap-northeast-1|us-east-1': 150,
};

/** A pair of Regions not in the table: a round trip between continents. */
export const FALLBACK_INTER_REGION_RTT_MS = 150;

/**
 * Secrets Manager documents no replication lag: the user guide says only that a new value
 * "propagates" to the replicas. The default is a few seconds (uniform 1–5 s per change), which is
 * what asynchronous cross-Region replication of a small item usually takes; runs with
 * `--replication-lag-ms` sweep it up to and past what the refresh window leaves (110 s for an
 * hour's token with the defaults).
 */
export const DEFAULT_REPLICATION_LAG_MS: Readonly<{ min: number; max: number }> = { min: 1_000, max: 5_000 };

/** The key of a pair of Regions in an RTT table: both names, sorted, joined by `|`. */
export function regionPair(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/**
 * The round trip between two Regions in ms (0 within one Region): `given` first, then the
 * defaults, then {@link FALLBACK_INTER_REGION_RTT_MS}.
 *
 * @example
 * ```ts
 * rttBetween('eu-west-1', 'us-east-1'); // 75
 * rttBetween('eu-west-1', 'us-east-1', { 'eu-west-1|us-east-1': 80 }); // 80
 * ```
 */
export function rttBetween(a: string, b: string, given: Readonly<Record<string, number>> = {}): number {
  if (a === b) return 0;
  const key = regionPair(a, b);
  return given[key] ?? DEFAULT_INTER_REGION_RTT_MS[key] ?? FALLBACK_INTER_REGION_RTT_MS;
}

/**
 * Parses `a:b=ms,c:d=ms` into an RTT table keyed by {@link regionPair}.
 *
 * @example
 * ```ts
 * parseRttTable('us-east-1:eu-west-1=80'); // { 'eu-west-1|us-east-1': 80 }
 * ```
 */
export function parseRttTable(value: string): Record<string, number> {
  const table: Record<string, number> = {};
  for (const entry of value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')) {
    const match = /^([a-z0-9-]+):([a-z0-9-]+)=(\d+(?:\.\d+)?)$/.exec(entry);
    if (match === null) throw new TypeError(`"${entry}" is not region:region=ms.`);
    table[regionPair(match[1] as string, match[2] as string)] = Number(match[3]);
  }
  return table;
}

/**
 * Parses a lag given as `ms` or `min-max` (ms).
 *
 * @example
 * ```ts
 * parseLagRange('1000-5000'); // { min: 1000, max: 5000 }
 * ```
 */
export function parseLagRange(value: string): { min: number; max: number } {
  const match = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(value.trim());
  if (match === null) throw new TypeError(`"${value}" is not ms or min-max.`);
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (max < min) throw new TypeError(`"${value}": max is below min.`);
  return { min, max };
}
