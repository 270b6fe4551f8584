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

import { type ApprovalEvaluation, evaluateApproval, tierOfLabel } from "../decide/approval.ts";
import { KoptError } from "../errors.ts";
import { durationSeconds } from "../formats/config.ts";
import type { Tier } from "../formats/phr.ts";
import { gitHubError } from "../propose/github/client.ts";
import { LabelCache, SLA_LABEL } from "../propose/github/labels.ts";
import {
  approverGroups,
  bootstrapConfig,
  clusterOfBranch,
  connectFor,
  groupMention,
  NO_GROUPS,
  needsGroups,
  readReviews,
  type Session,
  switchCluster,
  TeamCache,
} from "./gate.ts";

export { SLA_LABEL };
export const ESCALATION_MARKER = "<!-- kopt:sla-escalation -->";

export interface SlaOptions {
  repoDir: string;
  /** Only pull requests on kopt/<cluster>/ branches. */
  cluster?: string;
  env: NodeJS.ProcessEnv;
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

/** 185 -> "3h 5m"; 45 -> "45m"; 1500 -> "1d 1h". */
export function formatMinutes(minutes: number): string {
  const m = Math.floor(minutes);
  if (m < 60) return `${m}m`;
  if (m < 24 * 60) return m % 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : `${m / 60}h`;
  const h = Math.floor(m / 60);
  return h % 24 ? `${Math.floor(h / 24)}d ${h % 24}h` : `${h / 24}d`;
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

async function hasEscalationComment(s: Session, pr: number): Promise<boolean> {
  const { octokit, owner, repo } = s.conn;
  try {
    const comments = await octokit.paginate(octokit.issues.listComments, {
      owner,
      repo,
      issue_number: pr,
      per_page: 100,
    });
    return comments.some((c) => (c.body ?? "").includes(ESCALATION_MARKER));
  } catch (e) {
    throw gitHubError(e, `reading the comments of #${pr}`);
  }
}

export async function sla(opts: SlaOptions): Promise<SlaOutcome> {
  const { repoDir, env, now } = opts;
  if (Number.isNaN(now.getTime())) throw new KoptError("usage", "sla: now is not a valid time");
  const base = await connectFor(await bootstrapConfig(repoDir, opts.cluster), env, repoDir);
  const { octokit, owner, repo } = base.conn;
  let pulls: Awaited<ReturnType<typeof octokit.pulls.list>>["data"];
  try {
    pulls = await octokit.paginate(octokit.pulls.list, { owner, repo, state: "open", per_page: 100 });
  } catch (e) {
    throw gitHubError(e, "listing open pull requests", base.github.apiUrl);
  }
  const prefix = opts.cluster ? `kopt/${opts.cluster}/` : "kopt/";
  const mine = pulls.filter((p) => p.head.ref.startsWith(prefix)).sort((a, b) => a.number - b.number);

  const sessions = new Map<string, Session>();
  const teams = new Map<string, TeamCache>();
  const breached: SlaBreach[] = [];
  const skipped: { pr: number; why: string }[] = [];
  for (const p of mine) {
    const labels = p.labels.map((l) => l.name ?? "");
    const tiers = labels.flatMap((l) => tierOfLabel(l) ?? []);
    const tier = (["critical", "medium", "low", "trivial"] as const).find((t) => tiers.includes(t));
    if (!tier) {
      skipped.push({ pr: p.number, why: "no kopt/tier: label" });
      continue;
    }
    if (tier === "trivial") {
      skipped.push({ pr: p.number, why: "trivial: no SLA" });
      continue;
    }
    const cluster = clusterOfBranch(p.head.ref) ?? base.loaded.config.cluster;
    let s = sessions.get(cluster);
    if (!s) {
      s = await switchCluster(base, cluster, env, repoDir);
      sessions.set(cluster, s);
    }
    const policy = s.loaded.config.policy.approval;
    const slaMinutes = durationSeconds(policy.sla[tier]) / 60;
    const waitedMs = now.getTime() - Date.parse(p.created_at);
    const waitedMinutes = Math.floor(waitedMs / 60_000);
    if (waitedMs <= slaMinutes * 60_000) {
      skipped.push({
        pr: p.number,
        why: `within its SLA (${formatMinutes(waitedMinutes)} of ${formatMinutes(slaMinutes)})`,
      });
      continue;
    }
    const key = `${s.github.apiUrl} ${s.conn.owner}`;
    let cache = teams.get(key);
    if (!cache) {
      cache = new TeamCache(s.conn);
      teams.set(key, cache);
    }
    const groups = needsGroups(tier)
      ? await approverGroups(cache, s.conn.owner, policy, s.loaded.file)
      : NO_GROUPS;
    const approval = evaluateApproval({
      tier,
      author: p.user?.login ?? "",
      headSha: p.head.sha,
      reviews: await readReviews(s.conn, p.number),
      ...groups,
    });
    if (approval.state !== "pending") {
      skipped.push({
        pr: p.number,
        why: approval.state === "success" ? "approved" : "changes requested: waiting for the author",
      });
      continue;
    }
    const breach = { pr: p.number, tier, waitedMinutes, slaMinutes, missing: approval.missing };
    const labelled = labels.some((l) => l.toLowerCase() === SLA_LABEL);
    if (labelled || (await hasEscalationComment(s, p.number))) {
      breached.push({ ...breach, escalated: false });
      continue;
    }
    const mention = groupMention(s.conn.owner, policy.escalate ?? policy.architects);
    const configFile = `clusters/${s.loaded.config.cluster}/kopt.yaml`;
    const { octokit: ok } = s.conn;
    try {
      // The comment first: it is what notifies; the label then marks the pull request.
      await ok.issues.createComment({
        owner: s.conn.owner,
        repo: s.conn.repo,
        issue_number: p.number,
        body: escalationComment({ mention, tier, waitedMinutes, slaMinutes, approval, configFile }),
      });
    } catch (e) {
      throw gitHubError(e, `commenting on #${p.number}`);
    }
    await new LabelCache(s.conn).ensure([SLA_LABEL]);
    try {
      await ok.issues.addLabels({
        owner: s.conn.owner,
        repo: s.conn.repo,
        issue_number: p.number,
        labels: [SLA_LABEL],
      });
    } catch (e) {
      throw gitHubError(e, `labelling #${p.number} ${SLA_LABEL}`);
    }
    breached.push({ ...breach, escalated: true });
  }
  return { checked: mine.length, breached, skipped };
}
