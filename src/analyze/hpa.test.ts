import { describe, expect, it } from "vitest";
import {
  clusterState,
  containerUsage,
  DAY,
  HOUR,
  usageHistory as history,
  hpaState,
  MIDNIGHT,
  res,
  STEP,
  stepSamples,
  WEB,
  workload,
} from "../../test/support/model-fixtures.ts";
import { DEFAULT_HPA_POLICY, type HpaPolicy } from "../model/policy.ts";
import type {
  ClusterState,
  ContainerUsage,
  HpaHistory,
  HpaState,
  Sample,
  SeriesUsage,
  Workload,
  WorkloadRef,
} from "../model/types.ts";
import { seriesUsage } from "../model/types.ts";
import { daysUntil, forecastHourly, forecastPeak, hourly } from "./forecast.ts";
import { analyzeHpa, type HpaChange, type HpaResult } from "./hpa.ts";

/** 2023-11-15T00:00:00Z, a UTC midnight: the 7-day window holds 7 whole days. */
const NOW = MIDNIGHT;

/** Samples every 5 minutes from `hours` before NOW to NOW, both included; NaN means "no sample". */
function samples(hours: number, value: (t: number) => number): Sample[] {
  return stepSamples(NOW, Math.round((hours * HOUR) / STEP) + 1, value);
}

function cpu(pod: string, value: (t: number) => number, hours = 168): SeriesUsage {
  return seriesUsage(pod, samples(hours, value));
}

/** Start of day d of the 7-day window (0 = oldest, 6 = the day that ends at NOW). */
function day(d: number): number {
  return NOW - 7 * DAY + d * DAY;
}

/** Whether the sample at t covers part of [from, from + minutes): a sample covers the step before it. */
function during(t: number, from: number, minutes: number): boolean {
  return t > from && t <= from + minutes * 60;
}

/** t falls in `minutes` from hh:mm on any of `days`. */
function on(days: number[], hh: number, mm: number, minutes: number): (t: number) => boolean {
  return (t) => days.some((d) => during(t, day(d) + hh * HOUR + mm * 60, minutes));
}

function hpa(minReplicas: number, maxReplicas: number, target: number | null = 70): HpaState {
  return hpaState("web", minReplicas, maxReplicas, { target });
}

/** A workload with one container "app" requesting `request` cores (500m unless given), 2 replicas unless given. */
function cpuWorkload(
  ref: WorkloadRef,
  w: { replicas?: number | null; request?: number | null; hpa?: HpaState | null } = {},
): Workload {
  const request = w.request === undefined ? 0.5 : w.request;
  return workload(ref, res([request, null], [null, null]), { replicas: w.replicas, hpa: w.hpa });
}

function state(workloads: Workload[]): ClusterState {
  return clusterState(workloads, { observedAt: NOW });
}

function usageOf(ref: WorkloadRef, pods: SeriesUsage[], container = "app"): ContainerUsage {
  return containerUsage(ref, { cpu: pods }, container);
}

/** The HPA's status.currentReplicas (and desiredReplicas, the same) every 5 minutes over `hours`. */
function replicaHistory(ref: WorkloadRef, value: (t: number) => number, hours = 168): HpaHistory {
  const s = seriesUsage("", samples(hours, value));
  return { workload: ref, hpa: "web", current: { times: s.times, values: s.values }, desired: { ...s } };
}

function policy(overrides: Partial<HpaPolicy> = {}): HpaPolicy {
  return { ...DEFAULT_HPA_POLICY, ...overrides };
}

type Opts = Parameters<typeof analyzeHpa>[3];

/** WEB alone: a Deployment with 2 replicas requesting 500m, with the given pods' CPU. */
function runWeb(
  pods: SeriesUsage[],
  w: Parameters<typeof cpuWorkload>[1] = {},
  p: Partial<HpaPolicy> = {},
  opts: Opts = {},
  hpaHistory?: HpaHistory[],
): HpaResult {
  const result = analyzeHpa(
    state([cpuWorkload(WEB, w)]),
    history([usageOf(WEB, pods)], hpaHistory),
    policy(p),
    opts,
  );
  // The decisions without their replica profile (the chart's data), which has its own test below.
  return { ...result, recommendations: result.recommendations.map(({ profile: _, ...r }) => r) };
}

/** What analyzeHpa returns when it finds nothing and skips nothing. */
const NOTHING: HpaResult = { recommendations: [], skipped: [] };

const enableHpa = (minReplicas: number, maxReplicas: number): HpaChange => ({
  kind: "enable-hpa",
  minReplicas,
  maxReplicas,
  targetCPUUtilizationPercentage: 70,
});
const raiseMax = (from: number, to: number): HpaChange => ({ kind: "raise-max", from, to });
const lowerMin = (from: number, to: number): HpaChange => ({ kind: "lower-min", from, to });

/** Two pods at `base` cores each, and `hot` cores each while `isHot`. */
function twoPods(isHot: (t: number) => boolean, hot: number, base = 0.1): SeriesUsage[] {
  const value = (t: number) => (isHot(t) ? hot : base);
  return [cpu("web-a", value), cpu("web-b", value)];
}

/** Noon to 12:30 on days 1, 3 and 5: three 30-minute episodes on three days. */
const THREE_NOONS = on([1, 3, 5], 12, 0, 30);

