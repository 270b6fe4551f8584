import { describe, expect, it } from "vitest";
import {
  GI,
  HOUR,
  usageHistory as history,
  MI,
  MIDNIGHT,
  WEB as REF,
  resources,
  STEP,
  clusterState as stateOf,
  stepSamples,
  workload,
} from "../../test/support/model-fixtures.ts";
import { DEFAULT_RIGHTSIZE_POLICY, type RightsizePolicy } from "../model/policy.ts";
import type { FieldChange, Recommendation, RightsizeResult } from "../model/recommendation.ts";
import type { ClusterState, Resources, Sample, SeriesUsage, Workload, WorkloadRef } from "../model/types.ts";
import { seriesUsage } from "../model/types.ts";
import { applyChanges, rightsize } from "./rightsize.ts";

const NOW = MIDNIGHT;

/**
 * One pod's series: a sample every 5 minutes over `hours`, ending `endHoursAgo` before NOW, both ends
 * included (24h -> 289 samples). `value` gets the sample index, 0 being the oldest.
 */
function series(
  pod: string,
  hours: number,
  value: number | ((i: number) => number),
  endHoursAgo = 0,
): SeriesUsage {
  const steps = Math.round((hours * HOUR) / STEP);
  const at = typeof value === "number" ? () => value : value;
  return seriesUsage(
    pod,
    stepSamples(NOW - endHoursAgo * HOUR, steps + 1, (_, i) => at(i)),
  );
}

/** Current resources unless a test says otherwise: 500m/256Mi requests, 1/512Mi limits. */
const CURRENT = resources({ cpu: 0.5, memory: 256 * MI }, { cpu: 1, memory: 512 * MI });

interface Case {
  current?: Resources;
  cpu: SeriesUsage[];
  memory: SeriesUsage[];
  policy?: Partial<RightsizePolicy>;
}

/** The cluster observed at NOW. */
function clusterState(workloads: Workload[]): ClusterState {
  return stateOf(workloads, { observedAt: NOW });
}

function policyWith(overrides: Partial<RightsizePolicy> = {}): RightsizePolicy {
  return { ...DEFAULT_RIGHTSIZE_POLICY, ...overrides };
}

/** One workload "shop/web" with one container "app". */
function run(c: Case): RightsizeResult {
  const state = clusterState([workload(REF, c.current ?? CURRENT)]);
  const usage = history([{ workload: REF, container: "app", cpu: c.cpu, memory: c.memory }]);
  return rightsize(state, usage, policyWith(c.policy));
}

function recommend(c: Case): Recommendation {
  const result = run(c);
  expect(result.skipped).toEqual([]);
  const rec = result.recommendations[0];
  if (!rec) throw new Error("expected a recommendation");
  return rec;
}

function skipReason(c: Case): string {
  const result = run(c);
  expect(result.recommendations).toEqual([]);
  const skipped = result.skipped[0];
  if (!skipped) throw new Error("expected the container to be skipped");
  return skipped.reason;
}

/** Constant usage from one pod over `hours`. */
function steady(hours: number, cpu: number, memory: number): Pick<Case, "cpu" | "memory"> {
  return { cpu: [series("web-1", hours, cpu)], memory: [series("web-1", hours, memory)] };
}

function change(changes: FieldChange[], field: FieldChange["field"]): FieldChange | undefined {
  return changes.find((c) => c.field === field);
}

describe("rightsize: a workload's own policy (the learning loop)", () => {
  it("drops a 14% CPU cut once the workload's minimum change is doubled, and keeps other workloads' default", () => {
    // Steady 330m: request 330m x 1.3 = 429m -> 430m, a 14% cut of 500m (above 10%, below 20%).
    const state = clusterState([workload(REF, CURRENT)]);
    const usage = history([{ workload: REF, container: "app", ...steady(24, 0.33, 196 * MI) }]);
    const plain = rightsize(state, usage, DEFAULT_RIGHTSIZE_POLICY);
    expect(change(plain.recommendations[0]?.changes ?? [], "requests.cpu")).toEqual({
      field: "requests.cpu",
      from: 0.5,
      to: 0.43,
    });
    const doubled = {
      ...DEFAULT_RIGHTSIZE_POLICY,
      minChange: { ...DEFAULT_RIGHTSIZE_POLICY.minChange, fraction: 0.2 },
    };
    const learned = rightsize(state, usage, DEFAULT_RIGHTSIZE_POLICY, (ref) =>
      ref.name === REF.name ? doubled : DEFAULT_RIGHTSIZE_POLICY,
    );
    expect(change(learned.recommendations[0]?.changes ?? [], "requests.cpu")).toBeUndefined();
    const other = rightsize(state, usage, DEFAULT_RIGHTSIZE_POLICY, () => DEFAULT_RIGHTSIZE_POLICY);
    expect(other).toEqual(plain);
  });
});

