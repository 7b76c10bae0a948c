import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../scripts/loadtest/histogram.js';

describe('Class: LatencyHistogram', () => {
  it('reports quantiles within 2 % above the true value and never below it', () => {
    const histogram = new LatencyHistogram();
    for (let i = 1; i <= 1_000; i += 1) histogram.record(i / 100);
    expect(histogram.count).toBe(1_000);
    expect(histogram.quantile(0.5)).toBeGreaterThanOrEqual(5);
    expect(histogram.quantile(0.5)).toBeLessThanOrEqual(5 * 1.02);
    expect(histogram.quantile(0.99)).toBeGreaterThanOrEqual(9.9);
    expect(histogram.quantile(0.99)).toBeLessThanOrEqual(9.9 * 1.02);
    expect(histogram.quantile(1)).toBe(10);
    expect(histogram.maxMs).toBe(10);
  });

  it('merges serialized histograms exactly, as the harness does with every worker report', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (const v of [0.01, 0.02, 0.03]) a.record(v);
    for (const v of [100, 200]) b.record(v);
    const merged = LatencyHistogram.from(JSON.parse(JSON.stringify(a.toJSON()))).merge(b.toJSON());
    expect(merged.count).toBe(5);
    expect(merged.maxMs).toBe(200);
    expect(merged.quantile(0.6)).toBeLessThan(0.04);
    expect(merged.quantile(0.8)).toBeGreaterThanOrEqual(100);
  });

  it('answers 0 when empty and clamps sub-microsecond values into the first bucket', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.quantile(0.99)).toBe(0);
    histogram.record(0);
    expect(histogram.quantile(0.5)).toBe(0);
    expect(histogram.count).toBe(1);
  });
});
