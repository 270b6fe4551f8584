// The learning loop: what the outcomes of a cluster's past proposals (their PHRs on the base branch) change
// in the next proposal for the same workload and kind, each change with a reason a reviewer reads.
// Pure: the history and the observation time are passed in.
//
// - A right-sizing that regressed or was rolled back: the next right-sizing of that workload uses a larger
//   margin. Its margin is at least the policy's full requestMargin (the forecast rule may have gone as low as
//   minMargin, and the failure says the level model was too confident) and at least marginStep over the
//   margin the failed change used, per failure, capped at maxMargin: a second failure at the full margin
//   still widens it.
// - Any proposal kind that regressed or was rolled back: the cooldown after the workload's next change is
//   cooldownFactor x longer per failure (so verify has more time to see it settle), and the next proposal of
//   that kind needs one tier more than the failed one, at least medium (an architect looks at it).
// - A kopt pull request a person closed unmerged: the next proposal of that workload and kind must change a
//   value by rejectionFactor x minChange.fraction per rejection (less noise for someone who said no).
// - Validated changes teach nothing: the workload keeps the tight margin.
// - Only outcomes within horizonDays of the observation count, so old lessons fade.
// - Security fixes (kind security) teach nothing here: their values are fixed by the standard (no margin, no
//   size for minChange), their tier is already critical (there is none above), and kopt report security
//   proposes them on its own schedule, with no cooldown. A person's close is honoured by the forge (a closed
//   fix is not reopened with the same changes); a rolled-back fix is visible in its PHR and the next audit.
import { formatDuration, formatPercent } from "../model/format.ts";
import type { Policy, RightsizePolicy } from "../model/policy.ts";
import { PROPOSAL_KINDS, type ProposalKind, TIERS, type Tier } from "../model/tier.ts";
import type { WorkloadRef } from "../model/types.ts";
import { workloadKey } from "../model/types.ts";
import type { Learned } from "../model/verify.ts";

/** A past proposal as its PHR on the base branch records it (a structural subset of the PHR front matter). */
export interface PastProposal {
  kind: string;
  tier: Tier;
  status: string;
  workloads: readonly WorkloadRef[];
  createdAt: string;
  merge?: { pullRequest: number; at: string };
  validation?: { outcome: string; checkedAt: string; reasons: readonly string[] };
  rejection?: { pullRequest: number; closedAt: string; closedBy: string | null };
  rolledBackBy?: { id: string; phr: string };
  /** Right-sizing evidence: the margin each resource's rule used. */
  evidence?: readonly object[];
}

/** What was learned for one workload and proposal kind. */
export interface LearnedFor {
  workload: WorkloadRef;
  kind: ProposalKind;
  learned: Learned;
}

export type LearningInput = Pick<Policy, "learning" | "guardrails"> & {
  rightsize: Pick<RightsizePolicy, "requestMargin" | "minChange">;
};

/** A cap on how many failures or rejections compound (factors grow exponentially). */
const MAX_COMPOUND = 3;

/** Lessons per workload and kind, in the order the workloads first appear in `past`; nothing for those with none. */
export function learnFromOutcomes(
  past: readonly PastProposal[],
  policy: LearningInput,
  /** Unix seconds: the observation time. */
  now: number,
): LearnedFor[] {
  const horizon = now - policy.learning.horizonDays * 86400;
  const groups = new Map<string, { workload: WorkloadRef; kind: ProposalKind; items: PastProposal[] }>();
  for (const p of past) {
    if (!isProposalKind(p.kind) || p.kind === "security") continue;
    if (outcomeTime(p) < horizon || outcomeTime(p) > now) continue;
    if (!isFailure(p) && !isRejection(p)) continue;
    for (const workload of p.workloads) {
      const key = `${workloadKey(workload)}|${p.kind}`;
      const group = groups.get(key) ?? { workload, kind: p.kind, items: [] };
      group.items.push(p);
      groups.set(key, group);
    }
  }
  const out: LearnedFor[] = [];
  for (const { workload, kind, items } of groups.values()) {
    const sorted = [...items].sort((a, b) => outcomeTime(a) - outcomeTime(b));
    const learned = learnedOf(kind, sorted, policy);
    if (learned.reasons.length > 0) out.push({ workload, kind, learned });
  }
  return out;
}

function learnedOf(kind: ProposalKind, items: readonly PastProposal[], policy: LearningInput): Learned {
  const failures = items.filter(isFailure);
  const rejections = items.filter(isRejection);
  const learned: Learned = { reasons: [] };
  if (failures.length > 0) {
    const why = failures.map(failureText).join("; ");
    if (kind === "rightsize") {
      const used = Math.max(...failures.map((f) => marginUsed(f) ?? policy.rightsize.requestMargin));
      const margin = Math.min(
        policy.learning.maxMargin,
        Math.max(
          policy.rightsize.requestMargin,
          used + policy.learning.marginStep * Math.min(failures.length, MAX_COMPOUND),
        ),
      );
      learned.minMargin = round(margin);
      learned.reasons.push(`margin ${formatPercent(margin)} instead of ${formatPercent(used)}: ${why}`);
    }
    const base = policy.guardrails.cooldownSeconds;
    const cooldown = base * policy.learning.cooldownFactor ** Math.min(failures.length, MAX_COMPOUND);
    if (cooldown > base) {
      learned.cooldownSeconds = cooldown;
      learned.reasons.push(`cooldown ${formatDuration(cooldown)} instead of ${formatDuration(base)}: ${why}`);
    }
    const tier = failures.map((f) => tierAbove(f.tier)).reduce(higherTier);
    learned.minTier = tier;
    learned.reasons.push(`tier at least ${tier}: ${why}`);
  }
  if (rejections.length > 0) {
    const base = policy.rightsize.minChange.fraction;
    const factor = policy.learning.rejectionFactor ** Math.min(rejections.length, MAX_COMPOUND);
    const fraction = round(Math.min(0.9, base * factor));
    if (fraction > base) {
      learned.minChangeFraction = fraction;
      learned.reasons.push(
        `changes under ${formatPercent(fraction)} not proposed (instead of ${formatPercent(base)}): ${rejections.map(rejectionText).join("; ")}`,
      );
    }
  }
  return learned;
}