describe("rightsize: requests and limits", () => {
  it("adds a 30% margin over p95", () => {
    // Ramps over 24h, 289 samples: cpu i millicores, memory i Mi (i = 0..288).
    // p95 rank = 0.95 * 288 = 273.6 -> cpu p95 273.6m, memory p95 273.6Mi.
    // cpu request    = roundCpuUp(273.6m * 1.3 = 355.68m), 10m steps -> 360m
    // memory request = roundMemoryUp(273.6Mi * 1.3 = 355.68Mi), 16Mi steps -> 368Mi
    // memory limit   = max(368Mi * 1.2 = 441.6Mi, 288Mi * 1.15 = 331.2Mi) -> 16Mi steps -> 448Mi
    const rec = recommend({
      cpu: [series("web-1", 24, (i) => i / 1000)],
      memory: [series("web-1", 24, (i) => i * MI)],
    });
    expect(rec.recommended).toEqual(resources({ cpu: 0.36, memory: 368 * MI }, { cpu: 1, memory: 448 * MI }));
    // Evidence is raw usage: p50 rank 144 -> 144m, p95 273.6m, p99 rank 285.12 -> 285.12m, max 288m.
    expect(rec.evidence.cpu.samples).toBe(289);
    expect(rec.evidence.cpu.p50).toBeCloseTo(0.144, 12);
    expect(rec.evidence.cpu.p95).toBeCloseTo(0.2736, 12);
    expect(rec.evidence.cpu.p99).toBeCloseTo(0.28512, 12);
    expect(rec.evidence.cpu.max).toBeCloseTo(0.288, 12);
    expect(rec.evidence.memory.p95).toBeCloseTo(273.6 * MI, 3);
    expect(rec.evidence.memory.max).toBe(288 * MI);
  });

  it("bases the request on p95, not on rare spikes", () => {
    // 48h = 577 samples at 100m, 20 of them spiking to 2 cores. p95 rank = 547.2, and the 557 base
    // values fill ranks 0..556, so p95 = 100m -> 100m * 1.3 = 130m.
    const rec = recommend({
      cpu: [series("web-1", 48, (i) => (i >= 100 && i < 120 ? 2 : 0.1))],
      memory: [series("web-1", 48, 100 * MI)],
    });
    expect(rec.recommended.requests.cpu).toBe(0.13);
    expect(rec.evidence.cpu.max).toBe(2);
  });

  it("never sets the memory limit below the observed max x 1.15", () => {
    // 48h at 100Mi with 20 samples at 1000Mi: p95 = 100Mi -> request 130Mi -> 16Mi steps -> 144Mi.
    // limit = max(144Mi * 1.2 = 172.8Mi, 1000Mi * 1.15 = 1150Mi) -> 64Mi steps above 1Gi -> 1152Mi.
    const rec = recommend({
      cpu: [series("web-1", 48, 0.1)],
      memory: [series("web-1", 48, (i) => (i >= 100 && i < 120 ? 1000 * MI : 100 * MI))],
    });
    expect(rec.recommended.requests.memory).toBe(144 * MI);
    expect(rec.recommended.limits.memory).toBe(1152 * MI);
    expect(rec.recommended.limits.memory).toBeGreaterThanOrEqual(1000 * MI * 1.15);
  });

  it("keeps the memory limit at least request x 1.2 when usage is flat", () => {
    // 100Mi flat: request 144Mi; limit = max(172.8Mi, 115Mi) -> 16Mi steps -> 176Mi.
    const rec = recommend(steady(48, 0.1, 100 * MI));
    expect(rec.recommended.limits.memory).toBe(176 * MI);
  });

  it("applies the floor to idle containers", () => {
    // Zero usage: cpu max(0, 10m) = 10m; memory max(0, 32Mi) = 32Mi; limit max(32Mi * 1.2 = 38.4Mi, 0) -> 40Mi.
    const rec = recommend(steady(48, 0, 0));
    expect(rec.recommended).toEqual(resources({ cpu: 0.01, memory: 32 * MI }, { cpu: 1, memory: 40 * MI }));
  });

  it("uses the policy's own floor, percentile and margin", () => {
    // p50 with a 50% margin: ramp 0..288m has p50 (rank 144) 144m; * 1.5 = 216m -> 10m steps -> 220m.
    // Memory 1Mi flat * 1.5 = 1.5Mi is under the 64Mi floor -> 64Mi; limit max(76.8Mi, 1.15Mi) -> 80Mi.
    const rec = recommend({
      cpu: [series("web-1", 24, (i) => i / 1000)],
      memory: [series("web-1", 24, MI)],
      policy: { requestPercentile: 50, requestMargin: 0.5, floor: { cpu: 0.005, memory: 64 * MI } },
    });
    expect(rec.recommended.requests).toEqual({ cpu: 0.22, memory: 64 * MI });
    expect(rec.recommended.limits.memory).toBe(80 * MI);
  });
});

