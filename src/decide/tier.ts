// Who must approve a change. Tiers per DESIGN.md: requests/limits and HPA tuning need an architect,
// replica nudges one reviewer, big cuts two people.
import type { Tier } from "../formats/phr.ts";

export type ProposalKind = "rightsize" | "oom" | "hpa";

export const PROPOSAL_KINDS: readonly ProposalKind[] = ["rightsize", "oom", "hpa"];

/** The largest relative cut and raise among a proposal's numeric changes (0.6 = 60%). */
export interface ChangeSize {
  maxCut: number;
  maxRaise: number;
}

/** How tiers are assigned; `policy.tiers` in kopt.yaml. */
export interface TierPolicy {
  /** A right-sizing cut of more than this share of a value is a big cut: critical. */
  criticalCut: number;
  /** An OOM raise up to this share is low; above it, medium. */
  oomLowRaise: number;
  /** Every change in these namespaces is critical (two people). */
  criticalNamespaces: string[];
  /** A fixed tier per kind, instead of the size rules. */
  kinds: Partial<Record<ProposalKind, Tier>>;
}

export const DEFAULT_TIER_POLICY: TierPolicy = {
  criticalCut: 0.5,
  oomLowRaise: 0.5,
  criticalNamespaces: [],
  kinds: {},
};

/**
 * rightsize: medium, critical when it cuts any value by more than half (a big cut).
 * oom: low for a raise of up to 50% (a safe, urgent fix), medium above (it costs more memory).
 * hpa: medium (enabling or tuning an HPA).
 * Critical namespaces make anything critical; a configured tier per kind replaces the size rules.
 */
export function tierFor(
  kind: ProposalKind,
  size: ChangeSize = { maxCut: 0, maxRaise: 0 },
  policy: TierPolicy = DEFAULT_TIER_POLICY,
  namespace?: string,
): Tier {
  if (namespace !== undefined && policy.criticalNamespaces.includes(namespace)) return "critical";
  const fixed = policy.kinds[kind];
  if (fixed) return fixed;
  switch (kind) {
    case "rightsize":
      return size.maxCut > policy.criticalCut ? "critical" : "medium";
    case "oom":
      return size.maxRaise > policy.oomLowRaise ? "medium" : "low";
    case "hpa":
      return "medium";
  }
}

export const APPROVAL_BY_TIER: Record<Tier, string> = {
  trivial: "no approval needed (logged)",
  low: "one reviewer",
  medium: "one architect",
  critical: "two people: an architect and a security reviewer",
};
