// The selection-based percentiles must give exactly what the sort-based percentile() gives (issue 19):
// same ranks, same interpolation, bit for bit, on any values and any percentiles.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { percentile, percentilesBySelection, sortNumbers, summarize, summarizeValues } from "./stats.ts";

const values = fc.array(
  fc.oneof(fc.double({ min: 0, max: 1e12, noNaN: true }), fc.integer({ min: 0, max: 5 })),
  {
    minLength: 1,
    maxLength: 400,
  },
);
const ps = fc.array(
  fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(0, 50, 95, 99, 100)),
  {
    minLength: 1,
    maxLength: 6,
  },
);

describe("percentilesBySelection", () => {
  it("equals percentile() of the sorted values, bit for bit", () => {
    fc.assert(
      fc.property(values, ps, (vs, qs) => {
        const sorted = sortNumbers(vs);
        const got = percentilesBySelection(Float64Array.from(vs), qs);
        expect(got).toEqual(qs.map((q) => percentile(sorted, q)));
      }),
      { seed: 19, numRuns: 2000 },
    );
  });

  it("summarizeValues equals summarize and leaves its input alone", () => {
    fc.assert(
      fc.property(values, (vs) => {
        const input = Float64Array.from(vs);
        expect(summarizeValues(input)).toEqual(summarize(vs));
        expect(Array.from(input)).toEqual(vs);
      }),
      { seed: 1919, numRuns: 1000 },
    );
  });

  it("throws on no values and on a percentile outside 0..100, like percentile()", () => {
    expect(() => percentilesBySelection(new Float64Array(0), [50])).toThrow(RangeError);
    expect(() => percentilesBySelection(Float64Array.of(1, 2), [101])).toThrow(/within 0..100/);
  });

  it("handles sorted, reversed and constant input of some size", () => {
    const n = 10_001;
    for (const vs of [
      Array.from({ length: n }, (_, i) => i),
      Array.from({ length: n }, (_, i) => n - i),
      Array.from({ length: n }, () => 7),
    ]) {
      const sorted = sortNumbers(vs);
      expect(percentilesBySelection(Float64Array.from(vs), [99, 95, 50, 12.5])).toEqual(
        [99, 95, 50, 12.5].map((q) => percentile(sorted, q)),
      );
    }
  });
});
