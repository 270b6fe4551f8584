// Whether a workload's pods run a merged change: each change's `to` must be what the pod template (or the HPA)
// holds, and the rollout must be complete. Pure: the workload, its HPA, its pods and ReplicaSets come in as
// the Kubernetes API serves them; the values paths are mapped to the objects by their conventional endings.
import { parseQuantity } from "../model/quantity.ts";
import type { RolloutState } from "../model/verify.ts";

type Obj = Record<string, unknown>;
type Scalar = string | number | boolean | null;

/** A values change as the PHR records it: the path in the values file and the value the pods must run. */
export interface ValuesChange {
  path: string;
  /** A list of scalars for a security fix's `capabilities.drop: [ALL]`. */
  to: Scalar | readonly Scalar[];
}

export interface RolloutInput {
  /** The Deployment, StatefulSet or DaemonSet; undefined: not in the cluster. */
  workload: Obj | undefined;
  hpa?: Obj | undefined;
  /** The workload's pods (selected by its selector). */
  pods: readonly Obj[];
  /** A Deployment's ReplicaSets (to tell its new template's pods by pod-template-hash). */
  replicaSets?: readonly Obj[];
  changes: readonly ValuesChange[];
  /** The workload mapping's `resources` record: container name -> values path of its resources block. */
  resourcesPaths?: Readonly<Record<string, string>>;
}

const obj = (v: unknown): Obj | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const list = (v: unknown): Obj[] =>
  Array.isArray(v)
    ? v.flatMap((x): Obj[] => {
        const o = obj(x);
        return o ? [o] : [];
      })
    : [];
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function at(o: unknown, ...keys: string[]): unknown {
  let cur = o;
  for (const k of keys) cur = obj(cur)?.[k];
  return cur;
}

const RESOURCE = /^(?:(.*)\.)?resources\.(requests|limits)\.(cpu|memory)$/;
const HPA = /(?:^|\.)autoscaling\.(minReplicas|maxReplicas|targetCPUUtilizationPercentage)$/;
const REPLICAS = /(?:^|\.)replicaCount$/;
const PROBE = /^(?:(.*)\.)?(startupProbe|livenessProbe|readinessProbe)\.(.+)$/;
/** helm-create's container `securityContext` and pod `podSecurityContext` (security fixes). */
const SECURITY_CONTEXT = /^(?:(.*)\.)?(securityContext|podSecurityContext)\.(.+)$/;

/** One change held against the objects: a mismatch in words, "skip" when kopt cannot map the path. */
type Check = { ok: true } | { ok: false; reason: string } | { skip: true };

function containers(workload: Obj): Obj[] {
  return list(at(workload, "spec", "template", "spec", "containers"));
}

/** Equal as Kubernetes quantities ("0.5" = "500m"), or as plain values when either is not one. */
const isList = (v: ValuesChange["to"]): v is readonly Scalar[] => Array.isArray(v);
/** A change's value in a message: a list as `["ALL"]`. */
const show = (v: ValuesChange["to"]): string => (isList(v) ? JSON.stringify(v) : String(v));

function sameValue(running: unknown, to: ValuesChange["to"]): boolean {
  if (isList(to))
    return (
      Array.isArray(running) && running.length === to.length && to.every((v, n) => sameValue(running[n], v))
    );
  if (running === undefined || running === null) return to === null;
  if (typeof running === "string" || typeof running === "number") {
    if (to !== null && typeof to !== "boolean") {
      const a = parseQuantity(running);
      const b = parseQuantity(to);
      if (a !== undefined && b !== undefined) return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
    }
  }
  return String(running) === String(to);
}

/**
 * The containers a path under `block` (the values path before `resources.` / `startupProbe.`) is about: the
 * one the mapping names for that block, else the only container, else every container (any may match).
 */
function candidates(workload: Obj, block: string, input: RolloutInput): Obj[] {
  const all = containers(workload);
  const named = Object.entries(input.resourcesPaths ?? {}).find(
    ([, p]) => p === `${block}.resources` || (block === "" && p === "resources"),
  );
  return named ? all.filter((c) => c.name === named[0]) : all;
}

function describeContainers(cs: readonly Obj[]): string {
  return cs.length === 1
    ? `container ${String(cs[0]?.name)}`
    : `containers ${cs.map((c) => c.name).join(", ")}`;
}

