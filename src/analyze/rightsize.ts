// Right-sizing: CPU/memory requests and limits from a container's usage history.
// Pure: "now" is state.observedAt, and the same inputs always give the same result.

import { atLeast, floorHours, roundHours } from "../model/numbers.ts";
import type { RightsizePolicy } from "../model/policy.ts";
import { roundCpuUp, roundMemoryUp } from "../model/quantity.ts";
import {
  type Evidence,
  type FieldChange,
  RESOURCE_FIELDS,
  type Recommendation,
  type ResourceField,
  type ResourceSizing,
  type RightsizeResult,
  type Skipped,
} from "../model/recommendation.ts";
import type {
  ClusterState,
  ContainerSpec,
  ContainerUsage,
  ResourcePair,
  Resources,
  SeriesUsage,
  UsageHistory,
  Workload,
  WorkloadRef,
} from "../model/types.ts";
import { workloadKey } from "../model/types.ts";
import { levelModel, MIN_MODEL_HOURS } from "./sizing-level.ts";
import { percentileOf, percentilesBySelection, summarizeValues } from "./stats.ts";
import { usageProfile } from "./usage-profile.ts";

type Resource = keyof ResourcePair;

const FIELD_PATH: Record<ResourceField, readonly [keyof Resources, Resource]> = {
  "requests.cpu": ["requests", "cpu"],
  "requests.memory": ["requests", "memory"],
  "limits.cpu": ["limits", "cpu"],
  "limits.memory": ["limits", "memory"],
};

export function rightsize(
  state: ClusterState,
  usage: UsageHistory,
  policy: RightsizePolicy,
  /** A workload's own policy (the learning loop's larger margin or minimum change); default `policy`. */
  policyFor?: (ref: WorkloadRef) => RightsizePolicy,
): RightsizeResult {
  const usageByContainer = indexUsage(usage);
  const window = {
    start: state.observedAt - policy.historyWindowHours * 3600,
    end: state.observedAt,
    hours: policy.historyWindowHours,
  };
  const recommendations: Recommendation[] = [];
  const skipped: Skipped[] = [];
  for (const workload of state.workloads) {
    // Workloads whose HPA scales on CPU are right-sized like any other: the HPA's utilization is
    // usage / request, so a request that matches real usage is what makes its target meaningful.
    const own = policyFor?.(workload.ref) ?? policy;
    for (const container of workload.containers) {
      const entries = usageByContainer.get(containerKey(workload.ref, container.name)) ?? [];
      const outcome = rightsizeContainer(workload, container, entries, window, own);
      if ("reason" in outcome) skipped.push(outcome);
      else recommendations.push(outcome);
    }
  }
  return { recommendations, skipped };
}

/** The resources that result from applying changes to current (a new object; current is not touched). */
export function applyChanges(current: Resources, changes: readonly FieldChange[]): Resources {
  const next = cloneResources(current);
  for (const change of changes) {
    const [group, resource] = FIELD_PATH[change.field];
    next[group][resource] = change.to;
  }
  return next;
}