describe("analyzeHpa: the replicas a workload needs, bucket by bucket (the PR's chart)", () => {
  it("gives the p95 per 4-hour bucket of demand / (sizing request × target)", () => {
    // 2 pods at 0.1 cores = 0.2 cores -> 0.2 / (0.5 × 0.7) = 0.57 replicas; hot 1.8 cores -> 5.14 replicas.
    const rec = analyzeHpa(
      state([cpuWorkload(WEB)]),
      history([usageOf(WEB, twoPods(THREE_NOONS, 0.9))]),
      policy(),
    ).recommendations[0];
    const profile = rec?.profile;
    expect(profile?.bucketHours).toBe(4);
    expect(profile?.replicasNeeded).toHaveLength(42);
    const values = (profile?.replicasNeeded ?? []).filter((v): v is number => v !== null);
    expect(Math.min(...values)).toBeCloseTo(0.2 / 0.35, 6);
    // Six hot steps of the 48 in the noon bucket: above its p95 rank, so the noon bucket reads as hot.
    expect(Math.max(...values)).toBeCloseTo(1.8 / 0.35, 6);
    expect(values.filter((v) => v > 2)).toHaveLength(3);
  });
});

describe("analyzeHpa: enable an HPA on a fixed-replica workload", () => {
  it("proposes min = replicas and max from peak demand at 70% when hot on 3 days", () => {
    // Hot steps: 2 pods × 0.9 cores = 1.8 cores on 1.0 requested -> 180%. Otherwise 0.2 cores -> 20%.
    // max = ceil(1.8 / (0.5 × 0.7)) = ceil(5.14) = 6. 18 hot steps of 2016 (< 5%), so p95 is the base 20%.
    const result = runWeb(twoPods(THREE_NOONS, 0.9));
    expect(result).toEqual({
      recommendations: [
        {
          workload: WEB,
          change: enableHpa(2, 6),
          evidence: {
            windowHours: 168,
            stepSeconds: 300,
            replicas: 2,
            episodes: 3,
            hotDays: 3,
            longestEpisodeMinutes: 30,
            utilizationP95: 0.2,
            peakCores: 1.8,
            requestCoresPerPod: 0.5,
            sizingCoresPerPod: 0.5,
            replicasNeededAtPeak: 6,
          },
          reason:
            "CPU was at or above 70% of request for 5+ minutes 3 times on 3 days of the last 168h " +
            "(peak 1.8 cores), so an HPA from 2 to 6 replicas at 70% would absorb the peaks.",
        },
      ],
      skipped: [],
    });
  });

  it("counts utilization of exactly 70% for exactly one 5-minute step as an episode", () => {
    // One sample at 12:05 on three days: 2 × 0.35 / (2 × 0.5) = 70%, covering 12:00-12:05.
    // max = max(min + 1 = 3, ceil(0.7 / 0.35) = 2) = 3.
    const result = runWeb(twoPods(on([0, 2, 4], 12, 0, 5), 0.35));
    const rec = result.recommendations[0];
    expect(rec?.change).toEqual(enableHpa(2, 3));
    expect(rec?.evidence).toMatchObject({ episodes: 3, hotDays: 3, longestEpisodeMinutes: 5 });
  });

  it("needs episodes on minEpisodes distinct days: four episodes on two days are not enough", () => {
    const twoDays = (t: number) => on([2, 4], 9, 0, 30)(t) || on([2, 4], 15, 0, 30)(t);
    expect(runWeb(twoPods(twoDays, 0.9))).toEqual(NOTHING);
    // The same with a third day is enough.
    const threeDays = (t: number) => twoDays(t) || on([5], 9, 0, 30)(t);
    expect(runWeb(twoPods(threeDays, 0.9)).recommendations[0]?.evidence).toMatchObject({
      episodes: 5,
      hotDays: 3,
    });
  });

  it("does not count utilization just below 70%", () => {
    // 2 × 0.349 / 1.0 = 69.8%.
    expect(runWeb(twoPods(THREE_NOONS, 0.349))).toEqual(NOTHING);
  });

  it("requires hotMinutes of consecutive hot steps: a cold or missing step in between breaks the run", () => {
    const ten = { hotMinutes: 10 };
    // 12:05 and 12:10 hot: one 10-minute episode per day.
    expect(
      runWeb(twoPods(on([1, 3, 5], 12, 0, 10), 0.9), {}, ten).recommendations[0]?.evidence,
    ).toMatchObject({
      episodes: 3,
      longestEpisodeMinutes: 10,
    });
    // 12:05 and 12:15 hot, 12:10 cold: two 5-minute runs per day.
    const split = (t: number) => on([1, 3, 5], 12, 0, 5)(t) || on([1, 3, 5], 12, 10, 5)(t);
    expect(runWeb(twoPods(split, 0.9), {}, ten)).toEqual(NOTHING);
    // 12:05 and 12:15 hot, no pod reported at 12:10: a gap wider than a step ends the run too.
    const missing = on([1, 3, 5], 12, 5, 5);
    const gapped = (t: number) => (missing(t) ? Number.NaN : split(t) ? 0.9 : 0.1);
    expect(runWeb([cpu("web-a", gapped), cpu("web-b", gapped)], {}, ten)).toEqual(NOTHING);
  });

  it("judges hotness against the current request but sizes the max with opts.cpuRequest", () => {
    // Hot steps use 2 × 0.6 = 1.2 cores: 120% of the current 1.0, but only 60% of a 1-core-per-pod override.
    const pods = twoPods(THREE_NOONS, 0.6);
    const asIs = runWeb(pods).recommendations[0];
    // ceil(1.2 / (0.5 × 0.7)) = ceil(3.43) = 4.
    expect(asIs?.change).toMatchObject({ maxReplicas: 4 });
    const calls: string[] = [];
    const resized = runWeb(
      pods,
      {},
      {},
      {
        cpuRequest: (ref, container) => {
          calls.push(`${ref.name}/${container}`);
          return container === "app" ? 1 : undefined;
        },
      },
    ).recommendations[0];
    // Still proposed (hot against 500m), and max = max(3, ceil(1.2 / (1 × 0.7)) = 2) = 3.
    expect(resized?.change).toMatchObject({ kind: "enable-hpa", minReplicas: 2, maxReplicas: 3 });
    expect(resized?.evidence).toMatchObject({ requestCoresPerPod: 0.5, sizingCoresPerPod: 1 });
    expect(calls).toEqual(["web/app"]);
  });

  it("sizes a peak that needs exactly N replicas at target to N, not N + 1 from float rounding", () => {
    // 2 pods × 2.1 = 4.2 cores on 1-core requests: 4.2 / 0.7 = 6 (6.000000000000001 in floating point).
    const rec = runWeb(twoPods(THREE_NOONS, 2.1), { request: 1 }).recommendations[0];
    expect(rec?.change).toEqual(enableHpa(2, 6));
  });

  it("computes a pod's utilization over all its containers, as the HPA does", () => {
    // app at 100% of its 500m, sidecar idle on its 500m: each pod is at 50%, never hot.
    const w: Workload = {
      ...cpuWorkload(WEB),
      containers: ["app", "sidecar"].map((name) => ({
        name,
        resources: { requests: { cpu: 0.5, memory: null }, limits: { cpu: null, memory: null } },
      })),
    };
    const busy = (t: number) => (THREE_NOONS(t) ? 0.5 : 0.1);
    const usage = history([
      usageOf(WEB, [cpu("web-a", busy), cpu("web-b", busy)], "app"),
      usageOf(WEB, [cpu("web-a", () => 0), cpu("web-b", () => 0)], "sidecar"),
    ]);
    expect(analyzeHpa(state([w]), usage, policy())).toEqual(NOTHING);
    // The app alone would have been hot: 100% of its request.
    const appOnly = analyzeHpa(
      state([cpuWorkload(WEB)]),
      history([usage.containers[0] as ContainerUsage]),
      policy(),
    );
    expect(appOnly.recommendations.map((r) => r.change.kind)).toEqual(["enable-hpa"]);
  });

  it("caps the proposed max at maxReplicasCap, and skips when the replicas already reach it", () => {
    expect(
      runWeb(twoPods(THREE_NOONS, 0.9), {}, { maxReplicasCap: 5 }).recommendations[0]?.change,
    ).toMatchObject({
      maxReplicas: 5,
    });
    expect(runWeb(twoPods(THREE_NOONS, 0.9), {}, { maxReplicasCap: 2 })).toEqual({
      recommendations: [],
      skipped: [
        { workload: WEB, reason: "hot on 3 days, but its 2 replicas already reach maxReplicasCap (2)" },
      ],
    });
  });
});

