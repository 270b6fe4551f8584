// The plain data every stage shares. observe produces it, analyze and decide read it.
// Units: CPU in cores, memory in bytes, time in Unix seconds.

export type WorkloadKind = "Deployment" | "StatefulSet" | "DaemonSet";

export interface WorkloadRef {
  namespace: string;
  kind: WorkloadKind;
  name: string;
}

/** A resource value that may be unset (no request, or no limit). */
export interface ResourcePair {
  cpu: number | null;
  memory: number | null;
}

export interface Resources {
  requests: ResourcePair;
  limits: ResourcePair;
}

export interface ContainerSpec {
  name: string;
  resources: Resources;
}

export interface HpaState {
  name: string;
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number | null;
  desiredReplicas: number | null;
  /** Target average CPU utilization in percent of request, when the HPA has one. */
  targetCPUUtilizationPercentage: number | null;
}

export interface ContainerStatus {
  name: string;
  restartCount: number;
  /** e.g. CrashLoopBackOff, when the container is waiting. */
  waitingReason: string | null;
  /** e.g. OOMKilled, Error, from lastState.terminated. */
  lastTerminationReason: string | null;
}

export interface PodState {
  namespace: string;
  name: string;
  phase: string;
  owner: WorkloadRef | null;
  containers: ContainerStatus[];
}

export interface Workload {
  ref: WorkloadRef;
  /** spec.replicas; null for DaemonSets. */
  replicas: number | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  containers: ContainerSpec[];
  hpa: HpaState | null;
}

export interface ClusterState {
  cluster: string;
  /** When the state was observed (Unix seconds); analysis treats it as "now". */
  observedAt: number;
  workloads: Workload[];
  pods: PodState[];
  /** Labels of the cluster's Namespace objects, by name (e.g. kopt.dev/environment: production). */
  namespaceLabels?: Record<string, Record<string, string>>;
  /** The nodes and what they can give to pods (status.allocatable). */
  nodes?: { name: string; allocatable: ResourcePair }[];
}

/** One Prometheus sample: [Unix seconds, value]. */
export type Sample = readonly [number, number];

/** A time series as two index-aligned columns: Unix seconds (ascending) and the value at each. */
export interface TimeColumns {
  times: Float64Array;
  values: Float64Array;
}

/** TimeColumns from samples. */
export function timeColumns(samples: readonly Sample[]): TimeColumns {
  return { times: Float64Array.from(samples, ([t]) => t), values: Float64Array.from(samples, ([, v]) => v) };
}

/** The usage of one container in one pod: times (Unix seconds, ascending) and values, index-aligned. */
export interface SeriesUsage {
  pod: string;
  times: Float64Array;
  values: Float64Array;
}

/** A SeriesUsage from samples. */
export function seriesUsage(pod: string, samples: readonly Sample[]): SeriesUsage {
  return { pod, ...timeColumns(samples) };
}

/** Usage of one container of one workload, pooled over all its pods (past and present). */
export interface ContainerUsage {
  workload: WorkloadRef;
  container: string;
  cpu: SeriesUsage[];
  memory: SeriesUsage[];
  /** Share of CFS periods throttled per step, where above 0 (from Prometheus; absent otherwise). */
  cpuThrottling?: SeriesUsage[];
  /** Restarts per step, where there were any. */
  restarts?: SeriesUsage[];
  /** OOM kills per step, where there were any. */
  oomKills?: SeriesUsage[];
}

/** An HPA's replica counts over time (from kube-state-metrics through Prometheus). */
export interface HpaHistory {
  workload: WorkloadRef;
  hpa: string;
  /** status.currentReplicas per step. */
  current: { times: Float64Array; values: Float64Array };
  /** status.desiredReplicas per step. */
  desired: { times: Float64Array; values: Float64Array };
}

export interface UsageHistory {
  containers: ContainerUsage[];
  /** Series that could not be attributed to any workload, so the user can see what was left out. */
  unattributed: { namespace: string; pod: string; container: string }[];
  /** Replica history of the HPAs that scale known workloads; empty without Prometheus. */
  hpa?: HpaHistory[];
}

/** A scalar as a values file holds it. */
export type ValuesScalar = string | number | boolean | null;

/** What kopt writes into a values file: a scalar, or a list of scalars (`capabilities.drop: [ALL]`). */
export type ValuesValue = ValuesScalar | readonly ValuesScalar[];

export function workloadKey(ref: WorkloadRef): string {
  return `${ref.namespace}/${ref.kind}/${ref.name}`;
}

export function workloadLabel(ref: WorkloadRef): string {
  return `${ref.namespace}/${ref.name}`;
}
