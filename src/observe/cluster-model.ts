// Turns raw Kubernetes objects and usage series into kopt's model. Pure, so the live-cluster
// source and the snapshot source share it and give the same answers.
import type { KubeObject } from "../formats/snapshot.ts";
import { parseQuantity } from "../model/quantity.ts";
import type {
  ClusterState,
  ContainerSpec,
  ContainerStatus,
  ContainerUsage,
  HpaHistory,
  HpaState,
  PodState,
  Resources,
  UsageHistory,
  Workload,
  WorkloadKind,
  WorkloadRef,
} from "../model/types.ts";
import { workloadKey } from "../model/types.ts";
import type { LabeledSeries, UsageSeries } from "./usage-series.ts";

// Raw objects are validated on the fields used here (src/formats/snapshot.ts); the rest is read defensively.
// biome-ignore lint/suspicious/noExplicitAny: raw Kubernetes JSON, checked by the snapshot schema
type Raw = Record<string, any>;

const WORKLOAD_KINDS: readonly WorkloadKind[] = ["Deployment", "StatefulSet", "DaemonSet"];

function quantityOrNull(v: unknown): number | null {
  if (typeof v !== "string" && typeof v !== "number") return null;
  return parseQuantity(v) ?? null;
}

function resourcesOf(container: Raw): Resources {
  const r = container.resources ?? {};
  return {
    requests: { cpu: quantityOrNull(r.requests?.cpu), memory: quantityOrNull(r.requests?.memory) },
    limits: { cpu: quantityOrNull(r.limits?.cpu), memory: quantityOrNull(r.limits?.memory) },
  };
}

