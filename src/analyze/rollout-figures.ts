// A rollout's figures (RolloutMetrics) from recorded usage history: what `kopt verify --snapshot` and the
// demo read when there is no Prometheus to ask. The series are those of a ClusterSnapshot (one point per step:
// CPU cores, peak memory, throttled share where above 0, restarts and OOM kills where there were any, requests
// and failed requests per second by pod), already narrowed to one workload. Pure.
import type { ContainerUsage, SeriesUsage, Workload } from "../model/types.ts";
import type { RolloutMetrics } from "../model/verify.ts";
import { percentile, sortNumbers } from "./stats.ts";

/** Requests and failed requests per second of one pod, index-aligned with their times. */
export interface PodHttpSeries {
  pod: string;
  times: Float64Array;
  values: Float64Array;
}

export interface RecordedRollout {
  workload: Workload;
  /** The workload's containers' usage (attributeUsage's ContainerUsage for this workload). */
  usage: readonly ContainerUsage[];
  httpRequests: readonly PodHttpSeries[];
  httpErrors: readonly PodHttpSeries[];
  /** A pod's request when it differs from the workload's spec (a pod of an earlier template); null: unknown. */
  requestOf?: (pod: string, container: string, resource: "cpu" | "memory") => number | null;
  /** Unix seconds, inclusive. */
  start: number;
  end: number;
}

const iso = (unix: number) => new Date(unix * 1000).toISOString();

/** The points of `series` whose time lies in [start, end]. */
function pointsIn(series: readonly SeriesUsage[] | undefined, start: number, end: number): number[] {
  const out: number[] = [];
  for (const s of series ?? []) {
    s.times.forEach((t, i) => {
      if (t >= start && t <= end) out.push(s.values[i] as number);
    });
  }
  return out;
}

/** Sum per step over pods: time -> total. */
function totalsByTime(series: readonly PodHttpSeries[], start: number, end: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of series) {
    s.times.forEach((t, i) => {
      const v = s.values[i] as number;
      if (t >= start && t <= end && Number.isFinite(v)) out.set(t, (out.get(t) ?? 0) + v);
    });
  }
  return out;
}

/** Failed / all requests at each step with traffic: the highest and the mean. */
function errorRates(r: RecordedRollout): { max: number | null; mean: number | null; points: number } {
  const requests = totalsByTime(r.httpRequests, r.start, r.end);
  const errors = totalsByTime(r.httpErrors, r.start, r.end);
  const rates: number[] = [];
  for (const [t, total] of requests) if (total > 0) rates.push(Math.min(1, (errors.get(t) ?? 0) / total));
  if (rates.length === 0) return { max: null, mean: null, points: 0 };
  return {
    max: Math.max(...rates),
    mean: rates.reduce((a, b) => a + b, 0) / rates.length,
    points: rates.length,
  };
}

/**
 * p95 of each pod's usage over that pod's request (a pod of the template before the change had the old one),
 * the highest over the workload's pods and containers, as the Prometheus port reads it.
 */
function usageOverRequest(r: RecordedRollout, resource: "cpu" | "memory"): number | null {
  let worst: number | null = null;
  for (const c of r.usage) {
    const current = r.workload.containers.find((s) => s.name === c.container)?.resources.requests[resource];
    for (const s of c[resource]) {
      const request = r.requestOf?.(s.pod, c.container, resource) ?? current;
      const points = pointsIn([s], r.start, r.end);
      if (!request || points.length === 0) continue;
      const ratio = percentile(sortNumbers(points), 95) / request;
      worst = worst === null ? ratio : Math.max(worst, ratio);
    }
  }
  return worst;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

export function rolloutFigures(r: RecordedRollout): RolloutMetrics {
  const cpuPoints = r.usage.flatMap((c) => pointsIn(c.cpu, r.start, r.end));
  const memoryPoints = r.usage.flatMap((c) => pointsIn(c.memory, r.start, r.end));
  const errors = errorRates(r);
  const recorded = cpuPoints.length > 0;
  // Throttling, restarts and OOM kills are recorded only at steps where they happened: with usage recorded
  // for the window, a missing point is a zero.
  const throttled = r.usage.flatMap((c) => pointsIn(c.cpuThrottling, r.start, r.end));
  return {
    errorRate: errors.max,
    errorRateMean: errors.mean,
    p99LatencySeconds: null,
    restarts: recorded ? sum(r.usage.flatMap((c) => pointsIn(c.restarts, r.start, r.end))) : null,
    oomKills: recorded ? sum(r.usage.flatMap((c) => pointsIn(c.oomKills, r.start, r.end))) : null,
    maxUnreadyPods: null,
    cpuThrottledShare: recorded ? sum(throttled) / cpuPoints.length : null,
    cpuUsageOverRequest: usageOverRequest(r, "cpu"),
    memoryUsageOverRequest: usageOverRequest(r, "memory"),
    samples: cpuPoints.length + memoryPoints.length + errors.points,
    start: iso(r.start),
    end: iso(r.end),
  };
}
