/** p50 / p99 latency and throughput of one benchmark run. */
export interface RunSummary {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  perSecond: number;
}

/** Summarizes latencies (ms) of calls that together took `elapsedMs`. */
export function summarize(latencies: number[], elapsedMs: number): RunSummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (quantile: number): number => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? Number.NaN;
  return { requests: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), perSecond: (sorted.length / elapsedMs) * 1000 };
}