/** The lessons for a workload and kind, if any. */
export function learnedFor(
  all: readonly LearnedFor[],
  ref: WorkloadRef,
  kind: ProposalKind,
): Learned | undefined {
  return all.find((l) => l.kind === kind && workloadKey(l.workload) === workloadKey(ref))?.learned;
}

/** The longest learned cooldown of a workload (any kind): the guardrail holds it after the latest change. */
export function learnedCooldown(
  all: readonly LearnedFor[],
  ref: WorkloadRef,
): { seconds: number; reason: string } | undefined {
  let best: { seconds: number; reason: string } | undefined;
  for (const l of all) {
    const s = l.learned.cooldownSeconds;
    if (s === undefined || workloadKey(l.workload) !== workloadKey(ref) || (best && best.seconds >= s))
      continue;
    best = { seconds: s, reason: l.learned.reasons.find((r) => r.startsWith("cooldown")) ?? "" };
  }
  return best;
}

/** The right-sizing policy for a workload with lessons: the larger margin and minimum change. */
export function learnedRightsizePolicy(
  policy: RightsizePolicy,
  learned: Learned | undefined,
): RightsizePolicy {
  if (!learned || (learned.minMargin === undefined && learned.minChangeFraction === undefined)) return policy;
  const margin = learned.minMargin;
  const fraction = learned.minChangeFraction;
  return {
    ...policy,
    ...(margin === undefined
      ? {}
      : {
          requestMargin: Math.max(policy.requestMargin, margin),
          minMargin: Math.max(policy.minMargin, margin),
        }),
    ...(fraction === undefined
      ? {}
      : { minChange: { ...policy.minChange, fraction: Math.max(policy.minChange.fraction, fraction) } }),
  };
}

/** The higher of two tiers. */
export function higherTier<T extends Tier>(a: T, b: T): T {
  return TIERS.indexOf(a) >= TIERS.indexOf(b) ? a : b;
}

/** Regressed after the apply, or rolled back (by kopt verify or a person's rollback). */
export function isFailure(p: PastProposal): boolean {
  return (
    p.status === "regressed" ||
    p.status === "rolled-back" ||
    p.validation?.outcome === "regressed" ||
    p.rolledBackBy !== undefined
  );
}

export function isRejection(p: PastProposal): boolean {
  return p.status === "rejected" && p.rejection !== undefined;
}

/** When the outcome happened (Unix seconds): the check, the close, the merge, else the proposal. */
export function outcomeTime(p: PastProposal): number {
  const at = p.validation?.checkedAt ?? p.rejection?.closedAt ?? p.merge?.at ?? p.createdAt;
  return Date.parse(at) / 1000;
}

function isProposalKind(kind: string): kind is ProposalKind {
  return (PROPOSAL_KINDS as readonly string[]).includes(kind);
}

/** One step above the failed change's tier, at least medium. */
function tierAbove(tier: Tier): "medium" | "critical" {
  return TIERS.indexOf(tier) >= TIERS.indexOf("medium") ? "critical" : "medium";
}

/**
 * "#123 (merged 2026-10-30) was rolled back (3 OOM kills)", "#124 (merged 2026-11-02) regressed (error rate
 * 8.2% > 5%)". The date tells which change a number means when the history came from another forge.
 */
function failureText(p: PastProposal): string {
  const pr = p.merge
    ? `#${p.merge.pullRequest} (merged ${p.merge.at.slice(0, 10)})`
    : `the ${p.kind} change of ${p.createdAt.slice(0, 10)}`;
  const what = p.status === "rolled-back" || p.rolledBackBy ? "was rolled back" : "regressed";
  const reasons = p.validation?.reasons ?? [];
  return `${pr} ${what}${reasons.length > 0 ? ` (${reasons.join(", ")})` : ""}`;
}

/** "#45 was closed unmerged by alice on 2026-11-02". */
function rejectionText(p: PastProposal): string {
  const r = p.rejection as NonNullable<PastProposal["rejection"]>;
  return `#${r.pullRequest} was closed unmerged${r.closedBy ? ` by ${r.closedBy}` : ""} on ${r.closedAt.slice(0, 10)}`;
}

/** The largest margin the change's right-sizing rules used, if its evidence says. */
function marginUsed(p: PastProposal): number | undefined {
  const margins: number[] = [];
  for (const e of p.evidence ?? []) {
    const sizing = (e as { sizing?: { cpu?: { margin?: unknown }; memory?: { margin?: unknown } } }).sizing;
    for (const s of [sizing?.cpu, sizing?.memory]) {
      if (typeof s?.margin === "number") margins.push(s.margin);
    }
  }
  return margins.length > 0 ? Math.max(...margins) : undefined;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