function rightsizeContainer(
  workload: Workload,
  container: ContainerSpec,
  entries: readonly ContainerUsage[],
  window: Evidence["window"],
  policy: RightsizePolicy,
): Recommendation | Skipped {
  const skip = (reason: string): Skipped => ({ workload: workload.ref, container: container.name, reason });

  const pods = new Set<string>();
  const cpu = poolWindow(
    entries.flatMap((e) => e.cpu),
    window,
    pods,
  );
  const memory = poolWindow(
    entries.flatMap((e) => e.memory),
    window,
    pods,
  );
  if (cpu === null && memory === null) return skip("no usage data");
  if (cpu === null) return skip("no cpu usage data");
  if (memory === null) return skip("no memory usage data");

  // Both resources must have enough history; the shorter one is what we really know.
  const spanHours = Math.min(cpu.spanHours, memory.spanHours);
  if (spanHours < policy.minHistoryHours) {
    return skip(
      `only ${floorHours(spanHours)}h of usage history; at least ${roundHours(policy.minHistoryHours)}h needed`,
    );
  }

  const current = cloneResources(container.resources);
  const cpuSizing = sizing(cpu, window, policy);
  const memorySizing = sizing(memory, window, policy);
  const cpuRequest = roundCpuUp(Math.max(requestOf(cpuSizing), policy.floor.cpu));
  const memoryRequest = roundMemoryUp(Math.max(requestOf(memorySizing), policy.floor.memory));
  // The max term keeps a limit from being set where the container has already been (it would OOM there),
  // or where a rising level will take it before the horizon ends (projectedMax >= the observed max).
  const memoryLimit = roundMemoryUp(
    Math.max(
      memoryRequest * (1 + policy.memoryLimitBuffer),
      (memorySizing.projectedMax as number) * policy.memoryLimitOverMax,
    ),
  );
  const recommended: Resources = {
    requests: { cpu: cpuRequest, memory: memoryRequest },
    limits: {
      cpu: cpuLimitFor(current.limits.cpu, current.requests.cpu, cpuRequest, policy),
      memory: memoryLimit,
    },
  };

  return {
    workload: workload.ref,
    container: container.name,
    current,
    recommended,
    changes: changesFor(current, recommended, policy),
    confidence: Math.round(Math.min(1, spanHours / policy.fullConfidenceHours) * 100) / 100,
    evidence: {
      window: { ...window },
      pods: pods.size,
      cpu: summarizeValues(cpu.values),
      memory: summarizeValues(memory.values),
      sizing: { cpu: cpuSizing, memory: memorySizing },
      profile: usageProfile(cpu, memory, window),
    },
  };
}

/** The request before the floor and rounding. */
function requestOf(s: ResourceSizing): number {
  return s.base * (1 + s.margin);
}

/**
 * How a request is derived from pooled usage. Under MIN_MODEL_HOURS observed hours: the plain rule,
 * requestPercentile x (1 + requestMargin). From then on the forecast rule: every sample is brought to the
 * level expected half-way through the horizon (sizing-level.ts: a rising trend read there, a level shift
 * up, or no change), the request is forecastPercentile of those x (1 + margin), the margin being marginZ x
 * the relative error of the hourly level model, clamped to [minMargin, requestMargin]: a predictable
 * workload needs less than the full margin, an unpredictable one keeps it. projectedMax is the highest
 * sample brought to the level expected at the horizon's end, for the memory limit.
 */
function sizing(pooled: Pooled, window: Evidence["window"], policy: RightsizePolicy): ResourceSizing {
  const model = levelModel(pooled.times, pooled.values, window.start, window.end, policy.horizonHours / 2);
  if (model.observedHours < MIN_MODEL_HOURS) {
    return {
      method: "percentile",
      level: "flat",
      percentile: policy.requestPercentile,
      base: percentileOf(pooled.values, policy.requestPercentile),
      margin: policy.requestMargin,
      projectedMax: pooled.max,
    };
  }
  const adjusted = new Float64Array(pooled.values.length);
  for (let i = 0; i < adjusted.length; i++)
    adjusted[i] = (pooled.values[i] as number) * (model.factors[i] as number);
  const atEnd = model.kind === "trend" ? model.factorsAt(policy.horizonHours) : model.factors;
  let projectedMax = pooled.max;
  for (let i = 0; i < pooled.values.length; i++) {
    const v = (pooled.values[i] as number) * (atEnd[i] as number);
    if (v > projectedMax) projectedMax = v;
  }
  const margin = Math.min(
    policy.requestMargin,
    Math.max(policy.minMargin, policy.marginZ * model.residualSpread),
  );
  return {
    method: "forecast",
    level: model.kind,
    percentile: policy.forecastPercentile,
    base: percentilesBySelection(adjusted, [policy.forecastPercentile])[0] as number,
    margin,
    levelError: model.residualSpread,
    ...(model.kind === "trend" ? { growthPerDay: model.growthPerDay } : {}),
    ...(model.kind === "shift" && model.changeAt !== null
      ? { changeAt: model.changeAt, shiftFactor: model.shiftFactor }
      : {}),
    projectedMax,
  };
}

function cpuLimitFor(
  currentLimit: number | null,
  currentRequest: number | null,
  cpuRequest: number,
  policy: RightsizePolicy,
): number | null {
  switch (policy.cpuLimit.mode) {
    case "keep": {
      // Kubernetes rejects a limit below the request, so "keep" keeps what still fits. A limit that no
      // longer fits grows with the request, keeping the burst headroom the owner chose (limit/request).
      if (currentLimit === null || currentLimit >= cpuRequest) return currentLimit;
      const ratio = currentRequest ? currentLimit / currentRequest : 1;
      return ratio > 1 ? roundCpuUp(cpuRequest * ratio) : cpuRequest;
    }
    case "none":
      return null;
    case "ratio":
      return roundCpuUp(cpuRequest * policy.cpuLimit.ratio);
  }
}

