// Which watch changes the agent reacts to (issue 15): a pod or node that has just started failing, compared
// with the cached object it replaces. A change without the old object (ADDED, a re-list after a restart)
// counts when the object is failing now, so a restarted agent re-derives its work from the cluster; a failure
// that was already there, a recovery and a deletion trigger nothing. Pure: times come from the objects.
import type { AgentTrigger, TriggerReason, WatchChange } from "../model/agent.ts";
import { IMAGE_PULL_REASONS } from "../model/diagnosis.ts";
import { workloadOf } from "./diagnose/cluster-index.ts";
import { at, conditionOf, obj, objs, type Raw, str, unixTime } from "./diagnose/read.ts";

/** A cached object by kind, namespace ("" for cluster-scoped kinds) and name: the watch's cache. */
export type ObjectLookup = (
  kind: string,
  namespace: string,
  name: string,
) => Record<string, unknown> | undefined;

/** A waiting reason as the trigger it is; the image pull reasons are one failure that alternates between them. */
function waitingTrigger(reason: string | undefined): TriggerReason | undefined {
  if (reason === "CrashLoopBackOff" || reason === "CreateContainerConfigError") return reason;
  if (reason && IMAGE_PULL_REASONS.has(reason)) return "ImagePullFailure";
  return undefined;
}

const NODE_PRESSURES = ["MemoryPressure", "DiskPressure", "PIDPressure"] as const;

export function triggersOf(change: WatchChange, lookup: ObjectLookup): AgentTrigger[] {
  if (change.type === "DELETED") return [];
  if (change.kind === "Pod") return podTriggers(change.object, change.old, lookup);
  if (change.kind === "Node") return nodeTriggers(change.object, change.old);
  return [];
}

function nodeTriggers(node: Raw, old: Raw | undefined): AgentTrigger[] {
  const name = str(at(node, "metadata", "name"));
  if (!name) return [];
  return NODE_PRESSURES.flatMap((type) => {
    const now = conditionOf(node, type);
    if (now?.status !== "True" || (old && conditionOf(old, type)?.status === "True")) return [];
    const time = unixTime(now.lastTransitionTime) ?? unixTime(now.lastHeartbeatTime) ?? 0;
    return [{ reason: "NodePressure", workload: null, object: { kind: "Node", name }, at: time }];
  });
}

type Found = { reason: TriggerReason; container?: string; at: number };

function podTriggers(pod: Raw, old: Raw | undefined, lookup: ObjectLookup): AgentTrigger[] {
  const name = str(at(pod, "metadata", "name"));
  if (!name) return [];
  const namespace = str(at(pod, "metadata", "namespace")) ?? "";
  const found = [...containerTriggers(pod, old), ...podLevelTriggers(pod, old)];
  if (found.length === 0) return [];
  const meta = { kind: "Pod", namespace, name, uid: str(at(pod, "metadata", "uid")) ?? "" };
  const workload = workloadOf(pod, meta, lookup);
  return found.map((f) => ({
    reason: f.reason,
    workload,
    object: { kind: "Pod", namespace, name },
    ...(f.container ? { container: f.container } : {}),
    at: f.at,
  }));
}

/** A pod's own idea of when it changed last: its latest condition transition, else its start. */
function podTime(pod: Raw): number {
  const times = objs(at(pod, "status", "conditions"))
    .map((c) => unixTime(c.lastTransitionTime))
    .filter((t): t is number => t !== undefined);
  if (times.length > 0) return Math.max(...times);
  return unixTime(at(pod, "status", "startTime")) ?? unixTime(at(pod, "metadata", "creationTimestamp")) ?? 0;
}

function podLevelTriggers(pod: Raw, old: Raw | undefined): Found[] {
  const out: Found[] = [];
  if (at(pod, "status", "reason") === "Evicted" && (!old || at(old, "status", "reason") !== "Evicted"))
    out.push({ reason: "Evicted", at: podTime(pod) });
  const unschedulable = (p: Raw) => {
    const c = conditionOf(p, "PodScheduled");
    return c?.status === "False" && c.reason === "Unschedulable" ? c : undefined;
  };
  const now = unschedulable(pod);
  if (now && (!old || !unschedulable(old)))
    out.push({ reason: "Unschedulable", at: unixTime(now.lastTransitionTime) ?? podTime(pod) });
  return out;
}

const STATUS_LISTS = ["initContainerStatuses", "containerStatuses"] as const;

function containerTriggers(pod: Raw, old: Raw | undefined): Found[] {
  return STATUS_LISTS.flatMap((list) => {
    const before = old ? objs(at(old, "status", list)) : [];
    return objs(at(pod, "status", list)).flatMap((s) => {
      const container = str(s.name);
      if (!container) return [];
      const prev = old ? (before.find((b) => b.name === container) ?? {}) : undefined;
      return containerStatusTriggers(s, prev, pod).map((f) => ({ ...f, container }));
    });
  });
}

/** `prev` is the old status of the same container ({} when the old pod did not list it), undefined without an old pod. */
function containerStatusTriggers(s: Raw, prev: Raw | undefined, pod: Raw): Found[] {
  const out: Found[] = [];
  const oom = newOomKill(s, prev);
  if (oom) out.push({ reason: "OOMKilled", at: unixTime(oom.finishedAt) ?? podTime(pod) });
  const waiting = waitingTrigger(str(at(s, "state", "waiting", "reason")));
  const before = prev ? waitingTrigger(str(at(prev, "state", "waiting", "reason"))) : undefined;
  if (waiting && waiting !== before) {
    // A crash loop began when the last run ended; other waiting reasons record no time of their own.
    const last = unixTime(at(s, "lastState", "terminated", "finishedAt"));
    out.push({ reason: waiting, at: (waiting === "CrashLoopBackOff" ? last : undefined) ?? podTime(pod) });
  }
  return out;
}

/** The OOM kill a container status shows (running now or the last run) that the old status did not. */
function newOomKill(s: Raw, prev: Raw | undefined): Raw | undefined {
  const terminations = (x: Raw) =>
    [obj(at(x, "state", "terminated")), obj(at(x, "lastState", "terminated"))].filter(
      (t): t is Raw => t?.reason === "OOMKilled",
    );
  const kill = terminations(s)[0];
  if (!kill || !prev) return kill;
  const seen = terminations(prev);
  const finished = str(kill.finishedAt);
  if (finished) return seen.some((t) => t.finishedAt === finished) ? undefined : kill;
  // No time to tell kills apart: a new one shows as a higher restart count.
  const restarts = (x: Raw) => (typeof x.restartCount === "number" ? x.restartCount : 0);
  return seen.length === 0 || restarts(s) > restarts(prev) ? kill : undefined;
}
