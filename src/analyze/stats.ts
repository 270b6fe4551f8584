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

/** Count, p50/p95/p99 and max of values (any order; selects on a copy). Throws on an empty array. */
export function summarize(values: ArrayLike<number>): UsageStats {
  return summarizeValues(values);
}

/** A sorted copy, ascending by numeric value (Array#sort's default compares as strings). */
export function sortNumbers(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * Percentiles of values in any order, exactly as percentile() gives them on the sorted values, without
 * sorting: order statistics by selection (quickselect), O(n) per percentile instead of O(n log n).
 * `scratch` is reordered in place (pass a copy when the order matters). `ps` are 0..100; any order.
 */
export function percentilesBySelection(scratch: Float64Array, ps: readonly number[]): number[] {
  const n = scratch.length;
  if (n === 0) throw new RangeError("percentile of no values");
  const out = new Array<number>(ps.length);
  // Highest rank first: each selection leaves everything below its rank in [0, rank), so the next (lower)
  // one searches only there.
  const order = ps.map((_, i) => i).sort((a, b) => (ps[b] as number) - (ps[a] as number));
  let right = n - 1;
  for (const i of order) {
    const p = ps[i] as number;
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
    const rank = (p / 100) * (n - 1);
    const lo = Math.floor(rank);
    const hi = Math.ceil(rank);
    // The element at hi, the smallest of those above lo once lo is selected (still within the old right).
    const high = hi <= right ? selectHigh(scratch, lo, hi, right) : (scratch[hi] as number);
    const low = scratch[lo] as number;
    out[i] = lo === hi ? low : low + (high - low) * (rank - lo);
    right = lo;
  }
  return out;
}

/** Selects ranks lo and hi (lo or lo + 1) within [0, right] into place; returns the value at hi. */
function selectHigh(a: Float64Array, lo: number, hi: number, right: number): number {
  if (lo === right) {
    // The largest of the range (the max, p100): one scan does it.
    let at = 0;
    for (let j = 1; j <= right; j++) if ((a[j] as number) > (a[at] as number)) at = j;
    swap(a, right, at);
    return a[right] as number;
  }
  select(a, lo, 0, right);
  if (hi === lo) return a[lo] as number;
  // Put it in its place too: a later, lower percentile may read it there (its hi past its range).
  let at = lo + 1;
  for (let j = lo + 2; j <= right; j++) if ((a[j] as number) < (a[at] as number)) at = j;
  swap(a, lo + 1, at);
  return a[lo + 1] as number;
}

/**
 * Rearranges a[left..right] so that a[k] is the value a full sort would put there, smaller-or-equal ones
 * before it and greater-or-equal ones after it (Hoare's quickselect, median-of-three pivots: no
 * randomness, and sorted or constant input stays linear).
 */
export function select(a: Float64Array, k: number, left: number, right: number): void {
  let l = left;
  let r = right;
  while (r > l) {
    const m = (l + r) >> 1;
    // Median of three to a[m], then partition around it.
    if ((a[m] as number) < (a[l] as number)) swap(a, m, l);
    if ((a[r] as number) < (a[l] as number)) swap(a, r, l);
    if ((a[r] as number) < (a[m] as number)) swap(a, r, m);
    const pivot = a[m] as number;
    let i = l;
    let j = r;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}

/** The p-th percentile of values in any order (not touched), exactly as percentile() of them sorted. */
export function percentileOf(values: ArrayLike<number>, p: number): number {
  return percentilesBySelection(Float64Array.from(values), [p])[0] as number;
}

/** p50, p95, p99 and max of values in any order (not touched), by selection; see summarize. */
export function summarizeValues(values: ArrayLike<number>): UsageStats {
  const scratch = Float64Array.from(values);
  const [max, p99, p95, p50] = percentilesBySelection(scratch, [100, 99, 95, 50]) as number[];
  return {
    samples: values.length,
    p50: p50 as number,
    p95: p95 as number,
    p99: p99 as number,
    max: max as number,
  };
}
