// Merging on the local forge: the merge commit a forge's merge button makes, built with git plumbing (the
// user's checkout is moved only afterwards, by worktrees.ts), and finding the merge of a pull request a
// person merged by hand (`git merge --no-ff <branch>`), as GitHub marks such a pull request merged.
import { simpleGit } from "simple-git";
import { APPROVAL_CONTEXT } from "../../decide/approval.ts";
import { KoptError } from "../../errors.ts";
import type { CommitStatus, PullRequest } from "../forge.ts";
import { type GitRepo, gitEnv, gitWrite, resolveRef } from "../git-repo.ts";

export interface Person {
  name: string;
  email: string;
}

/**
 * A merge commit of `head` into `base` (`--no-ff`: always a merge commit, first parent the base); a KoptError
 * when the two conflict. No ref moves.
 */
export async function mergeCommit(
  repo: GitRepo,
  base: string,
  head: string,
  message: string,
  by: Person,
  date: string,
): Promise<string> {
  let out: string;
  try {
    out = await repo.git.raw(["merge-tree", "--write-tree", "--name-only", "--no-messages", base, head]);
  } catch {
    out = "";
  }
  const [tree, ...conflicts] = out.trim().split("\n");
  if (!tree || !/^[0-9a-f]{40,64}$/.test(tree) || conflicts.some(Boolean)) {
    const files = conflicts.filter(Boolean);
    throw new KoptError(
      "forge",
      `the branch conflicts with the base${files.length ? ` in ${[...new Set(files)].join(", ")}` : ""}`,
      {
        hint: "rebuild it on the current base (kopt plan does so for kopt's branches), or merge it by hand",
      },
    );
  }
  const git = simpleGit(repo.root).env(
    gitEnv({
      GIT_AUTHOR_NAME: by.name,
      GIT_AUTHOR_EMAIL: by.email,
      GIT_COMMITTER_NAME: by.name,
      GIT_COMMITTER_EMAIL: by.email,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    }),
  );
  return (
    await gitWrite(git, repo.root, ["commit-tree", tree, "-p", base, "-p", head, "-m", message])
  ).trim();
}

/**
 * The commit that brought `head` into `baseHead`'s first-parent history, when a person merged it by hand:
 * the oldest first-parent commit that descends from it (a merge), or `head` itself after a fast-forward.
 * Undefined when `head` is not in the base.
 */
export async function handMerge(
  repo: GitRepo,
  baseHead: string,
  head: string,
): Promise<{ sha: string; at: string; by: string } | undefined> {
  const { git } = repo;
  // (simple-git resolves a failing command that writes nothing to stderr, so no --is-ancestor here.)
  const common = (await git.raw(["merge-base", head, baseHead]).catch(() => "")).trim();
  if (common !== head) return undefined;
  const after = (
    await git.raw(["rev-list", "--first-parent", "--ancestry-path", "--reverse", `${head}..${baseHead}`])
  )
    .trim()
    .split("\n")
    .filter(Boolean);
  let sha = after[0] ?? head;
  // A fast-forward: the head itself is on the base's first-parent line.
  if (after[0] && (await resolveRef(git, `${after[0]}^1`)) === head) sha = head;
  const [at = "", by = ""] = (await git.raw(["log", "-1", "--format=%cI%n%an", sha])).trim().split("\n");
  return { sha, at: new Date(at).toISOString().replace(".000Z", "Z"), by };
}

/**
 * Why a pull request cannot merge at `sha`, as branch protection requiring kopt/approval would say: it is not
 * open, its head moved, or the latest kopt/approval status on the head is not success.
 */
export function mergeRefusal(
  pr: PullRequest,
  sha: string,
  status: CommitStatus | undefined,
): KoptError | undefined {
  const short = (s: string) => s.slice(0, 7);
  const n = pr.number;
  if (pr.state !== "open") {
    return new KoptError("forge", `pull request #${n} is ${pr.state}: only open ones can be merged`);
  }
  if (pr.headSha !== sha) {
    return new KoptError("forge", `the head of #${n} moved: it is ${short(pr.headSha)}, not ${short(sha)}`, {
      hint: `run kopt gate --pr ${n} on the new head, then merge that`,
    });
  }
  if (status?.state === "success") return undefined;
  const is = status ? `${status.state}${status.description ? ` (${status.description})` : ""}` : "not set";
  return new KoptError(
    "forge",
    `#${n} cannot be merged: the required status ${APPROVAL_CONTEXT} on ${short(sha)} is ${is}`,
    {
      hint: `the reviews it needs (kopt review --pr ${n} --approve --as <login>), then kopt gate --pr ${n} sets the status`,
    },
  );
}

/** Who merges: git's user.name and user.email, else $USER. */
export async function mergerOf(repo: GitRepo): Promise<Person> {
  const config = async (key: string) => (await repo.git.raw(["config", "--get", key]).catch(() => "")).trim();
  const name = (await config("user.name")) || process.env.USER || "unknown";
  const email = (await config("user.email")) || `${name.replace(/\s+/g, ".")}@localhost`;
  return { name, email };
}
