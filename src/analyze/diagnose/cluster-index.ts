// The raw objects indexed once (issue 14): pods with their workload (Pod → ReplicaSet → Deployment,
// Job → CronJob), events by the object they are about, nodes and the other objects by kind/namespace/name.
// One pass over the input and Map look-ups after it, so a 10,000-pod cluster is never walked pods × events.
// Unreadable input (a pod without status, an event without an object) becomes a warning, never an exception.
import type { WorkloadSubject } from "../../model/finding.ts";
import {
  at,
  controllerOf,
  metaOf,
  num,
  type ObjectMeta,
  obj,
  objectKey,
  type Raw,
  str,
  unixTime,
} from "./read.ts";

export interface EventView {
  reason: string;
  message: string;
  type: string;
  count: number;
  /** Unix seconds, or null when the event carries no time. */
  first: number | null;
  last: number | null;
  /** From involvedObject.fieldPath `spec.containers{NAME}`, else null. */
  container: string | null;
  uid: string;
}

export interface PodRecord {
  raw: Raw;
  meta: ObjectMeta;
  status: Raw;
  workload: WorkloadSubject;
  nodeName: string | null;
}

export interface ClusterIndex {
  pods: PodRecord[];
  /** Objects other than pods and events, by objectKey(kind, namespace, name). */
  objects: Map<string, Raw>;
  nodes: Raw[];
  warnings: string[];
  events: Map<string, EventView[]>;
}

const EVENT_SUBJECT_KINDS = new Set([
  "Pod",
  "Node",
  "Deployment",
  "ReplicaSet",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "HorizontalPodAutoscaler",
]);

function readEvent(o: Raw): { key: string; view: EventView } | undefined {
  const involved = obj(o.involvedObject) ?? obj(o.regarding);
  const kind = str(involved?.kind);
  const name = str(involved?.name);
  const reason = str(o.reason);
  if (!involved || !kind || !name || !reason) return undefined;
  const namespace = str(involved.namespace) ?? str(at(o, "metadata", "namespace")) ?? "";
  const fieldPath = str(involved.fieldPath) ?? "";
  const container = /spec\.(?:initContainers|containers|ephemeralContainers)\{([^}]+)\}/.exec(fieldPath);
  const first = unixTime(o.firstTimestamp) ?? unixTime(o.eventTime) ?? unixTime(o.deprecatedFirstTimestamp);
  const last =
    unixTime(o.lastTimestamp) ??
    unixTime(at(o, "series", "lastObservedTime")) ??
    unixTime(o.eventTime) ??
    first;
  const count = num(at(o, "series", "count")) ?? num(o.count) ?? num(o.deprecatedCount) ?? 1;
  return {
    key: objectKey(kind, kind === "Node" ? "" : namespace, name),
    view: {
      reason,
      message: str(o.message) ?? str(o.note) ?? "",
      type: str(o.type) ?? "",
      count: Math.max(1, count),
      first: first ?? last ?? null,
      last: last ?? null,
      container: container?.[1] ?? null,
      uid: str(involved.uid) ?? "",
    },
  };
}

/** Finds a cached object by kind, namespace and name (a Map here; the agent's watch cache in agent-triggers.ts). */
export type OwnerLookup = (kind: string, namespace: string, name: string) => Raw | undefined;

/** The workload a pod belongs to: its Deployment (through the ReplicaSet), CronJob (through the Job) or itself. */
export function workloadOf(pod: Raw, meta: ObjectMeta, lookup: OwnerLookup): WorkloadSubject {
  const ns = meta.namespace;
  const owner = controllerOf(pod);
  if (!owner) return { namespace: ns, kind: "Pod", name: meta.name };
  if (owner.kind === "ReplicaSet") {
    const rs = lookup("ReplicaSet", ns, owner.name);
    const deployment = rs ? controllerOf(rs) : undefined;
    if (deployment?.kind === "Deployment")
      return { namespace: ns, kind: "Deployment", name: deployment.name };
    const hash = str(at(pod, "metadata", "labels", "pod-template-hash"));
    if (!rs && hash && owner.name.endsWith(`-${hash}`))
      return { namespace: ns, kind: "Deployment", name: owner.name.slice(0, -hash.length - 1) };
  }
  if (owner.kind === "Job") {
    const job = lookup("Job", ns, owner.name);
    const cron = job ? controllerOf(job) : undefined;
    if (cron?.kind === "CronJob") return { namespace: ns, kind: "CronJob", name: cron.name };
  }
  return { namespace: ns, kind: owner.kind, name: owner.name };
}

function addEvent(events: Map<string, EventView[]>, key: string, view: EventView) {
  const list = events.get(key);
  if (list) list.push(view);
  else events.set(key, [view]);
}

/** Indexes the input in one pass (pods resolved after, once every owner is known). */
export function indexCluster(input: readonly unknown[]): ClusterIndex {
  const warnings: string[] = [];
  const objects = new Map<string, Raw>();
  const events = new Map<string, EventView[]>();
  const rawPods: Raw[] = [];
  const nodes: Raw[] = [];
  input.forEach((o, i) => {
    const raw = obj(o);
    if (raw?.kind === "Event") {
      const e = readEvent(raw);
      if (e) addEvent(events, e.key, e.view);
      else warnings.push(`event ${str(at(raw, "metadata", "name")) ?? `#${i}`}: no involvedObject or reason`);
      return;
    }
    const meta = raw ? metaOf(raw) : undefined;
    if (!raw || !meta) {
      warnings.push(`object #${i}: not a Kubernetes object with a kind and metadata.name`);
      return;
    }
    if (meta.kind === "Pod") rawPods.push(raw);
    else {
      if (meta.kind === "Node") nodes.push(raw);
      objects.set(objectKey(meta.kind, meta.kind === "Node" ? "" : meta.namespace, meta.name), raw);
    }
  });
  const pods: PodRecord[] = [];
  const lookup: OwnerLookup = (kind, ns, name) => objects.get(objectKey(kind, ns, name));
  const podKeys = new Set<string>();
  for (const raw of rawPods) {
    const meta = metaOf(raw) as ObjectMeta;
    podKeys.add(objectKey("Pod", meta.namespace, meta.name));
    const status = obj(raw.status);
    if (!status) {
      warnings.push(`pod ${meta.namespace}/${meta.name}: no status, skipped`);
      continue;
    }
    const nodeName = str(at(raw, "spec", "nodeName")) ?? null;
    pods.push({ raw, meta, status, workload: workloadOf(raw, meta, lookup), nodeName });
  }
  warnAboutGoneObjects(events, objects, podKeys, warnings);
  return { pods, objects, nodes, warnings, events };
}

function warnAboutGoneObjects(
  events: Map<string, EventView[]>,
  objects: Map<string, Raw>,
  podKeys: Set<string>,
  warnings: string[],
) {
  for (const [key, list] of events) {
    const kind = key.slice(0, key.indexOf("/"));
    if (!EVENT_SUBJECT_KINDS.has(kind) || objects.has(key) || podKeys.has(key)) continue;
    warnings.push(`${list.length} event(s) about ${key}: the object is gone, ignored`);
  }
}

/** The events about an object (a later object of the same name does not inherit an older one's events). */
export function eventsOf(index: ClusterIndex, meta: ObjectMeta): EventView[] {
  const list = index.events.get(objectKey(meta.kind, meta.kind === "Node" ? "" : meta.namespace, meta.name));
  if (!list) return [];
  return list.filter((e) => !e.uid || !meta.uid || e.uid === meta.uid);
}