function controllerOf(obj: Raw): Raw | undefined {
  const refs: Raw[] = obj.metadata?.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

function hpaOf(raw: Raw): HpaState {
  const cpuMetric = (raw.spec.metrics ?? []).find(
    (m: Raw) =>
      m.type === "Resource" && m.resource?.name === "cpu" && m.resource?.target?.type === "Utilization",
  );
  return {
    name: raw.metadata.name,
    minReplicas: raw.spec.minReplicas ?? 1,
    maxReplicas: raw.spec.maxReplicas,
    currentReplicas: raw.status?.currentReplicas ?? null,
    desiredReplicas: raw.status?.desiredReplicas ?? null,
    targetCPUUtilizationPercentage: cpuMetric?.resource.target.averageUtilization ?? null,
  };
}

function podOf(raw: Raw, owner: WorkloadRef | null): PodState {
  const containers: ContainerStatus[] = (raw.status?.containerStatuses ?? []).map((s: Raw) => ({
    name: s.name,
    restartCount: s.restartCount ?? 0,
    waitingReason: s.state?.waiting?.reason ?? null,
    lastTerminationReason: s.lastState?.terminated?.reason ?? null,
  }));
  return {
    namespace: raw.metadata.namespace ?? "",
    name: raw.metadata.name,
    phase: raw.status?.phase ?? "Unknown",
    owner,
    containers,
  };
}

/** Pod -> ReplicaSet -> Deployment, or Pod -> StatefulSet / DaemonSet. */
function ownerOfPod(
  pod: Raw,
  replicaSets: Map<string, Raw>,
  workloads: Map<string, Workload>,
): WorkloadRef | null {
  const ns = pod.metadata.namespace ?? "";
  const ref = controllerOf(pod);
  if (!ref) return null;
  let kind = ref.kind as string;
  let name = ref.name as string;
  if (kind === "ReplicaSet") {
    const rs = replicaSets.get(`${ns}/${name}`);
    const rsOwner = rs ? controllerOf(rs) : undefined;
    if (rsOwner?.kind !== "Deployment") return null;
    kind = "Deployment";
    name = rsOwner.name;
  }
  const w = workloads.get(`${ns}/${kind}/${name}`);
  return w ? w.ref : null;
}

export function buildClusterState(
  cluster: string,
  observedAt: number,
  items: readonly KubeObject[],
): ClusterState {
  const raws = items as unknown as Raw[];
  const workloads = new Map<string, Workload>();
  for (const raw of raws) {
    if (!WORKLOAD_KINDS.includes(raw.kind)) continue;
    const ref: WorkloadRef = {
      namespace: raw.metadata.namespace ?? "",
      kind: raw.kind,
      name: raw.metadata.name,
    };
    const containers: ContainerSpec[] = raw.spec.template.spec.containers.map((c: Raw) => ({
      name: c.name,
      resources: resourcesOf(c),
    }));
    workloads.set(workloadKey(ref), {
      ref,
      replicas: raw.kind === "DaemonSet" ? null : (raw.spec.replicas ?? 1),
      labels: raw.metadata.labels ?? {},
      annotations: raw.metadata.annotations ?? {},
      containers,
      hpa: null,
    });
  }
  for (const raw of raws) {
    if (raw.kind !== "HorizontalPodAutoscaler") continue;
    const target = raw.spec.scaleTargetRef;
    const w = workloads.get(`${raw.metadata.namespace ?? ""}/${target.kind}/${target.name}`);
    if (w) w.hpa = hpaOf(raw);
  }
  const replicaSets = new Map<string, Raw>();
  for (const raw of raws)
    if (raw.kind === "ReplicaSet")
      replicaSets.set(`${raw.metadata.namespace ?? ""}/${raw.metadata.name}`, raw);
  const pods = raws
    .filter((r) => r.kind === "Pod")
    .map((p) => podOf(p, ownerOfPod(p, replicaSets, workloads)));
  const byName = (a: Workload, b: Workload) => workloadKey(a.ref).localeCompare(workloadKey(b.ref));
  const namespaceLabels: Record<string, Record<string, string>> = {};
  for (const raw of raws)
    if (raw.kind === "Namespace") namespaceLabels[raw.metadata.name] = raw.metadata.labels ?? {};
  const nodes = raws
    .filter((r) => r.kind === "Node")
    .map((n) => ({
      name: n.metadata.name as string,
      allocatable: {
        cpu: quantityOrNull(n.status?.allocatable?.cpu),
        memory: quantityOrNull(n.status?.allocatable?.memory),
      },
    }));
  return {
    cluster,
    observedAt,
    workloads: [...workloads.values()].sort(byName),
    pods,
    namespaceLabels,
    nodes,
  };
}

/**
 * The names a workload's controller gives its pods, as a regular expression both JavaScript and Prometheus
 * (RE2, which anchors it) read: Deployment `<name>-<hash>-<id>`, StatefulSet `<name>-<n>`, DaemonSet
 * `<name>-<id>`. How usage of pods that no longer exist is tied to their workload, here and in PromQL.
 */
export function podNameRegex(ref: WorkloadRef): string {
  const name = ref.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  switch (ref.kind) {
    case "Deployment":
      return `${name}-[a-z0-9]{5,10}-[a-z0-9]{5}`;
    case "StatefulSet":
      return `${name}-[0-9]+`;
    case "DaemonSet":
      return `${name}-[a-z0-9]{5}`;
  }
}

/** podNameRegex, anchored. */
export function podNamePattern(ref: WorkloadRef): RegExp {
  return new RegExp(`^(?:${podNameRegex(ref)})$`);
}

/** Maps each usage series to its workload: by the live pod's owner, else by the owner's pod-name pattern. */
export function attributeUsage(
  state: ClusterState,
  usage: Pick<UsageSeries, "cpu" | "memory"> & Partial<UsageSeries>,
): UsageHistory {
  const livePods = new Map(state.pods.map((p) => [`${p.namespace}/${p.name}`, p.owner]));
  // Longest names first, so `api-worker-...` is not taken for `api`.
  const patterns = state.workloads
    .map((w) => ({ ref: w.ref, re: podNamePattern(w.ref) }))
    .sort((a, b) => b.ref.name.length - a.ref.name.length);
  const containers = new Map<string, ContainerUsage>();
  const unattributed = new Map<string, { namespace: string; pod: string; container: string }>();

  const add = (all: readonly LabeledSeries[] | undefined, kind: ContainerKind, listUnknown: boolean) => {
    for (const series of all ?? []) {
      const { namespace = "", pod = "", container = "" } = series.metric;
      if (container === "" || container === "POD") continue; // pod-level cgroup and pause container
      let owner = livePods.get(`${namespace}/${pod}`) ?? null;
      if (!owner && !livePods.has(`${namespace}/${pod}`)) {
        owner = patterns.find((p) => p.ref.namespace === namespace && p.re.test(pod))?.ref ?? null;
      }
      if (!owner) {
        if (listUnknown) unattributed.set(`${namespace}/${pod}/${container}`, { namespace, pod, container });
        continue;
      }
      const key = `${workloadKey(owner)}/${container}`;
      let entry = containers.get(key);
      if (!entry) {
        entry = { workload: owner, container, cpu: [], memory: [] };
        containers.set(key, entry);
      }
      // The arrays are shared, not copied: the model holds each sample once.
      const list = entry[kind] ?? [];
      list.push({ pod, times: series.times, values: series.values });
      entry[kind] = list;
    }
  };
  add(usage.cpu, "cpu", true);
  add(usage.memory, "memory", true);
  add(usage.cpuThrottling, "cpuThrottling", false);
  add(usage.restarts, "restarts", false);
  add(usage.oomKills, "oomKills", false);
  return {
    containers: [...containers.values()],
    unattributed: [...unattributed.values()],
    hpa: hpaHistory(state, usage.hpaReplicas ?? []),
  };
}

type ContainerKind = "cpu" | "memory" | "cpuThrottling" | "restarts" | "oomKills";

/** HPA replica series (kube-state-metrics names, told apart by __name__) matched to the HPAs of the state. */
function hpaHistory(state: ClusterState, series: readonly LabeledSeries[]): HpaHistory[] {
  const out: HpaHistory[] = [];
  for (const w of state.workloads) {
    if (!w.hpa) continue;
    const mine = series.filter(
      (s) => s.metric.namespace === w.ref.namespace && s.metric.horizontalpodautoscaler === w.hpa?.name,
    );
    // kopt's Prometheus source tags them; a hand-made snapshot may carry only kube-state-metrics' names.
    const which = (s: LabeledSeries) =>
      s.metric.replicas ?? (s.metric.__name__?.endsWith("current_replicas") ? "current" : "desired");
    const current = mine.find((s) => which(s) === "current");
    const desired = mine.find((s) => which(s) === "desired");
    if (!current || !desired) continue;
    out.push({
      workload: w.ref,
      hpa: w.hpa.name,
      current: { times: current.times, values: current.values },
      desired: { times: desired.times, values: desired.values },
    });
  }
  return out;
}
