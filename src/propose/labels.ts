// The labels kopt puts on pull requests, with the colour and description they get when a forge creates them.
// Forge-neutral: the github forge creates them on the repository, the local forge records them.
import { TIER_LABEL_PREFIX } from "../decide/approval.ts";
import { INCIDENT_CLASS_LABEL_PREFIX, INCIDENT_LABEL } from "../decide/incident-issue.ts";
import { isDiagnosisClassId } from "../model/diagnosis.ts";
import { TIERS, type Tier } from "../model/tier.ts";
import { REPORT_LABEL } from "./report/issue-marker.ts";

export { INCIDENT_CLASS_LABEL_PREFIX, INCIDENT_LABEL, TIER_LABEL_PREFIX };

export interface LabelSpec {
  name: string;
  color: string;
  description: string;
}

export const HOLD_LABEL = "kopt/hold";
export const SLA_LABEL = "kopt/sla-breached";
/** On the revert kopt verify opens when a merged change regressed after its apply. */
export const REGRESSION_LABEL = "kopt/regression";
export const KIND_LABEL_PREFIX = "kopt/kind:";

const TIER_COLORS: Record<Tier, string> = {
  trivial: "c2e0c6",
  low: "0e8a16",
  medium: "fbca04",
  critical: "b60205",
};

const TIER_TEXT: Record<Tier, string> = {
  trivial: "no approval needed (logged)",
  low: "needs one reviewer",
  medium: "needs one architect",
  critical: "needs two people: an architect and a security reviewer",
};

const KIND_TEXT: Record<string, string> = {
  rightsize: "CPU/memory requests and limits",
  oom: "memory limit raised after OOM kills",
  hpa: "horizontal pod autoscaler",
  probe: "startup/liveness probe settings after liveness kills",
  security: "securityContext and probe fixes for security audit findings",
  rollback: "reverts an earlier kopt change",
  record: "updates audit records (PHRs) only",
};

/** The spec of any label kopt uses; undefined for labels that are not kopt's. */
export function labelSpec(name: string): LabelSpec | undefined {
  if (name === "kopt") return { name, color: "5319e7", description: "Proposed by kopt" };
  if (name === HOLD_LABEL)
    return {
      name,
      color: "d93f0b",
      description: "kopt leaves this pull request alone while it has this label",
    };
  if (name === SLA_LABEL)
    return {
      name,
      color: "b60205",
      description: "kopt: waited longer than its tier's approval SLA; escalated",
    };
  if (name === REGRESSION_LABEL)
    return {
      name,
      color: "b60205",
      description: "kopt verify: reverts a change that regressed after it was applied",
    };
  if (name === REPORT_LABEL)
    return { name, color: "1d76db", description: "kopt's weekly health report or security audit" };
  if (name === INCIDENT_LABEL)
    return {
      name,
      color: "b60205",
      description: "kopt: a failure a values change cannot fix; kopt updates and closes this issue",
    };
  if (name.startsWith(INCIDENT_CLASS_LABEL_PREFIX)) {
    const id = name.slice(INCIDENT_CLASS_LABEL_PREFIX.length);
    if (isDiagnosisClassId(id)) return { name, color: "f9d0c4", description: `kopt diagnosis class ${id}` };
  }
  if (name.startsWith(TIER_LABEL_PREFIX)) {
    const tier = name.slice(TIER_LABEL_PREFIX.length) as Tier;
    if (TIERS.includes(tier))
      return { name, color: TIER_COLORS[tier], description: `kopt tier: ${TIER_TEXT[tier]}` };
  }
  if (name.startsWith(KIND_LABEL_PREFIX)) {
    const kind = name.slice(KIND_LABEL_PREFIX.length);
    return { name, color: "bfd4f2", description: `kopt change: ${KIND_TEXT[kind] ?? kind}` };
  }
  return undefined;
}

/** Every label kopt may use on a repository (what `kopt setup` creates up front). */
export function allLabels(): LabelSpec[] {
  const names = [
    "kopt",
    HOLD_LABEL,
    SLA_LABEL,
    REGRESSION_LABEL,
    INCIDENT_LABEL,
    REPORT_LABEL,
    ...TIERS.map((t) => `${TIER_LABEL_PREFIX}${t}`),
    ...Object.keys(KIND_TEXT).map((k) => `${KIND_LABEL_PREFIX}${k}`),
  ];
  return names.map((n) => labelSpec(n) as LabelSpec);
}
