// The health report's 7-day trends (issue 17): per UTC day, the cluster's CPU and memory requested vs used
// and the cost of the requests. Pure. Requests are not in the usage history, so a day's "requested" is the
// requests the workloads declare now, counted for each pod that has usage at a step: it shows how many pods
// ran, not past request sizes.
import type { PriceModel } from "../../model/policy.ts";
import type { ClusterState, UsageHistory } from "../../model/types.ts";
import { round2 } from "../cost.ts";

export interface DayTrend {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** Means over the day's steps of the cluster's totals; null on a day without usage. */
  cpuRequested: number | null;
  cpuUsed: number | null;
  memoryRequested: number | null;
  memoryUsed: number | null;
  /** The requests' cost over the day (mean hourly cost x 24). */
  cost: number | null;
}

const DAY = 86400;

/** Per step (Unix seconds): the summed usage and the summed requests of the series with a sample there. */
function totalsByStep(
  state: Pick<ClusterState, "workloads">,
  usage: Pick<UsageHistory, "containers">,
  resource: "cpu" | "memory",
): Map<number, { used: number; requested: number }> {
  const request = new Map<string, number>();
  for (const w of state.workloads) {
    for (const c of w.containers) {
      request.set(
        `${w.ref.namespace}/${w.ref.kind}/${w.ref.name}/${c.name}`,
        c.resources.requests[resource] ?? 0,
      );
    }
  }
  const totals = new Map<number, { used: number; requested: number }>();
  for (const cu of usage.containers) {
    const r =
      request.get(`${cu.workload.namespace}/${cu.workload.kind}/${cu.workload.name}/${cu.container}`) ?? 0;
    for (const s of cu[resource]) {
      s.times.forEach((t, i) => {
        const v = s.values[i] as number;
        if (!Number.isFinite(v)) return;
        const step = totals.get(t) ?? { used: 0, requested: 0 };
        step.used += v;
        step.requested += r;
        totals.set(t, step);
      });
    }
  }
  return totals;
}

/** Mean of the steps' totals per day index (floor(t / 86400)). */
function dailyMeans(
  totals: ReadonlyMap<number, { used: number; requested: number }>,
): Map<number, { used: number; requested: number }> {
  const sums = new Map<number, { used: number; requested: number; n: number }>();
  for (const [t, v] of totals) {
    const day = Math.floor((t - 1) / DAY); // a sample at 00:00 covers the step before it
    const s = sums.get(day) ?? { used: 0, requested: 0, n: 0 };
    s.used += v.used;
    s.requested += v.requested;
    s.n++;
    sums.set(day, s);
  }
  return new Map([...sums].map(([d, s]) => [d, { used: s.used / s.n, requested: s.requested / s.n }]));
}

/** The `days` UTC days up to and including the one holding `end` (Unix seconds), oldest first. */
export function dailyTrends(
  state: Pick<ClusterState, "workloads">,
  usage: Pick<UsageHistory, "containers">,
  prices: PriceModel,
  end: number,
  days = 7,
): DayTrend[] {
  const cpu = dailyMeans(totalsByStep(state, usage, "cpu"));
  const memory = dailyMeans(totalsByStep(state, usage, "memory"));
  const last = Math.floor((end - 1) / DAY);
  const out: DayTrend[] = [];
  for (let d = last - days + 1; d <= last; d++) {
    const c = cpu.get(d);
    const m = memory.get(d);
    const hourly =
      c || m
        ? (c?.requested ?? 0) * prices.cpuHour + ((m?.requested ?? 0) / 2 ** 30) * prices.memoryGiBHour
        : null;
    out.push({
      day: new Date(d * DAY * 1000).toISOString().slice(0, 10),
      cpuRequested: c ? c.requested : null,
      cpuUsed: c ? c.used : null,
      memoryRequested: m ? m.requested : null,
      memoryUsed: m ? m.used : null,
      cost: hourly === null ? null : round2(hourly * 24),
    });
  }
  return out;
}
