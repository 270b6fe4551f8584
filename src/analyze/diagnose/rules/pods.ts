// Pod-level failures, before any container ran: evicted by the kubelet, never scheduled, or stuck creating
// because a volume cannot be mounted.

import type { DiagnoseInput } from "../../../model/finding.ts";
import { type Candidate, candidate } from "../candidate.ts";
import type { ClusterIndex, PodRecord } from "../cluster-index.ts";
import { eventsOf } from "../cluster-index.ts";
import { containerStatusesOf, workloadName } from "../container-context.ts";
import { at, clause, conditionOf, str, unixTime } from "../read.ts";
import { largestFree } from "./node-capacity.ts";
import { SUBJECT_KEY } from "./waiting.ts";

const EVICTION: { subCause: string; pattern: RegExp; what: string }[] = [
  {
    subCause: "ephemeral-storage-limit",
    pattern:
      /ephemeral local storage usage exceeds|ephemeral-storage.*exceeds.*limit|usage of ephemeral storage.*exceeds/i,
    what: "its ephemeral-storage limit",
  },
  { subCause: "memory-pressure", pattern: /low on resource: memory/i, what: "memory" },
  {
    subCause: "disk-pressure",
    pattern: /low on resource: (?:ephemeral-storage|nodefs|imagefs|inodes)/i,
    what: "disk",
  },
  { subCause: "pid-pressure", pattern: /low on resource: pids/i, what: "process ids" },
];

export function evicted(pod: PodRecord, index: ClusterIndex): Candidate | undefined {
  if (str(pod.status.reason) !== "Evicted") return undefined;
  const message = str(pod.status.message) ?? "";
  const found = EVICTION.find((e) => e.pattern.test(message));
  const node = pod.nodeName;
  const who = workloadName(pod.workload);
  const own = found?.subCause === "ephemeral-storage-limit";
  const rootCause = own
    ? `Pod ${pod.meta.name} of ${who} was evicted for writing more local disk than ${found?.what}.`
    : `Pod ${pod.meta.name} of ${who} was evicted from node ${node ?? "(unknown)"}, which ran low on ${found?.what ?? "a resource"}.`;
  return candidate({
    class: "evicted",
    subCause: found?.subCause ?? null,
    fix: own ? "values" : "incident",
    workload: pod.workload,
    node,
    pod: pod.meta.name,
    rootCause,
    suggestedFix: own
      ? "Raise the container's ephemeral-storage limit to what it writes, or move the writes to a volume."
      : `Relieve node ${node}: find what uses its ${found?.what ?? "resources"} (kubectl describe node), set requests that reserve it, or add capacity.`,
    expectedOutcome:
      "The controller recreates the pod; with the pressure gone it stays scheduled and running.",
    confidence: found ? 0.9 : 0.7,
    events: eventsOf(index, pod.meta).filter((e) => e.reason === "Evicted"),
    subjects: node ? { node } : {},
    cause: !own && node ? `node:${node}` : null,
  });
}

const SCHEDULING: { subCause: string; pattern: RegExp }[] = [
  {
    subCause: "pvc-unbound",
    pattern: /unbound (?:immediate )?PersistentVolumeClaims|persistentvolumeclaim "[^"]+" not found/i,
  },
  {
    subCause: "insufficient-resources",
    pattern: /Insufficient (?:cpu|memory|ephemeral-storage|pods|nvidia)/i,
  },
  { subCause: "taints", pattern: /untolerated taint|had taint/i },
  {
    subCause: "affinity",
    pattern:
      /didn't match Pod's node affinity|node\(s\) didn't match|didn't match pod (?:anti-)?affinity|node affinity\/selector/i,
  },
];

/** How long a pod may sit Unschedulable without a FailedScheduling event before it counts (seconds). */
const UNSCHEDULABLE_GRACE = 60;

