// Scoring one strategy's requests and limits against the week that follows its learn window.
//
// - cost: monthly cost of the requests (src/analyze/cost.ts monthlyCost, DEFAULT_PRICES, 730 h, 1 replica);
// - OOM episodes: maximal runs of consecutive steps with memory usage above the memory limit (no limit: none);
// - CPU shortfall: sum of max(0, cpu - request) over sum of cpu, pooled over all steps and workloads;
// - over request: share of steps with cpu above the request;
// - throttled: share of steps with cpu above the CPU limit (no limit: none).
// An unset request counts as the limit when there is one (Kubernetes defaults it so), else as 0.

import { monthlyCost, round2 } from "../../../src/analyze/cost.ts";
import { DEFAULT_PRICES } from "../../../src/model/policy.ts";
import type { Resources } from "../../../src/model/types.ts";

/** Additive totals, so workloads can be pooled before ratios are taken. */
export interface ScoreSums {
  workloads: number;
  /** USD per month. */
  cost: number;
  oomEpisodes: number;
  /** Core-steps of CPU used. */
  cpuUsed: number;
  /** Core-steps of CPU above the request. */
  cpuShortfall: number;
  samples: number;
  samplesOverRequest: number;
  samplesThrottled: number;
}

export interface Metrics {
  workloads: number;
  /** USD per month. */
  cost: number;
  oomEpisodes: number;
  /** Fractions, 0..1. */
  cpuShortfall: number;
  overRequest: number;
  throttled: number;
}

export function emptySums(): ScoreSums {
  return {
    workloads: 0,
    cost: 0,
    oomEpisodes: 0,
    cpuUsed: 0,
    cpuShortfall: 0,
    samples: 0,
    samplesOverRequest: 0,
    samplesThrottled: 0,
  };
}

export function addSums(into: ScoreSums, s: ScoreSums): void {
  into.workloads += s.workloads;
  into.cost += s.cost;
  into.oomEpisodes += s.oomEpisodes;
  into.cpuUsed += s.cpuUsed;
  into.cpuShortfall += s.cpuShortfall;
  into.samples += s.samples;
  into.samplesOverRequest += s.samplesOverRequest;
  into.samplesThrottled += s.samplesThrottled;
}

export function metricsOf(s: ScoreSums): Metrics {
  return {
    workloads: s.workloads,
    cost: round2(s.cost),
    oomEpisodes: s.oomEpisodes,
    cpuShortfall: s.cpuUsed > 0 ? s.cpuShortfall / s.cpuUsed : 0,
    overRequest: s.samples > 0 ? s.samplesOverRequest / s.samples : 0,
    throttled: s.samples > 0 ? s.samplesThrottled / s.samples : 0,
  };
}

/** Monthly cost of one replica's requests. */
export function requestCost(resources: Resources): number {
  return monthlyCost([resources], 1, DEFAULT_PRICES);
}

/** Maximal runs of consecutive samples above the limit; a null limit never OOMs. */
export function oomEpisodes(memory: Float64Array, limit: number | null): number {
  if (limit === null) return 0;
  let episodes = 0;
  let above = false;
  for (const v of memory) {
    const now = v > limit;
    if (now && !above) episodes++;
    above = now;
  }
  return episodes;
}

/** The effective request: the request, else the limit (Kubernetes' default), else 0. */
export function effectiveRequest(resources: Resources, resource: "cpu" | "memory"): number {
  return resources.requests[resource] ?? resources.limits[resource] ?? 0;
}

/** Scores one workload's resources against its score window. */
export function scoreWorkload(cpu: Float64Array, memory: Float64Array, resources: Resources): ScoreSums {
  const request = effectiveRequest(resources, "cpu");
  const limit = resources.limits.cpu;
  let used = 0;
  let shortfall = 0;
  let over = 0;
  let throttled = 0;
  for (const v of cpu) {
    used += v;
    if (v > request) {
      shortfall += v - request;
      over++;
    }
    if (limit !== null && v > limit) throttled++;
  }
  return {
    workloads: 1,
    cost: requestCost(resources),
    oomEpisodes: oomEpisodes(memory, resources.limits.memory),
    cpuUsed: used,
    cpuShortfall: shortfall,
    samples: cpu.length,
    samplesOverRequest: over,
    samplesThrottled: throttled,
  };
}
