// pods/{name}/eviction (policy/v1 Eviction), as the API server's eviction REST handler decides it: the pod is
// deleted (201) unless a PodDisruptionBudget whose selector matches it would be broken (429), the pod is
// missing (404) or the uid precondition names another pod (409). The budget is computed here from the
// pods' Ready conditions (the real server reads status.disruptionsAllowed, which the disruption controller
// keeps from the same), with the default unhealthyPodEvictionPolicy IfHealthyBudget: an unready pod may
// go while the budget's healthy count is met, a ready one only while one more can be lost.
import type { KubeObject, ResourceType } from "./resources.ts";
import { findByKind } from "./resources.ts";
import { matchesLabels, type Requirement } from "./selectors.ts";
import { conflict, failure, notFound } from "./status.ts";
import type { Store } from "./store.ts";

type Raw = Record<string, unknown>;
type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: Raw[] };

/** A LabelSelector object as requirements; an empty selector selects every pod (policy/v1). */
function requirements(sel: LabelSelector | undefined): Requirement[] {
  const out: Requirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {})) out.push({ key, op: "=", value });
  for (const e of sel?.matchExpressions ?? []) {
    const key = String(e.key);
    const values = (e.values as string[] | undefined) ?? [];
    if (e.operator === "In") out.push({ key, op: "in", values });
    else if (e.operator === "NotIn") out.push({ key, op: "notin", values });
    else if (e.operator === "Exists") out.push({ key, op: "exists" });
    else if (e.operator === "DoesNotExist") out.push({ key, op: "!" });
  }
  return out;
}

const labelsOf = (o: KubeObject) => o.metadata.labels as Record<string, string> | undefined;

function ready(pod: KubeObject): boolean {
  if (pod.metadata.deletionTimestamp !== undefined) return false;
  const conditions = ((pod.status as Raw | undefined)?.conditions ?? []) as Raw[];
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}

/** minAvailable or maxUnavailable as a count of `expected` pods (a percentage rounds up, as the controller). */
function count(v: unknown, expected: number): number {
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(String(v));
  return m ? Math.ceil((Number(m[1]) * expected) / 100) : 0;
}

/** The first budget the eviction would break, or undefined. */
function brokenBudget(store: Store, pod: KubeObject, ns: string, pods: ResourceType): KubeObject | undefined {
  const pdbType = findByKind("policy/v1", "PodDisruptionBudget") as ResourceType;
  const inNs = store.list(pods, ns).map((e) => e.object);
  for (const { object: pdb } of store.list(pdbType, ns)) {
    const spec = (pdb.spec ?? {}) as Raw;
    const reqs = requirements(spec.selector as LabelSelector | undefined);
    if (!matchesLabels(reqs, labelsOf(pod))) continue;
    const covered = inNs.filter((p) => matchesLabels(reqs, labelsOf(p)));
    const healthy = covered.filter(ready).length;
    const desired =
      spec.minAvailable !== undefined
        ? count(spec.minAvailable, covered.length)
        : covered.length - count(spec.maxUnavailable, covered.length);
    const after = ready(pod) ? healthy - 1 : healthy;
    if (after < desired) return pdb;
  }
  return undefined;
}

export function evict(store: Store, pods: ResourceType, ns: string, name: string, body: Raw): Raw {
  const pod = store.get(pods, ns, name);
  if (!pod) throw notFound(pods, name);
  const pre = ((body.deleteOptions as Raw | undefined)?.preconditions ?? {}) as { uid?: string };
  if (pre.uid && pre.uid !== pod.metadata.uid) {
    throw conflict(
      pods,
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(pod.metadata.uid)}`,
    );
  }
  const pdb = brokenBudget(store, pod, ns, pods);
  if (pdb) {
    throw failure(
      429,
      "TooManyRequests",
      "Cannot evict pod as it would violate the pod's disruption budget.",
      {
        causes: [
          {
            reason: "DisruptionBudget",
            message: `The disruption budget ${String(pdb.metadata.name)} needs more healthy pods`,
          },
        ],
      },
    );
  }
  store.delete(pods, ns, name, (o) => {
    o.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    o.metadata.deletionGracePeriodSeconds = 0;
  });
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
}
