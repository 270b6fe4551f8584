// Guardrails: which proposals kopt may open in this run, which it holds back, and why.
// Pure: "now" and the recently merged changes (from the PHRs) are passed in.
//
// Nothing is dropped silently: every input proposal comes out exactly once, either kept (its values
// possibly clamped, each clamp explained in notes) or held back with a rule and a reason.
//
// Rules, in this order (the first that holds a proposal back wins):
//   1. paused        `paused: true` holds back everything, OOM raises included.
//   2. ignored       annotation `kopt.dev/ignore: "true"` on the workload, or the workload listed in
//                    `ignore` ("namespace/name" or "namespace/*"). OOM raises included.
//   3. cooldown      a change to the same workload (any kind) merged less than cooldownSeconds before
//                    now. Exclusive end: a change merged exactly cooldownSeconds ago no longer holds.
//                    OOM raises are exempt.
//   4. values        per container (right-sizing and OOM alike), on each requests/limits change:
//                    a. bounds: the new value is clamped into the workload's [min, max];
//                    b. max step: a cut of more than maxCutFraction of the current value is limited to
//                       current x (1 - maxCutFraction), rounded up (raises are never limited);
//                    c. limit >= request: a request left above its limit is lowered to the limit.
//                    A change that ends at the current value is dropped; a proposal with no change left
//                    is held back ("bounds", or "max-step" when only the max step emptied it). A proposal
//                    that changed gets value changes, cost and tier recomputed to match.
//                    HPA proposals: each minReplicas and maxReplicas setting is clamped into bounds.replicas
//                    (never turning a raise into a cut or back), a minReplicas above the maxReplicas it
//                    comes with is lowered to it, and a setting the clamp left at the HPA's current value
//                    is dropped (with its finding); no setting left: held back ("bounds"). The max step
//                    does not apply to replica counts. A proposal that changed gets its findings and cost
//                    recomputed to match.
//   5. max-proposals the survivors are ranked (OOM first, then by |monthly cost delta|, descending,
//                    then by workload) and those beyond maxProposalsPerRun are held back.
import { monthlyCost, round2 } from "../analyze/cost.ts";
import type { HpaRecommendation } from "../analyze/hpa.ts";
import { applyChanges } from "../analyze/rightsize.ts";
import type { PriceModel } from "../model/policy.ts";
import { formatCpu, formatMemory, roundCpuUp, roundMemoryUp } from "../model/quantity.ts";
import { type FieldChange, RESOURCE_FIELDS, type ResourceField } from "../model/recommendation.ts";
import type { ClusterState, Resources, Workload, WorkloadRef } from "../model/types.ts";
import { workloadKey, workloadLabel } from "../model/types.ts";
import {
  type CostEffect,
  changeSize,
  type Proposal,
  type SettingChange,
  type ValueChange,
} from "./proposals.ts";
import { APPROVAL_BY_TIER, tierFor } from "./tier.ts";

/** Inclusive; either end may be left open. Base units: cores, bytes, replicas. */
export interface Range {
  min?: number;
  max?: number;
}

export interface WorkloadBounds {
  cpu?: Range;
  memory?: Range;
  /**
   * For replica counts: HPA proposals' minReplicas and maxReplicas settings are clamped into it. Right-sizing
   * and OOM change no replica count.
   */
  replicas?: Range;
}

export interface GuardrailPolicy {
  /** Global kill switch: hold back everything. */
  paused: boolean;
  maxProposalsPerRun: number;
  /** 0.5: a value may drop by at most 50% of its current value in one change. */
  maxCutFraction: number;
  cooldownSeconds: number;
  /** Workloads opted out by config: "namespace/name", or "namespace/*" for a whole namespace. */
  ignore: string[];
  /**
   * Per "namespace/name" or "namespace/*". Entries are merged end by end (min, max) in list order,
   * namespace entries before workload entries, so a workload entry overrides its namespace's.
   */
  bounds: { workload: string; bounds: WorkloadBounds }[];
}

export const DEFAULT_GUARDRAILS: GuardrailPolicy = {
  paused: false,
  maxProposalsPerRun: 10,
  maxCutFraction: 0.5,
  cooldownSeconds: 7 * 86400,
  ignore: [],
  bounds: [],
};

export const IGNORE_ANNOTATION = "kopt.dev/ignore";

/** A change merged into the GitOps repo, from the PHRs. mergedAt in Unix seconds. */
export interface RecentChange {
  workload: WorkloadRef;
  kind: string;
  mergedAt: number;
}

