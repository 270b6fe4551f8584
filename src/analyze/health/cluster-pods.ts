// The health report's pod status (issue 17): each pod as running, pending, failing or succeeded, counted by
// namespace with restarts and OOM kills, and the workloads with failing pods. Pure: reads the model's pods.
import type { Finding } from "../../model/finding.ts";
import type { HealthFlag } from "../../model/report.ts";
import type { ClusterState, PodState, UsageHistory, Workload, WorkloadRef } from "../../model/types.ts";

export type PodCondition = "running" | "pending" | "failing" | "succeeded";

/** Waiting reasons of a container that is only starting: the pod is pending or running, not failing. */
const STARTING = new Set(["ContainerCreating", "PodInitializing"]);

/**
 * Failing: phase Failed or Unknown, or a container waiting for another reason than starting up
 * (CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError, ...), whatever the phase says.
 */
export function podCondition(pod: PodState): PodCondition {
  if (pod.phase === "Failed" || pod.phase === "Unknown") return "failing";
  if (pod.phase === "Succeeded") return "succeeded";
  const stuck = pod.containers.some((c) => c.waitingReason !== null && !STARTING.has(c.waitingReason));
  if (stuck) return "failing";
  return pod.phase === "Pending" ? "pending" : "running";
}

export interface PodCounts {
  running: number;
  pending: number;
  failing: number;
  succeeded: number;
  /** Restarts of the current pods' containers, since each pod started (restartCount). */
  restarts: number;
  /** OOM kills: over the window from the history when it has them, else containers last killed by OOM. */
  oomKills: number;
}

export interface FailingWorkload {
  /** "Deployment todo/notifier", or "Pod todo/x" for a pod without a controller. */
  subject: string;
  workload: WorkloadRef | null;
  failing: number;
  pods: number;
  /** Why, from the containers: waiting reasons, else the phase. Sorted, unique. */
  reasons: string[];
  /** spec.replicas, for a workload that wants pods and has none at all. */
  wanted?: number;
}

export interface PodHealth {
  namespaces: (PodCounts & { namespace: string })[];
  total: PodCounts;
  failingWorkloads: FailingWorkload[];
  /** Where the OOM kills come from: the usage history over the window, or the containers' last state. */
  oomKillsFrom: "history" | "last-state";
}

const zero = (): PodCounts => ({
  running: 0,
  pending: 0,
  failing: 0,
  succeeded: 0,
  restarts: 0,
  oomKills: 0,
});

export interface PodHealthInput {
  /** With workloads, one that wants replicas and has no pod at all is down too. */
  state: Pick<ClusterState, "pods"> & Partial<Pick<ClusterState, "workloads">>;
  usage: Pick<UsageHistory, "containers">;
  /** Whether the history holds OOM kills at all (Prometheus gives them; a snapshot may not). */
  oomHistory: boolean;
  /** Unix seconds: OOM kills in (start, end] count. */
  window: { start: number; end: number };
}

export function podHealth(input: PodHealthInput): PodHealth {
  const byNs = new Map<string, PodCounts>();
  const counts = (ns: string) => byNs.get(ns) ?? (byNs.set(ns, zero()).get(ns) as PodCounts);
  for (const pod of input.state.pods) {
    const c = counts(pod.namespace);
    c[podCondition(pod)]++;
    for (const cs of pod.containers) {
      c.restarts += cs.restartCount;
      if (!input.oomHistory && cs.lastTerminationReason === "OOMKilled") c.oomKills++;
    }
  }
  if (input.oomHistory) {
    for (const cu of input.usage.containers) {
      const kills = sumInWindow(cu.oomKills ?? [], input.window);
      if (kills > 0) counts(cu.workload.namespace).oomKills += kills;
    }
  }
  const namespaces = [...byNs.entries()]
    .map(([namespace, c]) => ({ namespace, ...c }))
    .sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  const total = zero();
  for (const n of namespaces) {
    for (const k of Object.keys(total) as (keyof PodCounts)[]) total[k] += n[k];
  }
  return {
    namespaces,
    total,
    failingWorkloads: [
      ...withoutPods(input.state.pods, input.state.workloads ?? []),
      ...failingWorkloads(input.state.pods),
    ],
    oomKillsFrom: input.oomHistory ? "history" : "last-state",
  };
}

