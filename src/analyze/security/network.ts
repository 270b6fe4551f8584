// NetworkPolicy checks. A namespace counts as isolated when one policy selects every pod (podSelector {})
// for Ingress: every pod then accepts only what some policy allows, whether that policy has no rules (the
// classic default deny) or a few. Namespaces with no workloads are not reported (nothing to reach), nor are
// the system namespaces. In a namespace with no policy at all the namespace finding says so once, instead of
// one "selected by no policy" finding per workload; that check runs where policies exist but leave gaps.
import type { SecurityFinding } from "../../model/report.ts";
import { arr, at, isObj, objs, type Raw, str } from "../diagnose/read.ts";
import { finding } from "./finding.ts";
import type { Workload } from "./posture-index.ts";

/** Whether a label selector (matchLabels and matchExpressions) selects these labels; {} selects all. */
export function selects(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return false;
  const match = isObj(selector.matchLabels) ? selector.matchLabels : {};
  if (!Object.entries(match).every(([k, v]) => labels[k] === v)) return false;
  return objs(selector.matchExpressions).every((e) => {
    const key = str(e.key) ?? "";
    const values = arr(e.values);
    const has = Object.hasOwn(labels, key);
    switch (e.operator) {
      case "In":
        return has && values.includes(labels[key]);
      case "NotIn":
        return !has || !values.includes(labels[key]);
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
      default:
        return false;
    }
  });
}

const selectsAll = (selector: unknown) =>
  isObj(selector) &&
  Object.keys(isObj(selector.matchLabels) ? selector.matchLabels : {}).length === 0 &&
  arr(selector.matchExpressions).length === 0;

/** Ingress is governed when policyTypes lists it, or when policyTypes is absent (Kubernetes' default). */
const governsIngress = (p: Raw) => {
  const types = arr(at(p, "spec", "policyTypes"));
  return types.length === 0 || types.includes("Ingress");
};

export function networkFindings(workloads: readonly Workload[], policies: readonly Raw[]): SecurityFinding[] {
  const byNamespace = new Map<string, Workload[]>();
  for (const w of workloads) {
    const list = byNamespace.get(w.ref.namespace);
    if (list) list.push(w);
    else byNamespace.set(w.ref.namespace, [w]);
  }
  const out: SecurityFinding[] = [];
  for (const [ns, list] of [...byNamespace].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const own = policies.filter((p) => str(at(p, "metadata", "namespace")) === ns && governsIngress(p));
    if (own.some((p) => selectsAll(at(p, "spec", "podSelector")))) continue;
    const pods = list.reduce((sum, w) => sum + w.pods, 0);
    const count = `${list.length} workload${list.length === 1 ? "" : "s"}`;
    const detail =
      own.length === 0
        ? `no NetworkPolicy: ${count} ${list.length === 1 ? "accepts" : "accept"} traffic from anywhere`
        : `no policy selects every pod for ingress (${count}, ${own.length} polic${own.length === 1 ? "y" : "ies"})`;
    out.push(finding("netpol-no-default-deny", { kind: "Namespace", name: ns }, detail, pods));
    if (own.length === 0) continue;
    for (const w of list) {
      if (own.some((p) => selects(at(p, "spec", "podSelector"), w.labels))) continue;
      out.push(
        finding("netpol-pod-unselected", w.ref, "no NetworkPolicy selects its pods for ingress", w.pods),
      );
    }
  }
  return out;
}