describe("rightsize: cpu limit policy", () => {
  // 200m flat -> request 0.2 * 1.3 = 260m.
  const usage = steady(48, 0.2, 100 * MI);
  const withCpuLimit = (cpu: number | null) =>
    resources({ cpu: 0.5, memory: 256 * MI }, { cpu, memory: 512 * MI });

  it("keep: leaves the current limit as it is", () => {
    const rec = recommend({ ...usage, current: withCpuLimit(1), policy: { cpuLimit: { mode: "keep" } } });
    expect(rec.recommended.limits.cpu).toBe(1);
    expect(change(rec.changes, "limits.cpu")).toBeUndefined();
  });

  it("keep: an unset limit stays unset and is no change", () => {
    const rec = recommend({ ...usage, current: withCpuLimit(null), policy: { cpuLimit: { mode: "keep" } } });
    expect(rec.recommended.limits.cpu).toBeNull();
    expect(change(rec.changes, "limits.cpu")).toBeUndefined();
  });

  it("keep: raises a limit below the new request to the request when it had no headroom", () => {
    const rec = recommend({ ...usage, current: withCpuLimit(0.2), policy: { cpuLimit: { mode: "keep" } } });
    expect(rec.recommended.limits.cpu).toBe(0.26);
    expect(change(rec.changes, "limits.cpu")).toEqual({ field: "limits.cpu", from: 0.2, to: 0.26 });
  });

  it("none: removes the limit, which is always a change", () => {
    const rec = recommend({ ...usage, current: withCpuLimit(1), policy: { cpuLimit: { mode: "none" } } });
    expect(rec.recommended.limits.cpu).toBeNull();
    expect(change(rec.changes, "limits.cpu")).toEqual({ field: "limits.cpu", from: 1, to: null });
  });

  it("none: an unset limit stays unset and is no change", () => {
    const rec = recommend({ ...usage, current: withCpuLimit(null), policy: { cpuLimit: { mode: "none" } } });
    expect(change(rec.changes, "limits.cpu")).toBeUndefined();
  });

  it("ratio: sets the limit to request x ratio, rounded up", () => {
    // 260m * 2 = 520m; 260m * 1.5 = 390m
    const two = recommend({ ...usage, policy: { cpuLimit: { mode: "ratio", ratio: 2 } } });
    expect(two.recommended.limits.cpu).toBe(0.52);
    expect(change(two.changes, "limits.cpu")).toEqual({ field: "limits.cpu", from: 1, to: 0.52 });
    const oneAndHalf = recommend({ ...usage, policy: { cpuLimit: { mode: "ratio", ratio: 1.5 } } });
    expect(oneAndHalf.recommended.limits.cpu).toBe(0.39);
  });

  it("ratio: sets a limit where there was none", () => {
    const rec = recommend({
      ...usage,
      current: withCpuLimit(null),
      policy: { cpuLimit: { mode: "ratio", ratio: 2 } },
    });
    expect(change(rec.changes, "limits.cpu")).toEqual({ field: "limits.cpu", from: null, to: 0.52 });
  });
});

describe("rightsize: history length and confidence", () => {
  it("makes no recommendation under 24h of data", () => {
    // 23h55m of samples -> shown rounded down so it never reads as "24h".
    expect(skipReason(steady(24 - 5 / 60, 0.2, 100 * MI))).toBe(
      "only 23.9h of usage history; at least 24h needed",
    );
    expect(skipReason(steady(9.5, 0.2, 100 * MI))).toBe("only 9.5h of usage history; at least 24h needed");
  });

  it("accepts exactly 24h of data", () => {
    const rec = recommend(steady(24, 0.2, 100 * MI));
    expect(rec.evidence.cpu.samples).toBe(289);
  });

  it("uses the shorter of the cpu and memory histories", () => {
    const reason = skipReason({ cpu: [series("web-1", 48, 0.2)], memory: [series("web-1", 12, 100 * MI)] });
    expect(reason).toBe("only 12h of usage history; at least 24h needed");
  });

  it("respects the policy's minimum history", () => {
    expect(skipReason({ ...steady(48, 0.2, 100 * MI), policy: { minHistoryHours: 72 } })).toBe(
      "only 48h of usage history; at least 72h needed",
    );
  });

  it("has confidence 0.5 at 84h and 1 at 168h or more", () => {
    // 84 / 168 = 0.5
    expect(recommend(steady(84, 0.2, 100 * MI)).confidence).toBe(0.5);
    // 100 / 168 = 0.595... -> 0.6
    expect(recommend(steady(100, 0.2, 100 * MI)).confidence).toBe(0.6);
    // A 168h window excludes its start, so the span is 167h55m: 0.9995 -> rounds to 1.
    expect(recommend(steady(168, 0.2, 100 * MI)).confidence).toBe(1);
    expect(recommend(steady(200, 0.2, 100 * MI)).confidence).toBe(1);
    // With a longer window the full 168h and more count; confidence is capped at 1.
    expect(recommend({ ...steady(168, 0.2, 100 * MI), policy: { historyWindowHours: 336 } }).confidence).toBe(
      1,
    );
    expect(recommend({ ...steady(300, 0.2, 100 * MI), policy: { historyWindowHours: 336 } }).confidence).toBe(
      1,
    );
  });
});

