import { describe, expect, it } from "vitest";
import type { PromMatrix, SnapshotUsage } from "../formats/snapshot.ts";
import { fromPromMatrix, toPromMatrix, usageFromSnapshot, usageToSnapshot } from "./usage-series.ts";

const M: PromMatrix = {
  resultType: "matrix",
  result: [
    {
      metric: { namespace: "shop", pod: "api-0", container: "api" },
      values: [
        [300, "0.25"],
        [600, "1.5e-7"],
        [900, "NaN"],
        [1200, "+Inf"],
        [1500, "-Inf"],
        [1800, "3"],
      ],
    },
  ],
};

describe("usage series", () => {
  it("reads Prometheus sample strings into Float64Arrays, infinities and NaN included", () => {
    const [s] = fromPromMatrix(M);
    expect(Array.from(s?.times ?? [])).toEqual([300, 600, 900, 1200, 1500, 1800]);
    expect(Array.from(s?.values ?? [])).toEqual([
      0.25,
      1.5e-7,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      3,
    ]);
  });

  it("writes them back as Prometheus prints them", () => {
    expect(toPromMatrix(fromPromMatrix(M))).toEqual(M);
  });

  it("a snapshot's usage round-trips, with the kinds that were read and the source", () => {
    const usage: SnapshotUsage = {
      cpu: M,
      memory: { resultType: "matrix", result: [] },
      oomKills: M,
      source: {
        url: "http://p:9090",
        start: 0,
        end: 1800,
        step: 300,
        rateWindow: 300,
        queries: { cpu: "q" },
      },
    };
    const compact = usageFromSnapshot(usage);
    expect(compact.restarts).toBeUndefined();
    expect(compact.oomKills?.[0]?.times.length).toBe(6);
    expect(usageToSnapshot(compact)).toEqual(usage);
  });
});
