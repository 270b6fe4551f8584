// Cluster capacity: the whole cluster's CPU and memory use, forecast a week ahead with seasonal smoothing,
// against what its nodes can give. Pure: "now" is state.observedAt.
import { formatMemoryDescription } from "../model/format.ts";
import type { ClusterState, UsageHistory } from "../model/types.ts";
import { daysUntil, type Forecast, forecastHourly, forecastPeak, hourly } from "./forecast.ts";
import { sumByTime } from "./time-sums.ts";

export interface CapacityFinding {
  resource: "cpu" | "memory";
  /** Sum of the nodes' status.allocatable (cores or bytes). */
  allocatable: number;
  /** Sum of the requests of the running pods' containers, as the workloads declare them. */
  requested: number;
  /** Highest hourly peak of the whole cluster's usage in the last 24 hours. */
  usagePeakLastDay: number;
  /** Upper bound of the forecast peak over the horizon (prediction + 1.64 × one-step error). */
  forecastPeak: number;
  horizonDays: number;
  /** Days until usage is forecast to reach the allocatable capacity; null when not within the horizon. */
  daysUntilFull: number | null;
  method: Forecast["method"];
  /** In-sample one-step MAPE of the forecast, in percent. */
  fitMape: number;
  historyHours: number;
}

/** Below this much history the forecast says nothing useful about a week ahead. */
const MIN_HISTORY_HOURS = 48;

/**
 * Per resource: the cluster's usage summed over all series at each step, its hourly peaks over the history
 * window, and a Holt-Winters forecast of them (daily and weekly seasonality) for the next `horizonDays`.
 * Empty when there are no nodes or too little history.
 */
export function analyzeCapacity(
  state: ClusterState,
  usage: Pick<UsageHistory, "containers">,
  windowHours: number,
  horizonDays = 7,
): CapacityFinding[] {
  const nodes = state.nodes ?? [];
  if (nodes.length === 0) return [];
  const start = state.observedAt - windowHours * 3600;
  const out: CapacityFinding[] = [];
  for (const resource of ["cpu", "memory"] as const) {
    const { times, sums: values } = sumByTime(
      usage.containers.flatMap((c) => c[resource]),
      start,
      state.observedAt,
    );
    if (times.length === 0) continue;
    const peaks = hourly(times, values, start, state.observedAt, "max");
    const observedHours = peaks.filter((v) => Number.isFinite(v)).length;
    if (observedHours < MIN_HISTORY_HOURS) continue;
    const f = forecastHourly(peaks, horizonDays * 24);
    const allocatable = nodes.reduce((n, node) => n + (node.allocatable[resource] ?? 0), 0);
    const lastDay = peaks.subarray(Math.max(0, peaks.length - 24)).filter((v) => Number.isFinite(v));
    out.push({
      resource,
      allocatable,
      requested: requestedNow(state, resource),
      usagePeakLastDay: lastDay.length > 0 ? Math.max(...lastDay) : Number.NaN,
      forecastPeak: forecastPeak(f, peaks),
      horizonDays,
      daysUntilFull: daysUntil(f, allocatable),
      method: f.method,
      fitMape: f.fitMape,
      historyHours: observedHours,
    });
  }
  return out;
}

/** How many of a workload's pods are running now: a pod not running reserves nothing. */
export function runningPodsOf(
  state: Pick<ClusterState, "pods">,
  w: ClusterState["workloads"][number],
): number {
  return state.pods.filter(
    (p) =>
      p.phase === "Running" &&
      p.owner?.namespace === w.ref.namespace &&
      p.owner.kind === w.ref.kind &&
      p.owner.name === w.ref.name,
  ).length;
}

/** Requests of the pods running now: the workloads' container requests times the pods each has. */
function requestedNow(state: ClusterState, resource: "cpu" | "memory"): number {
  let total = 0;
  for (const w of state.workloads) {
    const pods = runningPodsOf(state, w);
    for (const c of w.containers) total += (c.resources.requests[resource] ?? 0) * pods;
  }
  return total;
}

/** A warning when a resource is forecast to run out within the horizon. */
export function capacityWarnings(capacity: readonly CapacityFinding[]): string[] {
  return capacity
    .filter((c) => c.daysUntilFull !== null)
    .map(
      (c) =>
        `${c.resource} usage is forecast to reach the nodes' allocatable capacity in ${(c.daysUntilFull as number).toFixed(1)} days (forecast peak ${c.resource === "cpu" ? `${c.forecastPeak.toFixed(2)} cores` : formatMemoryDescription(c.forecastPeak)} of ${c.resource === "cpu" ? `${c.allocatable.toFixed(2)} cores` : formatMemoryDescription(c.allocatable)}): add nodes or cut requests`,
    );
}