describe("analyzeHpa: what is never proposed, and what is skipped", () => {
  it("never proposes enable-hpa or a replica change for an HPA-managed workload or a DaemonSet", () => {
    // The hot fixture that gets enable-hpa above, on a workload its HPA (2..10) keeps below max.
    // The base of 0.2 per pod (40%) keeps the minimum from looking idle.
    const pods = twoPods(THREE_NOONS, 0.9, 0.2);
    expect(runWeb(pods, { hpa: hpa(2, 10) })).toEqual(NOTHING);
    const ds: WorkloadRef = { namespace: "shop", kind: "DaemonSet", name: "agent" };
    const result = analyzeHpa(
      state([cpuWorkload(ds, { replicas: null })]),
      history([usageOf(ds, pods)]),
      policy(),
    );
    expect(result).toEqual(NOTHING);
    // Control: without the HPA the same usage gets enable-hpa.
    expect(runWeb(pods).recommendations.map((r) => r.change.kind)).toEqual(["enable-hpa"]);
  });

  it("skips a workload with less than minHistoryHours of CPU samples, and analyzes one with exactly that", () => {
    const hot = (t: number) => (THREE_NOONS(t) ? 0.9 : 0.1);
    expect(runWeb([cpu("web-a", hot, 23.5)])).toEqual({
      recommendations: [],
      skipped: [{ workload: WEB, reason: "only 23.5h of usage history; at least 24h needed" }],
    });
    expect(runWeb([cpu("web-a", hot, 24)])).toEqual(NOTHING);
  });

  it("only counts history inside the window", () => {
    // 168h of samples, but a 20h window holds only 20h of them.
    expect(runWeb(twoPods(THREE_NOONS, 0.9), {}, {}, { windowHours: 20 }).skipped).toEqual([
      { workload: WEB, reason: "only 19.9h of usage history; at least 24h needed" },
    ]);
  });

  it("does not propose an HPA for a workload scaled to 0 replicas, and says so", () => {
    expect(runWeb(twoPods(THREE_NOONS, 0.9), { replicas: 0 })).toEqual({
      recommendations: [],
      skipped: [{ workload: WEB, reason: "hot on 3 days, but scaled to 0 replicas; not proposing an HPA" }],
    });
  });

  it("skips a workload without a CPU request, or without CPU usage", () => {
    expect(runWeb(twoPods(THREE_NOONS, 0.9), { request: null })).toEqual({
      recommendations: [],
      skipped: [{ workload: WEB, reason: 'no CPU request on container "app"; CPU autoscaling needs one' }],
    });
    expect(runWeb([])).toEqual({
      recommendations: [],
      skipped: [{ workload: WEB, reason: "no CPU usage data" }],
    });
  });
});