/** The fields worth changing, plus whatever is needed so that no applied limit ends up below its request. */
function changesFor(current: Resources, recommended: Resources, policy: RightsizePolicy): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of RESOURCE_FIELDS) {
    const from = getField(current, field);
    const to = getField(recommended, field);
    if (isWorthChanging(field, from, to, policy)) changes.push({ field, from, to });
  }

  // Skipping small changes field by field can leave a pair the API server would reject (limit < request),
  // e.g. a request raised by 40% next to a limit that is only 5% short. Pull in the limit first, then the
  // request, until the applied pair is consistent again.
  for (const resource of ["cpu", "memory"] as const) {
    for (const field of [`limits.${resource}`, `requests.${resource}`] as const) {
      if (isConsistent(applyChanges(current, changes), resource)) break;
      if (changes.some((c) => c.field === field)) continue;
      const from = getField(current, field);
      const to = getField(recommended, field);
      if (from !== to) changes.push({ field, from, to });
    }
  }
  return changes.sort((a, b) => RESOURCE_FIELDS.indexOf(a.field) - RESOURCE_FIELDS.indexOf(b.field));
}

function isWorthChanging(
  field: ResourceField,
  from: number | null,
  to: number | null,
  policy: RightsizePolicy,
): boolean {
  if (from === to) return false;
  // Setting an unset value, or removing a limit, is always a real change.
  if (from === null || to === null) return true;
  const diff = Math.abs(to - from);
  const minimum = FIELD_PATH[field][1] === "cpu" ? policy.minChange.cpu : policy.minChange.memory;
  return atLeast(diff, policy.minChange.fraction * from) && atLeast(diff, minimum);
}

function isConsistent(resources: Resources, resource: Resource): boolean {
  const request = resources.requests[resource];
  const limit = resources.limits[resource];
  return request === null || limit === null || limit >= request;
}

interface Pooled {
  /** The samples' times and values in pooling order (series by series). */
  times: Float64Array;
  values: Float64Array;
  /** The highest value. */
  max: number;
  spanHours: number;
}

/** Finite samples of all series within (start, end], pooled; records contributing pods. Null when none. */
function poolWindow(
  series: readonly SeriesUsage[],
  window: Evidence["window"],
  pods: Set<string>,
): Pooled | null {
  let total = 0;
  for (const s of series) total += s.times.length;
  // Sized for every sample, trimmed to those in the window: one pass, no per-sample allocation.
  const times = new Float64Array(total);
  const values = new Float64Array(total);
  let n = 0;
  let max = Number.NEGATIVE_INFINITY;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    let contributed = false;
    const { times: ts, values: vs } = s;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i] as number;
      const v = vs[i] as number;
      if (!(t > window.start && t <= window.end) || !Number.isFinite(v)) continue;
      times[n] = t;
      values[n++] = v;
      if (v > max) max = v;
      contributed = true;
      if (t < first) first = t;
      if (t > last) last = t;
    }
    if (contributed) pods.add(s.pod);
  }
  if (n === 0) return null;
  return {
    times: times.subarray(0, n),
    values: values.subarray(0, n),
    max,
    spanHours: (last - first) / 3600,
  };
}

function indexUsage(usage: UsageHistory): Map<string, ContainerUsage[]> {
  const index = new Map<string, ContainerUsage[]>();
  for (const entry of usage.containers) {
    const key = containerKey(entry.workload, entry.container);
    const list = index.get(key);
    if (list) list.push(entry);
    else index.set(key, [entry]);
  }
  return index;
}

function containerKey(ref: WorkloadRef, container: string): string {
  return `${workloadKey(ref)}/${container}`;
}

function getField(resources: Resources, field: ResourceField): number | null {
  const [group, resource] = FIELD_PATH[field];
  return resources[group][resource];
}

function cloneResources(r: Resources): Resources {
  return { requests: { ...r.requests }, limits: { ...r.limits } };
}
