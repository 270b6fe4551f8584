// Turns recommendations into proposals: one per workload and kind, each a set of values-file changes.
// Pure: the values files are not read here; the propose stage finds the current values.
import { createHash } from "node:crypto";
import { monthlyCost, round2 } from "../analyze/cost.ts";
import type { HpaChange, HpaRecommendation, HpaResult } from "../analyze/hpa.ts";
import type { OomRecommendation, OomResult } from "../analyze/oom.ts";
import { applyChanges } from "../analyze/rightsize.ts";
import type { WorkloadMapping } from "../formats/config.ts";
import type { Tier } from "../formats/phr.ts";
import type { PriceModel } from "../model/policy.ts";
import { formatCpu, formatMemory } from "../model/quantity.ts";
import type { FieldChange, Recommendation, RightsizeResult, Skipped } from "../model/recommendation.ts";
import type { ClusterState, Resources, Workload, WorkloadRef } from "../model/types.ts";
import { workloadKey, workloadLabel } from "../model/types.ts";
import { type ChangeSize, type ProposalKind, tierFor } from "./tier.ts";

export interface ValueChange {
  file: string;
  /** Dotted values path, e.g. backend.resources.requests.cpu. */
  path: string;
  container: string;
  field: FieldChange["field"];
  /** Kubernetes quantity string, or null to remove a limit. */
  to: string | null;
}