export type GuardrailRule = "paused" | "ignored" | "cooldown" | "bounds" | "max-step" | "max-proposals";

export interface HeldBack {
  /** The proposal as it came in, untouched. */
  proposal: Proposal;
  reason: string;
  rule: GuardrailRule;
}

export interface Adjusted {
  /** The input proposal itself when nothing was clamped; otherwise a new one with consistent values and cost. */
  proposal: Proposal;
  /** One line per clamp or dropped change; empty when nothing was changed. */
  notes: string[];
}

export interface GuardrailInput {
  proposals: readonly Proposal[];
  state: ClusterState;
  policy: GuardrailPolicy;
  recent: readonly RecentChange[];
  /** Unix seconds. */
  now: number;
  /** To re-price a proposal whose values were clamped; the same model the proposals were priced with. */
  prices: PriceModel;
}

export interface GuardrailResult {
  /** In priority order: OOM first, then by |monthly cost delta|, descending, then by workload. */
  kept: Adjusted[];
  /** Rules 1-4 in input order, then max-proposals in priority order. */
  heldBack: HeldBack[];
}

export function applyGuardrails(input: GuardrailInput): GuardrailResult {
  const { proposals, state, policy, recent, now, prices } = input;
  const workloads = new Map(state.workloads.map((w) => [workloadKey(w.ref), w]));
  const heldBack: HeldBack[] = [];
  const candidates: { original: Proposal; adjusted: Adjusted }[] = [];

  for (const proposal of proposals) {
    const hold = (rule: GuardrailRule, reason: string) => heldBack.push({ proposal, rule, reason });
    if (policy.paused) {
      hold("paused", "paused: true in kopt.yaml");
      continue;
    }
    const workload = workloads.get(workloadKey(proposal.workload));
    const ignored = ignoreReason(proposal.workload, workload, policy);
    if (ignored) {
      hold("ignored", ignored);
      continue;
    }
    // An OOM-killed container is failing now; waiting out a cooldown would only prolong the outage.
    const cooling = isOom(proposal) ? undefined : cooldownReason(proposal.workload, recent, policy, now);
    if (cooling) {
      hold("cooldown", cooling);
      continue;
    }
    const adjusted = adjustValues(proposal, workload, policy, prices);
    if ("rule" in adjusted) {
      hold(adjusted.rule, adjusted.reason);
      continue;
    }
    candidates.push({ original: proposal, adjusted });
  }

  const ranked = candidates.sort((a, b) => byPriority(a.adjusted.proposal, b.adjusted.proposal));
  const limit = Math.max(0, Math.floor(policy.maxProposalsPerRun));
  ranked.slice(limit).forEach(({ original }, i) => {
    heldBack.push({
      proposal: original,
      rule: "max-proposals",
      reason: `at most ${limit} proposal${limit === 1 ? "" : "s"} per run (maxProposalsPerRun); this one ranks ${limit + i + 1} of ${ranked.length} (OOM first, then by monthly cost effect)`,
    });
  });
  return { kept: ranked.slice(0, limit).map((c) => c.adjusted), heldBack };
}

/** The workload's bounds, merged from its "namespace/*" entries and then its "namespace/name" entries. */
export function boundsFor(policy: GuardrailPolicy, ref: WorkloadRef): WorkloadBounds {
  const merged: WorkloadBounds = {};
  const entries = [
    ...policy.bounds.filter((b) => b.workload === namespacePattern(ref)),
    ...policy.bounds.filter((b) => b.workload === workloadLabel(ref)),
  ];
  for (const { bounds } of entries) {
    for (const resource of ["cpu", "memory", "replicas"] as const) {
      const range = bounds[resource];
      if (!range) continue;
      const next: Range = { ...merged[resource] };
      if (range.min !== undefined) next.min = range.min;
      if (range.max !== undefined) next.max = range.max;
      merged[resource] = next;
    }
  }
  return merged;
}

/**
 * Cost of a proposal the way decideRightsize and decideOom price it: every container before, the changed
 * containers' changes applied after.
 */
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
  const monthlyBefore = monthlyCost(before, replicas, prices);
  const monthlyAfter = monthlyCost(after, replicas, prices);
  return {
    currency: prices.currency,
    monthlyBefore,
    monthlyAfter,
    monthlyDelta: round2(monthlyAfter - monthlyBefore),
  };
}

function isOom(proposal: Proposal): boolean {
  return proposal.kind === "oom";
}

