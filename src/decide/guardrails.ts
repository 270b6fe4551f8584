// Guardrails: which proposals kopt may open in this run, which it holds back, and why.
// Pure: "now" and the recently merged changes (from the PHRs) are passed in.
//
// They act on the candidates (the findings grouped by workload and kind, src/decide/proposals.ts) before
// any proposal exists: rules 1-4 hold candidates back or clamp their recommendations and HPA settings, then
// each remaining candidate is built into its proposal once (values edits, tier and cost from the run's
// policy), and rule 5 ranks the built proposals. Nothing is dropped silently: every candidate comes out
// exactly once, as a proposal (its values possibly clamped, each clamp explained in notes) or held back
// with a rule and a reason.
//
// Rules, in this order (the first that holds a proposal back wins):
//   1. paused        `paused: true` holds back everything, OOM raises included.
//   2. ignored       annotation `kopt.dev/ignore: "true"` on the workload, or the workload listed in
//                    `ignore` ("namespace/name" or "namespace/*"). OOM raises included.
//   3. cooldown      a change to the same workload (any kind) merged less than cooldownSeconds before
//                    now. Exclusive end: a change merged exactly cooldownSeconds ago no longer holds.
//                    OOM raises and probe fixes are exempt (their containers are failing now).
//   4. values        per container (right-sizing and OOM alike), on each requests/limits change:
//                    a. bounds: the new value is clamped into the workload's [min, max];
//                    b. max step: a cut of more than maxCutFraction of the current value is limited to
//                       current x (1 - maxCutFraction), rounded up (raises are never limited);
//                    c. limit >= request: a request left above its limit is lowered to the limit.
//                    A change that ends at the current value is dropped; a proposal with no change left
//                    is held back ("bounds", or "max-step" when only the max step emptied it). When a clamp
//                    changes the tier, a note says so.
//                    HPA proposals: each minReplicas and maxReplicas setting is clamped into bounds.replicas
//                    (never turning a raise into a cut or back), a minReplicas above the maxReplicas it
//                    comes with is lowered to it, and a setting the clamp left at the HPA's current value
//                    is dropped (with its finding); no setting left: held back ("bounds"). The max step
//                    does not apply to replica counts.
//   5. max-proposals the survivors are ranked (OOM first, then probe fixes, then by |monthly cost delta|, descending,
//                    then by workload) and those beyond maxProposalsPerRun are held back.
import type { HpaRecommendation } from "../analyze/hpa.ts";
import { higherTier, type LearnedFor, learnedCooldown, learnedFor } from "../analyze/outcomes.ts";
import { applyChanges } from "../analyze/rightsize.ts";
import { formatAge, formatCpu, formatDuration, formatMemory, formatUtcMinute } from "../model/format.ts";
import { above, same } from "../model/numbers.ts";
import type { GuardrailPolicy, Policy, Range, TierPolicy, WorkloadBounds } from "../model/policy.ts";
import { roundCpuUp, roundMemoryUp } from "../model/quantity.ts";
import { type FieldChange, RESOURCE_FIELDS, type ResourceField } from "../model/recommendation.ts";
import { APPROVAL_BY_TIER, type ProposalKind } from "../model/tier.ts";
import type { ClusterState, Resources, Workload, WorkloadRef } from "../model/types.ts";
import { workloadKey, workloadLabel } from "../model/types.ts";
import type { Learned } from "../model/verify.ts";
import { buildProposal, type Candidate, type Proposal, tierOf } from "./proposals.ts";

export const IGNORE_ANNOTATION = "kopt.dev/ignore";

/** A change merged into the GitOps repo, from the PHRs. mergedAt in Unix seconds. */
export interface RecentChange {
  workload: WorkloadRef;
  kind: string;
  mergedAt: number;
}

export type GuardrailRule = "paused" | "ignored" | "cooldown" | "bounds" | "max-step" | "max-proposals";

/** A candidate the guardrails held back: listed with its rule and reason, never dropped silently. */
export interface HeldBack {
  workload: WorkloadRef;
  kind: ProposalKind;
  rule: GuardrailRule;
  reason: string;
}

export interface GuardrailInput {
  candidates: readonly Candidate[];
  state: ClusterState;
  /** The guardrails, and the tier rules and prices the remaining candidates are built with. */
  policy: Pick<Policy, "guardrails" | "tiers" | "pricing">;
  recent: readonly RecentChange[];
  /** Unix seconds. */
  now: number;
  /** What past outcomes taught (src/analyze/outcomes.ts): a longer cooldown, a higher tier. */
  learned?: readonly LearnedFor[];
}

export interface GuardrailResult {
  /** Built once from what the rules left, in priority order: OOM first, then by |monthly cost delta|, descending, then by workload. */
  proposals: Proposal[];
  /** Rules 1-4 in input order, then max-proposals in priority order. */
  heldBack: HeldBack[];
}

