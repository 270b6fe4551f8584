// Builders for the model's plain data (src/model), shared by the unit tests of analyze and decide.
// Pure data: no test framework here, so any test (or script) can import it.

import type { CostEffect, ValueChange } from "../../src/decide/proposals.ts";
import type { WorkloadMapping } from "../../src/formats/config.ts";
import type { Evidence, FieldChange, Recommendation } from "../../src/model/recommendation.ts";
import type {
  ClusterState,
  ContainerSpec,
  ContainerUsage,
  HpaHistory,
  HpaState,
  PodState,
  ResourcePair,
  Resources,
  Sample,
  SeriesUsage,
  UsageHistory,
  Workload,
  WorkloadRef,
} from "../../src/model/types.ts";

export const MI = 2 ** 20;
export const GI = 2 ** 30;
export const HOUR = 3600;
export const DAY = 86_400;
/** Prometheus-style 5-minute resolution. */
export const STEP = 300;

/** 2026-11-20T12:00:00Z: "now" of the decide tests and the default observedAt. */
export const NOW = 1_795_176_000;
/** 2023-11-15T00:00:00Z, a UTC midnight: a 7-day window ending there holds 7 whole days. */
export const MIDNIGHT = 1_700_006_400;

export const CLUSTER = "prod-eu";
export const VALUES = "clusters/prod-eu/values.yaml";

export const API: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "api" };
export const CART: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "cart" };
export const WEB: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "web" };
export const DB: WorkloadRef = { namespace: "shop", kind: "StatefulSet", name: "db" };
export const AGENT: WorkloadRef = { namespace: "kube-system", kind: "DaemonSet", name: "log-agent" };

// --- Resources -------------------------------------------------------------------------------------------

export function resources(requests: ResourcePair, limits: ResourcePair): Resources {
  return { requests: { ...requests }, limits: { ...limits } };
}

/** Resources in short: res([cpu, memory], [cpu, memory]) for requests and limits. */
export function res(
  requests: [cpu: number | null, memory: number | null],
  limits: [cpu: number | null, memory: number | null],
): Resources {
  return resources({ cpu: requests[0], memory: requests[1] }, { cpu: limits[0], memory: limits[1] });
}

/** 1 CPU / 1Gi requests, 2 CPU / 2Gi limits. */
export const ONE_CORE_ONE_GI = res([1, GI], [2, 2 * GI]);

// --- Workloads, pods and the cluster ----------------------------------------------------------------------

export interface WorkloadOptions {
  /** 2 unless given; null for a DaemonSet. */
  replicas?: number | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  hpa?: HpaState | null;
}

/**
 * A workload with `containers`, or with one container "app" of the given resources (by default
 * ONE_CORE_ONE_GI); 2 replicas, no labels, no annotations, no HPA unless `opts` says otherwise.
 */
export function workload(
  ref: WorkloadRef,
  containers: Resources | ContainerSpec[] = ONE_CORE_ONE_GI,
  opts: WorkloadOptions = {},
): Workload {
  return {
    ref,
    replicas: opts.replicas === undefined ? 2 : opts.replicas,
    labels: opts.labels ?? {},
    annotations: opts.annotations ?? {},
    containers: Array.isArray(containers) ? containers : [{ name: "app", resources: containers }],
    hpa: opts.hpa ?? null,
  };
}

/** Two containers: "app" (ONE_CORE_ONE_GI unless given) and an "envoy" sidecar. */
export function withSidecar(envoy: Resources, app: Resources = ONE_CORE_ONE_GI): ContainerSpec[] {
  return [
    { name: "app", resources: app },
    { name: "envoy", resources: envoy },
  ];
}

/** An HPA between min and max, at `current` replicas (the min unless given), targeting 70% CPU unless given. */
export function hpaState(
  name: string,
  minReplicas: number,
  maxReplicas: number,
  opts: { current?: number | null; target?: number | null } = {},
): HpaState {
  const current = opts.current === undefined ? minReplicas : opts.current;
  return {
    name,
    minReplicas,
    maxReplicas,
    currentReplicas: current,
    desiredReplicas: current,
    targetCPUUtilizationPercentage: opts.target === undefined ? 70 : opts.target,
  };
}

