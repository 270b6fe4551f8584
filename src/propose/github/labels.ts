// The labels kopt puts on pull requests, with the colour and description they get when kopt creates them.
import { TIER_LABEL_PREFIX } from "../../decide/approval.ts";
import { TIERS, type Tier } from "../../formats/phr.ts";

export { TIER_LABEL_PREFIX };

import type { GitHubConnection } from "./client.ts";
import { gitHubError } from "./client.ts";

export interface LabelSpec {
  name: string;
  color: string;
  description: string;
}

export const HOLD_LABEL = "kopt/hold";
export const SLA_LABEL = "kopt/sla-breached";
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
    ...TIERS.map((t) => `${TIER_LABEL_PREFIX}${t}`),
    ...Object.keys(KIND_TEXT).map((k) => `${KIND_LABEL_PREFIX}${k}`),
  ];
  return names.map((n) => labelSpec(n) as LabelSpec);
}

/** Creates the labels in `names` the repository lacks (kopt's with their colour; others plain). */
export class LabelCache {
  private existing: Set<string> | undefined;

  constructor(private readonly conn: GitHubConnection) {}

  async ensure(names: readonly string[]): Promise<void> {
    const { octokit, owner, repo } = this.conn;
    if (!this.existing) {
      try {
        const all = await octokit.paginate(octokit.issues.listLabelsForRepo, { owner, repo, per_page: 100 });
        this.existing = new Set(all.map((l) => l.name.toLowerCase()));
      } catch (e) {
        throw gitHubError(e, "listing the repository's labels");
      }
    }
    for (const name of names) {
      if (this.existing.has(name.toLowerCase())) continue;
      const spec = labelSpec(name) ?? { name, color: "ededed", description: "" };
      try {
        await octokit.issues.createLabel({ owner, repo, ...spec });
      } catch (e) {
        // A concurrent run created it first: that is fine.
        if ((e as { status?: number }).status !== 422) throw gitHubError(e, `creating label ${name}`);
      }
      this.existing.add(name.toLowerCase());
    }
  }
}
