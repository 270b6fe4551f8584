// Who must approve a change. Tiers per DESIGN.md: requests/limits and HPA tuning need an architect,
// replica nudges one reviewer, big cuts two people. The tiers and their rules' settings are model data
// (src/model/tier.ts, TierPolicy in src/model/policy.ts); this is the rule that picks one.
import { DEFAULT_TIER_POLICY, type TierPolicy } from "../model/policy.ts";
import type { ChangeSize, ProposalKind, Tier } from "../model/tier.ts";

/**
 * rightsize: medium, critical when it cuts any value by more than half (a big cut).
 * oom: low for a raise of up to 50% (a safe, urgent fix), medium above (it costs more memory).
 * hpa: medium (enabling or tuning an HPA).
 * probe: medium, critical in a production namespace. A probe change alters when the kubelet restarts a
 *   container: a startupProbe too generous delays restarting a hung instance, so an architect checks it; in
 *   production that needs "at least high", and the step above medium in kopt's tiers is critical (an
 *   architect and a security reviewer), so production probe changes get two people.
 * security: critical, always (a fix of security audit findings: the two-person rule, an architect and a
 *   security reviewer; issue 17). Neither policy.tiers.kinds nor anything else lowers it.
 * Critical namespaces make anything critical; a configured tier per kind replaces the size rules.
 */
export function tierFor(
  kind: ProposalKind,
  size: ChangeSize = { maxCut: 0, maxRaise: 0 },
  policy: TierPolicy = DEFAULT_TIER_POLICY,
  namespace?: string,
  /** The namespace is production (policy.hpa.productionNamespaces or its environment label). */
  production = false,
): Tier {
  if (kind === "security") return "critical";
  if (namespace !== undefined && policy.criticalNamespaces.includes(namespace)) return "critical";
  // A floor, not a default: a configured tier for probe changes applies outside production only.
  if (kind === "probe" && production) return "critical";
  const fixed = policy.kinds[kind];
  if (fixed) return fixed;
  switch (kind) {
    case "rightsize":
      return size.maxCut > policy.criticalCut ? "critical" : "medium";
    case "oom":
      return size.maxRaise > policy.oomLowRaise ? "medium" : "low";
    case "hpa":
      return "medium";
    case "probe":
      return "medium";
  }
}