export function applyGuardrails(input: GuardrailInput): GuardrailResult {
  const { candidates, state, policy, recent, now } = input;
  const learned = input.learned ?? [];
  const rules = policy.guardrails;
  const workloads = new Map(state.workloads.map((w) => [workloadKey(w.ref), w]));
  const heldBack: HeldBack[] = [];
  const proposals: Proposal[] = [];

  for (const candidate of candidates) {
    const hold = (rule: GuardrailRule, reason: string) =>
      heldBack.push({ workload: candidate.workload, kind: candidate.kind, rule, reason });
    if (rules.paused) {
      hold("paused", "paused: true in kopt.yaml");
      continue;
    }
    const workload = workloads.get(workloadKey(candidate.workload));
    const ignored = ignoreReason(candidate.workload, workload, rules);
    if (ignored) {
      hold("ignored", ignored);
      continue;
    }
    // An OOM-killed or probe-killed container is failing now; waiting out a cooldown would only prolong the outage.
    const cooling = FAILING_NOW.includes(candidate.kind)
      ? undefined
      : cooldownReason(candidate.workload, recent, rules, now, learnedCooldown(learned, candidate.workload));
    if (cooling) {
      hold("cooldown", cooling);
      continue;
    }
    const adjusted = adjustValues(candidate, workload, rules, policy.tiers);
    if ("rule" in adjusted) {
      hold(adjusted.rule, adjusted.reason);
      continue;
    }
    const built = buildProposal(state, adjusted.candidate, policy, adjusted.notes);
    proposals.push(withLearned(built, learnedFor(learned, candidate.workload, candidate.kind)));
  }

  const ranked = proposals.sort(byPriority);
  const limit = Math.max(0, Math.floor(rules.maxProposalsPerRun));
  ranked.slice(limit).forEach((p, i) => {
    heldBack.push({
      workload: p.workload,
      kind: p.kind,
      rule: "max-proposals",
      reason: `at most ${limit} proposal${limit === 1 ? "" : "s"} per run (maxProposalsPerRun); this one ranks ${limit + i + 1} of ${ranked.length} (OOM first, then probe fixes, then by monthly cost effect)`,
    });
  });
  return { proposals: ranked.slice(0, limit), heldBack };
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

/** The proposal with what past outcomes taught: its tier at least the learned one, and the reasons. */
function withLearned(p: Proposal, learned: Learned | undefined): Proposal {
  if (!learned || learned.reasons.length === 0) return p;
  const tier = learned.minTier ? higherTier(p.tier, learned.minTier) : p.tier;
  // A note that the max step lowered the tier must not stand uncorrected when the lesson raises it again.
  const notes =
    tier === p.tier
      ? p.notes
      : p.notes?.map((n) =>
          n.startsWith(`tier `) && n.includes(` -> ${p.tier} `)
            ? `${n}; raised to ${tier} by what was learned`
            : n,
        );
  return { ...p, tier, learned: [...learned.reasons], ...(notes ? { notes } : {}) };
}

function cooldownReason(
  ref: WorkloadRef,
  recent: readonly RecentChange[],
  policy: GuardrailPolicy,
  now: number,
  /** A longer cooldown the learning loop set for this workload, and why. */
  learned?: { seconds: number; reason: string },
): string | undefined {
  // The latest merge decides: usage from before it no longer describes the workload, so wait for new data.
  let last: RecentChange | undefined;
  for (const change of recent) {
    if (workloadKey(change.workload) !== workloadKey(ref)) continue;
    if (!last || change.mergedAt > last.mergedAt) last = change;
  }
  if (!last) return undefined;
  const age = now - last.mergedAt;
  const seconds = Math.max(policy.cooldownSeconds, learned?.seconds ?? 0);
  if (age >= seconds) return undefined;
  const why = learned && learned.seconds > policy.cooldownSeconds ? ` (learned: ${learned.reason})` : "";
  return (
    `changed ${formatAge(age)} ago (${last.kind}, merged ${formatUtcMinute(last.mergedAt)}); ` +
    `cooldown ${formatDuration(seconds)}, until ${formatUtcMinute(last.mergedAt + seconds)}${why}`
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

/** A candidate the value rules let through: itself when nothing moved, else a clamped copy, with why. */
interface Adjusted {
  candidate: Candidate;
  /** One line per clamp or dropped change; empty when nothing was changed. */
  notes: string[];
}

type Adjustment = Adjusted | { rule: GuardrailRule; reason: string };

/**
 * Rule 4: bounds, max step and limit >= request on every value change, right-sizing and OOM alike; a new
 * candidate, its recommendations clamped, when anything moved.
 */
function adjustValues(
  candidate: Candidate,
  workload: Workload | undefined,
  policy: GuardrailPolicy,
  tiers: TierPolicy,
): Adjustment {
  const bounds = boundsFor(policy, candidate.workload);
  if (candidate.kind === "hpa") return adjustReplicas(candidate, workload, bounds.replicas);
  const adjust = <T extends ContainerChanges>(rec: T) => adjustContainer(rec, bounds, policy.maxCutFraction);
  const sized = candidate.recommendations.map(adjust);
  const oom = (candidate.oom ?? []).map(adjust);
  const outcomes = [...sized, ...oom];
  const notes = outcomes.flatMap((o) => o.notes);
  if (notes.length === 0) return { candidate, notes: [] };

  if (outcomes.every((o) => o.changes.length === 0)) {
    const rule: Clamp = outcomes.some((o) => o.by.has("bounds")) ? "bounds" : "max-step";
    return { rule, reason: `nothing left to change: ${notes.join("; ")}` };
  }
  for (const o of outcomes) {
    if (o.changes.length === 0)
      notes.push(`${o.rec.container}: nothing left to change; left out of this proposal`);
  }
  const clamped: Candidate = {
    ...candidate,
    recommendations: remaining(sized),
    ...(candidate.oom ? { oom: remaining(oom) } : {}),
  };
  // A cut the max step made smaller may no longer be a big cut: the tier follows what is proposed now.
  const [was, now] = [tierOf(candidate, { tiers }), tierOf(clamped, { tiers })];
  if (now !== was) notes.push(`tier ${was} -> ${now} (approval: ${APPROVAL_BY_TIER[now]})`);
  return { candidate: clamped, notes };
}

type ReplicaSetting = "minReplicas" | "maxReplicas";

/** The replica count an HPA finding sets, with the setting it lands in. */
function replicaSettings(change: HpaRecommendation["change"]): [ReplicaSetting, number][] {
  switch (change.kind) {
    case "enable-hpa":
      return [
        ["minReplicas", change.minReplicas],
        ["maxReplicas", change.maxReplicas],
      ];
    case "raise-max":
      return [["maxReplicas", change.to]];
    case "lower-min":
      return [["minReplicas", change.to]];
    case "stabilize-scale-down":
      return [];
  }
}

/**
 * Rule 4 for an HPA candidate: its minReplicas and maxReplicas settings clamped into the replica bounds; a new
 * candidate, its findings clamped, when anything moved. An existing HPA's current values come from the state;
 * enabling an HPA has none, so its settings are only clamped.
 */
function adjustReplicas(
  candidate: Candidate,
  workload: Workload | undefined,
  range: Range | undefined,
): Adjustment {
  const findings = candidate.hpa ?? [];
  const hpa = workload?.hpa ?? null;
  const currentOf = (setting: ReplicaSetting): number | null => (hpa ? hpa[setting] : null);
  const notes: string[] = [];
  // One candidate per workload, so at most one change per setting.
  const values = new Map<ReplicaSetting, number>();

  for (const [setting, to] of findings.flatMap((r) => replicaSettings(r.change))) {
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
  if (notes.length === 0) return { candidate, notes: [] };

  // A raise or cut moved back to the HPA's current value changes nothing: its finding is left out.
  const emptied = (r: HpaRecommendation): ReplicaSetting | undefined => {
    const c = r.change;
    if (c.kind !== "raise-max" && c.kind !== "lower-min") return undefined;
    const setting = c.kind === "raise-max" ? "maxReplicas" : "minReplicas";
    return values.get(setting) === currentOf(setting) ? setting : undefined;
  };
  // "enabled" (or a target, or a stabilization window) left on its own is still a change to propose.
  if (findings.every((r) => emptied(r) !== undefined)) {
    return { rule: "bounds", reason: `nothing left to change: ${notes.join("; ")}` };
  }
  const clamped = findings.flatMap((r): HpaRecommendation[] => {
    const c = r.change;
    if (emptied(r)) {
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
      const to = values.get(c.kind === "raise-max" ? "maxReplicas" : "minReplicas") ?? c.to;
      return [to === c.to ? r : { ...r, change: { ...c, to } }];
    }
    return [r];
  });
  return { candidate: { ...candidate, hpa: clamped }, notes };
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
      const rule = `bounds ${formatRange(field, range)}`;
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

function formatRange(field: ResourceField, range: Range | undefined): string {
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

/** Kinds that fix a container failing now: exempt from the cooldown, ranked first (OOM, then probe). */
const FAILING_NOW: readonly ProposalKind[] = ["oom", "probe"];

function urgency(kind: ProposalKind): number {
  return kind === "oom" ? 2 : kind === "probe" ? 1 : 0;
}

function byPriority(a: Proposal, b: Proposal): number {
  return (
    urgency(b.kind) - urgency(a.kind) ||
    Math.abs(b.cost.monthlyDelta) - Math.abs(a.cost.monthlyDelta) ||
    compareStrings(workloadKey(a.workload), workloadKey(b.workload)) ||
    compareStrings(a.kind, b.kind)
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