describe("rightsize: which samples count", () => {
  it("ignores samples older than the window, at its exact start, or after observedAt", () => {
    // Old: 4 cores / 4Gi from 300h to 170h ago; one more at exactly NOW - 168h and one 5 minutes in the
    // future. Recent: 48h at 200m / 100Mi -> 260m / 144Mi.
    const old = (pod: string, v: number): SeriesUsage => {
      const s = series(pod, 130, v, 170);
      const samples = Array.from(s.times, (t, i): Sample => [t, s.values[i] as number]);
      return seriesUsage(pod, [...samples, [NOW - 168 * HOUR, v], [NOW + STEP, v]]);
    };
    const rec = recommend({
      cpu: [old("web-old", 4), series("web-1", 48, 0.2)],
      memory: [old("web-old", 4 * GI), series("web-1", 48, 100 * MI)],
    });
    expect(rec.recommended.requests).toEqual({ cpu: 0.26, memory: 144 * MI });
    expect(rec.evidence.cpu.samples).toBe(577);
    expect(rec.evidence.cpu.max).toBe(0.2);
    expect(rec.evidence.memory.max).toBe(100 * MI);
    // The old pod contributed nothing inside the window.
    expect(rec.evidence.pods).toBe(1);
    expect(rec.evidence.window).toEqual({ start: NOW - 168 * HOUR, end: NOW, hours: 168 });
    // Confidence comes from in-window history only: 48 / 168 = 0.2857 -> 0.29.
    expect(rec.confidence).toBe(0.29);
  });

  it("skips a container whose samples are all outside the window as having no usage data", () => {
    expect(skipReason({ cpu: [series("web-1", 24, 0.2, 200)], memory: [series("web-1", 24, MI, 200)] })).toBe(
      "no usage data",
    );
  });

  it("pools pods that no longer exist with the current ones", () => {
    // web-old ran from 48h to 30h ago (18h, 217 samples) at 100m / 100Mi; web-new from 18h ago to now
    // (217 samples) at 500m / 200Mi. Neither alone has 24h; pooled they span 48h.
    // Pooled p95 = 500m -> 650m; memory p95 = 200Mi -> 260Mi -> 16Mi steps -> 272Mi.
    const rec = recommend({
      cpu: [series("web-old", 18, 0.1, 30), series("web-new", 18, 0.5)],
      memory: [series("web-old", 18, 100 * MI, 30), series("web-new", 18, 200 * MI)],
    });
    expect(rec.evidence.pods).toBe(2);
    expect(rec.evidence.cpu.samples).toBe(434);
    // p50 rank 216.5: between rank 216 (100m) and rank 217 (500m) -> 300m
    expect(rec.evidence.cpu.p50).toBeCloseTo(0.3, 12);
    expect(rec.recommended.requests).toEqual({ cpu: 0.65, memory: 272 * MI });
    expect(rec.confidence).toBe(0.29);
  });

  it("pools duplicate usage entries for the same container", () => {
    const state = clusterState([workload(REF, CURRENT)]);
    const usage = history([
      { workload: REF, container: "app", cpu: [series("web-a", 24, 0.2)], memory: [series("web-a", 24, MI)] },
      { workload: REF, container: "app", cpu: [series("web-b", 24, 0.2)], memory: [series("web-b", 24, MI)] },
    ]);
    const rec = rightsize(state, usage, DEFAULT_RIGHTSIZE_POLICY).recommendations[0];
    expect(rec?.evidence.pods).toBe(2);
    expect(rec?.evidence.cpu.samples).toBe(578);
  });

  it("ignores NaN and infinite samples", () => {
    const noisy = (v: number) => (i: number) =>
      i % 10 === 3 ? Number.NaN : i % 10 === 7 ? Number.POSITIVE_INFINITY : i === 5 ? -Infinity : v;
    const clean = recommend(steady(48, 0.2, 100 * MI));
    const rec = recommend({
      cpu: [series("web-1", 48, noisy(0.2))],
      memory: [series("web-1", 48, noisy(100 * MI))],
    });
    expect(rec.recommended).toEqual(clean.recommended);
    // 577 samples, of which i%10 in {3,7} -> 58 + 57 = 115, plus i = 5 -> 116 dropped.
    expect(rec.evidence.cpu.samples).toBe(577 - 116);
    expect(rec.evidence.cpu.max).toBe(0.2);
  });

  it("does not count a non-finite sample towards the history span", () => {
    // Exactly 24h, but the oldest sample is NaN: the span is 23h55m.
    const first = (v: number) => (i: number) => (i === 0 ? Number.NaN : v);
    expect(
      skipReason({ cpu: [series("web-1", 24, first(0.2))], memory: [series("web-1", 24, first(MI))] }),
    ).toBe("only 23.9h of usage history; at least 24h needed");
  });

  it("skips a container with only one of cpu or memory usage", () => {
    expect(skipReason({ cpu: [series("web-1", 48, 0.2)], memory: [] })).toBe("no memory usage data");
    expect(skipReason({ cpu: [], memory: [series("web-1", 48, MI)] })).toBe("no cpu usage data");
  });
});