function sumInWindow(
  series: readonly { times: Float64Array; values: Float64Array }[],
  window: { start: number; end: number },
): number {
  let total = 0;
  for (const s of series) {
    s.times.forEach((t, i) => {
      const v = s.values[i] as number;
      if (t > window.start && t <= window.end && Number.isFinite(v)) total += v;
    });
  }
  return Math.round(total);
}

function subjectOf(pod: PodState): string {
  return pod.owner
    ? `${pod.owner.kind} ${pod.owner.namespace}/${pod.owner.name}`
    : `Pod ${pod.namespace}/${pod.name}`;
}

function reasonsOf(pod: PodState): string[] {
  const waiting = pod.containers.flatMap((c) =>
    c.waitingReason && !STARTING.has(c.waitingReason) ? [c.waitingReason] : [],
  );
  return waiting.length > 0 ? waiting : [`phase ${pod.phase}`];
}

/** Workloads (or lone pods) with at least one failing pod, most failing first. */
function failingWorkloads(pods: readonly PodState[]): FailingWorkload[] {
  const groups = new Map<string, FailingWorkload & { why: Set<string> }>();
  for (const pod of pods) {
    if (podCondition(pod) === "succeeded") continue;
    const subject = subjectOf(pod);
    const g =
      groups.get(subject) ??
      (groups
        .set(subject, { subject, workload: pod.owner, failing: 0, pods: 0, reasons: [], why: new Set() })
        .get(subject) as FailingWorkload & { why: Set<string> });
    g.pods++;
    if (podCondition(pod) === "failing") {
      g.failing++;
      for (const r of reasonsOf(pod)) g.why.add(r);
    }
  }
  return [...groups.values()]
    .filter((g) => g.failing > 0)
    .map(({ why, ...g }) => ({ ...g, reasons: [...why].sort() }))
    .sort((a, b) => b.failing - a.failing || (a.subject < b.subject ? -1 : 1));
}

/** Workloads whose spec wants replicas and that have no pod (a quota, an admission webhook, a deleted ReplicaSet). */
function withoutPods(pods: readonly PodState[], workloads: readonly Workload[]): FailingWorkload[] {
  return workloads
    .filter((w) => (w.replicas ?? 0) > 0)
    .filter(
      (w) =>
        !pods.some(
          (p) =>
            p.owner?.namespace === w.ref.namespace &&
            p.owner.kind === w.ref.kind &&
            p.owner.name === w.ref.name,
        ),
    )
    .map((w) => ({
      subject: `${w.ref.kind} ${w.ref.namespace}/${w.ref.name}`,
      workload: w.ref,
      failing: 0,
      pods: 0,
      reasons: ["no pods"],
      wanted: w.replicas as number,
    }));
}

/**
 * One flag per workload with failing pods: critical when none of its pods works (the workload is down), high
 * otherwise. The recommendation is the diagnosis's suggested fix for it, when the diagnosis has one.
 */
export function podFlags(health: PodHealth, diagnosis: readonly Finding[]): HealthFlag[] {
  return health.failingWorkloads.map((w) => {
    const found = w.workload
      ? diagnosis.find(
          (f) =>
            f.workload?.namespace === w.workload?.namespace &&
            f.workload?.kind === w.workload?.kind &&
            f.workload?.name === w.workload?.name,
        )
      : undefined;
    const down = w.failing === w.pods;
    const what =
      w.pods === 0
        ? `down: no pods, ${w.wanted} wanted`
        : `${down ? "down: " : ""}${w.failing} of ${w.pods} pods failing (${w.reasons.join(", ")})`;
    const flag: HealthFlag = {
      severity: down ? "critical" : "high",
      subject: w.subject,
      finding: `${what}${found ? `: ${found.rootCause}` : ""}`,
      recommendation: found ? found.suggestedFix : "run `kopt diagnose` for the cause and the fix",
    };
    if (found) flag.link = found.runbook;
    return flag;
  });
}
