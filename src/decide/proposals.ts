// Turns findings into proposals: one per workload and kind, each a set of values-file changes. In two
// steps, so the guardrails act between them: candidates (findings grouped by workload and kind, with where
// they are written), then, from what the guardrails left, proposals built once, with the tier and the cost
// of the run's policy. Pure: the values files are not read here; the propose stage finds the current values.
import { createHash } from "node:crypto";
import { monthlyCost, round2 } from "../analyze/cost.ts";
import type { HpaChange, HpaRecommendation, HpaResult } from "../analyze/hpa.ts";
import type { OomRecommendation, OomResult } from "../analyze/oom.ts";
import { applyChanges } from "../analyze/rightsize.ts";
import type { WorkloadMapping } from "../formats/config.ts";
import type { Finding } from "../model/finding.ts";
import { formatCpu, formatMemory } from "../model/format.ts";
import type { Policy, PriceModel } from "../model/policy.ts";
import type { FieldChange, Recommendation, RightsizeResult, Skipped } from "../model/recommendation.ts";
import { type ChangeSize, PROPOSAL_KINDS, type ProposalKind, type Tier } from "../model/tier.ts";
import type { ClusterState, ValuesScalar, Workload, WorkloadRef } from "../model/types.ts";
import { workloadKey, workloadLabel } from "../model/types.ts";
import { tierFor } from "./tier.ts";

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

/** One scalar of a probe written into a values file, e.g. backend.startupProbe.failureThreshold. */
export interface ProbeChange {
  file: string;
  /** Dotted values path. */
  path: string;
  container: string;
  /** The path below the container's values block, e.g. startupProbe.httpGet.port. */
  field: string;
  to: ValuesScalar;
}