describe("rightsize: which changes are proposed", () => {
  // 200m / 100Mi flat -> requests 260m / 144Mi, memory limit 176Mi, cpu limit kept.
  const usage = steady(48, 0.2, 100 * MI);

  it("lists every field that moves enough, in field order", () => {
    const rec = recommend({ ...usage, current: CURRENT });
    expect(rec.changes).toEqual([
      { field: "requests.cpu", from: 0.5, to: 0.26 },
      { field: "requests.memory", from: 256 * MI, to: 144 * MI },
      { field: "limits.memory", from: 512 * MI, to: 176 * MI },
    ]);
  });

  it("does not list a change under 10%, but still shows the target", () => {
    // 250m -> 260m is 4%; 240m -> 260m is 8.3%; 136Mi -> 144Mi is 5.9% (and under 16Mi).
    for (const cpu of [0.25, 0.24]) {
      const rec = recommend({
        ...usage,
        current: resources({ cpu, memory: 136 * MI }, { cpu: 1, memory: 176 * MI }),
      });
      expect(rec.changes).toEqual([]);
      expect(rec.recommended.requests).toEqual({ cpu: 0.26, memory: 144 * MI });
    }
  });

  it("lists a change of exactly 10% and exactly the minimum size", () => {
    // 160Mi -> 144Mi: 16Mi, which is both 10% of 160Mi and the 16Mi minimum.
    const rec = recommend({
      ...usage,
      current: resources({ cpu: 0.26, memory: 160 * MI }, { cpu: 1, memory: 176 * MI }),
    });
    expect(rec.changes).toEqual([{ field: "requests.memory", from: 160 * MI, to: 144 * MI }]);
  });

  it("does not list a change over 10% but under 10m cpu", () => {
    // 34m flat -> 44.2m -> 5m steps -> 45m. From 40m that is +12.5% but only 5m.
    const small = steady(48, 0.034, 100 * MI);
    const current = (cpu: number) => resources({ cpu, memory: 144 * MI }, { cpu: 1, memory: 176 * MI });
    const rec = recommend({ ...small, current: current(0.04) });
    expect(rec.recommended.requests.cpu).toBe(0.045);
    expect(rec.changes).toEqual([]);
    // From 30m it is 15m (50%): listed.
    expect(recommend({ ...small, current: current(0.03) }).changes).toEqual([
      { field: "requests.cpu", from: 0.03, to: 0.045 },
    ]);
  });

  it("does not list a memory change over 10% but under 16Mi", () => {
    // 20Mi flat * 1.3 = 26Mi is under the 32Mi floor -> 32Mi. From 24Mi that is +33% but only 8Mi.
    const rec = recommend({
      ...steady(48, 0.2, 20 * MI),
      current: resources({ cpu: 0.26, memory: 24 * MI }, { cpu: 1, memory: 40 * MI }),
    });
    expect(rec.recommended.requests.memory).toBe(32 * MI);
    expect(rec.recommended.limits.memory).toBe(40 * MI);
    expect(rec.changes).toEqual([]);
  });

  it("lists setting an unset request as a change, however small", () => {
    const rec = recommend({
      ...usage,
      current: resources({ cpu: null, memory: 144 * MI }, { cpu: null, memory: null }),
    });
    expect(rec.changes).toEqual([
      { field: "requests.cpu", from: null, to: 0.26 },
      { field: "limits.memory", from: null, to: 176 * MI },
    ]);
  });

  it("adds the limit when applying only the request change would put the limit below the request", () => {
    // 800m flat -> 1.04 -> 50m steps -> 1.05 cores; ratio 1 sets the limit to 1.05: only 5% over the
    // current 1-core limit, so not listed on its own, but with the request going 500m -> 1.05 the
    // applied limit must follow.
    const rec = recommend({
      ...steady(48, 0.8, 100 * MI),
      current: resources({ cpu: 0.5, memory: 144 * MI }, { cpu: 1, memory: 176 * MI }),
      policy: { cpuLimit: { mode: "ratio", ratio: 1 } },
    });
    expect(rec.changes).toEqual([
      { field: "requests.cpu", from: 0.5, to: 1.05 },
      { field: "limits.cpu", from: 1, to: 1.05 },
    ]);
    const applied = applyChanges(rec.current, rec.changes);
    expect(applied.limits.cpu).toBeGreaterThanOrEqual(applied.requests.cpu ?? 0);
  });

  it("does the same for memory", () => {
    // 400Mi flat, no limit buffer: request 520Mi -> 528Mi; limit max(528Mi, 460Mi) = 528Mi.
    // 512Mi -> 528Mi is 3% (not listed alone), but the request goes 256Mi -> 528Mi.
    const rec = recommend({
      ...steady(48, 0.2, 400 * MI),
      current: resources({ cpu: 0.26, memory: 256 * MI }, { cpu: 1, memory: 512 * MI }),
      policy: { memoryLimitBuffer: 0 },
    });
    expect(rec.changes).toEqual([
      { field: "requests.memory", from: 256 * MI, to: 528 * MI },
      { field: "limits.memory", from: 512 * MI, to: 528 * MI },
    ]);
  });

  it("adds the request when applying only the limit change would put the limit below the request", () => {
    // ratio 1, 400m flat -> request 520m, limit 520m. The request 540m -> 520m is 3.7% (not listed alone),
    // the limit 1 -> 520m is; applied alone it would leave request 540m over limit 520m.
    const rec = recommend({
      ...steady(48, 0.4, 100 * MI),
      current: resources({ cpu: 0.54, memory: 144 * MI }, { cpu: 1, memory: 176 * MI }),
      policy: { cpuLimit: { mode: "ratio", ratio: 1 } },
    });
    expect(rec.changes).toEqual([
      { field: "requests.cpu", from: 0.54, to: 0.52 },
      { field: "limits.cpu", from: 1, to: 0.52 },
    ]);
  });
});