function namespacePattern(ref: WorkloadRef): string {
  return `${ref.namespace}/*`;
}

function ignoreReason(
  ref: WorkloadRef,
  workload: Workload | undefined,
  policy: GuardrailPolicy,
): string | undefined {
  const annotation = workload?.annotations[IGNORE_ANNOTATION];
  if (annotation !== undefined && annotation.trim().toLowerCase() === "true") {
    return `annotation ${IGNORE_ANNOTATION}: "${annotation}" on ${workloadLabel(ref)}`;
  }
  const pattern = policy.ignore.find((p) => p === workloadLabel(ref) || p === namespacePattern(ref));
  if (pattern !== undefined) return `ignore: ${pattern} in kopt.yaml`;
  return undefined;
}

function cooldownReason(
  ref: WorkloadRef,
  recent: readonly RecentChange[],
  policy: GuardrailPolicy,
  now: number,
): string | undefined {
  // The latest merge decides: usage from before it no longer describes the workload, so wait for new data.
  let last: RecentChange | undefined;
  for (const change of recent) {
    if (workloadKey(change.workload) !== workloadKey(ref)) continue;
    if (!last || change.mergedAt > last.mergedAt) last = change;
  }
  if (!last) return undefined;
  const age = now - last.mergedAt;
  if (age >= policy.cooldownSeconds) return undefined;
  return (
    `changed ${describeAge(age)} ago (${last.kind}, merged ${utc(last.mergedAt)}); ` +
    `cooldown ${describeDuration(policy.cooldownSeconds)}, until ${utc(last.mergedAt + policy.cooldownSeconds)}`
  );
}

type Resource = "cpu" | "memory";

function resourceOf(field: ResourceField): Resource {
  return field.endsWith("cpu") ? "cpu" : "memory";
}

function roundUp(resource: Resource, value: number): number {
  return resource === "cpu" ? roundCpuUp(value) : roundMemoryUp(value);
}

function show(field: ResourceField, value: number | null): string {
  if (value === null) return "unset";
  return resourceOf(field) === "cpu" ? formatCpu(value) : formatMemory(value);
}