describe("analyzeHpa: raise an HPA's max when it is pinned there", () => {
  // A 25h window holds 300 steps, so 30 steps are exactly 10% (the default pinnedShare).
  const WINDOW = { windowHours: 25 };
  const BUSY_FROM = NOW - 12 * HOUR;

  /**
   * Pods a and b always, at 0.25 cores (50%: not an idle minimum at any target used here); c and d (up to
   * max 4) only for `busySteps` steps, when all four use `busy` cores.
   */
  function scalingPods(busySteps: number, busy: number): SeriesUsage[] {
    const isBusy = (t: number) => during(t, BUSY_FROM, (busySteps * STEP) / 60);
    const always = (t: number) => (isBusy(t) ? busy : 0.25);
    const onlyBusy = (t: number) => (isBusy(t) ? busy : Number.NaN);
    return [
      cpu("web-a", always, 25),
      cpu("web-b", always, 25),
      cpu("web-c", onlyBusy, 25),
      cpu("web-d", onlyBusy, 25),
    ];
  }

  it("raises the max when at max and above target for exactly pinnedShare of the steps", () => {
    // 30 of 300 steps with 4 pods at 0.45 = 1.8 cores (90% of 2.0). to = max(5, ceil(1.8 / 0.35) = 6) = 6.
    const result = runWeb(scalingPods(30, 0.45), { hpa: hpa(2, 4) }, {}, WINDOW);
    expect(result).toEqual({
      recommendations: [
        {
          workload: WEB,
          change: raiseMax(4, 6),
          evidence: {
            windowHours: 25,
            stepSeconds: 300,
            replicasFrom: "pods",
            steps: 300,
            pinnedSteps: 30,
            pinnedShare: 0.1,
            hoursAtMax: 2.5,
            targetUtilization: 0.7,
            peakCores: 1.8,
            sizingCoresPerPod: 0.5,
            replicasNeededAtPeak: 6,
          },
          reason:
            "The HPA sat at its maximum of 4 replicas above its 70% target for 2.5h " +
            "(10% of the last 25h, peak 1.8 cores), so the max goes to 6.",
        },
      ],
      skipped: [],
    });
  });

  it("does not raise the max below pinnedShare, or at max but exactly at target", () => {
    expect(runWeb(scalingPods(29, 0.45), { hpa: hpa(2, 4) }, {}, WINDOW).recommendations).toEqual([]);
    // 4 × 0.35 / 2.0 = 70%: at target the HPA is content, not starved.
    expect(runWeb(scalingPods(30, 0.35), { hpa: hpa(2, 4) }, {}, WINDOW).recommendations).toEqual([]);
  });

  it("judges and sizes against the HPA's own target", () => {
    // 90% is not above a 90% target.
    expect(runWeb(scalingPods(30, 0.45), { hpa: hpa(2, 4, 90) }, {}, WINDOW).recommendations).toEqual([]);
    // At a 50% target: to = ceil(1.8 / (0.5 × 0.5)) = ceil(7.2) = 8.
    const rec = runWeb(scalingPods(30, 0.45), { hpa: hpa(2, 4, 50) }, {}, WINDOW).recommendations[0];
    expect(rec?.change).toEqual(raiseMax(4, 8));
  });

  it("reads the replica count from the HPA's history when there is one", () => {
    // Only 2 pods ever report CPU (the other two were pending), so pod counts never reach max 4;
    // the HPA's status says 4 for the 30 busy steps. Its 2 pods at 0.9: 180% of 1.0, peak 1.8 cores.
    const isBusy = (t: number) => during(t, BUSY_FROM, 150);
    const pods = ["web-a", "web-b"].map((pod) => cpu(pod, (t) => (isBusy(t) ? 0.9 : 0.2), 25));
    expect(runWeb(pods, { hpa: hpa(2, 4) }, {}, WINDOW).recommendations).toEqual([]);
    const replicas = replicaHistory(WEB, (t) => (isBusy(t) ? 4 : 2), 25);
    const rec = runWeb(pods, { hpa: hpa(2, 4) }, {}, WINDOW, [replicas]).recommendations[0];
    expect(rec?.change).toEqual(raiseMax(4, 6));
    expect(rec?.evidence).toMatchObject({ replicasFrom: "hpa-history", pinnedSteps: 30 });
  });

  it("caps the new max at maxReplicasCap, and skips when the max is already there", () => {
    const pods = scalingPods(30, 0.45);
    expect(
      runWeb(pods, { hpa: hpa(2, 4) }, { maxReplicasCap: 5 }, WINDOW).recommendations[0]?.change,
    ).toEqual(raiseMax(4, 5));
    expect(runWeb(pods, { hpa: hpa(2, 4) }, { maxReplicasCap: 4 }, WINDOW)).toEqual({
      recommendations: [],
      skipped: [
        { workload: WEB, reason: "pinned at maxReplicas 4 for 10% of the window, but maxReplicasCap is 4" },
      ],
    });
  });
});