describe("rightsize: workloads and containers", () => {
  it("reports every container once, in workload then container order", () => {
    const api: WorkloadRef = { namespace: "shop", kind: "StatefulSet", name: "db" };
    const state = clusterState([
      workload(REF, [
        { name: "app", resources: CURRENT },
        { name: "sidecar", resources: CURRENT },
      ]),
      workload(api, [{ name: "postgres", resources: CURRENT }]),
    ]);
    const usage = history([
      // Same name and container but another kind: must not match shop/web's Deployment.
      {
        workload: { ...REF, kind: "StatefulSet" },
        container: "sidecar",
        cpu: [series("x", 48, 0.2)],
        memory: [series("x", 48, MI)],
      },
      {
        workload: api,
        container: "postgres",
        cpu: [series("db-0", 48, 0.2)],
        memory: [series("db-0", 48, MI)],
      },
      { workload: REF, container: "app", cpu: [series("web-1", 48, 0.2)], memory: [series("web-1", 48, MI)] },
    ]);
    const result = rightsize(state, usage, DEFAULT_RIGHTSIZE_POLICY);
    expect(result.recommendations.map((r) => `${r.workload.name}/${r.container}`)).toEqual([
      "web/app",
      "db/postgres",
    ]);
    expect(result.skipped).toEqual([{ workload: REF, container: "sidecar", reason: "no usage data" }]);
  });

  it("is pure: same inputs give the same result and inputs are not modified", () => {
    const state = clusterState([workload(REF, CURRENT)]);
    const usage = history([
      { workload: REF, container: "app", cpu: [series("web-1", 48, 0.2)], memory: [series("web-1", 48, MI)] },
    ]);
    const before = structuredClone({ state, usage });
    const first = rightsize(state, usage, DEFAULT_RIGHTSIZE_POLICY);
    const second = rightsize(state, usage, DEFAULT_RIGHTSIZE_POLICY);
    expect(second).toEqual(first);
    expect({ state, usage }).toEqual(before);
    // The recommendation's current is a copy, so editing it cannot reach the cluster state.
    expect(first.recommendations[0]?.current).not.toBe(state.workloads[0]?.containers[0]?.resources);
  });
});

