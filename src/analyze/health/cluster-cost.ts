// The health report's cost now (issue 17): what the requests of the running pods cost a month, per namespace
// and in total, under the policy's price model (the same model every pull request's cost effect uses). Pure.
import type { PriceModel } from "../../model/policy.ts";
import type { ClusterState } from "../../model/types.ts";
import { runningPodsOf } from "../capacity.ts";
import { monthlyCost, round2 } from "../cost.ts";

export interface NamespaceCost {
  namespace: string;
  /** Running pods of the namespace's workloads. */
  pods: number;
  /** Cores and bytes requested by those pods. */
  cpuRequested: number;
  memoryRequested: number;
  monthly: number;
}

export interface CostNow {
  currency: string;
  namespaces: NamespaceCost[];
  total: number;
}

/** Running pods only, as the capacity forecast counts requests: a pod not running reserves nothing. */
export function costNow(state: Pick<ClusterState, "workloads" | "pods">, prices: PriceModel): CostNow {
  const byNs = new Map<string, NamespaceCost>();
  for (const w of state.workloads) {
    const pods = runningPodsOf(state, w);
    const ns = w.ref.namespace;
    const row = byNs.get(ns) ?? { namespace: ns, pods: 0, cpuRequested: 0, memoryRequested: 0, monthly: 0 };
    const resources = w.containers.map((c) => c.resources);
    row.pods += pods;
    row.cpuRequested += pods * resources.reduce((n, r) => n + (r.requests.cpu ?? 0), 0);
    row.memoryRequested += pods * resources.reduce((n, r) => n + (r.requests.memory ?? 0), 0);
    row.monthly = round2(row.monthly + monthlyCost(resources, pods, prices));
    byNs.set(ns, row);
  }
  const namespaces = [...byNs.values()].sort(
    (a, b) => b.monthly - a.monthly || (a.namespace < b.namespace ? -1 : 1),
  );
  return {
    currency: prices.currency,
    namespaces,
    total: round2(namespaces.reduce((n, r) => n + r.monthly, 0)),
  };
}
