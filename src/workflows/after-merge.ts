// `kopt after-merge`: after a push to the base branch, records in each newly merged kopt change's PHR who
// approved it and when, the merge commit and time, and the approval latency, and sets its status to
// approved. The update lands as a trivial PHR-only pull request that kopt merges itself (the gate passes it
// without approvals), or as a direct commit (forge.github.afterMerge.record: commit).
//
// It looks at every PHR on the base branch that is still `proposed`, so a run that was missed is caught up
// by the next one, and a second run finds nothing to do. In the same record it lands the PHRs of kopt
// proposals a person closed without merging, as `rejected` (src/workflows/rejections.ts).

import { type LoadedConfig, listClusters, loadClusterConfig, resolveClusterName } from "../config/load.ts";
import { evaluateApproval, isPhrPath, type ReviewInput } from "../decide/approval.ts";
import { KoptError } from "../errors.ts";
import type { PhrFrontMatter } from "../formats/phr.ts";
import { isReportPhrPath, readPhrFront, updatePhr } from "../formats/phr.ts";
import type { Forge, PullRequest, UpsertResult } from "../propose/forge.ts";
import { commitAdding, commitFiles, type GitRepo, openRepository } from "../propose/git-repo.ts";
import { APPROVAL_CONTEXT, approverGroups, NO_GROUPS, needsGroups } from "./gate.ts";
import { clockOf, openForge } from "./open-forge.ts";
import { type RecordedRejection, rejectionRecords, rejectionsBody } from "./rejections.ts";

export interface AfterMergeOptions {
  repoDir: string;
  cluster?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides forge.type. */
  forge?: "local" | "github";
  /** When the run happens: the local forge's clock for the record pull request; default now. */
  now?: Date;
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
  /** Proposals a person closed unmerged, recorded as rejected in this run. */
  rejected: RecordedRejection[];
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

/** What one PHR's record adds: its updated text, and the line of the outcome. */
interface PhrRecord {
  update: { path: string; content: string };
  recorded: RecordedMerge;
  mergedAt: string;
}

/** Where the records are read and written: the cluster's config, its forge and the repository on disk. */
export interface RecordContext {
  repo: GitRepo;
  loaded: LoadedConfig;
  forge: Forge;
  warnings: string[];
}

async function afterMergeCluster(opts: AfterMergeOptions, cluster: string): Promise<AfterMergeOutcome> {
  const env = opts.env ?? process.env;
  const repo = await openRepository(opts.repoDir);
  const loaded = await loadClusterConfig(repo.root, cluster);
  const { config } = loaded;
  const forge = await openForge(repo, loaded, { forge: opts.forge, env, ...clockOf(opts.now) });
  const ctx: RecordContext = { repo, loaded, forge, warnings: [] };
  const { warnings } = ctx;

  const records: PhrRecord[] = [];
  for (const path of await forge.listBase(`phr/${config.cluster}/`)) {
    // A weekly report's PHR records no change.
    if (!isPhrPath(path) || isReportPhrPath(path)) continue;
    const r = await recordPhr(ctx, path);
    if (r) records.push(r);
  }
  const rejections = await rejectionRecords(ctx, config.cluster);
  const recorded = records.map((r) => r.recorded);
  const rejected = rejections.map((r) => r.recorded);
  if (records.length === 0 && rejections.length === 0) {
    return { cluster: config.cluster, recorded, rejected, record: null, warnings };
  }

  const what = recordWhat(recorded, rejected);
  const phrs = [...recorded, ...rejected].map((r) => `PHR: ${r.phr}`).join("\n");
  const message = `kopt: record ${what} in the PHRs\n\n${phrs}\n`;
  // The date of the newest merge or close: a rerun on the same base makes the same commit, so nothing churns.
  const times = [...records.map((r) => r.mergedAt), ...rejected.map((r) => r.closedAt)];
  const latest = times.reduce((a, t) => (t > a ? t : a), "");
  const record = await landRecord(ctx, {
    files: [...records.map((r) => r.update), ...rejections.map((r) => r.update)],
    message,
    date: latest,
    branch: RECORD_BRANCH(config.cluster),
    title: `kopt: record ${what}`,
    body: recordBody(recorded, rejected),
    kind: "record",
  });
  return { cluster: config.cluster, recorded, rejected, record, warnings };
}

/** "the merge of #1, #2 and the rejection of #3". */
function recordWhat(recorded: readonly RecordedMerge[], rejected: readonly RecordedRejection[]): string {
  const list = (rs: readonly { pullRequest: number }[]) => rs.map((r) => `#${r.pullRequest}`).join(", ");
  return [
    recorded.length > 0 ? `the merge of ${list(recorded)}` : "",
    rejected.length > 0 ? `the rejection of ${list(rejected)}` : "",
  ]
    .filter(Boolean)
    .join(" and ");
}

/** A PHR-only commit kopt lands on the base itself: its files, and the pull request that carries it. */
export interface RecordLanding {
  files: { path: string; content: string }[];
  message: string;
  /** Author and committer date: the same input makes the same commit. */
  date: string;
  branch: string;
  title: string;
  body: string;
  /** The kopt/kind: label. */
  kind: string;
}

/**
 * Lands PHR-only records on the base branch: a trivial pull request that kopt passes through the gate and
 * merges itself, or a direct commit (forge.github.afterMerge.record: commit). Used by after-merge and by the
 * agent's executed actions. A merge refused (branch protection) leaves the pull request open, with a warning.
 */
export async function landRecord(
  ctx: RecordContext,
  l: RecordLanding,
): Promise<NonNullable<AfterMergeOutcome["record"]>> {
  const { repo, loaded, forge, warnings } = ctx;
  const { config } = loaded;
  const sha = await commitFiles(repo, forge.baseSha, l.files, l.message, { date: l.date });
  const mode = config.forge.github?.afterMerge.record ?? "pull-request";
  if (mode === "commit") {
    if (!(await forge.pushBase(sha, forge.baseSha))) {
      throw new KoptError("forge", `${config.forge.baseBranch} moved while kopt landed its record`, {
        hint: "run it again: kopt reads the base anew",
      });
    }
    return { mode, status: "created", location: sha, merged: true };
  }
  const result = await forge.proposeCommit(l.branch, sha, {
    title: l.title,
    body: l.body,
    labels: ["kopt", "kopt/tier:trivial", `kopt/kind:${l.kind}`],
    tier: "trivial",
  });
  const merged = await mergeRecord(forge, result, sha, warnings);
  warnings.push(...(result.warnings ?? []));
  return { mode, status: result.status, location: result.location, merged };
}

/** The record of one PHR still `proposed` on the base, or undefined (not proposed, unreadable, no pull request). */
async function recordPhr(ctx: RecordContext, path: string): Promise<PhrRecord | undefined> {
  const { repo, loaded, forge, warnings } = ctx;
  const base = forge.baseSha;
  const text = (await forge.readBase(path)) as string;
  let front: PhrFrontMatter;
  try {
    front = readPhrFront(text, path);
  } catch (e) {
    warnings.push(`${path}: ${(e as Error).message}; not recorded (run \`kopt phr lint\`)`);
    return undefined;
  }
  if (front.status !== "proposed") return undefined;
  const commit = await commitAdding(repo.git, base, path);
  const pull = commit ? await forge.mergedPullRequestOf(commit) : undefined;
  if (!commit || !pull?.merged) {
    warnings.push(
      `${path} reached ${loaded.config.forge.baseBranch} without a merged pull request (commit ${commit?.slice(0, 7) ?? "?"}): not recorded as approved`,
    );
    return undefined;
  }
  const reviews = await forge.reviews(pull.number);
  const groups = needsGroups(front.tier)
    ? await approverGroups(forge, loaded.policy.approval, loaded.file)
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
    sha: commit,
    at: pull.merged.at,
    by: pull.merged.by,
    openedAt: pull.createdAt,
    approvalLatencyMinutes: latency === null ? null : Math.max(0, latency),
  };
  const content = updatePhr(
    text,
    path,
    { status: "approved", approvals, merge },
    { heading: "Approval and merge", body: approvalSection(pull, merge, approvals, front) },
  );
  return {
    update: { path, content },
    recorded: {
      phr: path,
      id: front.id,
      pullRequest: pull.number,
      mergeSha: commit,
      approvals,
      approvalLatencyMinutes: merge.approvalLatencyMinutes,
    },
    mergedAt: pull.merged.at,
  };
}

