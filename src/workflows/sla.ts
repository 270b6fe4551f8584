// `kopt sla`: escalates kopt pull requests that wait for their approvals longer than policy.approval.sla
// allows. Run it on a schedule. For each open pull request on a `kopt/` branch (of one cluster with
// --cluster), tier from its kopt/tier:<t> label (trivial, or no tier label: no SLA), if its reviews do not
// yet meet the tier's rule and it is older than its SLA: one comment mentioning the escalation group
// (policy.approval.escalate, default the architects) and the label kopt/sla-breached. Once only: a pull
// request that has the label, or the comment (found by its hidden marker), is not escalated again.
//
// Decided: a pull request with an outstanding change request is not escalated — a reviewer has answered
// and the next move is the author's (kopt's next run); only "pending" is waiting for reviewers. The wait is
// counted from the pull request's creation.

import { type LoadedConfig, loadClusterConfig } from "../config/load.ts";
import { type ApprovalEvaluation, evaluateApproval, tierOfLabel } from "../decide/approval.ts";
import { KoptError } from "../errors.ts";
import type { Tier } from "../formats/phr.ts";
import { formatMinutes } from "../model/format.ts";
import type { Forge, PullRequest } from "../propose/forge.ts";
import { openRepository } from "../propose/git-repo.ts";
import { SLA_LABEL } from "../propose/labels.ts";
import {
  approverGroups,
  bootstrapConfig,
  clusterOfBranch,
  groupMention,
  NO_GROUPS,
  needsGroups,
} from "./gate.ts";
import { ForgeSessions } from "./open-forge.ts";

export { SLA_LABEL };
export const ESCALATION_MARKER = "<!-- kopt:sla-escalation -->";

export interface SlaOptions {
  repoDir: string;
  /** Only pull requests on kopt/<cluster>/ branches. */
  cluster?: string;
  env: NodeJS.ProcessEnv;
  /** Overrides forge.type. */
  forge?: "local" | "github";
  now: Date;
}

export interface SlaBreach {
  pr: number;
  tier: Tier;
  waitedMinutes: number;
  slaMinutes: number;
  /** true: escalated by this run; false: escalated before (label or comment already there). */
  escalated: boolean;
  /** What the tier's rule still needs. */
  missing: string[];
}

export interface SlaOutcome {
  /** kopt pull requests looked at (open, on a kopt/ branch, of the cluster when one is given). */
  checked: number;
  breached: SlaBreach[];
  /** Pull requests with no SLA, and why (no tier label, trivial, approved, changes requested, ...). */
  skipped: { pr: number; why: string }[];
}

/** The escalation comment (with its hidden marker on the first line). */
export function escalationComment(p: {
  mention: string;
  tier: Tier;
  waitedMinutes: number;
  slaMinutes: number;
  approval: ApprovalEvaluation;
  configFile: string;
}): string {
  const a = p.approval;
  const lines = [
    ESCALATION_MARKER,
    `${p.mention}: this ${p.tier} pull request has waited ${formatMinutes(p.waitedMinutes)} for its approvals; its SLA is ${formatMinutes(p.slaMinutes)} (policy.approval.sla.${p.tier} in ${p.configFile}).`,
    "",
    `Missing: ${a.missing.join(" and ")}.`,
  ];
  if (a.counted.length > 0) lines.push(`Approved so far: ${a.counted.map((c) => c.user).join(", ")}.`);
  if (a.stale.length > 0)
    lines.push(`Approvals of an older commit (approve the latest push again): ${a.stale.join(", ")}.`);
  lines.push("", "kopt escalates a pull request once; this comment will not be repeated.");
  return `${lines.join("\n")}\n`;
}

/** One cluster's config and the forge it points at (shared by the clusters of one repository). */
export interface ClusterSession {
  loaded: LoadedConfig;
  forge: Forge;
}

/** The tier a pull request's kopt/tier: label gives (the highest when several), or why it has no SLA. */
function slaTier(p: PullRequest): { tier: Exclude<Tier, "trivial"> } | { why: string } {
  const tiers = p.labels.flatMap((l) => tierOfLabel(l) ?? []);
  const tier = (["critical", "medium", "low", "trivial"] as const).find((t) => tiers.includes(t));
  if (!tier) return { why: "no kopt/tier: label" };
  if (tier === "trivial") return { why: "trivial: no SLA" };
  return { tier };
}

