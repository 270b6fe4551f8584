// Usage statistics shared by the analyzers. Pure functions over plain numbers.

import type { UsageStats } from "../model/recommendation.ts";

/**
 * The p-th percentile (0..100) of values already sorted ascending, interpolating linearly between the
 * closest ranks: rank = p/100 * (n-1). This is numpy's default and what Prometheus' quantile_over_time
 * computes, so numbers here match what a user sees when they query Prometheus themselves.
 * Throws a RangeError on an empty array or p outside 0..100: there is no meaningful answer, and a silent
 * NaN would flow into a recommendation.
 */
export function percentile(sortedValues: readonly number[], p: number): number {
  const n = sortedValues.length;
  if (n === 0) throw new RangeError("percentile of no values");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const low = sortedValues[lo] as number;
  const high = sortedValues[hi] as number;
  // lo === hi when rank is whole; avoids 0 * Infinity style surprises and keeps exact values exact.
  return lo === hi ? low : low + (high - low) * (rank - lo);
}

/** Summary of values already sorted ascending; see summarize. */
export function summarizeSorted(sortedValues: readonly number[]): UsageStats {
  return {
    samples: sortedValues.length,
    p50: percentile(sortedValues, 50),
    p95: percentile(sortedValues, 95),
    p99: percentile(sortedValues, 99),
    max: sortedValues[sortedValues.length - 1] as number,
  };
}

/** Count, p50/p95/p99 and max of values (any order; sorts a copy once). Throws on an empty array. */
export function summarize(values: readonly number[]): UsageStats {
  return summarizeSorted(sortNumbers(values));
}

/** A sorted copy, ascending by numeric value (Array#sort's default compares as strings). */
export function sortNumbers(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}