describe("applyChanges", () => {
  it("sets the changed fields and leaves the others", () => {
    const applied = applyChanges(CURRENT, [
      { field: "requests.cpu", from: 0.5, to: 0.26 },
      { field: "limits.cpu", from: 1, to: null },
    ]);
    expect(applied).toEqual(resources({ cpu: 0.26, memory: 256 * MI }, { cpu: null, memory: 512 * MI }));
  });

  it("returns a new object without modifying the current resources", () => {
    const current = resources({ cpu: 0.5, memory: MI }, { cpu: 1, memory: 2 * MI });
    const applied = applyChanges(current, [{ field: "limits.memory", from: 2 * MI, to: 4 * MI }]);
    expect(current.limits.memory).toBe(2 * MI);
    expect(applied).not.toBe(current);
    expect(applyChanges(current, [])).toEqual(current);
  });
});

describe("rightsize: keep preserves CPU burst headroom", () => {
  it("grows a limit below the new request by the old limit/request ratio", () => {
    // 200m flat -> request 260m. The old 100m request had a 200m limit (2x): 260m x 2 = 520m.
    const rec = recommend({
      ...steady(48, 0.2, 100 * MI),
      current: resources({ cpu: 0.1, memory: 144 * MI }, { cpu: 0.2, memory: 176 * MI }),
      policy: { cpuLimit: { mode: "keep" } },
    });
    expect(rec.recommended.limits.cpu).toBe(0.52);
    expect(change(rec.changes, "limits.cpu")).toEqual({ field: "limits.cpu", from: 0.2, to: 0.52 });
  });
});

