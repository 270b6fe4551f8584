// The embedded forge: branches in a git repository on disk, pull requests as Markdown drafts under
// `.kopt/pull-requests/`. Branches are built with git plumbing from the committed base branch, so the
// user's checkout, index and working tree are never touched.
import { mkdir, readFile, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { SimpleGit } from "simple-git";
import { stringify } from "yaml";
import { KoptError } from "../errors.ts";
import type { ChangeRequest, UpsertResult } from "./forge.ts";
import {
  commitFiles,
  type GitRepo,
  gitWriteError,
  KOPT_AUTHOR,
  listFiles,
  resolveRef,
  showFile,
} from "./git-repo.ts";
import { ownedName, removeLeftovers } from "./leftovers.ts";

export { KOPT_AUTHOR } from "./git-repo.ts";
export const DRAFTS_DIR = ".kopt/pull-requests";

export function draftPath(branch: string): string {
  return `${DRAFTS_DIR}/${branch.replaceAll("/", "__")}.md`;
}

function renderDraft(change: ChangeRequest, base: string, head: string): string {
  const front = stringify({
    title: change.pr.title,
    branch: change.branch,
    base,
    head,
    labels: change.pr.labels,
    tier: change.pr.tier,
  });
  return `---\n${front}---\n${change.pr.body}`;
}

function draftWriteError(file: string, err: unknown): KoptError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new KoptError("forge", `cannot write the pull-request draft ${file} (${code})`, {
    hint: `kopt writes drafts under ${DRAFTS_DIR}/: check that directory's owner and permissions, and free disk space`,
  });
}

/** A draft's temporary file: `<draft>.<pid>-<random>-<host>.tmp` (see leftovers.ts). */
const DRAFT_TEMP = /^.+\.md\.(.+)\.tmp$/;

/**
 * `content` written to a temporary file beside `file`: `place()` renames it into place, `drop()` removes it.
 * Staged before the branch moves, so a failure of either leaves the proposal as it was; renamed, so a
 * concurrent or killed run never leaves a half-written draft. Its name is unique per process and per call.
 */
async function stageFile(
  file: string,
  content: string,
): Promise<{ place(): Promise<void>; drop(): Promise<void> }> {
  const tmp = `${file}.${ownedName()}.tmp`;
  let created: string | undefined;
  // Removes the temporary file and the directories made for it, if still empty.
  const drop = async () => {
    await rm(tmp, { force: true });
    for (let dir = dirname(file); created && dir.startsWith(created); dir = dirname(dir)) {
      if (
        !(await rmdir(dir).then(
          () => true,
          () => false,
        ))
      )
        break;
    }
  };
  try {
    created = await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, content).catch(async (err: NodeJS.ErrnoException) => {
      // A concurrent run that failed may have just removed the (then empty) directory it had made.
      if (err.code !== "ENOENT") throw err;
      created = (await mkdir(dirname(file), { recursive: true })) ?? created;
      await writeFile(tmp, content);
    });
  } catch (err) {
    await drop().catch(() => undefined);
    throw draftWriteError(file, err);
  }
  return {
    place: () =>
      rename(tmp, file).catch((err: unknown) => {
        throw draftWriteError(file, err);
      }),
    drop,
  };
}

interface Worktree {
  path: string;
  /** The branch checked out there; undefined when its HEAD is detached. */
  branch?: string;
  /** The repository's main worktree (listed first); the others were added with `git worktree add`. */
  main: boolean;
  /** Its directory is gone: only `git worktree prune` frees the branch. */
  prunable: boolean;
}