/** Equal up to float noise, so 0.3 x 0.5 compares equal to 0.15. */
function same(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function above(a: number, b: number): boolean {
  return a > b && !same(a, b);
}

type Clamp = "bounds" | "max-step";

/** What the value rules need of a container's change: a Recommendation and an OomRecommendation both fit. */
interface ContainerChanges {
  container: string;
  current: Resources;
  recommended: Resources;
  changes: FieldChange[];
}

interface ContainerOutcome<T extends ContainerChanges> {
  rec: T;
  changes: FieldChange[];
  notes: string[];
  by: Set<Clamp>;
}

/**
 * Rule 4: bounds, max step and limit >= request on every value change, right-sizing and OOM alike; a new
 * proposal, with value changes, cost and tier to match, when anything moved.
 */
function adjustValues(
  proposal: Proposal,
  workload: Workload | undefined,
  policy: GuardrailPolicy,
  prices: PriceModel,
): Adjusted | { rule: GuardrailRule; reason: string } {
  const bounds = boundsFor(policy, proposal.workload);
  if (proposal.kind === "hpa") return adjustReplicas(proposal, workload, bounds.replicas, prices);
  const adjust = <T extends ContainerChanges>(rec: T) => adjustContainer(rec, bounds, policy.maxCutFraction);
  const sized = proposal.recommendations.map(adjust);
  const oom = (proposal.oom ?? []).map(adjust);
  const outcomes = [...sized, ...oom];
  const notes = outcomes.flatMap((o) => o.notes);
  if (notes.length === 0) return { proposal, notes: [] };

  if (outcomes.every((o) => o.changes.length === 0)) {
    const rule: Clamp = outcomes.some((o) => o.by.has("bounds")) ? "bounds" : "max-step";
    return { rule, reason: `nothing left to change: ${notes.join("; ")}` };
  }
  for (const o of outcomes) {
    if (o.changes.length === 0)
      notes.push(`${o.rec.container}: nothing left to change; left out of this proposal`);
  }
  if (!workload) {
    throw new Error(
      `proposal ${proposal.id} is for ${workloadLabel(proposal.workload)}, which is not in the state`,
    );
  }

  const recommendations = remaining(sized);
  const oomRecs = remaining(oom);
  const changed = [...recommendations, ...oomRecs];
  // A cut the max step made smaller may no longer be a big cut: the tier follows what is proposed now.
  const tier = tierFor(proposal.kind, changeSize(changed.flatMap((r) => r.changes)));
  if (tier !== proposal.tier)
    notes.push(`tier ${proposal.tier} -> ${tier} (approval: ${APPROVAL_BY_TIER[tier]})`);
  return {
    proposal: {
      ...proposal,
      tier,
      recommendations,
      ...(proposal.oom ? { oom: oomRecs } : {}),
      valueChanges: valueChangesFor(proposal.valueChanges, changed),
      cost: proposalCost(workload, changed, proposal.replicas, prices),
    },
    notes,
  };
}

type ReplicaSetting = "minReplicas" | "maxReplicas";

function isReplicaSetting(setting: SettingChange["setting"]): setting is ReplicaSetting {
  return setting === "minReplicas" || setting === "maxReplicas";
}

/**
 * Rule 4 for an HPA proposal: its minReplicas and maxReplicas settings clamped into the replica bounds; a new
 * proposal, with settings, findings and cost to match, when anything moved. An existing HPA's current values
 * come from the state; enabling an HPA has none, so its settings are only clamped.
 */
function adjustReplicas(
  proposal: Proposal,
  workload: Workload | undefined,
  range: Range | undefined,
  prices: PriceModel,
): Adjusted | { rule: GuardrailRule; reason: string } {
  const settings = proposal.settingChanges ?? [];
  const hpa = workload?.hpa ?? null;
  const currentOf = (setting: ReplicaSetting): number | null => (hpa ? hpa[setting] : null);
  const notes: string[] = [];
  // One proposal per workload, so at most one change per setting.
  const values = new Map<ReplicaSetting, number>();

  for (const { setting, to } of settings) {
    if (!isReplicaSetting(setting) || typeof to !== "number") continue;
    let value = to;
    const bounded = clamp(to, range);
    if (bounded !== to) {
      const from = currentOf(setting);
      const arrow = from === null ? `${setting} ${to} (new HPA)` : `${setting} ${from} -> ${to}`;
      const rule = `bounds.replicas.${range?.min !== undefined && to < range.min ? "min" : "max"}`;
      // As for resources: a current value already outside the bounds must not turn a raise into a cut.
      if (from !== null && (to - from) * (bounded - from) < 0) {
        const turn = to > from ? "raise into a cut" : "cut into a raise";
        notes.push(`${arrow}: left at ${from} (${rule} ${bounded} would turn this ${turn})`);
        value = from;
      } else {
        notes.push(`${arrow}: ${bounded === from ? "left at" : "limited to"} ${bounded} (${rule})`);
        value = bounded;
      }
    }
    values.set(setting, value);
  }

  // Kubernetes rejects an HPA whose minReplicas exceeds its maxReplicas (bounds whose min is above their max
  // can clamp a new HPA so): the min comes down to the max rather than the max past what the bounds allow.
  const min = values.get("minReplicas");
  const max = values.get("maxReplicas") ?? hpa?.maxReplicas;
  if (min !== undefined && max !== undefined && min > max) {
    notes.push(
      `minReplicas ${min}: lowered to the maxReplicas ${max} (an HPA's minReplicas may not exceed its maxReplicas)`,
    );
    values.set("minReplicas", max);
  }
  if (notes.length === 0) return { proposal, notes: [] };

  // A setting moved back to the HPA's current value changes nothing.
  const dropped = new Set<ReplicaSetting>();
  const settingChanges = settings.flatMap((change): SettingChange[] => {
    const { setting, to } = change;
    if (!isReplicaSetting(setting) || typeof to !== "number") return [change];
    const value = values.get(setting) as number;
    if (value === to) return [change];
    if (value === currentOf(setting)) {
      dropped.add(setting);
      return [];
    }
    return [{ ...change, to: value }];
  });
  // "enabled" (or a target, or a stabilization window) left on its own is still a change to propose.
  if (settingChanges.length === 0) {
    return { rule: "bounds", reason: `nothing left to change: ${notes.join("; ")}` };
  }
  if (!workload) {
    throw new Error(
      `proposal ${proposal.id} is for ${workloadLabel(proposal.workload)}, which is not in the state`,
    );
  }

  const findings = (proposal.hpa ?? []).flatMap((r): HpaRecommendation[] => {
    const c = r.change;
    const setting: ReplicaSetting | undefined =
      c.kind === "raise-max" ? "maxReplicas" : c.kind === "lower-min" ? "minReplicas" : undefined;
    if (setting && dropped.has(setting)) {
      notes.push(`${c.kind}: nothing left to change; left out of this proposal`);
      return [];
    }
    if (c.kind === "enable-hpa") {
      const minReplicas = values.get("minReplicas") ?? c.minReplicas;
      const maxReplicas = values.get("maxReplicas") ?? c.maxReplicas;
      if (minReplicas === c.minReplicas && maxReplicas === c.maxReplicas) return [r];
      return [{ ...r, change: { ...c, minReplicas, maxReplicas } }];
    }
    if (c.kind === "raise-max" || c.kind === "lower-min") {
      const to = values.get(setting as ReplicaSetting) ?? c.to;
      return [to === c.to ? r : { ...r, change: { ...c, to } }];
    }
    return [r];
  });

  const monthlyAfter = monthlyCost(
    workload.containers.map((c) => c.resources),
    expectedReplicas(proposal.replicas, findings),
    prices,
  );
  return {
    proposal: {
      ...proposal,
      ...(proposal.hpa ? { hpa: findings } : {}),
      settingChanges,
      cost: {
        ...proposal.cost,
        monthlyAfter,
        monthlyDelta: round2(monthlyAfter - proposal.cost.monthlyBefore),
      },
    },
    notes,
  };
}

/**
 * Replicas the workload is expected to run after an HPA change, as decideHpa prices it: a raised max runs at
 * the new max, a lowered min at the new min, and a new HPA at today's count, held within its new range (a
 * min bound above today's count raises it, a max bound below lowers it).
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

function remaining<T extends ContainerChanges>(outcomes: readonly ContainerOutcome<T>[]): T[] {
  return outcomes.filter((o) => o.changes.length > 0).map((o) => withChanges(o.rec, o.changes));
}

function adjustContainer<T extends ContainerChanges>(
  rec: T,
  bounds: WorkloadBounds,
  maxCutFraction: number,
): ContainerOutcome<T> {
  const notes: string[] = [];
  const by = new Set<Clamp>();
  const label = (field: ResourceField) => `${rec.container} ${field}`;

  const changes: FieldChange[] = rec.changes.map((change) => {
    const { field, from } = change;
    let to = change.to;
    // Removing a limit sets no value, so there is nothing to clamp.
    if (to === null) return { ...change };
    const resource = resourceOf(field);
    const arrow = `${label(field)} ${show(field, from)} -> ${show(field, to)}`;

    const range = bounds[resource];
    const bounded = clamp(to, range);
    if (!same(bounded, to)) {
      by.add("bounds");
      const rule = `bounds ${describeRange(field, range)}`;
      // With the current value already outside the bounds, clamping could turn a raise into a cut (or a cut
      // into a raise). Guardrails only hold back; they never propose what the analysis did not.
      if (from !== null && (to - from) * (bounded - from) < 0) {
        const turn = to > from ? "raise into a cut" : "cut into a raise";
        notes.push(`${arrow}: left at ${show(field, from)} (${rule} would turn this ${turn})`);
        to = from;
      } else {
        const verb = same(bounded, from) ? "left at" : "clamped to";
        notes.push(`${arrow}: ${verb} ${show(field, bounded)} (${rule})`);
        to = bounded;
      }
    }

    // Raises are never limited: under-provisioning is the dangerous side. A big cut is taken in steps
    // across runs, each measured again on fresh usage. It runs after bounds, so a current value more
    // than twice a max bound walks down to it over several runs instead of in one cut.
    if (from !== null && to < from && above(from - to, maxCutFraction * from)) {
      const percent = Math.round(((from - to) / from) * 100);
      const step = roundUp(resource, from * (1 - maxCutFraction));
      const maxPercent = Math.round(maxCutFraction * 100);
      // After a bound, the note shows the cut the bound left: that is what the step limits.
      const cut = `${label(field)} ${show(field, from)} -> ${show(field, to)}`;
      by.add("max-step");
      if (step < from && !same(step, from)) {
        notes.push(
          `${cut}: a cut of ${percent}%, limited to ${show(field, step)} (max step ${maxPercent}% per change; the rest in later runs)`,
        );
        to = step;
      } else {
        // Rounding up to a quantity people write lands back on the current value (tiny values only).
        notes.push(
          `${cut}: left at ${show(field, from)} (a cut of at most ${maxPercent}% rounds back up to it)`,
        );
        to = from;
      }
    }
    return { ...change, to };
  });

  // Kubernetes rejects a request above its limit. A clamp can leave one there (a min bound on the request
  // next to an unchanged limit, a max bound on the limit next to an unchanged request, rounding of a step):
  // the request comes down to the limit rather than the limit going past what the guardrails allow.
  for (const resource of ["cpu", "memory"] as const) {
    const requestField = `requests.${resource}` as const;
    const limitField = `limits.${resource}` as const;
    if (!changes.some((c) => c.field === requestField || c.field === limitField)) continue;
    const after = applyChanges(rec.current, changes);
    const request = after.requests[resource];
    const limit = after.limits[resource];
    if (request === null || limit === null || !above(request, limit)) continue;
    const existing = changes.find((c) => c.field === requestField);
    const proposed = rec.changes.find((c) => c.field === requestField);
    const from = rec.current.requests[resource];
    const was = proposed
      ? `${show(requestField, from)} -> ${show(requestField, proposed.to)}`
      : show(requestField, from);
    notes.push(
      `${label(requestField)} ${was}: lowered to the limit ${show(limitField, limit)} (Kubernetes rejects a request above its limit)`,
    );
    by.add("bounds");
    if (existing) existing.to = limit;
    else changes.push({ field: requestField, from, to: limit });
  }

  const kept = changes
    .filter((c) => !same(c.from, c.to))
    .sort((a, b) => RESOURCE_FIELDS.indexOf(a.field) - RESOURCE_FIELDS.indexOf(b.field));
  return { rec, changes: kept, notes, by };
}

function clamp(value: number, range: Range | undefined): number {
  if (range?.min !== undefined && value < range.min) return range.min;
  if (range?.max !== undefined && value > range.max) return range.max;
  return value;
}

function describeRange(field: ResourceField, range: Range | undefined): string {
  const parts: string[] = [];
  if (range?.min !== undefined) parts.push(`min ${show(field, range.min)}`);
  if (range?.max !== undefined) parts.push(`max ${show(field, range.max)}`);
  return parts.join(", ");
}

/** The recommendation with new changes; recommended follows what will be applied for every field touched. */
function withChanges<T extends ContainerChanges>(rec: T, changes: FieldChange[]): T {
  const recommended: Resources = {
    requests: { ...rec.recommended.requests },
    limits: { ...rec.recommended.limits },
  };
  const applied = applyChanges(rec.current, changes);
  for (const field of new Set([...rec.changes, ...changes].map((c) => c.field))) {
    const [group, resource] = field.split(".") as ["requests" | "limits", Resource];
    recommended[group][resource] = applied[group][resource];
  }
  return { ...rec, recommended, changes };
}

/** Value changes in recommendation order with the new quantities; a new field reuses its container's path. */
function valueChangesFor(
  original: readonly ValueChange[],
  recommendations: readonly ContainerChanges[],
): ValueChange[] {
  const result: ValueChange[] = [];
  for (const rec of recommendations) {
    const ofContainer = original.filter((v) => v.container === rec.container);
    for (const change of rec.changes) {
      const to = change.to === null ? null : show(change.field, change.to);
      const existing = ofContainer.find((v) => v.field === change.field);
      if (existing) {
        result.push({ ...existing, to });
        continue;
      }
      const sibling = ofContainer[0] as ValueChange; // every proposed container has at least one value change
      const base = sibling.path.slice(0, sibling.path.length - sibling.field.length - 1);
      result.push({
        file: sibling.file,
        path: `${base}.${change.field}`,
        container: rec.container,
        field: change.field,
        to,
      });
    }
  }
  return result;
}

function byPriority(a: Proposal, b: Proposal): number {
  return (
    Number(isOom(b)) - Number(isOom(a)) ||
    Math.abs(b.cost.monthlyDelta) - Math.abs(a.cost.monthlyDelta) ||
    compareStrings(workloadKey(a.workload), workloadKey(b.workload)) ||
    compareStrings(a.kind, b.kind)
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "2026-11-18 09:30 UTC". */
function utc(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Whole days from one day on, whole hours below ("3 days", "5 hours"). */
function describeAge(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s >= 86400) return plural(Math.floor(s / 86400), "day");
  if (s >= 3600) return plural(Math.floor(s / 3600), "hour");
  return plural(Math.floor(s / 60), "minute");
}

/** The largest unit that divides it exactly: "7 days", "36 hours", "90 minutes". */
function describeDuration(seconds: number): string {
  if (seconds > 0 && seconds % 86400 === 0) return plural(seconds / 86400, "day");
  if (seconds > 0 && seconds % 3600 === 0) return plural(seconds / 3600, "hour");
  if (seconds > 0 && seconds % 60 === 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}
