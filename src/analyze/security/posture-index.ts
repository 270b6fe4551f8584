// The audit's input indexed once: objects by kind, and the workloads whose pod templates the workload checks
// read. Attribution: a workload is a Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet or a bare
// Pod. A ReplicaSet owned by a Deployment and a Job owned by a CronJob are not workloads of their own, and a
// pod whose controller (through its ReplicaSet or Job) is in the input is reported once, on that controller.
// A pod whose controller was not read (its kind unreadable) stands in for it: the finding names the
// controller, read from the pod's owner references. System namespaces are left out of the workload, network
// and ConfigMap checks, as Polaris exempts kube-system's components: their pods need host access by design
// and the cluster's operator, not its users, configures them.

import type { ResourceRef } from "../../model/report.ts";
import { workloadOf } from "../diagnose/cluster-index.ts";
import { at, controllerOf, isObj, metaOf, num, objs, type Raw, str } from "../diagnose/read.ts";

export const SYSTEM_NAMESPACES: readonly string[] = ["kube-system", "kube-public", "kube-node-lease"];

export const isSystemNamespace = (ns: string | undefined) =>
  ns !== undefined && SYSTEM_NAMESPACES.includes(ns);

export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet"];

export interface Workload {
  ref: ResourceRef & { namespace: string };
  /** The pod spec: the template's, the CronJob's job template's, or the bare pod's own. */
  spec: Raw;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Pods it runs (desired replicas, or the pods seen when more): the blast radius of its findings. */
  pods: number;
}

export interface PostureIndex {
  byKind: Map<string, Raw[]>;
  /** Workloads outside the system namespaces, in input order. */
  workloads: Workload[];
}

const stringMap = (v: unknown): Record<string, string> =>
  isObj(v)
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"))
    : {};

/** The pod template of a controller (a CronJob's through its job template). */
function templateOf(o: Raw): Raw | undefined {
  const path = str(o.kind) === "CronJob" ? ["spec", "jobTemplate", "spec", "template"] : ["spec", "template"];
  const t = at(o, ...path);
  return isObj(t) ? t : undefined;
}

function desiredPods(o: Raw): number {
  switch (str(o.kind)) {
    case "DaemonSet":
      return num(at(o, "status", "desiredNumberScheduled")) ?? 1;
    case "Job":
      return num(at(o, "spec", "parallelism")) ?? 1;
    case "CronJob":
      return num(at(o, "spec", "jobTemplate", "spec", "parallelism")) ?? 1;
    default:
      return num(at(o, "spec", "replicas")) ?? 1;
  }
}

/** Whether a controller is someone else's child (a Deployment's ReplicaSet, a CronJob's Job). */
function ownedByController(o: Raw): boolean {
  const owner = controllerOf(o)?.kind;
  const kind = str(o.kind);
  return (kind === "ReplicaSet" && owner === "Deployment") || (kind === "Job" && owner === "CronJob");
}

const keyOf = (r: { kind: string; namespace?: string; name: string }) =>
  `${r.kind}/${r.namespace ?? ""}/${r.name}`;

function controllerWorkloads(byKind: Map<string, Raw[]>): Map<string, Workload> {
  const out = new Map<string, Workload>();
  for (const kind of WORKLOAD_KINDS) {
    for (const o of byKind.get(kind) ?? []) {
      const meta = metaOf(o);
      const template = templateOf(o);
      const spec = at(template, "spec");
      if (!meta || !isObj(spec) || ownedByController(o) || isSystemNamespace(meta.namespace)) continue;
      const ref = { kind, namespace: meta.namespace, name: meta.name };
      out.set(keyOf(ref), {
        ref,
        spec,
        labels: stringMap(at(template, "metadata", "labels")),
        annotations: stringMap(at(template, "metadata", "annotations")),
        pods: desiredPods(o),
      });
    }
  }
  return out;
}

/** Adds the pods: counted on their controller, or standing in for it (bare pods, unread controllers). */
function addPods(byKind: Map<string, Raw[]>, workloads: Map<string, Workload>): void {
  const owners = new Map<string, Raw>();
  for (const o of [...(byKind.get("ReplicaSet") ?? []), ...(byKind.get("Job") ?? [])]) {
    const m = metaOf(o);
    if (m) owners.set(keyOf(m), o);
  }
  const lookup = (kind: string, namespace: string, name: string) =>
    owners.get(keyOf({ kind, namespace, name }));
  const seen = new Map<string, number>();
  for (const pod of byKind.get("Pod") ?? []) {
    const meta = metaOf(pod);
    const spec = at(pod, "spec");
    if (!meta || !isObj(spec) || isSystemNamespace(meta.namespace)) continue;
    const owner = workloadOf(pod, meta, lookup);
    // A static pod's mirror is owned by its Node: it is its own workload.
    const ref = owner.kind === "Node" ? { kind: "Pod", namespace: meta.namespace, name: meta.name } : owner;
    const key = keyOf(ref);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (workloads.has(key)) continue;
    workloads.set(key, {
      ref: { kind: ref.kind, namespace: ref.namespace, name: ref.name },
      spec,
      labels: stringMap(at(pod, "metadata", "labels")),
      annotations: stringMap(at(pod, "metadata", "annotations")),
      pods: 0,
    });
  }
  for (const [key, count] of seen) {
    const w = workloads.get(key);
    if (w) w.pods = Math.max(w.pods, count);
  }
}

export function indexPosture(objects: readonly unknown[]): PostureIndex {
  const byKind = new Map<string, Raw[]>();
  for (const o of objects) {
    if (!isObj(o)) continue;
    const kind = str(o.kind);
    if (!kind) continue;
    const list = byKind.get(kind);
    if (list) list.push(o);
    else byKind.set(kind, [o]);
  }
  const workloads = controllerWorkloads(byKind);
  addPods(byKind, workloads);
  return { byKind, workloads: [...workloads.values()] };
}

export interface ContainerView {
  raw: Raw;
  name: string;
  /** "containers", "initContainers" or "ephemeralContainers". */
  field: string;
}

/** A workload's containers: the app containers, and with `all` the init and ephemeral ones too. */
export function containersOf(spec: Raw, all: boolean): ContainerView[] {
  const fields = all ? ["initContainers", "containers", "ephemeralContainers"] : ["containers"];
  return fields.flatMap((field) =>
    objs(spec[field]).flatMap((raw) => {
      const name = str(raw.name);
      return name ? [{ raw, name, field }] : [];
    }),
  );
}

/** The objects of some kinds, outside the system namespaces. */
export function objectsOf(index: PostureIndex, ...kinds: string[]): Raw[] {
  return kinds
    .flatMap((k) => index.byKind.get(k) ?? [])
    .filter((o) => !isSystemNamespace(str(at(o, "metadata", "namespace"))));
}
