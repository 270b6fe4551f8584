// The decide stage of a run: every finding of the analyzers turned into proposals, then the guardrails.
// Pure: time is state.observedAt, and merged changes (for the cooldown) are passed in.
import { analyzeWorkloads } from "../analyze/findings.ts";
import { type ClusterConfig, toGuardrailPolicy, toTierPolicy } from "../formats/config.ts";
import type { RightsizePolicy } from "../model/policy.ts";
import type { Skipped } from "../model/recommendation.ts";
import type { ClusterState, UsageHistory, WorkloadRef } from "../model/types.ts";
import { workloadKey } from "../model/types.ts";
import { applyGuardrails, type GuardrailRule, type RecentChange } from "./guardrails.ts";
import { changeSize, decideHpa, decideOom, decideRightsize, type Proposal } from "./proposals.ts";
import { type ProposalKind, tierFor } from "./tier.ts";

/** A proposal the guardrails (or the order of fixes) held back: listed, never dropped silently. */
export interface HeldBackProposal {
  workload: WorkloadRef;
  kind: ProposalKind;
  rule: GuardrailRule | "sequence";
  reason: string;
}

export interface RunDecision {
  proposals: Proposal[];
  heldBack: HeldBackProposal[];
  unchanged: { workload: WorkloadRef; container: string }[];
  skipped: Skipped[];
}

/** Labels that mark a namespace as production (the HA floor applies there). */
const PRODUCTION_LABELS = ["kopt.dev/environment", "environment", "env"];

/**
 * OOM raises first (the fast path, whatever the history length), then right-sizing (which leaves the
 * memory of OOM-killed containers to the OOM proposal), then horizontal scaling sized against the
 * requests right-sizing recommends; the guardrails last.
 */
export function decide(
  state: ClusterState,
  usage: UsageHistory,
  policy: RightsizePolicy,
  config: ClusterConfig,
  recent: readonly RecentChange[],
): RunDecision {
  const prices = config.policy.pricing;
  const tiers = toTierPolicy(config.policy.tiers);
  const hpaPolicy = config.policy.hpa;
  const production = (ns: string) =>
    hpaPolicy.productionNamespaces.includes(ns) ||
    PRODUCTION_LABELS.some((l) => state.namespaceLabels?.[ns]?.[l] === "production");
  const { sized, oom, scaling } = analyzeWorkloads(state, usage, policy, {
    targetUtilization: hpaPolicy.targetUtilizationPercent / 100,
    haFloor: hpaPolicy.haFloor,
    isProduction: production,
  });
  const oomDecision = decideOom(state, oom, config.workloads, prices);
  const oomFirst = oomDecision.proposals.flatMap((p) => p.oom ?? []);
  const sizing = decideRightsize(state, sized, config.workloads, prices, oomFirst);

  // A fixed-replica workload that is hot because its CPU request is too low gets the request first; the
  // next run judges whether it still needs an HPA.
  const cpuRaised = new Set(
    sizing.proposals
      .filter((p) => p.recommendations.some((r) => r.changes.some((c) => c.field === "requests.cpu")))
      .map((p) => workloadKey(p.workload)),
  );
  const sequenced: HeldBackProposal[] = [];
  const hpaFindings = scaling.recommendations.filter((r) => {
    if (r.change.kind !== "enable-hpa" || !cpuRaised.has(workloadKey(r.workload))) return true;
    sequenced.push({
      workload: r.workload,
      kind: "hpa",
      rule: "sequence",
      reason: `${r.reason} Held until the CPU request change of the right-sizing proposal is merged; the next run checks again.`,
    });
    return false;
  });
  const hpaDecision = decideHpa(
    state,
    { ...scaling, recommendations: hpaFindings },
    config.workloads,
    prices,
  );

  const guarded = applyGuardrails({
    proposals: [...oomDecision.proposals, ...sizing.proposals, ...hpaDecision.proposals],
    state,
    policy: toGuardrailPolicy(config.policy.guardrails),
    recent: [...recent],
    now: state.observedAt,
    prices,
  });
  return {
    proposals: guarded.kept.map((k) => {
      const p = k.notes.length > 0 ? { ...k.proposal, notes: k.notes } : k.proposal;
      // The configured tier rules, on the changes as the guardrails left them.
      const changes = [...p.recommendations, ...(p.oom ?? [])].flatMap((r) => r.changes);
      return { ...p, tier: tierFor(p.kind, changeSize(changes), tiers, p.workload.namespace) };
    }),
    heldBack: [
      ...sequenced,
      ...guarded.heldBack.map((h) => ({
        workload: h.proposal.workload,
        kind: h.proposal.kind,
        rule: h.rule,
        reason: h.reason,
      })),
    ],
    unchanged: sizing.unchanged,
    skipped: dedupeSkipped([
      ...oomDecision.skipped,
      ...sizing.skipped,
      // A workload right-sizing already skipped (no or too little usage data) is not listed again.
      ...hpaDecision.skipped.filter(
        (h) => !sizing.skipped.some((s) => workloadKey(s.workload) === workloadKey(h.workload)),
      ),
    ]),
  };
}

/** Each container and reason once; two containers of a workload skipped for one reason are both listed. */
function dedupeSkipped(skipped: readonly Skipped[]): Skipped[] {
  const seen = new Set<string>();
  return skipped.filter((s) => {
    const key = `${workloadKey(s.workload)}|${s.container}|${s.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