/** Where a pull request stands against its tier's SLA: no SLA (and why), or waiting past it. */
export type SlaStanding =
  | { skip: string }
  | { late: Omit<SlaBreach, "escalated">; approval: ApprovalEvaluation };

/**
 * One pull request against its cluster's SLA, read only (the weekly report reads it too): skipped (and why),
 * or waiting for its approvals past its SLA.
 */
export async function slaStanding(s: ClusterSession, p: PullRequest, now: Date): Promise<SlaStanding> {
  const t = slaTier(p);
  if ("why" in t) return { skip: t.why };
  const { tier } = t;
  const { forge, loaded } = s;
  const policy = loaded.policy.approval;
  const slaMinutes = policy.slaSeconds[tier] / 60;
  const waitedMs = now.getTime() - Date.parse(p.createdAt);
  const waitedMinutes = Math.floor(waitedMs / 60_000);
  if (waitedMs <= slaMinutes * 60_000) {
    return { skip: `within its SLA (${formatMinutes(waitedMinutes)} of ${formatMinutes(slaMinutes)})` };
  }
  const groups = needsGroups(tier) ? await approverGroups(forge, policy, loaded.file) : NO_GROUPS;
  const approval = evaluateApproval({
    tier,
    author: p.author,
    headSha: p.headSha,
    reviews: await forge.reviews(p.number),
    ...groups,
  });
  if (approval.state !== "pending") {
    return { skip: approval.state === "success" ? "approved" : "changes requested: waiting for the author" };
  }
  return { late: { pr: p.number, tier, waitedMinutes, slaMinutes, missing: approval.missing }, approval };
}

type Check = { breach: SlaBreach } | { skip: string };

/** One pull request against its cluster's SLA: skipped (and why), or breached (escalated now or before). */
async function checkPull(s: ClusterSession, p: PullRequest, now: Date): Promise<Check> {
  const standing = await slaStanding(s, p, now);
  if ("skip" in standing) return standing;
  const { late: breach, approval } = standing;
  const { tier, waitedMinutes, slaMinutes } = breach;
  const { forge, loaded } = s;
  const policy = loaded.policy.approval;
  const labelled = p.labels.some((l) => l.toLowerCase() === SLA_LABEL);
  if (labelled || (await forge.hasComment(p.number, ESCALATION_MARKER))) {
    return { breach: { ...breach, escalated: false } };
  }
  const mention = groupMention(forge, policy.escalate ?? policy.architects);
  const configFile = `clusters/${loaded.config.cluster}/kopt.yaml`;
  // The comment first: it is what notifies; the label then marks the pull request.
  await forge.comment(
    p.number,
    escalationComment({ mention, tier, waitedMinutes, slaMinutes, approval, configFile }),
  );
  await forge.addLabels(p.number, [SLA_LABEL]);
  return { breach: { ...breach, escalated: true } };
}

export async function sla(opts: SlaOptions): Promise<SlaOutcome> {
  const { now } = opts;
  if (Number.isNaN(now.getTime())) throw new KoptError("usage", "sla: now is not a valid time");
  const repo = await openRepository(opts.repoDir);
  const forges = new ForgeSessions(repo, opts, { branches: false });
  const base = await bootstrapConfig(repo.root, opts.cluster);
  const mine = await (await forges.forgeOf(base)).openPullRequests(
    opts.cluster ? `kopt/${opts.cluster}/` : "kopt/",
  );

  const configs = new Map<string, LoadedConfig>([[base.config.cluster, base]]);
  const breached: SlaBreach[] = [];
  const skipped: { pr: number; why: string }[] = [];
  for (const p of mine) {
    const cluster = clusterOfBranch(p.branch) ?? base.config.cluster;
    let loaded = configs.get(cluster);
    if (!loaded) {
      loaded = await loadClusterConfig(repo.root, cluster);
      configs.set(cluster, loaded);
    }
    // The cluster's forge: the one already open when its config points at the same repository.
    const check = await checkPull({ loaded, forge: await forges.forgeOf(loaded) }, p, now);
    if ("skip" in check) skipped.push({ pr: p.number, why: check.skip });
    else breached.push(check.breach);
  }
  return { checked: mine.length, breached, skipped };
}
