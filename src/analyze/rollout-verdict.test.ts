import { describe, expect, it } from "vitest";
import type { RolloutMetrics } from "../model/verify.ts";
import { judgeRollout, type RolloutJudgement } from "./rollout-verdict.ts";

const QUIET: RolloutMetrics = {
  errorRate: 0.01,
  errorRateMean: 0.008,
  p99LatencySeconds: 0.3,
  restarts: 0,
  oomKills: 0,
  maxUnreadyPods: 0,
  cpuThrottledShare: 0.02,
  cpuUsageOverRequest: 0.6,
  memoryUsageOverRequest: 0.7,
  samples: 60,
  start: "2026-12-01T10:00:00Z",
  end: "2026-12-01T11:00:00Z",
};

/** The 2-minute gate after the apply at 11:30. */
const gate = (m: Partial<RolloutMetrics> = {}): RolloutMetrics => ({
  ...QUIET,
  start: "2026-12-01T11:30:00Z",
  end: "2026-12-01T11:32:00Z",
  samples: 8,
  ...m,
});

const judge = (after: RolloutMetrics, more: Partial<RolloutJudgement> = {}) =>
  judgeRollout({
    phase: "gate",
    policy: { errorRateMax: 0.05, latencyMaxIncrease: 0.5 },
    baseline: QUIET,
    after,
    complete: true,
    ...more,
  });

describe("judgeRollout", () => {
  it("passes a clean, complete window and waits on an incomplete one", () => {
    expect(judge(gate())).toEqual({ verdict: "pass", reasons: [] });
    expect(judge(gate(), { complete: false })).toEqual({ verdict: "wait", reasons: [] });
  });

  it("calls an error rate above the limit a regression at once, with the numbers", () => {
    expect(judge(gate({ errorRate: 0.082 }), { complete: false })).toEqual({
      verdict: "regression",
      reasons: ["error rate 8.2% > 5% (0.8% before the change)"],
    });
  });

  it("takes exactly the limit as passing, and an error rate the workload already had as no regression", () => {
    expect(judge(gate({ errorRate: 0.05 })).verdict).toBe("pass");
    const alreadyBad = { ...QUIET, errorRateMean: 0.09 };
    expect(judge(gate({ errorRate: 0.08 }), { baseline: alreadyBad }).verdict).toBe("pass");
    expect(judge(gate({ errorRate: 0.12 }), { baseline: alreadyBad }).verdict).toBe("regression");
  });

  it("judges the error rate without a baseline", () => {
    expect(judge(gate({ errorRate: 0.2 }), { baseline: null }).reasons).toEqual(["error rate 20% > 5%"]);
  });

  it("calls any OOM kill a regression", () => {
    expect(judge(gate({ oomKills: 1 })).reasons).toEqual(["1 OOM kill"]);
    expect(judge(gate({ oomKills: 3 })).reasons).toEqual(["3 OOM kills"]);
  });

  it("allows one restart more than the baseline's rate predicts", () => {
    expect(judge(gate({ restarts: 1 })).verdict).toBe("pass");
    expect(judge(gate({ restarts: 2 })).reasons).toEqual(["2 container restarts (none before the change)"]);
    // 6 per hour before: a 1-hour window may see 6 + 1.
    const restarting = { ...QUIET, restarts: 6 };
    const hour = gate({ start: "2026-12-01T11:30:00Z", end: "2026-12-01T12:30:00Z" });
    expect(judge({ ...hour, restarts: 7 }, { baseline: restarting }).verdict).toBe("pass");
    expect(judge({ ...hour, restarts: 8 }, { baseline: restarting }).reasons).toEqual([
      "8 container restarts (baseline 6 per hour)",
    ]);
  });

  it("compares p99 latency with the baseline's", () => {
    expect(judge(gate({ p99LatencySeconds: 0.45 })).verdict).toBe("pass");
    expect(judge(gate({ p99LatencySeconds: 0.63 })).reasons).toEqual([
      "p99 latency 0.63 s, 2.1x the baseline 0.3 s (limit +50%)",
    ]);
    expect(judge(gate({ p99LatencySeconds: 5 }), { baseline: null }).verdict).toBe("pass");
  });

  it("checks throttling in the stability window only", () => {
    const throttled = gate({ cpuThrottledShare: 0.3 });
    expect(judge(throttled).verdict).toBe("pass");
    expect(judge(throttled, { phase: "window" }).reasons).toEqual([
      "CPU throttled in 30% of periods (2% before the change)",
    ]);
  });

  it("lists every breach", () => {
    const bad = gate({ errorRate: 0.3, oomKills: 1, restarts: 4, p99LatencySeconds: 2 });
    expect(judge(bad).reasons).toHaveLength(4);
  });

  it("says when a complete window had no figures at all", () => {
    const empty = gate({
      errorRate: null,
      errorRateMean: null,
      p99LatencySeconds: null,
      restarts: null,
      oomKills: null,
      maxUnreadyPods: null,
      cpuThrottledShare: null,
      cpuUsageOverRequest: null,
      memoryUsageOverRequest: null,
      samples: 0,
    });
    expect(judge(empty).verdict).toBe("pass");
    expect(judge(empty).reasons[0]).toMatch(/no figures/);
    expect(judge(empty, { complete: false }).verdict).toBe("wait");
  });
});
