// `kopt rollback <phr-id | pr-number>`: opens a pull request that reverts a merged kopt change — a real
// `git revert` of its merge commit — with a PHR of its own (kind rollback, tier low, linking the original),
// keeps the original PHR (its status set to rolled-back) rather than letting the revert delete the audit
// record, and comments on the original pull request. Nothing is pushed when the revert conflicts.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { simpleGit } from "simple-git";
import { stringify } from "yaml";
import { loadClusterConfig, resolveClusterName } from "../config/load.ts";
import { KoptError } from "../errors.ts";
import type { PhrFrontMatter } from "../formats/phr.ts";
import { PhrFrontMatterSchema, readPhrFront, updatePhr } from "../formats/phr.ts";
import { formatMoney } from "../model/format.ts";
import { workloadLabel } from "../model/types.ts";
import type { PullRequestDraft, UpsertResult } from "../propose/forge.ts";
import {
  commitAdding,
  type GitRepo,
  gitEnv,
  gitWrite,
  gitWriteError,
  KOPT_AUTHOR,
  openRepository,
  resolveRef,
  showFile,
} from "../propose/git-repo.ts";
import { gitHubError, httpStatus } from "../propose/github/client.ts";
import { GitHubForge } from "../propose/github/github-forge.ts";
import { draftPath } from "../propose/local-forge.ts";
import { openForge } from "./open-forge.ts";

export interface RollbackOptions {
  repoDir: string;
  /** A PHR id (8 hex characters) or a pull request number (github). */
  target: string;
  cluster?: string;
  forge?: "local" | "github";
  env?: NodeJS.ProcessEnv;
  now: Date;
}

export interface RollbackOutcome {
  original: { id: string; phr: string; title: string; pullRequest?: number; mergeSha: string };
  rollback: {
    id: string;
    phr: string;
    branch: string;
    commit: string | null;
    status: string;
    location: string;
    pullNumber?: number;
  };
  /** Whether kopt commented on the original pull request (github, first time only). */
  commented: boolean;
  /** What went wrong once the pull request existed (labels, reviewers); a rerun completes it. */
  warnings: string[];
}

const ROLLBACK_MARKER = (id: string) => `<!-- kopt:rollback ${id} -->`;

