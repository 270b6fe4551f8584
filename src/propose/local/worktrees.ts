// The worktrees of the repository the local forge writes to: which branches are checked out where, and how to
// move a branch that is (the base, when a pull request merges) without leaving that checkout stale.
import { type SimpleGit, simpleGit } from "simple-git";
import { KoptError } from "../../errors.ts";
import { type GitRepo, gitEnv, gitWriteError, resolveRef } from "../git-repo.ts";

export interface Worktree {
  path: string;
  /** The branch checked out there; undefined when its HEAD is detached. */
  branch?: string;
  /** The repository's main worktree (listed first); the others were added with `git worktree add`. */
  main: boolean;
  /** Its directory is gone: only `git worktree prune` frees the branch. */
  prunable: boolean;
}

/** Every worktree of the repository, from `git worktree list --porcelain -z` (NUL-separated, so any path). */
export async function worktrees(git: SimpleGit): Promise<Worktree[]> {
  const out: Worktree[] = [];
  for (const record of (await git.raw(["worktree", "list", "--porcelain", "-z"])).split("\0\0")) {
    const fields = record.split("\0");
    const path = fields.find((f) => f.startsWith("worktree "))?.slice("worktree ".length);
    if (path === undefined) continue;
    const branch = fields.find((f) => f.startsWith("branch refs/heads/"))?.slice("branch refs/heads/".length);
    const prunable = fields.some((f) => f === "prunable" || f.startsWith("prunable "));
    out.push({ path, ...(branch === undefined ? {} : { branch }), main: out.length === 0, prunable });
  }
  return out;
}

export function worktreeName(w: Worktree): string {
  return `${w.main ? "the main worktree" : "the worktree"} ${w.path}`;
}

/** How to free a worktree's branch without losing the worktree's work. */
export function freeHint(w: Worktree, baseBranch: string): string {
  const path = shellWord(w.path);
  if (w.prunable) return `its directory is gone: git worktree prune`;
  if (w.main) return `switch to another branch first: git -C ${path} switch ${baseBranch}`;
  return `detach it (git -C ${path} switch --detach) or remove that worktree (git worktree remove ${path})`;
}

/** A path as one shell word, so the command in a hint can be pasted as it is. */
export function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/**
 * Refuses when a worktree (the main one or one from `git worktree add`) has checked out a branch kopt would
 * move (`moves`): that worktree would be left showing the reverse of kopt's change as staged.
 */
export async function checkNotCheckedOut<C extends { branch: string }>(
  git: SimpleGit,
  baseBranch: string,
  changes: readonly C[],
  moves: (change: C) => Promise<boolean>,
): Promise<void> {
  const busy: { worktree: Worktree; branch: string }[] = [];
  for (const worktree of await worktrees(git)) {
    const change = changes.find((c) => c.branch === worktree.branch);
    if (change && (await moves(change))) busy.push({ worktree, branch: change.branch });
  }
  if (busy.length === 0) return;
  const where = busy.map(({ worktree: w, branch }) => `${branch} in ${worktreeName(w)}`).join("; ");
  throw new KoptError(
    "forge",
    `kopt would rewrite ${busy.length === 1 ? "a branch that is" : "branches that are"} checked out: ${where}`,
    { hint: busy.map(({ worktree }) => freeHint(worktree, baseBranch)).join("; ") },
  );
}

/**
 * Moves `branch` from `expected` to `sha`, a descendant of it. Where the branch is checked out, the move is a
 * fast-forward merge in that worktree (its files follow, so the user's checkout is never left stale), and
 * only when that worktree has no uncommitted changes; elsewhere a compare-and-swap of the ref. False when
 * the branch no longer points at `expected`.
 */
export async function advanceBranch(
  repo: GitRepo,
  branch: string,
  sha: string,
  expected: string,
): Promise<boolean> {
  const ref = `refs/heads/${branch}`;
  if ((await resolveRef(repo.git, ref)) !== expected) return false;
  const checkedOut = (await worktrees(repo.git)).find((w) => w.branch === branch && !w.prunable);
  if (!checkedOut) {
    const args = ["update-ref", ref, sha, expected];
    try {
      await repo.git.raw(["-c", "core.filesRefLockTimeout=2000", ...args]);
      return true;
    } catch (err) {
      if ((await resolveRef(repo.git, ref)) !== expected) return false;
      throw gitWriteError(repo.root, args, err);
    }
  }
  const wt = simpleGit(checkedOut.path).env(gitEnv());
  const dirty = (await wt.raw(["status", "--porcelain", "--untracked-files=no"])).trimEnd();
  if (dirty) {
    const files = dirty.split("\n").map((l) => l.slice(3));
    throw new KoptError(
      "forge",
      `${branch} is checked out in ${worktreeName(checkedOut)}, which has uncommitted changes (${files.join(", ")})`,
      {
        hint: `commit or stash them (git -C ${shellWord(checkedOut.path)} stash), or switch that worktree to another branch, then run the command again: kopt moves ${branch} there only when its files can follow`,
      },
    );
  }
  const args = ["merge", "--ff-only", "--quiet", sha];
  try {
    await wt.raw(args);
    return true;
  } catch (err) {
    if ((await resolveRef(repo.git, ref)) !== expected) return false;
    throw gitWriteError(checkedOut.path, args, err);
  }
}