describe("analyzeHpa: raise an HPA's max before a forecast peak arrives", () => {
  const WEEK_START = NOW - 168 * HOUR;

  /** Four pods sharing `total(t)` cores equally (NaN: no sample), so the HPA's replica count is always 4. */
  function fourPods(total: (t: number) => number): SeriesUsage[] {
    return ["a", "b", "c", "d"].map((p) => cpu(`web-${p}`, (t) => total(t) / 4));
  }

  /** Demand rising linearly from `from` cores to `to` cores over the last `hours` hours; no samples before. */
  function linear(from: number, to: number, hours = 168): (t: number) => number {
    const start = NOW - hours * HOUR;
    return (t) => (t <= start ? Number.NaN : from + ((to - from) * (t - start)) / (hours * HOUR));
  }

  /**
   * What the forecast rule computes, from the forecast functions themselves: the pods' CPU summed per step,
   * its maximum per hour of the 168h window, forecast 168h ahead, and the hour the forecast (with its band)
   * first reaches what `max` replicas of 500m hold at 70%.
   */
  function expectedForecast(pods: SeriesUsage[], max: number) {
    const totals = new Map<number, number>();
    for (const pod of pods) {
      pod.times.forEach((t, i) => {
        const v = pod.values[i] as number;
        if (Number.isFinite(v) && t > WEEK_START) totals.set(t, (totals.get(t) ?? 0) + v);
      });
    }
    const peaks = hourly(
      Float64Array.from(totals.keys()),
      Float64Array.from(totals.values()),
      WEEK_START,
      NOW,
      "max",
    );
    const f = forecastHourly(peaks, 168);
    const peak = forecastPeak(f, peaks);
    const band = peak - Math.max(...f.values);
    const days = daysUntil(f, max * 0.5 * 0.7 - band);
    return { f, peak, hours: days === null ? null : Math.round(days * 24) };
  }

  it("raises the max of a steadily growing workload before it is pinned, to what the forecast peak needs", () => {
    // 1 -> 2 cores over the week on 4 of max 6 replicas: never at max, at most 100% of 2.0 requested.
    // The damped trend (phi 0.999) carries the 1/168 cores-per-hour growth about 154h of the next 168:
    // peak ~ 2 + 154/168 = 2.92 cores, ceil(2.92 / (0.5 × 0.7)) = 9 replicas. Max 6 holds 2.1 cores,
    // reached after ~17h of damped growth (0.1 cores at 1/168 per hour).
    const pods = fourPods(linear(1, 2));
    const result = runWeb(pods, { hpa: hpa(2, 6) });
    expect(result).toEqual({
      recommendations: [
        {
          workload: WEB,
          change: raiseMax(6, 9),
          evidence: {
            windowHours: 168,
            stepSeconds: 300,
            replicasFrom: "pods",
            steps: 2016,
            pinnedSteps: 0,
            pinnedShare: 0,
            hoursAtMax: 0,
            targetUtilization: 0.7,
            peakCores: 2,
            sizingCoresPerPod: 0.5,
            replicasNeededAtPeak: 6,
            forecastPeakCores: 2.915,
            forecastMethod: "holt-winters",
            forecastFitMape: 0,
            replicasNeededAtForecastPeak: 9,
            hoursUntilPeakNeedsMore: 18,
          },
          reason:
            "The HPA is forecast to need 9 replicas at 70% within 18h (forecast peak 2.915 cores in the " +
            "next 168h), more than its maximum of 6 replicas allows, so the max goes to 9.",
        },
      ],
      skipped: [],
    });
    // The same numbers straight from the forecast functions.
    const expected = expectedForecast(pods, 6);
    expect(expected.f.method).toBe("holt-winters");
    expect(Math.round(expected.peak * 1000) / 1000).toBe(2.915);
    expect(Math.ceil(expected.peak / 0.35)).toBe(9);
    expect(expected.hours).toBe(18);
    // A max that already holds the forecast peak (9 × 0.35 = 3.15 cores) gets nothing.
    expect(runWeb(pods, { hpa: hpa(2, 9) })).toEqual(NOTHING);
  });

  it("sizes the forecast with opts.cpuRequest, and caps it at maxReplicasCap", () => {
    const pods = fourPods(linear(1, 2));
    // 1-core pods: ceil(2.915 / 0.7) = 5 replicas, within max 6: nothing.
    expect(runWeb(pods, { hpa: hpa(2, 6) }, {}, { cpuRequest: () => 1 })).toEqual(NOTHING);
    expect(runWeb(pods, { hpa: hpa(2, 6) }, { maxReplicasCap: 7 }).recommendations[0]?.change).toEqual(
      raiseMax(6, 7),
    );
    expect(runWeb(pods, { hpa: hpa(2, 6) }, { maxReplicasCap: 6 })).toEqual({
      recommendations: [],
      skipped: [
        {
          workload: WEB,
          reason:
            "forecast to need 9 replicas at 70% within 18h (forecast peak 2.915 cores in the next 168h), " +
            "above maxReplicas 6, but maxReplicasCap is 6",
        },
      ],
    });
  });

  it("proposes nothing for flat demand below what the max holds", () => {
    // 2.0 cores all week: a flat forecast of exactly 2.0 (no error, no band), ceil(2.0 / 0.35) = 6 <= max 6.
    const pods = fourPods(() => 2);
    expect(runWeb(pods, { hpa: hpa(2, 6) })).toEqual(NOTHING);
    // Control: max 5 holds only 1.75 cores, so the same demand needs 6 from the first hour ahead.
    const rec = runWeb(pods, { hpa: hpa(2, 5) }).recommendations[0];
    expect(rec?.change).toEqual(raiseMax(5, 6));
    expect(rec?.evidence).toMatchObject({
      pinnedSteps: 0,
      forecastPeakCores: 2,
      forecastFitMape: 0,
      replicasNeededAtForecastPeak: 6,
      hoursUntilPeakNeedsMore: 1,
    });
  });

  it("proposes nothing for a daily cycle whose forecast peak fits under the max", () => {
    // 1.2 ± 0.6 cores, peaking at 1.8 at 06:00 UTC every day: the daily indices repeat it, not a trend.
    // ceil(1.8 / 0.35) = 6 <= max 6.
    const pods = fourPods((t) => 1.2 + 0.6 * Math.sin((2 * Math.PI * t) / DAY));
    const expected = expectedForecast(pods, 5);
    expect(expected.peak).toBeCloseTo(1.8, 6);
    expect(runWeb(pods, { hpa: hpa(2, 6) })).toEqual(NOTHING);
    // Control: max 5 holds 1.75 cores, less than the daily peak; the first forecast hour past it is the one
    // ending 05:00 (about 1.78 cores), 5h after the window ends at midnight.
    const rec = runWeb(pods, { hpa: hpa(2, 5) }).recommendations[0];
    expect(rec?.change).toEqual(raiseMax(5, 6));
    expect(expected.hours).toBe(5);
    expect(rec?.evidence).toMatchObject({
      forecastPeakCores: 1.8,
      replicasNeededAtForecastPeak: 6,
      hoursUntilPeakNeedsMore: 5,
    });
  });

  it("keeps the pinned rule as it was when the forecast fits under the max", () => {
    // 4 pods at 0.4 (80% of 2.0) for the first 72h, pinned at max 4; then 2 pods at 0.3 for 96h. The
    // forecast follows the new level (~0.74 cores with its band, 3 replicas): only the pinned rule fires.
    const busy = (t: number) => t <= NOW - 96 * HOUR;
    const pods = [
      cpu("web-a", (t) => (busy(t) ? 0.4 : 0.3)),
      cpu("web-b", (t) => (busy(t) ? 0.4 : 0.3)),
      cpu("web-c", (t) => (busy(t) ? 0.4 : Number.NaN)),
      cpu("web-d", (t) => (busy(t) ? 0.4 : Number.NaN)),
    ];
    expect(replicasNeeded(expectedForecast(pods, 4).peak)).toBe(3);
    expect(runWeb(pods, { hpa: hpa(2, 4) })).toEqual({
      recommendations: [
        {
          workload: WEB,
          change: raiseMax(4, 5),
          evidence: {
            windowHours: 168,
            stepSeconds: 300,
            replicasFrom: "pods",
            steps: 2016,
            pinnedSteps: 864,
            pinnedShare: 0.429,
            hoursAtMax: 72,
            targetUtilization: 0.7,
            peakCores: 1.6,
            sizingCoresPerPod: 0.5,
            replicasNeededAtPeak: 5,
          },
          reason:
            "The HPA sat at its maximum of 4 replicas above its 70% target for 72h " +
            "(42.9% of the last 168h, peak 1.6 cores), so the max goes to 5.",
        },
      ],
      skipped: [],
    });
  });

  it("takes the larger max when both rules fire, and says both", () => {
    // Growth 1 -> 2 cores on 4 pods at max 4: above 70% of 2.0 once past 1.4 cores (the last 60% of the
    // week), so pinned (observed peak 2.0 needs 6), and forecast to need 9, as above.
    const growing = runWeb(fourPods(linear(1, 2)), { hpa: hpa(2, 4) }).recommendations;
    expect(growing.map((r) => r.change)).toEqual([raiseMax(4, 9)]);
    expect(growing[0]?.evidence).toMatchObject({
      pinnedSteps: 1210, // steps k = 807..2016 of 2016: 1 + k / 2016 > 1.4
      replicasNeededAtPeak: 6,
      replicasNeededAtForecastPeak: 9,
    });
    expect(growing[0]?.reason).toBe(
      "The HPA sat at its maximum of 4 replicas above its 70% target for 100.8h (60% of the last 168h, " +
        "peak 2 cores) and is forecast to need 9 replicas at 70% within 1h (forecast peak 2.915 cores in " +
        "the next 168h), so the max goes to 9.",
    );
    // 1.6 cores (80%) all week with one 3.0-core hour: pinned, observed peak needs ceil(3.0 / 0.35) = 9;
    // the forecast (flat 1.6 plus a band from that hour's error) needs 6. The larger, 9, wins.
    const spike = (t: number) => (t > NOW - 120 * HOUR && t <= NOW - 119 * HOUR ? 3 : 1.6);
    const pods = fourPods(spike);
    const expected = expectedForecast(pods, 4);
    expect(replicasNeeded(expected.peak)).toBe(6);
    const rec = runWeb(pods, { hpa: hpa(2, 4) }).recommendations[0];
    expect(rec?.change).toEqual(raiseMax(4, 9));
    expect(rec?.evidence).toMatchObject({
      pinnedShare: 1,
      replicasNeededAtPeak: 9,
      forecastPeakCores: Math.round(expected.peak * 1000) / 1000,
      replicasNeededAtForecastPeak: 6,
      hoursUntilPeakNeedsMore: 1,
    });
    expect(rec?.reason).toContain("above its 70% target for 168h");
    expect(rec?.reason).toContain("and is forecast to need 6 replicas at 70% within 1h");
    expect(rec?.reason).toMatch(/so the max goes to 9\.$/);
  });

  it("needs 48 hours with CPU samples for the forecast rule", () => {
    // 1 -> 2 cores over the last 47 or 48 hours, on 4 of max 6 replicas: steep, but never pinned.
    expect(runWeb(fourPods(linear(1, 2, 47)), { hpa: hpa(2, 6) })).toEqual(NOTHING);
    const rec = runWeb(fourPods(linear(1, 2, 48)), { hpa: hpa(2, 6) }).recommendations[0];
    // ~2 + 154/48 = 5.2 cores: ceil(5.2 / 0.35) = 15.
    expect(rec?.change).toEqual(raiseMax(6, 15));
    expect(rec?.evidence).toMatchObject({ steps: 576, forecastMethod: "holt-winters" });
  });
});

