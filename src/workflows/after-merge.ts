// `kopt after-merge`: after a push to the base branch, records in each newly merged kopt change's PHR who
// approved it and when, the merge commit and time, and the approval latency, and sets its status to
// approved. The update lands as a trivial PHR-only pull request that kopt merges itself (the gate passes it
// without approvals), or as a direct commit (forge.github.afterMerge.record: commit).
//
// It looks at every PHR on the base branch that is still `proposed`, so a run that was missed is caught up
// by the next one, and a second run finds nothing to do.

import { listClusters, loadClusterConfig, resolveClusterName } from "../config/load.ts";
import { evaluateApproval, type ReviewInput } from "../decide/approval.ts";
import { KoptError } from "../errors.ts";
import type { PhrFrontMatter } from "../formats/phr.ts";
import { readPhrFront, updatePhr } from "../formats/phr.ts";
import type { UpsertResult } from "../propose/forge.ts";
import { commitAdding, commitFiles, openRepository, showFile } from "../propose/git-repo.ts";
import { type GitHubConnection, gitHubError, httpStatus } from "../propose/github/client.ts";
import { pushBranch } from "../propose/github/git-remote.ts";
import { APPROVAL_CONTEXT, approverGroups, NO_GROUPS, needsGroups, readReviews, TeamCache } from "./gate.ts";
import { openGitHubForge } from "./open-forge.ts";