/** The PHR section that says who approved and merged, and when. */
function approvalSection(
  pull: PullRequest,
  merge: { sha: string; at: string; by: string | null; approvalLatencyMinutes: number | null },
  approvals: { user: string; at: string; as: string[] }[],
  front: PhrFrontMatter,
): string {
  const { at, by } = merge;
  return [
    `- Pull request: #${pull.number}, opened ${pull.createdAt}, merged ${at}${by ? ` by ${by}` : ""} as ${merge.sha.slice(0, 7)}`,
    approvals.length > 0
      ? `- Approved by: ${approvals.map((a) => `${a.user}${a.as.length ? ` (${a.as.join(", ")})` : ""} at ${a.at}`).join("; ")}`
      : `- Approved by: nobody (${front.tier} needs no approval)`,
    `- Approval latency: ${merge.approvalLatencyMinutes === null ? "n/a" : `${merge.approvalLatencyMinutes} min`}`,
  ].join("\n");
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

function recordBody(recorded: RecordedMerge[], rejected: readonly RecordedRejection[]): string {
  const rows = recorded.map(
    (r) =>
      `| [${r.phr}](${r.phr}) | #${r.pullRequest} | \`${r.mergeSha.slice(0, 7)}\` | ${(r.approvals ?? []).map((a) => a.user).join(", ") || "—"} | ${r.approvalLatencyMinutes ?? "n/a"} |`,
  );
  return [
    "## kopt: after-merge record",
    "",
    "**Tier:** `trivial` — PHR-only record update, no approval needed (logged) · **Cost:** none",
    "",
    ...(rows.length > 0
      ? [
          "Sets these PHRs to `approved` and records who approved, when, and the merge:",
          "",
          "| PHR | Pull request | Merge | Approved by | Latency (min) |",
          "|---|---|---|---|---|",
          ...rows,
        ]
      : []),
    ...rejectionsBody(rejected),
    "",
    "### Roll back",
    "Revert this pull request's merge: it changes only audit records.",
  ].join("\n");
}

/** Passes the gate for the trivial record and merges it; a refusal (branch protection) is a warning. */
async function mergeRecord(
  forge: Forge,
  result: UpsertResult,
  sha: string,
  warnings: string[],
): Promise<boolean> {
  const number = result.pullNumber;
  if (number === undefined) return false;
  try {
    await forge.setStatus(sha, APPROVAL_CONTEXT, {
      state: "success",
      description: "trivial: PHR-only record update; no approval needed",
      targetUrl: result.location,
    });
    await forge.merge(number, sha);
    return true;
  } catch (e) {
    warnings.push(
      `the record pull request #${number} is open: kopt could not merge it (${(e as Error).message}); merge it by hand`,
    );
    return false;
  }
}
