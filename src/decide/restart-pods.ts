// Which pods the agent restarts on its own (agent.actions.restartPods, the trivial tier): a pod whose container
// runs but has not been ready for longer than stuckFor. The kubelet restarts a container only when a liveness
// probe fails, so a hung process without one stays not ready for ever; evicting the pod lets its controller
// replace it. Never when that could take the workload down (no other pod of it is ready: that is an incident,
// which the diagnosis handles), never a crash-looping pod (a restart would hide the cause), never a pod no
// controller recreates. Pure: the objects, the time (ms) and what was already done are passed in.
import { type OwnerLookup, workloadOf } from "../analyze/diagnose/cluster-index.ts";
import { at, conditionOf, controllerOf, objs, type Raw, str, unixTime } from "../analyze/diagnose/read.ts";

export const RESTART_WINDOW_MS = 3_600_000;

export interface RestartPolicy {
  /** agent.actions.restartPods.namespaces: the only namespaces acted on. */
  namespaces: readonly string[];
  /** Whether the agent watches a namespace at all (source.kubernetes.namespaces): others are never acted on. */
  watched: (namespace: string) => boolean;
  stuckForMs: number;
  cooldownMs: number;
  perHour: number;
}

/** What the agent already did: restarts (for the limits and so a pod is never restarted twice), and holds. */
export interface RestartLedger {
  restarts: readonly { at: number; workload: string; podUid: string }[];
  /** Pods whose eviction was refused (a PodDisruptionBudget) or failed: not tried again before `until`. */
  held: readonly { podUid: string; until: number }[];
}

export const EMPTY_RESTART_LEDGER: RestartLedger = { restarts: [], held: [] };

export interface StuckPod {
  namespace: string;
  name: string;
  uid: string;
  workload: { namespace: string; kind: "Deployment" | "StatefulSet"; name: string };
  /** The container that runs but is not ready. */
  container: string;
  /** When the pod's Ready condition last became False (ms since the epoch). */
  notReadySince: number;
  /** Other pods of the workload that are ready. */
  readyPeers: number;
}

export type SkipReason = "crash-looping" | "no-ready-peer" | "cooldown" | "hourly-limit";

export type RestartDecision =
  | { pod: StuckPod; action: "restart" }
  | { pod: StuckPod; action: "skip"; reason: SkipReason; detail: string };

export const workloadKey = (w: StuckPod["workload"]) => `${w.namespace}/${w.kind}/${w.name}`;

const isPod = (o: Raw) => Array.isArray(at(o, "spec", "containers"));
const deleting = (o: Raw) => at(o, "metadata", "deletionTimestamp") !== undefined;
const isReady = (pod: Raw) => conditionOf(pod, "Ready")?.status === "True";

/** The Deployment or StatefulSet that recreates the pod; undefined for a bare pod, a Job's, a DaemonSet's. */
function controllingWorkload(pod: Raw, lookup: OwnerLookup): StuckPod["workload"] | undefined {
  const namespace = str(at(pod, "metadata", "namespace")) ?? "";
  const name = str(at(pod, "metadata", "name")) ?? "";
  const owner = controllerOf(pod);
  if (owner?.kind !== "ReplicaSet" && owner?.kind !== "StatefulSet") return undefined;
  const w = workloadOf(pod, { kind: "Pod", namespace, name, uid: "" }, lookup);
  return w.kind === "Deployment" || w.kind === "StatefulSet"
    ? { namespace, kind: w.kind, name: w.name }
    : undefined;
}

/** A container that runs but is not ready, and the time the pod's Ready condition went False. */
function notReady(pod: Raw): { container: string; since: number } | undefined {
  if (at(pod, "status", "phase") !== "Running" || deleting(pod)) return undefined;
  const ready = conditionOf(pod, "Ready");
  const since = unixTime(ready?.lastTransitionTime);
  if (ready?.status !== "False" || since === undefined) return undefined;
  const stuck = objs(at(pod, "status", "containerStatuses")).find(
    (c) => c.ready === false && at(c, "state", "running") !== undefined,
  );
  const container = str(stuck?.name);
  return container ? { container, since: since * 1000 } : undefined;
}

function crashLooping(pod: Raw): boolean {
  return objs(at(pod, "status", "containerStatuses")).some(
    (c) => at(c, "state", "waiting", "reason") === "CrashLoopBackOff",
  );
}

