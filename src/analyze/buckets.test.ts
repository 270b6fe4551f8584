import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketize, bucketValues, medianInPlace } from "./buckets.ts";

function sortedMedian(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

describe("medianInPlace", () => {
  it("equals the median of the sorted values, bit for bit", () => {
    const values = fc.array(
      fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.integer({ min: 0, max: 3 })),
      {
        minLength: 1,
        maxLength: 300,
      },
    );
    fc.assert(
      fc.property(values, (vs) => {
        expect(medianInPlace(Float64Array.from(vs))).toBe(sortedMedian(vs));
      }),
      { seed: 7, numRuns: 2000 },
    );
  });
});

describe("bucketize", () => {
  it("groups finite values by bucket in sample order, leaving out the rest", () => {
    const times = [5, 1, 12, 7, 30, 3];
    const values = [1, 2, Number.NaN, 4, 5, Number.POSITIVE_INFINITY];
    const b = bucketize(times, values, 3, (t) => Math.floor(t / 5));
    expect([0, 1, 2].map((k) => Array.from(bucketValues(b, k)))).toEqual([[2], [1, 4], []]);
  });

  it("equals arrays pushed bucket by bucket on random samples", () => {
    const samples = fc.array(fc.tuple(fc.integer({ min: -50, max: 500 }), fc.double({ min: 0, max: 10 })), {
      maxLength: 200,
    });
    fc.assert(
      fc.property(samples, (ss) => {
        const count = 10;
        const bucketOf = (t: number) => Math.ceil(t / 40) - 1;
        const expected: number[][] = Array.from({ length: count }, () => []);
        for (const [t, v] of ss) {
          const k = bucketOf(t);
          if (k >= 0 && k < count && Number.isFinite(v)) (expected[k] as number[]).push(v);
        }
        const b = bucketize(
          ss.map(([t]) => t),
          ss.map(([, v]) => v),
          count,
          bucketOf,
        );
        expect(expected.map((_, k) => Array.from(bucketValues(b, k)))).toEqual(expected);
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});
