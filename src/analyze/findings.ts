// Every analyzer of a workload, in the order they depend on each other: right-sizing first, then the OOM
// fast path (which agrees with right-sizing's memory limit) and horizontal scaling (sized against the
// requests right-sizing recommends). Pure; the analyze step of the one pipeline (src/workflows/pipeline.ts)
// that `kopt recommend` and `kopt plan` share. Every setting comes from the run's Policy.
import type { Policy } from "../model/policy.ts";
import type { RightsizeResult } from "../model/recommendation.ts";
import type { ClusterState, Resources, UsageHistory, WorkloadRef } from "../model/types.ts";
import { workloadKey } from "../model/types.ts";
import { analyzeHpa, type HpaResult } from "./hpa.ts";
import { analyzeOom, type OomResult } from "./oom.ts";
import { type LearnedFor, learnedFor, learnedRightsizePolicy } from "./outcomes.ts";
import { rightsize } from "./rightsize.ts";

export interface Findings {
  sized: RightsizeResult;
  oom: OomResult;
  scaling: HpaResult;
}

/** Labels that mark a namespace as production (the HA floor applies there). */
const PRODUCTION_LABELS = ["kopt.dev/environment", "environment", "env"];

/** Listed in policy.hpa.productionNamespaces, or labelled environment: production (or a synonym). */
export function isProductionNamespace(
  state: ClusterState,
  policy: Pick<Policy, "hpa">,
  namespace: string,
): boolean {
  return (
    policy.hpa.productionNamespaces.includes(namespace) ||
    PRODUCTION_LABELS.some((l) => state.namespaceLabels?.[namespace]?.[l] === "production")
  );
}

export function analyzeWorkloads(
  state: ClusterState,
  usage: UsageHistory,
  policy: Pick<Policy, "rightsize" | "oom" | "hpa">,
  /** What past outcomes taught (src/analyze/outcomes.ts): a workload's larger margin and minimum change. */
  learned: readonly LearnedFor[] = [],
): Findings {
  const sized = rightsize(state, usage, policy.rightsize, (ref) =>
    learnedRightsizePolicy(policy.rightsize, learnedFor(learned, ref, "rightsize")),
  );
  // A map, not a search per container: the OOM and HPA analyses ask for every container of the cluster.
  const byContainer = new Map<string, Resources>();
  for (const r of sized.recommendations) {
    const key = `${workloadKey(r.workload)}/${r.container}`;
    // The first one, as a search from the start would find.
    if (!byContainer.has(key)) byContainer.set(key, r.recommended);
  }
  const recommended = (ref: WorkloadRef, container: string) =>
    byContainer.get(`${workloadKey(ref)}/${container}`);
  const oom = analyzeOom(
    state,
    usage,
    policy.oom,
    (w, container) => recommended(w.ref, container)?.limits.memory ?? null,
  );
  const hpa = analyzeHpa(state, usage, policy.hpa, {
    cpuRequest: (ref, container) => recommended(ref, container)?.requests.cpu ?? undefined,
    isProduction: (namespace) => isProductionNamespace(state, policy, namespace),
    windowHours: policy.rightsize.historyWindowHours,
  });
  return { sized, oom, scaling: hpa };
}