/** A running pod of `owner`, in its namespace, without container statuses unless `opts` says otherwise. */
export function pod(name: string, owner: WorkloadRef, opts: Partial<Omit<PodState, "name">> = {}): PodState {
  return { namespace: owner.namespace, name, phase: "Running", owner, containers: [], ...opts };
}

/** The cluster CLUSTER observed at NOW with these workloads and no pods, unless `opts` says otherwise. */
export function clusterState(
  workloads: Workload[],
  opts: Partial<Omit<ClusterState, "workloads">> = {},
): ClusterState {
  return { cluster: CLUSTER, observedAt: NOW, workloads, pods: [], ...opts };
}

// --- Usage history ----------------------------------------------------------------------------------------

/** `count` samples STEP seconds apart, the last at `end`; value gets the sample's time and index (0 = oldest). */
export function stepSamples(end: number, count: number, value: (t: number, i: number) => number): Sample[] {
  return Array.from({ length: count }, (_, i): Sample => {
    const t = end - (count - 1 - i) * STEP;
    return [t, value(t, i)];
  });
}

/** The usage of one container of `ref` ("app" unless given), no memory or CPU series unless given. */
export function containerUsage(
  ref: WorkloadRef,
  series: { cpu?: SeriesUsage[]; memory?: SeriesUsage[] },
  container = "app",
): ContainerUsage {
  return { workload: ref, container, cpu: series.cpu ?? [], memory: series.memory ?? [] };
}

export function usageHistory(containers: ContainerUsage[], hpa?: HpaHistory[]): UsageHistory {
  return { containers, unattributed: [], ...(hpa ? { hpa } : {}) };
}

// --- Recommendations and what decide makes of them ---------------------------------------------------------

/** A week of usage of two pods, ending at NOW. */
export const EVIDENCE: Evidence = {
  window: { start: NOW - 168 * 3600, end: NOW, hours: 168 },
  pods: 2,
  cpu: { samples: 4034, p50: 0.21, p95: 0.34, p99: 0.38, max: 0.41 },
  memory: { samples: 4034, p50: 300 * MI, p95: 340 * MI, p99: 350 * MI, max: 360 * MI },
};

export function change(field: FieldChange["field"], from: number | null, to: number | null): FieldChange {
  return { field, from, to };
}

/** Halves requests (1 CPU -> 500m, 1Gi -> 512Mi) and removes the CPU limit: exactly a 50% cut. */
export const HALVE: FieldChange[] = [
  change("requests.cpu", 1, 0.5),
  change("requests.memory", GI, 512 * MI),
  change("limits.cpu", 2, null),
];

/** A recommendation (confidence 1, EVIDENCE) for one container: `current` with `changes` applied. */
export function recommendation(
  ref: WorkloadRef,
  container: string,
  current: Resources,
  changes: FieldChange[],
): Recommendation {
  const recommended: Resources = structuredClone(current);
  for (const c of changes) {
    const [group, resource] = c.field.split(".") as ["requests" | "limits", "cpu" | "memory"];
    recommended[group][resource] = c.to;
  }
  return { workload: ref, container, current, recommended, changes, confidence: 1, evidence: EVIDENCE };
}

/** A values mapping for "<namespace>/<name>" into VALUES, at the top level ("") unless `extra` says otherwise. */
export function mapping(workloadName: string, extra: Partial<WorkloadMapping> = {}): WorkloadMapping {
  return { workload: workloadName, valuesFile: VALUES, prefix: "", create: false, ...extra };
}

/** A change to VALUES at `path`, for container "app" unless given. */
export function valueChange(
  path: string,
  field: FieldChange["field"],
  to: string | null,
  container = "app",
): ValueChange {
  return { file: VALUES, path, container, field, to };
}

export function costEffect(
  currency: string,
  monthlyBefore: number,
  monthlyAfter: number,
  monthlyDelta: number,
): CostEffect {
  return { currency, monthlyBefore, monthlyAfter, monthlyDelta };
}
