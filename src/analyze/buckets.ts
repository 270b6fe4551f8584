// Samples grouped into time buckets in typed arrays (issue 19): one pass to count, one to place, no array
// per bucket and no object per sample. Used for hourly medians (sizing-level.ts) and the profile's p95s
// (usage-profile.ts). Pure.
import { select } from "./stats.ts";

/** The finite values of each bucket, bucket by bucket: bucket k is values.subarray(offsets[k], offsets[k+1]). */
export interface Buckets {
  offsets: Int32Array;
  values: Float64Array;
}

/**
 * The finite values grouped by bucketOf(time) in 0..count-1 (samples whose bucket is outside are left out),
 * in sample order within each bucket.
 */
export function bucketize(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  count: number,
  bucketOf: (t: number) => number,
): Buckets {
  const keys = new Int32Array(times.length);
  const offsets = new Int32Array(count + 1);
  for (let i = 0; i < times.length; i++) {
    const k = bucketOf(times[i] as number);
    const ok = k >= 0 && k < count && Number.isFinite(values[i] as number);
    keys[i] = ok ? k : -1;
    if (ok) offsets[k + 1] = (offsets[k + 1] as number) + 1;
  }
  for (let k = 0; k < count; k++) offsets[k + 1] = (offsets[k + 1] as number) + (offsets[k] as number);
  const next = offsets.slice(0, count);
  const out = new Float64Array(offsets[count] as number);
  for (let i = 0; i < times.length; i++) {
    const k = keys[i] as number;
    if (k < 0) continue;
    out[next[k] as number] = values[i] as number;
    next[k] = (next[k] as number) + 1;
  }
  return { offsets, values: out };
}

/** Bucket k's values (a view: selections reorder them in place). */
export function bucketValues(b: Buckets, k: number): Float64Array {
  return b.values.subarray(b.offsets[k] as number, b.offsets[k + 1] as number);
}

/**
 * The median of values, reordering them: the middle one, or the mean of the two middle ones — exactly
 * what sorting and reading the middle gives.
 */
export function medianInPlace(values: Float64Array): number {
  const n = values.length;
  const m = n >> 1;
  select(values, m, 0, n - 1);
  const upper = values[m] as number;
  if (n % 2) return upper;
  // The one below the middle is the largest of the lower half.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < m; i++) if ((values[i] as number) > lower) lower = values[i] as number;
  return (lower + upper) / 2;
}
