// Who must approve a change. Tiers per DESIGN.md; later issues make them configurable.
import type { Tier } from "../formats/phr.ts";

export type ProposalKind = "rightsize";

export function tierFor(kind: ProposalKind): Tier {
  switch (kind) {
    case "rightsize":
      return "medium"; // requests/limits changes need one architect
  }
}

export const APPROVAL_BY_TIER: Record<Tier, string> = {
  trivial: "no approval needed (logged)",
  low: "one reviewer",
  medium: "one architect",
  critical: "two people: an architect and a security reviewer",
};