/** Replicas of 500m at 70% for `cores`. */
function replicasNeeded(cores: number): number {
  return Math.ceil(cores / 0.35 - 1e-9);
}

describe("analyzeHpa: stabilize a flapping HPA's scale-down", () => {
  /** Three pods at 50% of request: neither idle nor pinned. */
  const STEADY_PODS = ["web-a", "web-b", "web-c"].map((pod) => cpu(pod, () => 0.25));
  const FIRST_HOUR = NOW - 167 * HOUR;

  /**
   * 4 replicas in the window's first hour, then 3 (the first change: a scale-down, no reversal yet). Each
   * day from 12:00, `flips` samples alternate 4, 3, 4, ...: every one of those changes reverses the last.
   */
  function flapping(flips: number): (t: number) => number {
    return (t) => {
      if (t <= FIRST_HOUR) return 4;
      const index = ((t % DAY) - 12 * HOUR) / STEP; // NOW is a midnight, so t % DAY is the time of day
      return index >= 0 && index < flips && index % 2 === 0 ? 4 : 3;
    };
  }

  it("proposes a stabilization window when reversals per hour exceed the threshold", () => {
    // 6 reversals at 12:00-12:25 on each of 7 days: 42 reversals in 7 hours, 6 per hour > 4.
    const result = runWeb(STEADY_PODS, { hpa: hpa(3, 6) }, {}, {}, [replicaHistory(WEB, flapping(6))]);
    expect(result).toEqual({
      recommendations: [
        {
          workload: WEB,
          change: { kind: "stabilize-scale-down", stabilizationWindowSeconds: 600 },
          evidence: {
            windowHours: 168,
            replicasFrom: "hpa-history",
            replicaChanges: 43,
            reversals: 42,
            hoursWithReversals: 7,
            reversalsPerHour: 6,
          },
          reason:
            "The replica count reversed direction 42 times in 7 hours of the last 168h (6 per hour, above 4), " +
            "so scale-downs wait 600s for the load to settle.",
        },
      ],
      skipped: [],
    });
  });

  it("does not flag exactly flapChangesPerHour reversals per hour", () => {
    // 4 per day: 28 reversals in 7 hours = 4.0.
    const result = runWeb(STEADY_PODS, { hpa: hpa(3, 6) }, {}, {}, [replicaHistory(WEB, flapping(4))]);
    expect(result).toEqual(NOTHING);
  });

  it("does not flag a smooth daily ramp, however steep", () => {
    // 2 -> 10 one replica per step from 08:05 to 08:40, back down 20:05 to 20:40: 8 changes within an hour,
    // twice a day. Only the turn at the top and at the bottom reverses: 13 reversals in 13 hours.
    const ramp = (t: number) => {
      const s = t % DAY;
      const up = Math.floor((s - 8 * HOUR) / STEP);
      const down = Math.floor((s - 20 * HOUR) / STEP);
      if (down >= 0) return Math.max(2, 10 - Math.min(8, down));
      if (up >= 0) return Math.min(10, 2 + up);
      return 2;
    };
    const replicas = [replicaHistory(WEB, ramp)];
    const pods = ["web-a", "web-b"].map((pod) => cpu(pod, () => 0.25));
    expect(runWeb(pods, { hpa: hpa(2, 10) }, {}, {}, replicas)).toEqual(NOTHING);
    // The same ramp, counted: with a threshold below 1 per hour it would be flagged, with these numbers.
    const counted = runWeb(pods, { hpa: hpa(2, 10) }, { flapChangesPerHour: 0.5 }, {}, replicas);
    expect(counted.recommendations[0]?.evidence).toEqual({
      windowHours: 168,
      replicasFrom: "hpa-history",
      replicaChanges: 112,
      reversals: 13,
      hoursWithReversals: 13,
      reversalsPerHour: 1,
    });
  });

  it("counts reporting pods when there is no HPA history", () => {
    // A fourth pod reports exactly when the flapping pattern says 4.
    const fourth = flapping(6);
    const pods = [...STEADY_PODS, cpu("web-d", (t) => (fourth(t) === 4 ? 0.25 : Number.NaN))];
    const rec = runWeb(pods, { hpa: hpa(3, 6) }).recommendations[0];
    expect(rec?.change).toEqual({ kind: "stabilize-scale-down", stabilizationWindowSeconds: 600 });
    expect(rec?.evidence).toMatchObject({ replicasFrom: "pods", reversals: 42, hoursWithReversals: 7 });
  });
});

