import { describe, expect, it } from "vitest";
import { bucketP95, MAX_PROFILE_BUCKETS, profileBucketHours, usageProfile } from "./usage-profile.ts";

const END = 1_795_176_000;
const H = 3600;

describe("profileBucketHours", () => {
  it("fits the window in at most 48 buckets of whole hours", () => {
    expect(profileBucketHours(24)).toBe(1);
    expect(profileBucketHours(48)).toBe(1);
    expect(profileBucketHours(49)).toBe(2);
    expect(profileBucketHours(168)).toBe(4);
    expect(profileBucketHours(720)).toBe(15);
    for (const hours of [1, 25, 100, 168, 336, 1000]) {
      expect(Math.ceil(hours / profileBucketHours(hours))).toBeLessThanOrEqual(MAX_PROFILE_BUCKETS);
    }
  });
});

describe("bucketP95", () => {
  it("gives each 4-hour bucket of a week the p95 of its samples, ending at the window's end", () => {
    const window = { start: END - 168 * H, end: END, hours: 168 };
    // One sample every 5 minutes; the value is the bucket index, plus a spike of 100 once in bucket 3.
    const times: number[] = [];
    const values: number[] = [];
    for (let t = window.start + 300; t <= END; t += 300) {
      times.push(t);
      const bucket = Math.ceil((t - window.start) / (4 * H)) - 1;
      values.push(t === window.start + 13 * H ? 100 : bucket);
    }
    const p = bucketP95(times, values, window);
    expect(p.start).toBe(window.start);
    expect(p.bucketHours).toBe(4);
    expect(p.values).toHaveLength(42);
    // A single spike among 48 samples is above the p95 rank: bucket 3 reads 3, not 100.
    expect(p.values).toEqual(Array.from({ length: 42 }, (_, i) => i));
  });

  it("leaves a bucket without samples null, and ignores samples outside the window or not finite", () => {
    const window = { start: END - 4 * H, end: END, hours: 4 };
    const p = bucketP95(
      [END - 5 * H, END - 3.5 * H, END - 3 * H, END - 0.5 * H, END - 0.25 * H],
      [99, 1, 2, Number.NaN, 5],
      window,
    );
    expect(p.bucketHours).toBe(1);
    // (−4h, −3h]: 1 and 2 (the sample at −3h ends that hour) · two empty hours · (−1h, 0]: 5.
    expect(p.values[0]).toBeCloseTo(1.95, 10);
    expect(p.values.slice(1)).toEqual([null, null, 5]);
  });

  it("is the same for the same samples (a rerun renders the same chart)", () => {
    const window = { start: END - 72 * H, end: END, hours: 72 };
    const times = Array.from({ length: 500 }, (_, i) => END - i * 517);
    const values = times.map((t) => (t % 7) / 3);
    expect(bucketP95(times, values, window)).toEqual(bucketP95(times, values, window));
  });
});

describe("usageProfile", () => {
  it("profiles CPU and memory over the same buckets", () => {
    const window = { start: END - 2 * H, end: END, hours: 2 };
    const cpu = { times: [END - H, END], values: [0.1, 0.2] };
    const memory = { times: [END], values: [512] };
    expect(usageProfile(cpu, memory, window)).toEqual({
      start: END - 2 * H,
      bucketHours: 1,
      cpu: [0.1, 0.2],
      memory: [null, 512],
    });
  });
});
