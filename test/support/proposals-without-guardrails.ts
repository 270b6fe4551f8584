// Proposals straight from findings, without guardrails: what each finding alone would propose. The run goes
// findings -> candidates -> guardrails -> proposals (src/decide/decide.ts); these let decide's tests build the
// proposal a finding makes without setting up guardrails.
import type { HpaResult } from "../../src/analyze/hpa.ts";
import type { OomResult } from "../../src/analyze/oom.ts";
import {
  buildProposal,
  type Candidates,
  hpaCandidates,
  oomCandidates,
  type Proposal,
  type ProposalPolicy,
  rightsizeCandidates,
} from "../../src/decide/proposals.ts";
import type { WorkloadMapping } from "../../src/formats/config.ts";
import type { RightsizeResult, Skipped } from "../../src/model/recommendation.ts";
import type { ClusterState, WorkloadRef } from "../../src/model/types.ts";

export interface Decision {
  proposals: Proposal[];
  /** Containers whose recommendation is within the minimum-change rule: nothing to do. */
  unchanged: { workload: WorkloadRef; container: string }[];
  skipped: Skipped[];
}

/** Candidates built as they are, no guardrails: what each finding alone would propose. */
function decideAll(state: ClusterState, found: Candidates, policy: ProposalPolicy): Decision {
  return {
    proposals: found.candidates.map((c) => buildProposal(state, c, policy)),
    unchanged: found.unchanged,
    skipped: found.skipped,
  };
}

/** Right-sizing proposals of the findings, without guardrails. */
export function decideRightsize(
  state: ClusterState,
  result: RightsizeResult,
  mappings: readonly WorkloadMapping[],
  policy: ProposalPolicy,
  oomFirst: readonly { workload: WorkloadRef; container: string }[] = [],
): Decision {
  return decideAll(state, rightsizeCandidates(state, result, mappings, oomFirst), policy);
}

/** OOM proposals of the findings, without guardrails. */
export function decideOom(
  state: ClusterState,
  result: OomResult,
  mappings: readonly WorkloadMapping[],
  policy: ProposalPolicy,
): Decision {
  return decideAll(state, oomCandidates(state, result, mappings), policy);
}

/**
 * HPA proposals of the findings, without guardrails. Cost: at the replicas the workload runs now, except a
 * raised max (what a pinned HPA runs at) and a lowered min (what an idle HPA runs at).
 */
export function decideHpa(
  state: ClusterState,
  result: HpaResult,
  mappings: readonly WorkloadMapping[],
  policy: ProposalPolicy,
): Decision {
  return decideAll(state, hpaCandidates(state, result, mappings), policy);
}