describe("analyzeHpa: lower an idle HPA minimum", () => {
  const PROD: WorkloadRef = { namespace: "prod", kind: "Deployment", name: "web" };

  /** The evidence of the lower-min findings below: idle at the min all week, 0.2 cores at p95. */
  const idleAtMin = (floor: number) => ({
    windowHours: 168,
    replicasFrom: "pods",
    shareAtMin: 1,
    utilizationP95AtMin: 0.1,
    idleBelow: 0.35,
    demandP95CoresAtMin: 0.2,
    sizingCoresPerPod: 0.5,
    floor,
  });

  /** Four pods at `each` cores (of 500m requested), all the time. */
  function fourPods(each: number): SeriesUsage[] {
    return ["a", "b", "c", "d"].map((p) => cpu(`web-${p}`, () => each));
  }

  it("lowers the minimum to what p95 demand needs: 1 elsewhere, the HA floor of 2 in production", () => {
    // 4 × 0.05 = 0.2 cores, 10% utilization (< 50% of 70%). ceil(0.2 / 0.35) = 1.
    // shop is listed first but prod sorts first: output is ordered by workload key.
    const result = analyzeHpa(
      state([cpuWorkload(WEB, { hpa: hpa(4, 8) }), cpuWorkload(PROD, { hpa: hpa(4, 8) })]),
      history([usageOf(WEB, fourPods(0.05)), usageOf(PROD, fourPods(0.05))]),
      policy(),
      { isProduction: (ns) => ns === "prod" },
    );
    expect({ ...result, recommendations: result.recommendations.map(({ profile: _, ...r }) => r) }).toEqual({
      recommendations: [
        {
          workload: PROD,
          change: lowerMin(4, 2),
          evidence: idleAtMin(2),
          reason:
            "The HPA sat at its minimum of 4 replicas 100% of the last 168h at p95 utilization 10% " +
            "(idle below 35%); 2 replicas keep its p95 demand of 0.2 cores within the 70% target, " +
            "the HA floor for production.",
        },
        {
          workload: WEB,
          change: lowerMin(4, 1),
          evidence: idleAtMin(1),
          reason:
            "The HPA sat at its minimum of 4 replicas 100% of the last 168h at p95 utilization 10% " +
            "(idle below 35%); 1 replica keeps its p95 demand of 0.2 cores within the 70% target.",
        },
      ],
      skipped: [],
    });
  });

  it("proposes nothing when the floor is not below the current minimum", () => {
    const pods = ["a", "b"].map((p) => cpu(`web-${p}`, () => 0.05));
    const result = analyzeHpa(
      state([cpuWorkload(PROD, { hpa: hpa(2, 8) })]),
      history([usageOf(PROD, pods)]),
      policy(),
      { isProduction: (ns) => ns === "prod" },
    );
    expect(result).toEqual(NOTHING);
  });

  it("treats p95 utilization exactly at idleUtilization × target as not idle", () => {
    // 4 × 0.175 / 2.0 = 35% exactly.
    expect(runWeb(fourPods(0.175), { hpa: hpa(4, 8) })).toEqual(NOTHING);
    // 4 × 0.17 / 2.0 = 34%: idle. 0.68 cores need ceil(0.68 / 0.35) = 2 replicas.
    expect(runWeb(fourPods(0.17), { hpa: hpa(4, 8) }).recommendations[0]?.change).toEqual(lowerMin(4, 2));
  });

  it("needs the HPA at its minimum for 90% of the steps", () => {
    // A fifth pod for 17h of 168h: at minimum 89.9% of the time.
    const extra = cpu("web-e", (t) => (t > NOW - 17 * HOUR ? 0.05 : Number.NaN));
    expect(runWeb([...fourPods(0.05), extra], { hpa: hpa(4, 8) }).recommendations).toEqual([]);
    // For 16h: 90.5% of the time.
    const less = cpu("web-e", (t) => (t > NOW - 16 * HOUR ? 0.05 : Number.NaN));
    expect(runWeb([...fourPods(0.05), less], { hpa: hpa(4, 8) }).recommendations[0]?.change).toEqual(
      lowerMin(4, 1),
    );
  });
});
