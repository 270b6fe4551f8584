import { describe, expect, it } from "vitest";
import { percentile, sortNumbers, summarize } from "./stats.ts";

describe("percentile", () => {
  it("interpolates linearly between the closest ranks (rank = p/100 * (n-1))", () => {
    // [1,2,3,4]: p50 -> rank 1.5 -> 2 + 0.5*(3-2) = 2.5
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    // p95 -> rank 2.85 -> 3 + 0.85*(4-3) = 3.85
    expect(percentile([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12);
    // p25 -> rank 0.75 -> 1 + 0.75 = 1.75
    expect(percentile([1, 2, 3, 4], 25)).toBe(1.75);
  });

  it("returns an exact element when the rank is whole", () => {
    // [10,20,30,40,50]: p50 -> rank 2 -> 30; p75 -> rank 3 -> 40
    expect(percentile([10, 20, 30, 40, 50], 50)).toBe(30);
    expect(percentile([10, 20, 30, 40, 50], 75)).toBe(40);
  });

  it("gives the minimum at p0 and the maximum at p100", () => {
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
  });

  it("returns the only value of a single-element array for any p", () => {
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
  });

  it("interpolates between equal neighbours without drift", () => {
    expect(percentile([0.2, 0.2, 0.2], 95)).toBe(0.2);
  });

  it("throws on an empty array rather than returning NaN", () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
  });

  it("throws when p is outside 0..100 or not a number", () => {
    expect(() => percentile([1, 2], -1)).toThrow(RangeError);
    expect(() => percentile([1, 2], 101)).toThrow(RangeError);
    expect(() => percentile([1, 2], Number.NaN)).toThrow(RangeError);
  });
});

describe("summarize", () => {
  it("reports count, p50, p95, p99 and max of unsorted values", () => {
    // sorted 1..5: p50 rank 2 -> 3; p95 rank 3.8 -> 4.8; p99 rank 3.96 -> 4.96; max 5
    const stats = summarize([5, 1, 4, 2, 3]);
    expect(stats.samples).toBe(5);
    expect(stats.p50).toBe(3);
    expect(stats.p95).toBeCloseTo(4.8, 12);
    expect(stats.p99).toBeCloseTo(4.96, 12);
    expect(stats.max).toBe(5);
  });

  it("sorts numerically, not as strings", () => {
    // As strings, 10 < 9; numerically the max is 10 and p50 of [1,9,10] is 9.
    const stats = summarize([10, 9, 1]);
    expect(stats.max).toBe(10);
    expect(stats.p50).toBe(9);
  });

  it("does not reorder its input", () => {
    const values = [3, 1, 2];
    summarize(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it("throws on no values", () => {
    expect(() => summarize([])).toThrow(RangeError);
  });
});

describe("sortNumbers", () => {
  it("returns an ascending copy", () => {
    const values = [2, 100, 30];
    expect(sortNumbers(values)).toEqual([2, 30, 100]);
    expect(values).toEqual([2, 100, 30]);
  });
});