describe("rightsize: the forecast rule (3 days of history or more)", () => {
  const WEEK = 168;
  /** Sample index i of a 168h series(): hours before NOW of that sample. */
  const hoursAgo = (i: number) => WEEK - (i * STEP) / HOUR;

  it("keeps the plain rule, p95 x 1.3, under 3 days of history, and says so", () => {
    const rec = recommend(steady(48, 0.2, 100 * MI));
    expect(rec.recommended.requests.cpu).toBe(0.26);
    expect(rec.evidence.sizing?.cpu).toEqual({
      method: "percentile",
      level: "flat",
      percentile: 95,
      base: 0.2,
      margin: 0.3,
      projectedMax: 0.2,
    });
  });

  it("gives a steady, predictable workload the 5% minimum margin instead of 30%", () => {
    // A week flat at 200m and 100Mi: no level change, no error in the hourly level -> margin = max(5%,
    // 1.64 x 0) = 5%. CPU 0.2 x 1.05 = 210m (p95 x 1.3 gave 260m); memory 105Mi -> 108Mi in 4Mi steps,
    // limit max(108Mi x 1.2 = 129.6Mi, 100Mi x 1.15) -> 144Mi in 16Mi steps.
    const rec = recommend(steady(WEEK, 0.2, 100 * MI));
    expect(rec.recommended).toEqual(resources({ cpu: 0.21, memory: 108 * MI }, { cpu: 1, memory: 144 * MI }));
    const { levelError, ...sizing } = rec.evidence.sizing?.cpu ?? {};
    expect(sizing).toEqual({
      method: "forecast",
      level: "flat",
      percentile: 95.5,
      base: 0.2,
      margin: 0.05,
      projectedMax: 0.2,
    });
    // 0 up to float noise in the log-scale fit (a few 1e-15).
    expect(levelError).toBeCloseTo(0, 12);
    // Raw evidence is unchanged by the rule.
    expect(rec.evidence.cpu.p95).toBe(0.2);
  });

  it("keeps the full 30% margin for a workload whose hourly level is unpredictable", () => {
    // 100m, but every 10th hour at 500m: the hourly level jumps 5x, the level model's error is large
    // (1.64 x error >> 30%), so the margin is capped at requestMargin, 30%. p95.5 = 500m (a tenth of the
    // samples) -> 650m, exactly what p95 x 1.3 gives.
    const burst = (i: number) => (Math.ceil(hoursAgo(i)) % 10 === 0 ? 0.5 : 0.1);
    const rec = recommend({ cpu: [series("web-1", WEEK, burst)], memory: [series("web-1", WEEK, 100 * MI)] });
    expect(rec.evidence.sizing?.cpu.method).toBe("forecast");
    expect(rec.evidence.sizing?.cpu.margin).toBe(0.3);
    expect(rec.evidence.sizing?.cpu.levelError).toBeGreaterThan(0.3 / 1.64);
    expect(rec.recommended.requests.cpu).toBe(0.65);
    expect(rec.evidence.cpu.p95).toBe(0.5);
  });

  it("sizes from the level after a shift up (a release), not from the week's mix", () => {
    // 100m / 100Mi for 5 days, then 300m / 200Mi for the last 48h. The change point is found at exactly
    // 48h ago; every earlier sample is brought to the new level, so the request is sized as if the whole
    // week had run at it: 300m x 1.05 (no error around the model) -> 320m (p95 x 1.3 gave 390m); memory
    // 200Mi x 1.05 = 210Mi -> 224Mi, limit max(224Mi x 1.2 = 268.8Mi, 200Mi x 1.15 = 230Mi) -> 272Mi.
    const late = (i: number) => hoursAgo(i) < 48;
    const rec = recommend({
      cpu: [series("web-1", WEEK, (i) => (late(i) ? 0.3 : 0.1))],
      memory: [series("web-1", WEEK, (i) => (late(i) ? 200 : 100) * MI)],
    });
    expect(rec.recommended).toEqual(resources({ cpu: 0.32, memory: 224 * MI }, { cpu: 1, memory: 272 * MI }));
    const cpu = rec.evidence.sizing?.cpu;
    expect(cpu?.level).toBe("shift");
    expect(cpu?.changeAt).toBe(NOW - 48 * HOUR);
    expect(cpu?.shiftFactor).toBeCloseTo(3, 9);
    expect(cpu?.margin).toBe(0.05);
  });

  it("does not size down for a drop at the end of the window (it may be a weekend)", () => {
    // 300m for 5 days, 100m for the last 48h: read as flat, with the flat model's error (the drop itself)
    // behind the margin, so the full 30%: p95.5 of the week = 300m -> 390m, as p95 x 1.3.
    const rec = recommend({
      cpu: [series("web-1", WEEK, (i) => (hoursAgo(i) < 48 ? 0.1 : 0.3))],
      memory: [series("web-1", WEEK, 100 * MI)],
    });
    expect(rec.evidence.sizing?.cpu.level).toBe("flat");
    expect(rec.evidence.sizing?.cpu.margin).toBe(0.3);
    expect(rec.recommended.requests.cpu).toBe(0.39);
  });

  it("sizes a growing workload for the middle of the coming week, and its memory limit for the end", () => {
    // +3%/day, compounding, from 100m / 100Mi a week ago. Request: the level 84h (half the 168h horizon)
    // after now, 0.1 x 1.03^10.5 = 0.13634 cores, x 1.05 -> 150m (p95 x 1.3 of the past week: 160m, but
    // sized for the past). Memory: 100Mi x 1.03^10.5 x 1.05 = 143.2Mi -> 144Mi; limit: the highest sample
    // brought to the end of the horizon, 100Mi x 1.03^14 = 151.3Mi, x 1.15 = 174Mi -> 176Mi.
    const grow = (i: number) => 1.03 ** ((WEEK - hoursAgo(i)) / 24);
    const rec = recommend({
      cpu: [series("web-1", WEEK, (i) => 0.1 * grow(i))],
      memory: [series("web-1", WEEK, (i) => 100 * MI * grow(i))],
    });
    const cpu = rec.evidence.sizing?.cpu;
    expect(cpu?.level).toBe("trend");
    // Fitted on hourly medians, so within 0.01 percentage point of the 3%.
    expect(cpu?.growthPerDay).toBeCloseTo(0.03, 4);
    expect(cpu?.base).toBeCloseTo(0.1 * 1.03 ** 10.5, 3);
    expect(rec.evidence.sizing?.memory.projectedMax).toBeCloseTo(100 * MI * 1.03 ** 14, -5);
    expect(rec.recommended).toEqual(resources({ cpu: 0.15, memory: 144 * MI }, { cpu: 1, memory: 176 * MI }));
  });

  it("is deterministic, whatever the order of the pods' series", () => {
    const a = series("web-1", WEEK, (i) => 0.1 + ((i * 7) % 13) / 100);
    const b = series("web-2", WEEK, (i) => 0.12 + ((i * 5) % 11) / 100, 0.5);
    const mem = series("web-1", WEEK, 100 * MI);
    const first = recommend({ cpu: [a, b], memory: [mem] });
    expect(recommend({ cpu: [a, b], memory: [mem] })).toEqual(first);
    expect(recommend({ cpu: [b, a], memory: [mem] })).toEqual(first);
  });
});
