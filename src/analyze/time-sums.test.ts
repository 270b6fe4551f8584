import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sumByTime } from "./time-sums.ts";

/** The Map-based reference sumByTime replaced (hpa.ts cpuSteps, capacity.ts totals). */
function reference(series: { pod: string; times: number[]; values: number[] }[], start: number, end: number) {
  const byTime = new Map<number, { sum: number; pods: Set<string> }>();
  for (const s of series) {
    s.times.forEach((t, i) => {
      const v = s.values[i] as number;
      if (!(t > start && t <= end) || !Number.isFinite(v)) return;
      const step = byTime.get(t);
      if (step) {
        step.sum += v;
        step.pods.add(s.pod);
      } else byTime.set(t, { sum: v, pods: new Set([s.pod]) });
    });
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  return {
    times,
    sums: times.map((t) => byTime.get(t)?.sum),
    pods: times.map((t) => byTime.get(t)?.pods.size),
  };
}

describe("sumByTime", () => {
  it("equals a Map keyed by time on random series (shared, shifted, unsorted times, gaps, repeated pods)", () => {
    const series = fc.array(
      fc.record({
        pod: fc.constantFrom("a", "b", "c"),
        sorted: fc.boolean(),
        samples: fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 40 }),
            fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constant(Number.NaN)),
          ),
          { maxLength: 30 },
        ),
      }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(series, fc.integer({ min: -1, max: 20 }), (raw, start) => {
        const input = raw.map(({ pod, sorted, samples }) => {
          // One sample per time within a series, as Prometheus gives them; sorted or not.
          const unique = [...new Map(samples.map(([t, v]) => [t * 60, v])).entries()];
          if (sorted) unique.sort((x, y) => x[0] - y[0]);
          return { pod, times: unique.map(([t]) => t), values: unique.map(([, v]) => v) };
        });
        const got = sumByTime(input, start * 60, 2000);
        const want = reference(input, start * 60, 2000);
        expect(Array.from(got.times)).toEqual(want.times);
        expect(Array.from(got.sums)).toEqual(want.sums);
        expect(Array.from(got.pods)).toEqual(want.pods);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });
});
