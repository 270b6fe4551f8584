// Who must approve a change, as data every stage shares: the tiers, the kinds of proposal, and what each
// tier needs. The rules that pick a tier are src/decide/tier.ts; the PHR format records the tier.

export const TIERS = ["trivial", "low", "medium", "critical"] as const;
export type Tier = (typeof TIERS)[number];

/** `security`: a fix of security audit findings in a workload's values (`kopt report security`), not `kopt plan`'s. */
export const PROPOSAL_KINDS = ["rightsize", "oom", "hpa", "probe", "security"] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];

/** The kinds `kopt plan` proposes (and may close when gone); `security` is the security audit's. */
export const PLAN_KINDS = ["rightsize", "oom", "hpa", "probe"] as const satisfies readonly ProposalKind[];

/**
 * What kopt does itself rather than propose: the agent's opt-in pod restart. No values change and no policy can
 * raise its tier (the specification's trivial tier: no approval needed, informational logging), so it is not a
 * ProposalKind that policy.tiers.kinds could name; its PHR is recorded with status executed.
 */
export const ACTION_KINDS = ["restart"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
export const ACTION_TIER: Record<ActionKind, Tier> = { restart: "trivial" };

/** The largest relative cut and raise among a proposal's numeric changes (0.6 = 60%). */
export interface ChangeSize {
  maxCut: number;
  maxRaise: number;
}

export const APPROVAL_BY_TIER: Record<Tier, string> = {
  trivial: "no approval needed (logged)",
  low: "one reviewer",
  medium: "one architect",
  critical: "two people: an architect and a security reviewer",
};
