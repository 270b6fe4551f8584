// Every analyzer of a workload, in the order they depend on each other: right-sizing first, then the OOM
// fast path (which agrees with right-sizing's memory limit) and horizontal scaling (sized against the
// requests right-sizing recommends). Pure; shared by `kopt recommend` and the decide stage of `kopt plan`.
import type { RightsizePolicy } from "../model/policy.ts";
import { DEFAULT_OOM_POLICY } from "../model/policy.ts";
import type { RightsizeResult } from "../model/recommendation.ts";
import type { ClusterState, UsageHistory, WorkloadRef } from "../model/types.ts";
import { workloadKey } from "../model/types.ts";
import { analyzeHpa, DEFAULT_HPA_POLICY, type HpaResult } from "./hpa.ts";
import { analyzeOom, type OomResult } from "./oom.ts";
import { rightsize } from "./rightsize.ts";

export interface ScalingPolicy {
  /** Target CPU utilization of an HPA, 0..1. */
  targetUtilization: number;
  haFloor: number;
  /** Whether a namespace is production (the HA floor applies there). */
  isProduction?: (namespace: string) => boolean;
}

export interface Findings {
  sized: RightsizeResult;
  oom: OomResult;
  scaling: HpaResult;
}

export function analyzeWorkloads(
  state: ClusterState,
  usage: UsageHistory,
  policy: RightsizePolicy,
  scaling: ScalingPolicy = {
    targetUtilization: DEFAULT_HPA_POLICY.targetUtilization,
    haFloor: DEFAULT_HPA_POLICY.haFloor,
  },
): Findings {
  const sized = rightsize(state, usage, policy);
  const recommended = (ref: WorkloadRef, container: string) =>
    sized.recommendations.find(
      (r) => workloadKey(r.workload) === workloadKey(ref) && r.container === container,
    )?.recommended;
  const oom = analyzeOom(
    state,
    usage,
    { ...DEFAULT_OOM_POLICY, historyWindowHours: policy.historyWindowHours },
    (w, container) => recommended(w.ref, container)?.limits.memory ?? null,
  );
  const hpa = analyzeHpa(
    state,
    usage,
    {
      ...DEFAULT_HPA_POLICY,
      targetUtilization: scaling.targetUtilization,
      haFloor: scaling.haFloor,
      minHistoryHours: policy.minHistoryHours,
    },
    {
      cpuRequest: (ref, container) => recommended(ref, container)?.requests.cpu ?? undefined,
      isProduction: scaling.isProduction,
      windowHours: policy.historyWindowHours,
    },
  );
  return { sized, oom, scaling: hpa };
}