/** Pods past stuckFor in a listed, watched namespace, owned by a controller that recreates them. */
export function stuckPods(objects: readonly Raw[], lookup: OwnerLookup, now: number, policy: RestartPolicy) {
  const pods = objects.filter(isPod);
  const readyByWorkload = new Map<string, string[]>();
  const stuck: { pod: Raw; view: Omit<StuckPod, "readyPeers"> }[] = [];
  for (const pod of pods) {
    const namespace = str(at(pod, "metadata", "namespace")) ?? "";
    if (!policy.namespaces.includes(namespace) || !policy.watched(namespace)) continue;
    const workload = controllingWorkload(pod, lookup);
    if (!workload) continue;
    const name = str(at(pod, "metadata", "name")) ?? "";
    if (isReady(pod) && !deleting(pod)) {
      const key = workloadKey(workload);
      readyByWorkload.set(key, [...(readyByWorkload.get(key) ?? []), name]);
    }
    const nr = notReady(pod);
    if (!nr || now - nr.since < policy.stuckForMs) continue;
    const uid = str(at(pod, "metadata", "uid")) ?? `${namespace}/${name}`;
    stuck.push({
      pod,
      view: { namespace, name, uid, workload, container: nr.container, notReadySince: nr.since },
    });
  }
  return stuck.map(({ pod, view }) => ({
    raw: pod,
    pod: { ...view, readyPeers: (readyByWorkload.get(workloadKey(view.workload)) ?? []).length },
  }));
}

const byTime = (a: { pod: StuckPod }, b: { pod: StuckPod }) =>
  a.pod.notReadySince - b.pod.notReadySince || (a.pod.uid < b.pod.uid ? -1 : 1);

/**
 * What to do with each stuck pod now, longest stuck first: restart, or skip with the reason. Pods already
 * restarted, or held after a refused eviction, are left out (nothing to decide). The limits count the
 * restarts decided here too, so one call never decides more than they allow.
 */
export function decideRestarts(
  objects: readonly Raw[],
  lookup: OwnerLookup,
  now: number,
  policy: RestartPolicy,
  ledger: RestartLedger,
): RestartDecision[] {
  if (policy.namespaces.length === 0) return [];
  const done = new Set(ledger.restarts.map((r) => r.podUid));
  const held = new Set(ledger.held.filter((h) => h.until > now).map((h) => h.podUid));
  const recent = ledger.restarts.filter((r) => now - r.at < RESTART_WINDOW_MS);
  let lastHour = recent.length;
  const lastByWorkload = new Map<string, number>();
  for (const r of ledger.restarts)
    lastByWorkload.set(r.workload, Math.max(r.at, lastByWorkload.get(r.workload) ?? 0));
  const out: RestartDecision[] = [];
  const candidates = stuckPods(objects, lookup, now, policy).filter(
    (c) => !done.has(c.pod.uid) && !held.has(c.pod.uid),
  );
  for (const { raw, pod } of candidates.sort(byTime)) {
    const key = workloadKey(pod.workload);
    const last = lastByWorkload.get(key);
    const skip = (reason: SkipReason, detail: string) => out.push({ pod, action: "skip", reason, detail });
    if (crashLooping(raw))
      skip("crash-looping", "a container is in CrashLoopBackOff: diagnosed, not restarted");
    else if (pod.readyPeers === 0)
      skip("no-ready-peer", `no other pod of ${key} is ready: a restart could take it down`);
    else if (last !== undefined && now - last < policy.cooldownMs)
      skip("cooldown", `${key} was restarted ${Math.round((now - last) / 60_000)} min ago (cooldown)`);
    else if (lastHour >= policy.perHour)
      skip("hourly-limit", `${lastHour} restarts in the last hour (perHour: ${policy.perHour})`);
    else {
      out.push({ pod, action: "restart" });
      lastHour += 1;
      lastByWorkload.set(key, now);
    }
  }
  return out;
}

/** The ledger with a restart done at `at`; entries older than the window and the cooldown are dropped. */
export function recordRestart(
  ledger: RestartLedger,
  pod: StuckPod,
  at: number,
  policy: RestartPolicy,
): RestartLedger {
  const keep = Math.max(RESTART_WINDOW_MS, policy.cooldownMs);
  return {
    restarts: [
      ...ledger.restarts.filter((r) => at - r.at < keep),
      { at, workload: workloadKey(pod.workload), podUid: pod.uid },
    ],
    held: ledger.held.filter((h) => h.until > at),
  };
}

/** The ledger with a pod held until `until` (its eviction was refused: asked again only then). */
export function holdPod(ledger: RestartLedger, podUid: string, until: number): RestartLedger {
  return { ...ledger, held: [...ledger.held.filter((h) => h.podUid !== podUid), { podUid, until }] };
}