function checkResource(workload: Obj, change: ValuesChange, input: RolloutInput): Check {
  const [, block = "", kind = "", resource = ""] = RESOURCE.exec(change.path) ?? [];
  const cs = candidates(workload, block, input);
  if (cs.length === 0) return { ok: false, reason: `no container for ${change.path} in the pod template` };
  const value = (c: Obj) => at(c, "resources", kind, resource);
  if (cs.some((c) => sameValue(value(c), change.to))) return { ok: true };
  const running = cs.map((c) => String(value(c) ?? "unset")).join(" / ");
  return {
    ok: false,
    reason: `${describeContainers(cs)} ${kind}.${resource} is ${running}, the change says ${show(change.to)}`,
  };
}

function checkProbe(workload: Obj, change: ValuesChange, input: RolloutInput): Check {
  const [, block = "", probe = "", rest = ""] = PROBE.exec(change.path) ?? [];
  const cs = candidates(workload, block, input);
  if (cs.length === 0) return { ok: false, reason: `no container for ${change.path} in the pod template` };
  const keys = rest.split(".");
  if (keys.some((k) => /\[/.test(k))) return { skip: true };
  const value = (c: Obj) => at(c, probe, ...keys);
  if (cs.some((c) => sameValue(value(c), change.to))) return { ok: true };
  const running = cs.map((c) => String(value(c) ?? "unset")).join(" / ");
  return {
    ok: false,
    reason: `${describeContainers(cs)} ${probe}.${rest} is ${running}, the change says ${show(change.to)}`,
  };
}

/**
 * A container securityContext field (any candidate container may hold it) or a pod securityContext field.
 * A list item (capabilities.drop[0]) is not mapped: named as not checked.
 */
function checkSecurityContext(workload: Obj, change: ValuesChange, input: RolloutInput): Check {
  const [, block = "", which = "", rest = ""] = SECURITY_CONTEXT.exec(change.path) ?? [];
  const keys = rest.split(".");
  if (keys.some((k) => /\[/.test(k))) return { skip: true };
  if (which === "podSecurityContext") {
    const value = at(workload, "spec", "template", "spec", "securityContext", ...keys);
    if (sameValue(value, change.to)) return { ok: true };
    return {
      ok: false,
      reason: `the pod securityContext.${rest} is ${String(value ?? "unset")}, the change says ${show(change.to)}`,
    };
  }
  const cs = candidates(workload, block, input);
  if (cs.length === 0) return { ok: false, reason: `no container for ${change.path} in the pod template` };
  const value = (c: Obj) => at(c, "securityContext", ...keys);
  if (cs.some((c) => sameValue(value(c), change.to))) return { ok: true };
  const running = cs.map((c) => String(value(c) ?? "unset")).join(" / ");
  return {
    ok: false,
    reason: `${describeContainers(cs)} securityContext.${rest} is ${running}, the change says ${show(change.to)}`,
  };
}

/** The HPA's value for a chart's conventional autoscaling key. */
function hpaValue(hpa: Obj, key: string): unknown {
  if (key !== "targetCPUUtilizationPercentage") return at(hpa, "spec", key);
  const cpu = list(at(hpa, "spec", "metrics")).find(
    (m) => m.type === "Resource" && at(m, "resource", "name") === "cpu",
  );
  return at(cpu, "resource", "target", "averageUtilization");
}

function checkHpa(change: ValuesChange, hpa: Obj | undefined): Check {
  const key = HPA.exec(change.path)?.[1] ?? "";
  if (!hpa) return { ok: false, reason: `no HorizontalPodAutoscaler for ${change.path}` };
  const value = hpaValue(hpa, key);
  if (sameValue(value, change.to)) return { ok: true };
  return {
    ok: false,
    reason: `HPA ${key} is ${String(value ?? "unset")}, the change says ${show(change.to)}`,
  };
}

function checkChange(workload: Obj, change: ValuesChange, input: RolloutInput): Check {
  if (RESOURCE.test(change.path)) return checkResource(workload, change, input);
  if (HPA.test(change.path)) return checkHpa(change, input.hpa);
  if (REPLICAS.test(change.path)) {
    const value = at(workload, "spec", "replicas");
    return sameValue(value, change.to)
      ? { ok: true }
      : {
          ok: false,
          reason: `spec.replicas is ${String(value ?? "unset")}, the change says ${show(change.to)}`,
        };
  }
  if (PROBE.test(change.path)) return checkProbe(workload, change, input);
  if (SECURITY_CONTEXT.test(change.path)) return checkSecurityContext(workload, change, input);
  return { skip: true };
}

/** The rollout's progress, as `kubectl rollout status` judges it; undefined when complete. */
export function rolloutProgress(workload: Obj): string | undefined {
  const generation = num(at(workload, "metadata", "generation")) ?? 0;
  const observed = num(at(workload, "status", "observedGeneration")) ?? 0;
  if (observed < generation) return `the controller has not seen generation ${generation} yet`;
  const s = (k: string) => num(at(workload, "status", k)) ?? 0;
  const kind = workload.kind;
  if (kind === "DaemonSet") {
    const desired = s("desiredNumberScheduled");
    if (s("updatedNumberScheduled") < desired)
      return `${s("updatedNumberScheduled")}/${desired} pods updated`;
    if (s("numberAvailable") < desired) return `${s("numberAvailable")}/${desired} updated pods available`;
    return undefined;
  }
  const replicas = num(at(workload, "spec", "replicas")) ?? 1;
  if (s("updatedReplicas") < replicas) return `${s("updatedReplicas")}/${replicas} pods updated`;
  if (kind === "StatefulSet") {
    const update = str(at(workload, "status", "updateRevision"));
    if (update !== str(at(workload, "status", "currentRevision")))
      return `revision ${update ?? "?"} not current yet`;
    if (s("readyReplicas") < replicas) return `${s("readyReplicas")}/${replicas} updated pods ready`;
    return undefined;
  }
  if (s("replicas") > s("updatedReplicas"))
    return `${s("replicas") - s("updatedReplicas")} old pods pending termination`;
  if (s("availableReplicas") < replicas)
    return `${s("availableReplicas")}/${replicas} updated pods available`;
  return undefined;
}

/** The label that tells the new template's pods: a Deployment's newest ReplicaSet's hash, a StatefulSet's revision. */
function newTemplateLabel(workload: Obj, replicaSets: readonly Obj[]): [string, string] | undefined {
  if (workload.kind === "StatefulSet") {
    const rev = str(at(workload, "status", "updateRevision"));
    return rev ? ["controller-revision-hash", rev] : undefined;
  }
  if (workload.kind !== "Deployment") return undefined;
  const revision = (o: Obj) =>
    Number(at(o, "metadata", "annotations", "deployment.kubernetes.io/revision") ?? Number.NaN);
  const wanted = revision(workload);
  const owned = replicaSets.filter((rs) =>
    list(at(rs, "metadata", "ownerReferences")).some((r) => r.uid === at(workload, "metadata", "uid")),
  );
  const newest =
    owned.find((rs) => revision(rs) === wanted) ?? owned.sort((a, b) => revision(b) - revision(a))[0];
  const hash = str(at(newest, "metadata", "labels", "pod-template-hash"));
  return hash ? ["pod-template-hash", hash] : undefined;
}

/** The earliest start of a pod of the new template (DaemonSet: a pod whose resources equal the template's). */
export function newPodsStartedAt(
  workload: Obj,
  pods: readonly Obj[],
  replicaSets: readonly Obj[],
): string | null {
  const label = newTemplateLabel(workload, replicaSets);
  const template = JSON.stringify(containers(workload).map((c) => [c.name, c.resources ?? {}]));
  const isNew = (p: Obj) =>
    label
      ? at(p, "metadata", "labels", label[0]) === label[1]
      : JSON.stringify(list(at(p, "spec", "containers")).map((c) => [c.name, c.resources ?? {}])) ===
        template;
  const starts = pods
    .filter(isNew)
    .flatMap((p) => str(at(p, "status", "startTime")) ?? str(at(p, "metadata", "creationTimestamp")) ?? []);
  return starts.sort()[0] ?? null;
}

/** Whether the workload's pods run the changes' values. */
export function rolloutState(input: RolloutInput): RolloutState {
  const w = input.workload;
  if (!w) return { state: "mismatch", startedAt: null, reason: "the workload is not in the cluster" };
  const skipped: string[] = [];
  const mismatches: string[] = [];
  for (const change of input.changes) {
    const check = checkChange(w, change, input);
    if ("skip" in check) skipped.push(change.path);
    else if (!check.ok) mismatches.push(check.reason);
  }
  const notChecked = skipped.length > 0 ? `; not checked (kopt cannot map): ${skipped.join(", ")}` : "";
  const startedAt = newPodsStartedAt(w, input.pods, input.replicaSets ?? []);
  if (mismatches.length > 0)
    return { state: "mismatch", startedAt, reason: `${mismatches.join("; ")}${notChecked}` };
  const progress = rolloutProgress(w);
  if (progress) return { state: "progressing", startedAt, reason: `${progress}${notChecked}` };
  const total =
    w.kind === "DaemonSet"
      ? num(at(w, "status", "desiredNumberScheduled"))
      : (num(at(w, "spec", "replicas")) ?? 1);
  return { state: "rolled-out", startedAt, reason: `${total ?? 0}/${total ?? 0} pods updated${notChecked}` };
}
