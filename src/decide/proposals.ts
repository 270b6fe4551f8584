// Turns recommendations into proposals: one per workload and kind, each a set of values-file changes.
// Pure: the values files are not read here; the propose stage finds the current values.
import { createHash } from "node:crypto";
import { monthlyCost, round2 } from "../analyze/cost.ts";
import { applyChanges } from "../analyze/rightsize.ts";
import type { WorkloadMapping } from "../formats/config.ts";
import type { Tier } from "../formats/phr.ts";
import type { PriceModel } from "../model/policy.ts";
import { formatCpu, formatMemory } from "../model/quantity.ts";
import type { FieldChange, Recommendation, RightsizeResult, Skipped } from "../model/recommendation.ts";
import type { ClusterState, Workload, WorkloadRef } from "../model/types.ts";
import { workloadKey, workloadLabel } from "../model/types.ts";
import { type ProposalKind, tierFor } from "./tier.ts";

export interface ValueChange {
  file: string;
  /** Dotted values path, e.g. backend.resources.requests.cpu. */
  path: string;
  container: string;
  field: FieldChange["field"];
  /** Kubernetes quantity string, or null to remove a limit. */
  to: string | null;
}

export interface CostEffect {
  currency: string;
  monthlyBefore: number;
  monthlyAfter: number;
  monthlyDelta: number;
}

export interface Proposal {
  id: string;
  cluster: string;
  kind: ProposalKind;
  tier: Tier;
  workload: WorkloadRef;
  branch: string;
  slug: string;
  /** Containers of the workload that change, with their evidence. */
  recommendations: Recommendation[];
  valueChanges: ValueChange[];
  replicas: number;
  cost: CostEffect;
}

export interface Decision {
  proposals: Proposal[];
  /** Containers whose recommendation is within the minimum-change rule: nothing to do. */
  unchanged: { workload: WorkloadRef; container: string }[];
  skipped: Skipped[];
}

/** Stable per cluster, workload and kind, so re-runs find the same branch, PHR id and draft. */
export function proposalId(cluster: string, ref: WorkloadRef, kind: ProposalKind): string {
  return createHash("sha256")
    .update(`${cluster}/${workloadKey(ref)}/${kind}`)
    .digest("hex")
    .slice(0, 8);
}

export function branchName(cluster: string, ref: WorkloadRef, kind: ProposalKind): string {
  return `kopt/${cluster}/${ref.namespace}/${ref.name}/${kind}`;
}

export function findMapping(
  mappings: readonly WorkloadMapping[],
  ref: WorkloadRef,
): WorkloadMapping | undefined {
  return mappings.find(
    (m) => m.workload === workloadLabel(ref) && (m.kind === undefined || m.kind === ref.kind),
  );
}

/** Values path of a container's `resources`, by explicit mapping or helm-create convention. */
function resourcesPath(mapping: WorkloadMapping, workload: Workload, container: string): string | undefined {
  const explicit = mapping.resources?.[container];
  if (explicit) return explicit;
  if (mapping.resources || workload.containers.length !== 1) return undefined;
  return mapping.prefix ? `${mapping.prefix}.resources` : "resources";
}

function valueText(change: FieldChange): string | null {
  if (change.to === null) return null;
  return change.field.endsWith("cpu") ? formatCpu(change.to) : formatMemory(change.to);
}

/** Replicas that cost money now: the HPA's current count when it scales the workload. */
function billedReplicas(state: ClusterState, w: Workload): number {
  if (w.hpa?.currentReplicas) return w.hpa.currentReplicas;
  if (w.replicas !== null) return w.replicas;
  return state.pods.filter((p) => p.owner && workloadKey(p.owner) === workloadKey(w.ref)).length;
}

export function decideRightsize(
  state: ClusterState,
  result: RightsizeResult,
  mappings: readonly WorkloadMapping[],
  prices: PriceModel,
): Decision {
  const skipped: Skipped[] = [...result.skipped];
  const unchanged: Decision["unchanged"] = [];
  const byWorkload = new Map<string, Recommendation[]>();
  for (const rec of result.recommendations) {
    if (rec.changes.length === 0) {
      unchanged.push({ workload: rec.workload, container: rec.container });
      continue;
    }
    const key = workloadKey(rec.workload);
    byWorkload.set(key, [...(byWorkload.get(key) ?? []), rec]);
  }

  const proposals: Proposal[] = [];
  for (const workload of state.workloads) {
    const recs = byWorkload.get(workloadKey(workload.ref));
    if (!recs) continue;
    const mapping = findMapping(mappings, workload.ref);
    if (!mapping) {
      for (const rec of recs) {
        skipped.push({
          workload: rec.workload,
          container: rec.container,
          reason: `no values mapping for ${workloadLabel(rec.workload)} in kopt.yaml (add a workloads entry so kopt can propose it)`,
        });
      }
      continue;
    }
    const valueChanges: ValueChange[] = [];
    const mapped: Recommendation[] = [];
    for (const rec of recs) {
      const base = resourcesPath(mapping, workload, rec.container);
      if (!base) {
        skipped.push({
          workload: rec.workload,
          container: rec.container,
          reason: `workload has ${workload.containers.length} containers; map container "${rec.container}" under resources: in kopt.yaml`,
        });
        continue;
      }
      mapped.push(rec);
      for (const change of rec.changes) {
        valueChanges.push({
          file: mapping.valuesFile,
          path: `${base}.${change.field}`,
          container: rec.container,
          field: change.field,
          to: valueText(change),
        });
      }
    }
    if (mapped.length === 0) continue;

    const replicas = billedReplicas(state, workload);
    const before = workload.containers.map((c) => c.resources);
    const after = workload.containers.map((c) => {
      const rec = mapped.find((r) => r.container === c.name);
      return rec ? applyChanges(c.resources, rec.changes) : c.resources;
    });
    const monthlyBefore = monthlyCost(before, replicas, prices);
    const monthlyAfter = monthlyCost(after, replicas, prices);
    const kind: ProposalKind = "rightsize";
    proposals.push({
      id: proposalId(state.cluster, workload.ref, kind),
      cluster: state.cluster,
      kind,
      tier: tierFor(kind),
      workload: workload.ref,
      branch: branchName(state.cluster, workload.ref, kind),
      slug: `${kind}-${workload.ref.namespace}-${workload.ref.name}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-"),
      recommendations: mapped,
      valueChanges,
      replicas,
      cost: {
        currency: prices.currency,
        monthlyBefore,
        monthlyAfter,
        monthlyDelta: round2(monthlyAfter - monthlyBefore),
      },
    });
  }
  return { proposals, unchanged, skipped };
}
