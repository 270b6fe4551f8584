// The decide stage of a run: the analyzers' findings turned into candidates, the guardrails, then proposals.
// Pure: time is state.observedAt, and merged changes (for the cooldown) are passed in.
import type { Findings } from "../analyze/findings.ts";
import type { LearnedFor } from "../analyze/outcomes.ts";
import type { WorkloadMapping } from "../formats/config.ts";
import type { Finding } from "../model/finding.ts";
import type { Policy } from "../model/policy.ts";
import type { Skipped } from "../model/recommendation.ts";
import type { ProposalKind } from "../model/tier.ts";
import type { ClusterState, WorkloadRef } from "../model/types.ts";
import { workloadKey } from "../model/types.ts";
import { applyGuardrails, type GuardrailRule, type RecentChange } from "./guardrails.ts";
import { probeCandidates } from "./probe.ts";
import { hpaCandidates, oomCandidates, type Proposal, rightsizeCandidates } from "./proposals.ts";

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

/**
 * OOM raises first (the fast path, whatever the history length), then right-sizing (which leaves the
 * memory of OOM-killed containers to the OOM proposal), then horizontal scaling sized against the
 * requests right-sizing recommends; probe fixes from the diagnosis's findings (liveness kills of a slow
 * starter); the guardrails on all of them, then the proposals of what is left.
 */
export function decide(
  state: ClusterState,
  findings: Findings,
  policy: Policy,
  mappings: readonly WorkloadMapping[],
  recent: readonly RecentChange[],
  /** The diagnosis's findings (kopt diagnose); those with a probe values fix become probe proposals. */
  diagnosed: readonly Finding[] = [],
  /** What past outcomes taught (src/analyze/outcomes.ts): cooldowns and tiers per workload and kind. */
  learned: readonly LearnedFor[] = [],
): RunDecision {
  const { sized, oom, scaling } = findings;
  const oomFound = oomCandidates(state, oom, mappings);
  const oomFirst = oomFound.candidates.flatMap((c) => c.oom ?? []);
  const sizing = rightsizeCandidates(state, sized, mappings, oomFirst);

  // A fixed-replica workload that is hot because its CPU request is too low gets the request first; the
  // next run judges whether it still needs an HPA.
  const cpuRaised = new Set(
    sizing.candidates
      .filter((c) => c.recommendations.some((r) => r.changes.some((ch) => ch.field === "requests.cpu")))
      .map((c) => workloadKey(c.workload)),
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
  const scalingFound = hpaCandidates(state, { ...scaling, recommendations: hpaFindings }, mappings);
  const probeFound = probeCandidates(state, diagnosed, mappings, policy);

  const guarded = applyGuardrails({
    candidates: [
      ...oomFound.candidates,
      ...probeFound.candidates,
      ...sizing.candidates,
      ...scalingFound.candidates,
    ],
    state,
    policy,
    recent,
    now: state.observedAt,
    learned,
  });
  return {
    proposals: guarded.proposals,
    heldBack: [...sequenced, ...guarded.heldBack],
    unchanged: sizing.unchanged,
    skipped: dedupeSkipped([
      ...oomFound.skipped,
      ...probeFound.skipped,
      ...sizing.skipped,
      // A workload right-sizing already skipped (no or too little usage data) is not listed again.
      ...scalingFound.skipped.filter(
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