/** Every worktree of the repository, from `git worktree list --porcelain -z` (NUL-separated, so any path). */
async function worktrees(git: SimpleGit): Promise<Worktree[]> {
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

function worktreeName(w: Worktree): string {
  return `${w.main ? "the main worktree" : "the worktree"} ${w.path}`;
}

/** How to free a worktree's branch without losing the worktree's work. */
function freeHint(w: Worktree, baseBranch: string): string {
  const path = shellWord(w.path);
  if (w.prunable) return `its directory is gone: git worktree prune`;
  if (w.main) return `switch to another branch first: git -C ${path} switch ${baseBranch}`;
  return `detach it (git -C ${path} switch --detach) or remove that worktree (git worktree remove ${path})`;
}

/** A path as one shell word, so the command in a hint can be pasted as it is. */
function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

// TEMP for parallel work: revert at merge (`implements Forge` comes back with the local forge's new methods).
export class LocalForge {
  readonly name = "local";

  private constructor(
    private readonly repo: GitRepo,
    readonly baseBranch: string,
    private readonly base: string,
  ) {}

  static async open(repo: GitRepo, baseBranch: string): Promise<LocalForge> {
    // A CI checkout may have only the remote-tracking branch.
    const sha =
      (await resolveRef(repo.git, `refs/heads/${baseBranch}`)) ??
      (await resolveRef(repo.git, `refs/remotes/origin/${baseBranch}`));
    if (!sha) {
      throw new KoptError("forge", `base branch "${baseBranch}" does not exist in ${repo.root}`, {
        hint: "commit to that branch first, or set forge.baseBranch in kopt.yaml to the branch kopt should build on",
      });
    }
    // Draft temp files of killed runs (a draft is renamed into place, so the drafts themselves are whole).
    await removeLeftovers(join(repo.root, DRAFTS_DIR), (entry) => DRAFT_TEMP.exec(entry)?.[1]);
    return new LocalForge(repo, baseBranch, sha);
  }

  /** The base branch's head when the forge was opened. */
  get baseSha(): string {
    return this.base;
  }

  /** Points `branch` at a commit kopt built itself (a revert) and writes its draft; created or updated. */
  async proposeCommit(branch: string, sha: string, pr: ChangeRequest["pr"]): Promise<UpsertResult> {
    const existing = await resolveRef(this.repo.git, `refs/heads/${branch}`);
    const location = draftPath(branch);
    let status: UpsertResult["status"] =
      existing === undefined ? "created" : existing === sha ? "unchanged" : "updated";
    const change: ChangeRequest = { branch, commitMessage: "", files: [], pr };
    const draft = await stageFile(join(this.repo.root, location), renderDraft(change, this.baseBranch, sha));
    if (status !== "unchanged" && !(await this.moveBranch(branch, sha, existing, draft)))
      status = "unchanged";
    await draft.place();
    return { status, branch, commit: sha, location };
  }

  readBase(path: string): Promise<string | undefined> {
    return showFile(this.repo.git, this.base, path);
  }

  listBase(dir: string): Promise<string[]> {
    return listFiles(this.repo.git, this.base, dir);
  }

  async checkWritable(paths: readonly string[], changes: readonly ChangeRequest[]): Promise<void> {
    const { git, root } = this.repo;
    if (paths.length > 0) {
      // Porcelain lines are "XY path"; X may be a space, so only the end is trimmed.
      const dirty = (await git.raw(["status", "--porcelain", "--", ...paths])).trimEnd();
      if (dirty) {
        const files = dirty.split("\n").map((l) => l.slice(3));
        throw new KoptError("forge", `uncommitted changes in ${files.join(", ")}`, {
          where: { file: join(root, files[0] ?? "") },
          hint: "commit or stash them first: kopt builds its branches from the committed base branch and would not see them",
        });
      }
    }
    await this.checkNotCheckedOut(changes);
  }

  /**
   * Refuses when a worktree (the main one or one from `git worktree add`) has checked out a branch kopt
   * would move: that worktree would be left showing the reverse of kopt's change as staged.
   */
  private async checkNotCheckedOut(changes: readonly ChangeRequest[]): Promise<void> {
    const busy: { worktree: Worktree; branch: string }[] = [];
    for (const worktree of await worktrees(this.repo.git)) {
      const change = changes.find((c) => c.branch === worktree.branch);
      if (!change) continue;
      // An unchanged or held branch is not moved: looking at it in a worktree is fine.
      const { status } = await this.preview(change);
      if (status === "created" || status === "updated") busy.push({ worktree, branch: change.branch });
    }
    if (busy.length === 0) return;
    const where = busy.map(({ worktree: w, branch }) => `${branch} in ${worktreeName(w)}`).join("; ");
    throw new KoptError(
      "forge",
      `kopt would rewrite ${busy.length === 1 ? "a branch that is" : "branches that are"} checked out: ${where}`,
      { hint: busy.map(({ worktree }) => freeHint(worktree, this.baseBranch)).join("; ") },
    );
  }

  async preview(change: ChangeRequest): Promise<UpsertResult> {
    const { git } = this.repo;
    const location = draftPath(change.branch);
    const existing = await resolveRef(git, `refs/heads/${change.branch}`);
    if (!existing) return { status: "created", branch: change.branch, commit: null, location };
    const author = (await git.raw(["log", "-1", "--format=%ae", existing])).trim();
    if (author !== KOPT_AUTHOR.email) {
      return {
        status: "held",
        branch: change.branch,
        commit: existing,
        location,
        reason: `the branch has a commit by ${author}; kopt leaves branches people pushed to alone`,
      };
    }
    if (await this.sameContent(existing, change)) {
      return { status: "unchanged", branch: change.branch, commit: existing, location };
    }
    return { status: "updated", branch: change.branch, commit: existing, location };
  }

  async upsert(change: ChangeRequest): Promise<UpsertResult> {
    const planned = await this.preview(change);
    if (planned.status === "held") return planned;
    const head = planned.status === "unchanged" ? (planned.commit as string) : await this.commit(change);
    const draft = renderDraft(change, this.baseBranch, head);
    const file = join(this.repo.root, planned.location);
    const current = await readFile(file, "utf8").catch(() => undefined);
    const staged = current === draft ? undefined : await stageFile(file, draft);
    let status = planned.status;
    if (
      status !== "unchanged" &&
      !(await this.moveBranch(change.branch, head, planned.commit ?? undefined, staged))
    ) {
      status = "unchanged";
    }
    await staged?.place();
    return { ...planned, status, commit: head };
  }

  /**
   * Points `branch` at `sha` if it is still at `old` (undefined: must not exist): a compare-and-swap, so a
   * concurrent run is never clobbered. False when another run already pointed it at `sha` (the same input
   * makes the same commit, so it did this run's work); a KoptError when it points anywhere else, or git cannot
   * write. On an error the staged draft is dropped.
   */
  private async moveBranch(
    branch: string,
    sha: string,
    old: string | undefined,
    staged: { drop(): Promise<void> } | undefined,
  ): Promise<boolean> {
    const ref = `refs/heads/${branch}`;
    const args = ["update-ref", ref, sha, old ?? "0".repeat(40)];
    try {
      // Wait up to 2 s for a concurrent run's lock on the ref (git's default is 0.1 s).
      await this.repo.git.raw(["-c", "core.filesRefLockTimeout=2000", ...args]);
      return true;
    } catch (err) {
      const now = await resolveRef(this.repo.git, ref);
      if (now === sha) return false;
      await staged?.drop();
      if (now === old) throw gitWriteError(this.repo.root, args, err);
      throw movedMeanwhile(branch, now);
    }
  }

  /** True when the branch is one commit on the current base with exactly these files. */
  private async sameContent(existing: string, change: ChangeRequest): Promise<boolean> {
    const { git } = this.repo;
    const parent = await resolveRef(git, `${existing}^`);
    if (parent !== this.base) return false;
    const changed = (await git.raw(["diff", "--name-only", this.base, existing])).trim().split("\n").sort();
    const wanted = change.files.map((f) => f.path).sort();
    if (changed.join("\n") !== wanted.join("\n")) return false;
    for (const f of change.files) {
      if ((await showFile(git, existing, f.path)) !== f.content) return false;
    }
    return true;
  }

  /** Dated at the observation time, not the clock: the same input makes the same commit, in any run. */
  private commit(change: ChangeRequest): Promise<string> {
    return commitFiles(this.repo, this.base, change.files, change.commitMessage, { date: change.date });
  }
}

/** Another process moved (or deleted) `branch` between this run's look at it and its update. */
function movedMeanwhile(branch: string, now: string | undefined): KoptError {
  const what = now === undefined ? "deleted" : `moved to ${now.slice(0, 12)}`;
  return new KoptError(
    "forge",
    `the branch ${branch} was ${what} by another kopt run (or a git command) while this run was writing it`,
    {
      hint: "rerun kopt once the other run is done: it builds on what that run left, and a run on the same input changes nothing",
    },
  );
}
