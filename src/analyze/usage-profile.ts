// A compact picture of a container's usage over the window, for charts and sparklines (issue 18): the p95
// of the pooled samples in each of at most MAX_PROFILE_BUCKETS equal buckets of whole hours (a 7-day window:
// 42 buckets of 4 h). Small enough to carry in a recommendation, fine enough to see a daily cycle or a step.
// Pure: the window is passed in.
import type { Evidence, UsageProfile } from "../model/recommendation.ts";
import { bucketize, bucketValues } from "./buckets.ts";
import { percentilesBySelection } from "./stats.ts";

export const MAX_PROFILE_BUCKETS = 48;

const HOUR = 3600;

/** Hours per bucket so that the window fits in at most MAX_PROFILE_BUCKETS buckets (at least 1 h). */
export function profileBucketHours(windowHours: number): number {
  return Math.max(1, Math.ceil(windowHours / MAX_PROFILE_BUCKETS));
}

/**
 * The p95 of the samples in each bucket of the window (start, end]: buckets end at `end` and go back in
 * steps of bucketHours; a bucket without samples is null. The series is given as times (Unix s) and values.
 */
export function bucketP95(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  window: Evidence["window"],
): { start: number; bucketHours: number; values: (number | null)[] } {
  const bucketHours = profileBucketHours(window.hours);
  const count = Math.max(1, Math.ceil(window.hours / bucketHours));
  const start = window.end - count * bucketHours * HOUR;
  // A sample covers the step before it: a sample at a bucket's end belongs to that bucket.
  const buckets = bucketize(times, values, count, (t) => Math.ceil((t - start) / (bucketHours * HOUR)) - 1);
  const p95s: (number | null)[] = [];
  for (let k = 0; k < count; k++) {
    const b = bucketValues(buckets, k);
    p95s.push(b.length === 0 ? null : (percentilesBySelection(b, [95])[0] as number));
  }
  return { start, bucketHours, values: p95s };
}

/** The profile of a container's CPU and memory samples over the window. */
export function usageProfile(
  cpu: { times: ArrayLike<number>; values: ArrayLike<number> },
  memory: { times: ArrayLike<number>; values: ArrayLike<number> },
  window: Evidence["window"],
): UsageProfile {
  const c = bucketP95(cpu.times, cpu.values, window);
  const m = bucketP95(memory.times, memory.values, window);
  return { start: c.start, bucketHours: c.bucketHours, cpu: c.values, memory: m.values };
}