/** A probe-killed container of the proposal, with the finding that explains it. */
export interface ProbeFixFinding {
  container: string;
  finding: Finding;
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
  /** Probe-killed containers and the diagnosis behind each (kind "probe" only). */
  probe?: ProbeFixFinding[];
  /** The probe values written, one scalar each (kind "probe" only). */
  probeChanges?: ProbeChange[];
  replicas: number;
  cost: CostEffect;
  /** 0..1: how much history backs the proposal (an OOM kill is a fact: 1). */
  confidence: number;
  /** What the guardrails changed (a cut capped, a tier recomputed), for the reviewer. */
  notes?: string[];
  /** What past outcomes changed in it (src/analyze/outcomes.ts), in the PR body's words. */
  learned?: string[];
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

/**
 * Whether a branch is a proposal's (`kopt/<cluster>/<namespace>/<name>/<kind>`), not a rollback's
 * (`kopt/<cluster>/rollback/<id>`) or the after-merge record's (`kopt/<cluster>/records`): only proposals
 * become obsolete when a run no longer recommends them.
 */
export function isProposalBranch(branch: string): boolean {
  const parts = branch.split("/");
  return (
    parts.length === 5 &&
    parts[0] === "kopt" &&
    (PROPOSAL_KINDS as readonly string[]).includes(parts[4] ?? "")
  );
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

/** What a proposal's tier and cost are computed from: the run's tier rules and prices. */
export type ProposalPolicy = Pick<Policy, "tiers" | "pricing">;

/**
 * A proposal before the guardrails: the findings for one workload and kind, and where in its values file
 * they are written. Not yet priced or tiered: that happens once, in buildProposal, on what the guardrails
 * leave of it.
 */
export interface Candidate {
  kind: ProposalKind;
  workload: WorkloadRef;
  /** The values file of the workload's mapping. */
  file: string;
  /** Per container: the values path of its `resources` (right-sizing and OOM). */
  resourcePaths: Record<string, string>;
  /** The values path of the workload's `autoscaling` block (kind "hpa"). */
  autoscalingPath?: string;
  /** Right-sizing: the containers that change, with their evidence (empty for other kinds). */
  recommendations: Recommendation[];
  /** OOM fast path: the OOM-killed containers and their new limits (kind "oom" only). */
  oom?: OomRecommendation[];
  /** Horizontal scaling: what changes in the HPA and why (kind "hpa" only). */
  hpa?: HpaRecommendation[];
  /** Probe changes: the findings and the probe values they write (kind "probe" only). */
  probe?: { findings: ProbeFixFinding[]; changes: ProbeChange[] };
  /** The workload runs in a production namespace (the probe tier depends on it). */
  production?: boolean;
}

export interface Candidates {
  candidates: Candidate[];
  /** Containers whose recommendation is within the minimum-change rule: nothing to do. */
  unchanged: { workload: WorkloadRef; container: string }[];
  skipped: Skipped[];
}

/** The candidate as a proposal: values edits, settings, tier and cost from its (possibly clamped) findings. */
export function buildProposal(
  state: ClusterState,
  candidate: Candidate,
  policy: ProposalPolicy,
  notes: readonly string[] = [],
): Proposal {
  const { kind, workload: ref } = candidate;
  const id = proposalId(state.cluster, ref, kind);
  const workload = state.workloads.find((w) => workloadKey(w.ref) === workloadKey(ref));
  if (!workload) throw new Error(`proposal ${id} is for ${workloadLabel(ref)}, which is not in the state`);
  const replicas = billedReplicas(state, workload);
  const changed = [...candidate.recommendations, ...(candidate.oom ?? [])];
  const hpa = candidate.hpa ?? [];
  const cost =
    kind === "hpa"
      ? hpaCost(workload, replicas, hpa, policy.pricing)
      : proposalCost(workload, changed, replicas, policy.pricing);
  return {
    id,
    cluster: state.cluster,
    kind,
    tier: tierOf(candidate, policy),
    workload: ref,
    branch: branchName(state.cluster, ref, kind),
    slug: slugFor(kind, ref),
    replicas,
    cost,
    recommendations: candidate.recommendations,
    ...(candidate.oom ? { oom: candidate.oom } : {}),
    ...(candidate.hpa ? { hpa: candidate.hpa } : {}),
    valueChanges: changed.flatMap((r) =>
      resourceChanges(candidate.file, candidate.resourcePaths[r.container] as string, r.container, r.changes),
    ),
    ...(kind === "hpa" ? { settingChanges: settingChanges(candidate) } : {}),
    ...(candidate.probe ? { probe: candidate.probe.findings, probeChanges: candidate.probe.changes } : {}),
    confidence: confidenceOf(candidate),
    ...(notes.length > 0 ? { notes: [...notes] } : {}),
  };
}

/** The configured tier rules on the candidate's changes. */
export function tierOf(candidate: Candidate, policy: Pick<Policy, "tiers">): Tier {
  const changes = [...candidate.recommendations, ...(candidate.oom ?? [])].flatMap((r) => r.changes);
  return tierFor(
    candidate.kind,
    changeSize(changes),
    policy.tiers,
    candidate.workload.namespace,
    candidate.production ?? false,
  );
}

function confidenceOf(candidate: Candidate): number {
  switch (candidate.kind) {
    case "rightsize":
      return Math.min(...candidate.recommendations.map((r) => r.confidence));
    case "oom":
      // An OOM kill is a fact.
      return 1;
    case "hpa":
      return hpaConfidence(candidate.hpa ?? []);
    case "probe":
      // The classifier's: lower when the logs or the observed start were missing.
      return Math.min(...(candidate.probe?.findings ?? []).map((f) => f.finding.confidence));
    case "security":
      // A finding read off the running objects is a fact (plan makes no security candidates).
      return 1;
  }
}

/** Cost of going from every container's resources today to the changed containers' changes applied. */
export function proposalCost(
  workload: Workload,
  changed: readonly { container: string; changes: readonly FieldChange[] }[],
  replicas: number,
  prices: PriceModel,
): CostEffect {
  const before = workload.containers.map((c) => c.resources);
  const after = workload.containers.map((c) => {
    const rec = changed.find((r) => r.container === c.name);
    return rec ? applyChanges(c.resources, rec.changes) : c.resources;
  });
  return costEffect(monthlyCost(before, replicas, prices), monthlyCost(after, replicas, prices), prices);
}

/** An HPA change costs the workload's resources at the replicas it is expected to run after it. */
function hpaCost(
  workload: Workload,
  replicas: number,
  findings: readonly HpaRecommendation[],
  prices: PriceModel,
): CostEffect {
  const resources = workload.containers.map((c) => c.resources);
  return costEffect(
    monthlyCost(resources, replicas, prices),
    monthlyCost(resources, expectedReplicas(replicas, findings), prices),
    prices,
  );
}

function costEffect(monthlyBefore: number, monthlyAfter: number, prices: PriceModel): CostEffect {
  return {
    currency: prices.currency,
    monthlyBefore,
    monthlyAfter,
    monthlyDelta: round2(monthlyAfter - monthlyBefore),
  };
}

/**
 * Replicas the workload is expected to run after an HPA change: an HPA pinned at its max runs at the new max
 * (the upper bound of the cost), an idle one at its new min, and a new HPA at today's count held within its
 * range (a min above today's count raises it, a max below lowers it).
 */
function expectedReplicas(replicas: number, findings: readonly HpaRecommendation[]): number {
  let n = replicas;
  for (const { change } of findings) {
    if (change.kind === "raise-max") n = Math.max(n, change.to);
    if (change.kind === "lower-min") n = Math.min(n, change.to);
    if (change.kind === "enable-hpa") n = Math.min(Math.max(n, change.minReplicas), change.maxReplicas);
  }
  return n;
}

/** The settings the HPA findings write, in finding order. */
function settingChanges(candidate: Candidate): SettingChange[] {
  const base = candidate.autoscalingPath as string;
  return (candidate.hpa ?? []).flatMap((r) =>
    settingsFor(r.change).map(([setting, to]) => ({
      file: candidate.file,
      path: `${base}.${setting}`,
      setting,
      to,
    })),
  );
}

/** Candidates of right-sizing: one per workload with changes, its containers mapped to values paths. */
export function rightsizeCandidates(
  state: ClusterState,
  result: RightsizeResult,
  mappings: readonly WorkloadMapping[],
  /** Containers whose memory the OOM fast path changes first: their memory fields are left out here. */
  oomFirst: readonly { workload: WorkloadRef; container: string }[] = [],
): Candidates {
  const skipped: Skipped[] = [...result.skipped];
  const unchanged: Candidates["unchanged"] = [];
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

  const candidates: Candidate[] = [];
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
    const resourcePaths: Record<string, string> = {};
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
      resourcePaths[rec.container] = base;
    }
    if (mapped.length === 0) continue;
    candidates.push({
      kind: "rightsize",
      workload: workload.ref,
      file: mapping.valuesFile,
      resourcePaths,
      recommendations: mapped,
    });
  }
  return { candidates, unchanged, skipped };
}

