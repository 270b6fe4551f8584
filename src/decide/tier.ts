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

/**
 * rightsize: medium, critical when it cuts any value by more than half (a big cut).
 * oom: low for a raise of up to 50% (a safe, urgent fix), medium above (it costs more memory).
 * hpa: medium (enabling or tuning an HPA).
 */
export function tierFor(kind: ProposalKind, size: ChangeSize = { maxCut: 0, maxRaise: 0 }): Tier {
  switch (kind) {
    case "rightsize":
      return size.maxCut > 0.5 ? "critical" : "medium";
    case "oom":
      return size.maxRaise > 0.5 ? "medium" : "low";
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