export interface AfterMergeOptions {
  repoDir: string;
  cluster?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RecordedMerge {
  phr: string;
  id: string;
  pullRequest: number;
  mergeSha: string;
  approvals: PhrFrontMatter["approvals"];
  approvalLatencyMinutes: number | null;
}

export interface AfterMergeOutcome {
  cluster: string;
  recorded: RecordedMerge[];
  /** How the record landed: a pull request (merged by kopt, or left open with a warning) or a commit. */
  record: { mode: "pull-request" | "commit"; status: string; location: string; merged: boolean } | null;
  warnings: string[];
}

export const RECORD_BRANCH = (cluster: string) => `kopt/${cluster}/records`;

/** Every cluster's merges (or the named cluster's). */
export async function afterMerge(opts: AfterMergeOptions): Promise<AfterMergeOutcome[]> {
  const repo = await openRepository(opts.repoDir);
  const clusters = opts.cluster ? [opts.cluster] : await listClusters(repo.root);
  if (clusters.length === 0) await resolveClusterName(repo.root, undefined); // says there is none
  const outcomes: AfterMergeOutcome[] = [];
  for (const cluster of clusters) outcomes.push(await afterMergeCluster(opts, cluster));
  return outcomes;
}

async function afterMergeCluster(opts: AfterMergeOptions, cluster: string): Promise<AfterMergeOutcome> {
  const env = opts.env ?? process.env;
  const repo = await openRepository(opts.repoDir);
  const loaded = await loadClusterConfig(repo.root, cluster);
  const { config } = loaded;
  const forge = await openGitHubForge(repo, loaded, { env });
  const conn = forge.connection;
  const base = forge.baseSha;
  const teams = new TeamCache(conn);
  const warnings: string[] = [];

  const files = (await repo.git.raw(["ls-tree", "-r", "--name-only", base, "--", `phr/${config.cluster}/`]))
    .split("\n")
    .filter((f) => f.endsWith(".md"));
  const updated: { path: string; content: string }[] = [];
  const recorded: RecordedMerge[] = [];
  let latestMerge = "";
  for (const path of files) {
    const text = (await showFile(repo.git, base, path)) as string;
    let front: PhrFrontMatter;
    try {
      front = readPhrFront(text, path);
    } catch (e) {
      warnings.push(`${path}: ${(e as Error).message}; not recorded (run \`kopt phr lint\`)`);
      continue;
    }
    if (front.status !== "proposed") continue;
    const commit = await commitAdding(repo.git, base, path);
    const pull = commit ? await mergedPullOf(conn, commit) : undefined;
    if (!pull) {
      warnings.push(
        `${path} reached ${config.forge.baseBranch} without a merged pull request (commit ${commit?.slice(0, 7) ?? "?"}): not recorded as approved`,
      );
      continue;
    }
    const reviews = await readReviews(conn, pull.number);
    const groups = needsGroups(front.tier)
      ? await approverGroups(teams, conn.owner, config.policy.approval, loaded.file)
      : NO_GROUPS;
    const input = { tier: front.tier, author: pull.author, headSha: pull.headSha, reviews, ...groups };
    const verdict = evaluateApproval(input);
    if (verdict.state !== "success") {
      warnings.push(
        `#${pull.number} was merged without meeting its ${front.tier} rule (${verdict.description}); recorded as it was`,
      );
    }
    const approvals = verdict.counted.map((c) => ({ user: c.user, at: c.at, as: c.as }));
    const completedAt = ruleCompletedAt(input, reviews);
    const latency =
      completedAt === undefined
        ? null
        : Math.round(((Date.parse(completedAt) - Date.parse(pull.createdAt)) / 60_000) * 10) / 10;
    const merge = {
      pullRequest: pull.number,
      sha: commit as string,
      at: pull.mergedAt,
      by: pull.mergedBy,
      openedAt: pull.createdAt,
      approvalLatencyMinutes: latency === null ? null : Math.max(0, latency),
    };
    const section = [
      `- Pull request: #${pull.number}, opened ${pull.createdAt}, merged ${pull.mergedAt}${pull.mergedBy ? ` by ${pull.mergedBy}` : ""} as ${(commit as string).slice(0, 7)}`,
      approvals.length > 0
        ? `- Approved by: ${approvals.map((a) => `${a.user}${a.as.length ? ` (${a.as.join(", ")})` : ""} at ${a.at}`).join("; ")}`
        : `- Approved by: nobody (${front.tier} needs no approval)`,
      `- Approval latency: ${merge.approvalLatencyMinutes === null ? "n/a" : `${merge.approvalLatencyMinutes} min`}`,
    ].join("\n");
    updated.push({
      path,
      content: updatePhr(
        text,
        path,
        { status: "approved", approvals, merge },
        { heading: "Approval and merge", body: section },
      ),
    });
    recorded.push({
      phr: path,
      id: front.id,
      pullRequest: pull.number,
      mergeSha: commit as string,
      approvals,
      approvalLatencyMinutes: merge.approvalLatencyMinutes,
    });
    if (pull.mergedAt > latestMerge) latestMerge = pull.mergedAt;
  }
  if (updated.length === 0) return { cluster: config.cluster, recorded, record: null, warnings };

  const ids = recorded.map((r) => `#${r.pullRequest}`).join(", ");
  const message = `kopt: record the merge of ${ids} in the PHRs\n\n${recorded.map((r) => `PHR: ${r.phr}`).join("\n")}\n`;
  // The date of the newest merge: a rerun on the same base makes the same commit, so nothing churns.
  const sha = await commitFiles(repo, base, updated, message, { date: latestMerge });
  const mode = forge.settings.afterMerge.record;
  if (mode === "commit") {
    const token = await conn.gitToken();
    const pushed = await pushBranch(repo, conn.gitUrl, token, config.forge.baseBranch, sha, base);
    if (!pushed) {
      throw new KoptError("forge", `${config.forge.baseBranch} moved while kopt recorded the merge`, {
        hint: "run kopt after-merge again: it picks up every PHR still proposed",
      });
    }
    return {
      cluster: config.cluster,
      recorded,
      record: { mode, status: "created", location: sha, merged: true },
      warnings,
    };
  }

  const result = await forge.proposeCommit(RECORD_BRANCH(config.cluster), sha, {
    title: `kopt: record the merge of ${ids}`,
    body: recordBody(recorded),
    labels: ["kopt", "kopt/tier:trivial", "kopt/kind:record"],
    tier: "trivial",
  });
  const merged = await mergeRecord(conn, result, sha, warnings);
  return {
    cluster: config.cluster,
    recorded,
    record: { mode, status: result.status, location: result.location, merged },
    warnings: [...warnings, ...(result.warnings ?? [])],
  };
}

interface MergedPull {
  number: number;
  author: string;
  headSha: string;
  createdAt: string;
  mergedAt: string;
  mergedBy: string | null;
}

/** The merged pull request whose merge commit is `sha`. */
async function mergedPullOf(conn: GitHubConnection, sha: string): Promise<MergedPull | undefined> {
  const { octokit, owner, repo } = conn;
  try {
    const { data } = await octokit.repos.listPullRequestsAssociatedWithCommit({
      owner,
      repo,
      commit_sha: sha,
    });
    const hit = data.find((p) => p.merge_commit_sha === sha && p.merged_at) ?? data.find((p) => p.merged_at);
    if (!hit) return undefined;
    const { data: full } = await octokit.pulls.get({ owner, repo, pull_number: hit.number });
    return {
      number: full.number,
      author: full.user?.login ?? "",
      headSha: full.head.sha,
      createdAt: full.created_at,
      mergedAt: full.merged_at as string,
      mergedBy: full.merged_by?.login ?? null,
    };
  } catch (e) {
    if (httpStatus(e) === 422 || httpStatus(e) === 404) return undefined;
    throw gitHubError(e, `finding the pull request of commit ${sha.slice(0, 7)}`);
  }
}

/** When the tier's rule was first met: the earliest approval time at which the reviews up to it pass. */
function ruleCompletedAt(
  input: Parameters<typeof evaluateApproval>[0],
  reviews: ReviewInput[],
): string | undefined {
  if (input.tier === "trivial") return undefined;
  const times = [
    ...new Set(reviews.flatMap((r) => (r.state === "APPROVED" && r.submittedAt ? [r.submittedAt] : []))),
  ].sort();
  for (const t of times) {
    const upTo = reviews.filter((r) => r.submittedAt !== null && r.submittedAt <= t);
    if (evaluateApproval({ ...input, reviews: upTo }).state === "success") return t;
  }
  return undefined;
}

function recordBody(recorded: RecordedMerge[]): string {
  const rows = recorded.map(
    (r) =>
      `| [${r.phr}](${r.phr}) | #${r.pullRequest} | \`${r.mergeSha.slice(0, 7)}\` | ${(r.approvals ?? []).map((a) => a.user).join(", ") || "—"} | ${r.approvalLatencyMinutes ?? "n/a"} |`,
  );
  return [
    "## kopt: after-merge record",
    "",
    "**Tier:** `trivial` — PHR-only record update, no approval needed (logged) · **Cost:** none",
    "",
    "Sets these PHRs to `approved` and records who approved, when, and the merge:",
    "",
    "| PHR | Pull request | Merge | Approved by | Latency (min) |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    "### Roll back",
    "Revert this pull request's merge: it changes only audit records.",
  ].join("\n");
}

/** Passes the gate for the trivial record and merges it; a refusal (branch protection) is a warning. */
async function mergeRecord(
  conn: GitHubConnection,
  result: UpsertResult,
  sha: string,
  warnings: string[],
): Promise<boolean> {
  const { octokit, owner, repo } = conn;
  const number = result.pullNumber;
  if (number === undefined) return false;
  try {
    await octokit.repos.createCommitStatus({
      owner,
      repo,
      sha,
      state: "success",
      context: APPROVAL_CONTEXT,
      description: "trivial: PHR-only record update; no approval needed",
      target_url: result.location,
    });
    await octokit.pulls.merge({ owner, repo, pull_number: number, sha, merge_method: "squash" });
    return true;
  } catch (e) {
    warnings.push(
      `the record pull request #${number} is open: kopt could not merge it (${gitHubError(e, "merging").message}); merge it by hand`,
    );
    return false;
  }
}
