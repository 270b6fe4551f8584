// The pooled analysis gives the serial path's findings, in the same order, from the sources (tsx in the
// worker); the pool's size comes from KOPT_ANALYSIS_WORKERS.
import { describe, expect, it } from "vitest";
import { generateCluster } from "../../test/bench/analysis-cluster.ts";
import { analyzeWorkloads } from "../analyze/findings.ts";
import { KoptError } from "../errors.ts";
import { DEFAULT_POLICY } from "../model/policy.ts";
import { analysisWorkersFromEnv, analyzeWorkloadsPooled } from "./analysis-pool.ts";

describe("analyzeWorkloadsPooled", () => {
  it("gives the serial findings, in the same order, with workloads split across 2 workers", async () => {
    const { state, usage } = generateCluster(24);
    const serial = analyzeWorkloads(state, usage, DEFAULT_POLICY);
    const pooled = await analyzeWorkloadsPooled(state, usage, DEFAULT_POLICY, [], {
      workers: 2,
      threshold: 0,
    });
    // Something to compare in every part, or the test would prove little.
    expect(serial.sized.recommendations.length).toBeGreaterThan(10);
    expect(serial.scaling.recommendations.length + serial.scaling.skipped.length).toBeGreaterThan(0);
    expect(pooled).toEqual(serial);
  }, 120_000);

  it("stays in this thread below the threshold", async () => {
    const { state, usage } = generateCluster(8);
    const pooled = await analyzeWorkloadsPooled(state, usage, DEFAULT_POLICY, [], { workers: 2 });
    expect(pooled).toEqual(analyzeWorkloads(state, usage, DEFAULT_POLICY));
  });
});

describe("analysisWorkersFromEnv", () => {
  it("is off when unset, a number when given, and says what it accepts otherwise", () => {
    expect(analysisWorkersFromEnv({})).toBe(1);
    expect(analysisWorkersFromEnv({ KOPT_ANALYSIS_WORKERS: "3" })).toBe(3);
    expect(analysisWorkersFromEnv({ KOPT_ANALYSIS_WORKERS: "auto" })).toBeGreaterThanOrEqual(1);
    expect(() => analysisWorkersFromEnv({ KOPT_ANALYSIS_WORKERS: "many" })).toThrow(KoptError);
    expect(() => analysisWorkersFromEnv({ KOPT_ANALYSIS_WORKERS: "many" })).toThrow(
      /not a number of workers/,
    );
  });
});