/** Candidates of the OOM fast path: one per workload with OOM-killed containers, their limits raised at once. */
export function oomCandidates(
  state: ClusterState,
  result: OomResult,
  mappings: readonly WorkloadMapping[],
): Candidates {
  const skipped: Skipped[] = [...result.skipped];
  const candidates: Candidate[] = [];
  for (const workload of state.workloads) {
    const recs = result.recommendations.filter((r) => workloadKey(r.workload) === workloadKey(workload.ref));
    if (recs.length === 0) continue;
    const mapping = findMapping(mappings, workload.ref);
    const mapped: OomRecommendation[] = [];
    const resourcePaths: Record<string, string> = {};
    for (const rec of recs) {
      const base = mapping ? resourcesPath(mapping, workload, rec.container) : undefined;
      if (!mapping || !base) {
        skipped.push({
          workload: rec.workload,
          container: rec.container,
          reason: `OOM-killed, but ${mapping ? `container "${rec.container}" has no resources mapping` : `no values mapping for ${workloadLabel(rec.workload)}`} in kopt.yaml: raise its memory limit by hand (runbooks/oom-killed.md)`,
        });
        continue;
      }
      mapped.push(rec);
      resourcePaths[rec.container] = base;
    }
    if (mapped.length === 0 || !mapping) continue;
    candidates.push({
      kind: "oom",
      workload: workload.ref,
      file: mapping.valuesFile,
      resourcePaths,
      recommendations: [],
      oom: mapped,
    });
  }
  return { candidates, unchanged: [], skipped };
}

/** Candidates of horizontal scaling: one per workload (enable an HPA, raise its max, lower an idle min, ...). */
export function hpaCandidates(
  state: ClusterState,
  result: HpaResult,
  mappings: readonly WorkloadMapping[],
): Candidates {
  const skipped: Skipped[] = result.skipped.map((s) => ({
    workload: s.workload,
    container: "(replicas)",
    reason: s.reason,
  }));
  const candidates: Candidate[] = [];
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
    candidates.push({
      kind: "hpa",
      workload: workload.ref,
      file: mapping.valuesFile,
      resourcePaths: {},
      autoscalingPath: autoscalingPath(mapping),
      recommendations: [],
      hpa: recs,
    });
  }
  return { candidates, unchanged: [], skipped };
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

/** Like right-sizing's: the history behind the finding over a week, capped at 1. */
function hpaConfidence(recs: readonly HpaRecommendation[]): number {
  const hours = recs.map((r) => {
    const steps = Number(r.evidence.steps);
    const step = Number(r.evidence.stepSeconds);
    return Number.isFinite(steps * step) ? (steps * step) / 3600 : 0;
  });
  return Math.round(Math.min(1, Math.min(...hours) / 168) * 100) / 100;
}