export function unschedulable(
  pod: PodRecord,
  index: ClusterIndex,
  input: DiagnoseInput,
): Candidate | undefined {
  if (str(pod.status.phase) !== "Pending") return undefined;
  const condition = conditionOf(pod.raw, "PodScheduled");
  if (condition?.status === "True") return undefined;
  const events = eventsOf(index, pod.meta).filter((e) => e.reason === "FailedScheduling");
  const stuck =
    condition?.status === "False" &&
    condition.reason === "Unschedulable" &&
    (unixTime(condition.lastTransitionTime) ?? input.now) <= input.now - UNSCHEDULABLE_GRACE;
  if (events.length === 0 && !stuck) return undefined;
  const newest = events.reduce<(typeof events)[number] | undefined>(
    (a, b) => (!a || (b.last ?? 0) >= (a.last ?? 0) ? b : a),
    undefined,
  );
  const message = newest?.message ?? str(condition?.message) ?? "";
  const subCause = SCHEDULING.find((s) => s.pattern.test(message))?.subCause ?? null;
  const figures: Record<string, string> = {};
  const subjects: Record<string, string> = {};
  let detail = message.split(". preemption")[0] ?? message;
  if (subCause === "insufficient-resources") {
    const resource = /Insufficient (cpu|memory)/i.exec(message)?.[1]?.toLowerCase() as
      | "cpu"
      | "memory"
      | undefined;
    if (resource) {
      const free = largestFree(index, pod, resource);
      Object.assign(figures, free.figures);
      subjects.resource = resource;
      detail = free.sentence;
    }
  }
  if (subCause === "pvc-unbound") {
    const claim = /persistentvolumeclaim "([^"]+)"/i.exec(message)?.[1] ?? pvcOf(pod);
    if (claim) subjects.pvc = `${pod.meta.namespace}/${claim}`;
  }
  return candidate({
    class: "unschedulable",
    subCause,
    fix: "incident",
    workload: pod.workload,
    pod: pod.meta.name,
    rootCause: `Pod ${pod.meta.name} of ${workloadName(pod.workload)} cannot be scheduled: ${clause(detail)}.`,
    suggestedFix:
      SCHEDULING_FIX[subCause ?? ""] ?? "Read the scheduler's message and make a node fit the pod.",
    expectedOutcome: "The scheduler places the pod within a minute of a node fitting it.",
    confidence: subCause ? 0.9 : 0.7,
    events,
    figures,
    subjects,
  });
}

const SCHEDULING_FIX: Record<string, string> = {
  "insufficient-resources":
    "Lower the pod's requests to what it uses, or add node capacity (a bigger node pool or the cluster autoscaler).",
  taints: "Add the toleration the pod needs, or remove the taint from nodes that should take it.",
  affinity: "Correct the pod's nodeSelector or affinity, or label the nodes it should run on.",
  "pvc-unbound":
    "Bind the PersistentVolumeClaim: a StorageClass that provisions it, or a matching PersistentVolume.",
};

function pvcOf(pod: PodRecord): string | undefined {
  const volumes = at(pod.raw, "spec", "volumes");
  if (!Array.isArray(volumes)) return undefined;
  for (const v of volumes) {
    const claim = str(at(v, "persistentVolumeClaim", "claimName"));
    if (claim) return claim;
  }
  return undefined;
}

const MOUNT_SUBJECT = /(configmap|secret|persistentvolumeclaim)s? "([^"]+)" not found/i;

export function failedMount(pod: PodRecord, index: ClusterIndex): Candidate | undefined {
  const creating =
    str(pod.status.phase) === "Pending" &&
    (containerStatusesOf(pod.status).length === 0 ||
      containerStatusesOf(pod.status).some(
        (s) => str(at(s, "state", "waiting", "reason")) === "ContainerCreating",
      ));
  if (!creating) return undefined;
  const events = eventsOf(index, pod.meta).filter(
    (e) => e.reason === "FailedMount" || e.reason === "FailedAttachVolume",
  );
  if (events.length === 0) return undefined;
  const newest = events.reduce((a, b) => ((b.last ?? 0) >= (a.last ?? 0) ? b : a));
  const subjects: Record<string, string> = {};
  const volume = /for volume "([^"]+)"/.exec(newest.message)?.[1];
  if (volume) subjects.volume = volume;
  const missing = MOUNT_SUBJECT.exec(newest.message);
  const kind = missing?.[1]?.toLowerCase() === "persistentvolumeclaim" ? "pvc" : missing?.[1]?.toLowerCase();
  const subjectKey = kind === "secret" || kind === "configmap" ? SUBJECT_KEY[kind] : kind;
  if (subjectKey && missing?.[2]) subjects[subjectKey] = `${pod.meta.namespace}/${missing[2]}`;
  return candidate({
    class: "failed-mount",
    subCause: null,
    fix: "incident",
    workload: pod.workload,
    pod: pod.meta.name,
    rootCause: `Pod ${pod.meta.name} of ${workloadName(pod.workload)} is stuck creating: volume ${volume ?? "(unnamed)"} cannot be mounted (${clause(newest.message, 160)}).`,
    suggestedFix:
      "Create or correct what the volume refers to (its ConfigMap, Secret, claim or storage), then let the kubelet retry.",
    expectedOutcome:
      "The kubelet mounts the volume on its next retry (about 2 minutes) and the containers start.",
    confidence: 0.9,
    events,
    subjects,
    cause: kind === "secret" || kind === "configmap" ? `${kind}:${subjects[SUBJECT_KEY[kind]]}` : null,
  });
}