/** An autoscaling setting in a values file (helm-create's `autoscaling` block, plus kopt's stabilization key). */
export interface SettingChange {
  file: string;
  /** Dotted values path, e.g. frontend.autoscaling.maxReplicas. */
  path: string;
  setting:
    | "enabled"
    | "minReplicas"
    | "maxReplicas"
    | "targetCPUUtilizationPercentage"
    | "scaleDownStabilizationSeconds";
  to: number | boolean;
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
  /** Right-sizing: containers of the workload that change, with their evidence (empty for other kinds). */
  recommendations: Recommendation[];
  /** OOM fast path: the OOM-killed containers and their new limits (kind "oom" only). */
  oom?: OomRecommendation[];
  /** Horizontal scaling: what changes in the HPA and why (kind "hpa" only). */
  hpa?: HpaRecommendation[];
  valueChanges: ValueChange[];
  /** Autoscaling settings (kind "hpa" only). */
  settingChanges?: SettingChange[];
  replicas: number;
  cost: CostEffect;
  /** 0..1: how much history backs the proposal (an OOM kill is a fact: 1). */
  confidence: number;
  /** What the guardrails changed (a cut capped, a tier recomputed), for the reviewer. */
  notes?: string[];
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
export function resourcesPath(
  mapping: WorkloadMapping,
  workload: Workload,
  container: string,
): string | undefined {
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

/** The largest relative cut and raise among the changes (a set or removed value counts as neither). */
export function changeSize(changes: readonly FieldChange[]): ChangeSize {
  let maxCut = 0;
  let maxRaise = 0;
  for (const c of changes) {
    if (c.from === null || c.to === null || c.from === 0) continue;
    const rel = (c.to - c.from) / c.from;
    if (rel < 0) maxCut = Math.max(maxCut, -rel);
    else maxRaise = Math.max(maxRaise, rel);
  }
  return { maxCut, maxRaise };
}

function slugFor(kind: ProposalKind, ref: WorkloadRef): string {
  return `${kind}-${ref.namespace}-${ref.name}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

/** The values edits of a container's resource changes under `base` (its `resources` path). */
function resourceChanges(
  file: string,
  base: string,
  container: string,
  changes: readonly FieldChange[],
): ValueChange[] {
  return changes.map((change) => ({
    file,
    path: `${base}.${change.field}`,
    container,
    field: change.field,
    to: valueText(change),
  }));
}

/**
 * What every proposal has: identity, branch, the tier of its `changes` (before guardrails), and the cost of
 * going from today's resources to `after`.
 */
function proposalHead(
  state: ClusterState,
  workload: Workload,
  kind: ProposalKind,
  changes: readonly FieldChange[],
  after: readonly Resources[],
  prices: PriceModel,
): Pick<Proposal, "id" | "cluster" | "kind" | "tier" | "workload" | "branch" | "slug" | "replicas" | "cost"> {
  const replicas = billedReplicas(state, workload);
  const monthlyBefore = monthlyCost(
    workload.containers.map((c) => c.resources),
    replicas,
    prices,
  );
  const monthlyAfter = monthlyCost(after, replicas, prices);
  return {
    id: proposalId(state.cluster, workload.ref, kind),
    cluster: state.cluster,
    kind,
    tier: tierFor(kind, changeSize(changes)),
    workload: workload.ref,
    branch: branchName(state.cluster, workload.ref, kind),
    slug: slugFor(kind, workload.ref),
    replicas,
    cost: {
      currency: prices.currency,
      monthlyBefore,
      monthlyAfter,
      monthlyDelta: round2(monthlyAfter - monthlyBefore),
    },
  };
}

export function decideRightsize(
  state: ClusterState,
  result: RightsizeResult,
  mappings: readonly WorkloadMapping[],
  prices: PriceModel,
  /** Containers whose memory the OOM fast path changes first: their memory fields are left out here. */
  oomFirst: readonly { workload: WorkloadRef; container: string }[] = [],
): Decision {
  const skipped: Skipped[] = [...result.skipped];
  const unchanged: Decision["unchanged"] = [];
  const byWorkload = new Map<string, Recommendation[]>();
  for (const found of result.recommendations) {
    const oom = oomFirst.some(
      (o) => workloadKey(o.workload) === workloadKey(found.workload) && o.container === found.container,
    );
    // A memory request raised above the limit the container has now would be rejected on its own; the OOM
    // proposal raises the limit first, and the next run right-sizes memory under it.
    const rec = oom
      ? { ...found, changes: found.changes.filter((c) => !c.field.endsWith(".memory")) }
      : found;
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
      valueChanges.push(...resourceChanges(mapping.valuesFile, base, rec.container, rec.changes));
    }
    if (mapped.length === 0) continue;

    const after = workload.containers.map((c) => {
      const rec = mapped.find((r) => r.container === c.name);
      return rec ? applyChanges(c.resources, rec.changes) : c.resources;
    });
    const kind: ProposalKind = "rightsize";
    proposals.push({
      ...proposalHead(
        state,
        workload,
        kind,
        mapped.flatMap((r) => r.changes),
        after,
        prices,
      ),
      recommendations: mapped,
      valueChanges,
      confidence: Math.min(...mapped.map((r) => r.confidence)),
    });
  }
  return { proposals, unchanged, skipped };
}

/** One "oom" proposal per workload with OOM-killed containers: their memory limits raised at once. */
export function decideOom(
  state: ClusterState,
  result: OomResult,
  mappings: readonly WorkloadMapping[],
  prices: PriceModel,
): Decision {
  const skipped: Skipped[] = [...result.skipped];
  const proposals: Proposal[] = [];
  for (const workload of state.workloads) {
    const recs = result.recommendations.filter((r) => workloadKey(r.workload) === workloadKey(workload.ref));
    if (recs.length === 0) continue;
    const mapping = findMapping(mappings, workload.ref);
    const mapped: OomRecommendation[] = [];
    const valueChanges: ValueChange[] = [];
    for (const rec of recs) {
      const base = mapping ? resourcesPath(mapping, workload, rec.container) : undefined;
      if (!mapping || !base) {
        skipped.push({
          workload: rec.workload,
          container: rec.container,
          reason: `OOM-killed, but ${mapping ? `container "${rec.container}" has no resources mapping` : `no values mapping for ${workloadLabel(rec.workload)}`} in kopt.yaml: raise its memory limit by hand (runbooks/oomkilled.md)`,
        });
        continue;
      }
      mapped.push(rec);
      valueChanges.push(...resourceChanges(mapping.valuesFile, base, rec.container, rec.changes));
    }
    if (mapped.length === 0) continue;
    const after = workload.containers.map(
      (c) => mapped.find((r) => r.container === c.name)?.recommended ?? c.resources,
    );
    const kind: ProposalKind = "oom";
    proposals.push({
      ...proposalHead(
        state,
        workload,
        kind,
        mapped.flatMap((r) => r.changes),
        after,
        prices,
      ),
      recommendations: [],
      oom: mapped,
      valueChanges,
      confidence: 1,
    });
  }
  return { proposals, unchanged: [], skipped };
}

/**
 * Replicas the workload is expected to run after the change: an HPA pinned at its max runs at the new max
 * (the upper bound of the cost), an idle one at its new min; enabling an HPA starts from today's count.
 */
function expectedReplicas(replicas: number, recs: readonly HpaRecommendation[]): number {
  let n = replicas;
  for (const r of recs) {
    if (r.change.kind === "raise-max") n = Math.max(n, r.change.to);
    if (r.change.kind === "lower-min") n = Math.min(n, r.change.to);
  }
  return n;
}

/** The values settings an HPA finding changes. */
function settingsFor(change: HpaChange): [SettingChange["setting"], number | boolean][] {
  switch (change.kind) {
    case "enable-hpa":
      return [
        ["enabled", true],
        ["minReplicas", change.minReplicas],
        ["maxReplicas", change.maxReplicas],
        ["targetCPUUtilizationPercentage", change.targetCPUUtilizationPercentage],
      ];
    case "raise-max":
      return [["maxReplicas", change.to]];
    case "lower-min":
      return [["minReplicas", change.to]];
    case "stabilize-scale-down":
      return [["scaleDownStabilizationSeconds", change.stabilizationWindowSeconds]];
  }
}

/** Values path of a workload's autoscaling block, by explicit mapping or helm-create convention. */
export function autoscalingPath(mapping: WorkloadMapping): string {
  return mapping.autoscaling ?? (mapping.prefix ? `${mapping.prefix}.autoscaling` : "autoscaling");
}

/** Values path of a workload's replica count, by explicit mapping or helm-create convention. */
export function replicasPath(mapping: WorkloadMapping): string {
  return mapping.replicas ?? (mapping.prefix ? `${mapping.prefix}.replicaCount` : "replicaCount");
}

/**
 * One "hpa" proposal per workload: enable an HPA, raise its max, lower an idle min, or slow its scale-down.
 * Cost: at the replicas the workload runs now, except a lowered min, which is what an idle HPA runs at.
 */
export function decideHpa(
  state: ClusterState,
  result: HpaResult,
  mappings: readonly WorkloadMapping[],
  prices: PriceModel,
): Decision {
  const skipped: Skipped[] = result.skipped.map((s) => ({
    workload: s.workload,
    container: "(replicas)",
    reason: s.reason,
  }));
  const proposals: Proposal[] = [];
  for (const workload of state.workloads) {
    const recs = result.recommendations.filter((r) => workloadKey(r.workload) === workloadKey(workload.ref));
    if (recs.length === 0) continue;
    const mapping = findMapping(mappings, workload.ref);
    if (!mapping) {
      for (const r of recs)
        skipped.push({
          workload: r.workload,
          container: "(replicas)",
          reason: `${r.reason} No values mapping for ${workloadLabel(r.workload)} in kopt.yaml, so kopt cannot propose it.`,
        });
      continue;
    }
    const base = autoscalingPath(mapping);
    const settingChanges: SettingChange[] = recs.flatMap((r) =>
      settingsFor(r.change).map(([setting, to]) => ({
        file: mapping.valuesFile,
        path: `${base}.${setting}`,
        setting,
        to,
      })),
    );
    const resources = workload.containers.map((c) => c.resources);
    const kind: ProposalKind = "hpa";
    const head = proposalHead(state, workload, kind, [], resources, prices);
    const monthlyAfter = monthlyCost(resources, expectedReplicas(head.replicas, recs), prices);
    proposals.push({
      ...head,
      cost: { ...head.cost, monthlyAfter, monthlyDelta: round2(monthlyAfter - head.cost.monthlyBefore) },
      recommendations: [],
      hpa: recs,
      valueChanges: [],
      settingChanges,
      confidence: hpaConfidence(recs),
    });
  }
  return { proposals, unchanged: [], skipped };
}

/** Like right-sizing's: the history behind the finding over a week, capped at 1. */
function hpaConfidence(recs: readonly HpaRecommendation[]): number {
  const hours = recs.map((r) => {
    const steps = Number(r.evidence.steps);
    const step = Number(r.evidence.stepSeconds);
    return Number.isFinite(steps * step) ? (steps * step) / 3600 : 0;
  });
  return Math.round(Math.min(1, Math.min(...hours) / 168) * 100) / 100;
}