export async function rollback(opts: RollbackOptions): Promise<RollbackOutcome> {
  const repo = await openRepository(opts.repoDir);
  const loaded = await loadClusterConfig(repo.root, await resolveClusterName(repo.root, opts.cluster));
  const { config } = loaded;
  const forge = await openForge(repo, loaded, opts);
  const base = forge.baseSha;

  // Which change: a PHR id on the base branch, or a merged pull request's PHR.
  let pullRequest: number | undefined;
  let phrPath: string;
  let mergeSha: string | undefined;
  if (/^[0-9a-f]{8}$/.test(opts.target)) {
    phrPath = await findPhr(repo, base, opts.target, config.forge.baseBranch);
  } else if (/^#?\d+$/.test(opts.target)) {
    if (!(forge instanceof GitHubForge)) {
      throw new KoptError("usage", `rollback ${opts.target}: pull request numbers need the github forge`, {
        hint: "give the PHR id (the 8 hex characters in the PHR's file name), or pass --forge github",
      });
    }
    pullRequest = Number(opts.target.replace("#", ""));
    ({ phrPath, mergeSha } = await mergedPullPhr(forge, pullRequest));
  } else {
    throw new KoptError(
      "usage",
      `rollback target ${opts.target} is neither a PHR id nor a pull request number`,
      {
        hint: "e.g. kopt rollback 6ea4683a, or kopt rollback 42",
      },
    );
  }
  const originalText = await showFile(repo.git, base, phrPath);
  if (originalText === undefined) {
    // A pull request merged into another branch, or a PHR since moved or deleted on the base.
    throw new KoptError(
      "usage",
      `${phrPath}${pullRequest ? ` (added by pull request #${pullRequest})` : ""} is not on ${config.forge.baseBranch}`,
      {
        hint: `only changes merged into ${config.forge.baseBranch} can be rolled back: revert it by hand on the branch it was merged into`,
      },
    );
  }
  const original = readPhrFront(originalText, phrPath);
  if (original.kind === "rollback") {
    throw new KoptError("usage", `${phrPath} is itself a rollback`, {
      hint: "to undo a rollback, roll back the original change again with kopt plan, or revert the rollback's merge by hand",
    });
  }
  if (original.status === "rolled-back") {
    throw new KoptError(
      "usage",
      `${phrPath} is already rolled back${original.rolledBackBy ? ` by ${original.rolledBackBy.phr}` : ""}`,
    );
  }
  mergeSha ??= original.merge?.sha ?? (await commitAdding(repo.git, base, phrPath));
  if (!mergeSha) throw new KoptError("usage", `cannot find the commit that merged ${phrPath}`);
  pullRequest ??= original.merge?.pullRequest;

  const id = createHash("sha256").update(`rollback/${original.id}`).digest("hex").slice(0, 8);
  const stamp = opts.now.toISOString().replace(/\.\d{3}Z$/, "Z");
  const rollbackPath = `phr/${original.cluster}/${stamp.slice(0, 10)}-${id}-rollback-${slugOf(phrPath)}.md`;
  const branch = `kopt/${original.cluster}/rollback/${original.id}`;
  const front: PhrFrontMatter = {
    id,
    cluster: original.cluster,
    kind: "rollback",
    tier: "low",
    status: "proposed",
    createdAt: stamp,
    title: `Roll back: ${original.title}`,
    workloads: original.workloads,
    changes: original.changes.map((c) => ({ file: c.file, path: c.path, from: c.to, to: c.from ?? null })),
    evidence: [],
    confidence: 1,
    cost: {
      currency: original.cost.currency,
      monthlyBefore: original.cost.monthlyAfter,
      monthlyAfter: original.cost.monthlyBefore,
      monthlyDelta: Math.round(-original.cost.monthlyDelta * 100) / 100,
    },
    rollback: { how: `Revert this pull request's merge commit to apply ${original.id} again.` },
    rollbackOf: { id: original.id, phr: phrPath, ...(pullRequest ? { pullRequest } : {}), mergeSha },
  };
  PhrFrontMatterSchema.parse(front);
  const view = describe(front, original, phrPath, pullRequest, mergeSha, branch);
  const rollbackPhr = `---\n${stringify(front, { lineWidth: 0 })}---\n\n${view.phrBody}`;
  const originalAfter = updatePhr(
    originalText,
    phrPath,
    { status: "rolled-back", rolledBackBy: { id, phr: rollbackPath } },
    { heading: "Rolled back", body: `Rolled back by [${rollbackPath}](${rollbackPath}) (${stamp}).` },
  );

  const pr: PullRequestDraft = {
    title: front.title,
    body: view.prBody,
    labels: ["kopt", "kopt/tier:low", "kopt/kind:rollback"],
    tier: "low",
  };
  // A rollback already on its branch is kept as it is: running the command again must not churn it.
  const existing = await resolveRef(
    repo.git,
    forge instanceof GitHubForge ? `refs/kopt/remote/${branch}` : `refs/heads/${branch}`,
  );
  let result: UpsertResult;
  let phrOfRollback = rollbackPath;
  if (existing) {
    const added = await repo.git.raw([
      "diff",
      "--name-only",
      "--diff-filter=A",
      `${existing}^`,
      existing,
      "--",
      "phr/",
    ]);
    phrOfRollback =
      added
        .trim()
        .split("\n")
        .find((f) => f.includes(`-${id}-`)) ?? rollbackPath;
    result =
      forge instanceof GitHubForge
        ? await forge.proposeCommit(branch, existing, pr)
        : { status: "unchanged", branch, commit: existing, location: draftPath(branch) };
  } else {
    const sha = await revertCommit(repo, base, mergeSha, {
      message: `Revert "${original.title}"\n\nThis reverts the merge ${mergeSha}${pullRequest ? ` of #${pullRequest}` : ""}.\n\nPHR: ${rollbackPath}\nkopt-rollback-of: ${original.id}\n`,
      files: [
        { path: phrPath, content: originalAfter },
        { path: rollbackPath, content: rollbackPhr },
      ],
      date: stamp,
    });
    result = await forge.proposeCommit(branch, sha, pr);
  }

  let commented = false;
  if (forge instanceof GitHubForge && pullRequest && result.pullNumber) {
    commented = await commentOnOriginal(forge, pullRequest, result.pullNumber, mergeSha, id);
  }
  return {
    original: {
      id: original.id,
      phr: phrPath,
      title: original.title,
      ...(pullRequest ? { pullRequest } : {}),
      mergeSha,
    },
    rollback: {
      id,
      phr: phrOfRollback,
      branch,
      commit: result.commit,
      status: result.status,
      location: result.location,
      ...(result.pullNumber ? { pullNumber: result.pullNumber } : {}),
    },
    commented,
    warnings: result.warnings ?? [],
  };
}

async function findPhr(repo: GitRepo, base: string, id: string, baseBranch: string): Promise<string> {
  const files = await repo.git.raw(["ls-tree", "-r", "--name-only", base, "--", "phr/"]);
  const hit = files.split("\n").find((f) => f.includes(`-${id}-`) && f.endsWith(".md"));
  if (!hit) {
    throw new KoptError("usage", `no PHR with id ${id} on ${baseBranch}`, {
      hint: "only merged changes can be rolled back; the id is the 8 hex characters in phr/<cluster>/<date>-<id>-<slug>.md",
    });
  }
  return hit;
}

async function mergedPullPhr(
  forge: GitHubForge,
  number: number,
): Promise<{ phrPath: string; mergeSha: string }> {
  const { octokit, owner, repo } = forge.connection;
  let merged: string | null;
  let files: string[];
  try {
    const { data } = await octokit.pulls.get({ owner, repo, pull_number: number });
    merged = data.merged_at ? data.merge_commit_sha : null;
    const list = await octokit.paginate(octokit.pulls.listFiles, {
      owner,
      repo,
      pull_number: number,
      per_page: 100,
    });
    files = list.filter((f) => f.status === "added").map((f) => f.filename);
  } catch (e) {
    if (httpStatus(e) === 404) throw new KoptError("usage", `no pull request #${number} in ${owner}/${repo}`);
    throw gitHubError(e, `reading pull request #${number}`);
  }
  if (!merged) {
    throw new KoptError("usage", `pull request #${number} is not merged`, {
      hint: "nothing to roll back: close the pull request instead",
    });
  }
  const phr = files.find((f) => /^phr\/[^/]+\/[^/]+\.md$/.test(f));
  if (!phr) {
    throw new KoptError("usage", `pull request #${number} adds no PHR: it is not a kopt change`, {
      hint: "revert it by hand (git revert -m 1 <merge-sha>) or in GitHub's UI",
    });
  }
  return { phrPath: phr, mergeSha: merged };
}

function slugOf(phrPath: string): string {
  const name = phrPath.split("/").pop() ?? "";
  return name
    .replace(/^\d{4}-\d{2}-\d{2}-[0-9a-f]{8}-/, "")
    .replace(/\.md$/, "")
    .slice(0, 40);
}

/**
 * `git revert` of the merge (first parent as the mainline) in a temporary worktree on the base, keeping
 * every PHR as the base has it (a revert would delete the audit record its change added), plus `files`.
 */
async function revertCommit(
  repo: GitRepo,
  base: string,
  merge: string,
  c: { message: string; files: { path: string; content: string }[]; date: string },
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "kopt-revert-"));
  const identity = {
    GIT_AUTHOR_NAME: KOPT_AUTHOR.name,
    GIT_AUTHOR_EMAIL: KOPT_AUTHOR.email,
    GIT_COMMITTER_NAME: KOPT_AUTHOR.name,
    GIT_COMMITTER_EMAIL: KOPT_AUTHOR.email,
    GIT_AUTHOR_DATE: c.date,
    GIT_COMMITTER_DATE: c.date,
  };
  await gitWrite(repo.git, repo.root, ["worktree", "add", "--quiet", "--detach", dir, base]);
  try {
    const git = simpleGit(dir).env(gitEnv(identity));
    const parents = (await git.raw(["rev-list", "--parents", "-n", "1", merge])).trim().split(" ").length - 1;
    const args = ["revert", "--no-commit", ...(parents > 1 ? ["-m", "1"] : []), merge];
    try {
      await git.raw(args);
    } catch (err) {
      const conflicted = (await git.raw(["diff", "--name-only", "--diff-filter=U"]))
        .trim()
        .split("\n")
        .filter(Boolean);
      // No conflicted file: git could not write (permissions, disk), which is not a conflict.
      if (conflicted.length === 0) throw gitWriteError(repo.root, args, err);
      const real = conflicted.filter((f) => !f.startsWith("phr/"));
      if (real.length > 0) {
        throw new KoptError(
          "forge",
          `the revert of ${merge.slice(0, 7)} conflicts with later changes in ${real.join(", ")}`,
          {
            hint: `a later change edited the same lines: revert by hand (git revert ${parents > 1 ? "-m 1 " : ""}${merge.slice(0, 7)}, resolve, open a pull request), or let kopt plan propose the values again`,
          },
        );
      }
    }
    // The audit trail stays: every PHR as on the base, then the two this rollback writes.
    await git.raw(["checkout", base, "--", "phr/"]).catch(() => undefined);
    for (const f of c.files) {
      const path = join(dir, f.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, f.content);
      await gitWrite(git, repo.root, ["add", "--", f.path]);
    }
    await gitWrite(git, repo.root, ["commit", "--quiet", "--no-verify", "-m", c.message]);
    return (await git.raw(["rev-parse", "HEAD"])).trim();
  } finally {
    await repo.git.raw(["worktree", "remove", "--force", dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await repo.git.raw(["worktree", "prune"]).catch(() => undefined);
  }
}

async function commentOnOriginal(
  forge: GitHubForge,
  original: number,
  revert: number,
  mergeSha: string,
  id: string,
): Promise<boolean> {
  const { octokit, owner, repo, login } = forge.connection;
  try {
    const comments = await octokit.paginate(octokit.issues.listComments, {
      owner,
      repo,
      issue_number: original,
      per_page: 100,
    });
    if (comments.some((c) => c.user?.login === login && (c.body ?? "").includes(ROLLBACK_MARKER(id))))
      return false;
    await octokit.issues.createComment({
      owner,
      repo,
      issue_number: original,
      body: `Rollback opened: #${revert} reverts this change's merge \`${mergeSha.slice(0, 7)}\`. Merging it restores the previous values; Argo CD / Flux then applies them.\n\n${ROLLBACK_MARKER(id)}`,
    });
    return true;
  } catch (e) {
    throw gitHubError(e, `commenting on #${original}`);
  }
}

function describe(
  front: PhrFrontMatter,
  original: PhrFrontMatter,
  originalPath: string,
  pullRequest: number | undefined,
  mergeSha: string,
  branch: string,
) {
  const workloads = original.workloads.map((w) => workloadLabel(w)).join(", ");
  const rows = front.changes.map(
    (c) => `| \`${c.file}\` | \`${c.path}\` | ${shown(c.from)} | **${shown(c.to)}** |`,
  );
  const cost = `${formatMoney(front.cost.monthlyDelta, front.cost.currency, true)}/month (${formatMoney(front.cost.monthlyBefore, front.cost.currency)} → ${formatMoney(front.cost.monthlyAfter, front.cost.currency)})`;
  const origin = `[${originalPath}](${originalPath})${pullRequest ? ` (#${pullRequest})` : ""}, merged as \`${mergeSha.slice(0, 7)}\``;
  const prBody = [
    `## ${front.title}`,
    "",
    `**Tier:** \`low\` — needs one reviewer · **Cost:** ${cost} · **Workloads:** ${workloads}`,
    "",
    "### What changes",
    "A `git revert` of the merge of the original change: the values go back to what they were.",
    "",
    "| File | Setting | From | To |",
    "|---|---|---|---|",
    ...rows,
    "",
    "### Why",
    `Rolls back ${origin}. The original PHR stays, with status \`rolled-back\`.`,
    "",
    "### Roll back",
    front.rollback.how,
    "",
    `<sub>kopt · PHR \`${front.id}\` · branch \`${branch}\`</sub>`,
  ].join("\n");
  const phrBody = [
    `# ${front.title}`,
    "",
    "| | |",
    "|---|---|",
    `| Cluster | \`${front.cluster}\` |`,
    `| Status | ${front.status} |`,
    "| Tier | low — needs one reviewer |",
    `| Created | ${front.createdAt} |`,
    `| Monthly cost | ${cost} |`,
    "",
    "## Change",
    ...front.changes.map((c) => `- \`${c.file}\` \`${c.path}\`: ${shown(c.from)} → **${shown(c.to)}**`),
    "",
    "## Why",
    `Reverts ${origin}.`,
    "",
    "## Rollback",
    front.rollback.how,
    "",
  ].join("\n");
  return { prBody, phrBody };
}

function shown(v: unknown): string {
  return v === undefined ? "_(unset)_" : v === null ? "_(none)_" : `\`${String(v)}\``;
}
