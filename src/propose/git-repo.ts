// The target git repository: opening it with errors a user can act on, and the plumbing kopt does in it
// (commits through a private index, reverts in a temporary worktree) without touching the checkout.
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type SimpleGit, simpleGit } from "simple-git";
import { KoptError } from "../errors.ts";
import { ownedName, removeLeftovers } from "./leftovers.ts";

export interface GitRepo {
  root: string;
  git: SimpleGit;
}

/**
 * The git repository `dir` is in. Tells apart what the user must do: a directory that does not exist (check
 * --repo), a repository git does not trust (safe.directory) and a directory that is no repository.
 */
export async function openRepository(dir: string): Promise<GitRepo> {
  const abs = resolve(dir);
  await checkDirectory(abs);
  const git = simpleGit(abs);
  let root: string;
  try {
    root = (await git.revparse(["--show-toplevel"])).trim();
  } catch (err) {
    throw notARepository(abs, err);
  }
  const repo = { root, git: simpleGit(root) };
  // Private indexes a killed kopt left behind (see commitFiles).
  await removeLeftovers(await koptTempRoot(repo), (entry) => entry);
  return repo;
}

/** Where kopt keeps temporary files inside the repository's git directory (shared by its worktrees). */
async function koptTempRoot({ git, root }: GitRepo): Promise<string> {
  const common = (await git.raw(["rev-parse", "--git-common-dir"])).trim();
  return join(resolve(root, common), "kopt-tmp");
}

/**
 * A new directory of this run's own under <git dir>/kopt-tmp. Inside the repository rather than in /tmp so
 * that, when a run is killed before removing it, the next kopt that opens the repository removes it.
 */
async function makeTempDir(repo: GitRepo): Promise<string> {
  const dir = join(await koptTempRoot(repo), ownedName());
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new KoptError("forge", `cannot create kopt's temporary directory ${dir} (${code})`, {
      hint: writeHint(repo.root),
    });
  }
  return dir;
}

/**
 * Where a command that only reads (recommend, snapshot, phr lint) finds clusters/ and phr/: the git top
 * level when `dir` is in a repository, else `dir` itself, so a plain directory works too.
 */
export async function readRoot(dir: string): Promise<string> {
  const abs = resolve(dir);
  await checkDirectory(abs);
  try {
    return (await simpleGit(abs).revparse(["--show-toplevel"])).trim() || abs;
  } catch {
    return abs;
  }
}

/** `--repo` (or the working directory) must be an existing directory. */
export async function checkDirectory(abs: string): Promise<void> {
  const found = await stat(abs).catch(() => undefined);
  if (found?.isDirectory()) return;
  throw new KoptError("usage", `${found ? "not a directory" : "no such directory"}: ${abs}`, {
    hint: "check --repo (default: the current directory): it names your GitOps repository",
  });
}

/** Why git would not open `abs`, as the user can act on it. */
function notARepository(abs: string, err: unknown): KoptError {
  const text = err instanceof Error ? err.message : String(err);
  if (/dubious ownership/i.test(text)) {
    // git names the directory to trust (the repository's top level) in its own advice.
    const trust = /safe\.directory\s+(\S.*)$/m.exec(text)?.[1]?.trim() ?? abs;
    return new KoptError("forge", `git does not trust the repository ${abs}: ${gitSaid(err)}`, {
      hint: `it belongs to another user; if you trust it: git config --global --add safe.directory ${trust}`,
    });
  }
  return new KoptError("forge", `not a git repository: ${abs}`, {
    hint: "run kopt inside your GitOps repository (or pass --repo PATH to one); `git init` makes one",
  });
}

/** The first line git wrote to stderr (simple-git's message is git's stderr). */
function gitSaid(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .find(Boolean) ?? "failed"
  );
}

/** A git command that writes to the repository (objects, refs, a worktree) failed: the user's to fix. */
export function gitWriteError(root: string, args: readonly string[], err: unknown): KoptError {
  const said = gitSaid(err);
  // A lock file git could not create: another git process holds it, or one was killed holding it.
  const lock = /'([^']+\.lock)': File exists/.exec(said)?.[1];
  return new KoptError("forge", `git ${args[0]} failed in ${root}: ${said}`, {
    hint: lock
      ? `another git process is writing there; if none is running (one was killed), remove ${lock} and rerun kopt`
      : writeHint(root),
  });
}

function writeHint(root: string): string {
  return `kopt must write objects and refs under ${join(root, ".git")}: check its owner and permissions (ls -ld .git/objects .git/refs), free disk space, and what git says above`;
}

/** Runs a git command that writes to the repository; its failure is a KoptError quoting git. */
export async function gitWrite(git: SimpleGit, root: string, args: string[]): Promise<string> {
  try {
    return await git.raw(args);
  } catch (err) {
    throw gitWriteError(root, args, err);
  }
}

/** Commit SHA of a ref, or undefined when it does not exist. */
export async function resolveRef(git: SimpleGit, ref: string): Promise<string | undefined> {
  try {
    const sha = (await git.raw(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`])).trim();
    return sha || undefined;
  } catch {
    return undefined;
  }
}

/** Content of `path` at `ref`, or undefined when the file is not there. */
export async function showFile(git: SimpleGit, ref: string, path: string): Promise<string | undefined> {
  try {
    await git.raw(["cat-file", "-e", `${ref}:${path}`]);
  } catch {
    return undefined;
  }
  return git.raw(["cat-file", "blob", `${ref}:${path}`]);
}

/** Paths of the files under `dir` at `ref` (recursively), sorted; empty when there is no such directory. */
export async function listFiles(git: SimpleGit, ref: string, dir: string): Promise<string[]> {
  const out = await git.raw(["ls-tree", "-r", "--name-only", ref, "--", dir.replace(/\/*$/, "/")]);
  return out.split("\n").filter(Boolean).sort();
}

/** Who kopt commits as; a commit by anyone else on a kopt branch means a person pushed to it. */
export const KOPT_AUTHOR = { name: "kopt", email: "kopt@noreply.kopt.dev" };

/** Only what git needs: simple-git refuses environments that could run programs (EDITOR, PAGER...). */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const inherited = Object.fromEntries(
    ["PATH", "HOME", "XDG_CONFIG_HOME", "LANG", "TMPDIR"].flatMap((k) =>
      process.env[k] ? [[k, process.env[k] as string]] : [],
    ),
  );
  return { ...inherited, GIT_TERMINAL_PROMPT: "0", ...extra };
}

export interface CommitOptions {
  /** Author and committer date (RFC 3339); a fixed date makes the same change the same commit. */
  date?: string;
  /** Paths to delete from the base tree. */
  remove?: readonly string[];
}

/**
 * Writes blobs, a tree and a commit of `files` on top of `baseSha`, through a private index, so the user's
 * checkout, index and working tree are never touched. Returns the commit's SHA; no ref is moved.
 */
export async function commitFiles(
  repo: GitRepo,
  baseSha: string,
  files: readonly { path: string; content: string }[],
  message: string,
  opts: CommitOptions = {},
): Promise<string> {
  const tmp = await makeTempDir(repo);
  try {
    const git = simpleGit(repo.root).env(
      gitEnv({
        GIT_INDEX_FILE: join(tmp, "index"),
        GIT_AUTHOR_NAME: KOPT_AUTHOR.name,
        GIT_AUTHOR_EMAIL: KOPT_AUTHOR.email,
        GIT_COMMITTER_NAME: KOPT_AUTHOR.name,
        GIT_COMMITTER_EMAIL: KOPT_AUTHOR.email,
        ...(opts.date ? { GIT_AUTHOR_DATE: opts.date, GIT_COMMITTER_DATE: opts.date } : {}),
      }),
    );
    const run = (args: string[]) => gitWrite(git, repo.root, args);
    await run(["read-tree", baseSha]);
    for (const path of opts.remove ?? []) {
      await run(["update-index", "--force-remove", "--", path]);
    }
    for (const [i, f] of files.entries()) {
      const blobFile = join(tmp, `blob-${i}`);
      await writeFile(blobFile, f.content);
      const blob = (await run(["hash-object", "-w", `--path=${f.path}`, blobFile])).trim();
      await run(["update-index", "--add", "--cacheinfo", `100644,${blob},${f.path}`]);
    }
    const tree = (await run(["write-tree"])).trim();
    return (await run(["commit-tree", tree, "-p", baseSha, "-m", message])).trim();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The first-parent commit of `base` that added `path`: the merge (or squash) that brought it in. */
export async function commitAdding(git: SimpleGit, base: string, path: string): Promise<string | undefined> {
  const out = await git.raw(["log", "--first-parent", "--diff-filter=A", "--format=%H", base, "--", path]);
  return out.trim().split("\n").filter(Boolean).pop();
}

/** Paths `commit` adds under `dir` compared with its first parent. */
export async function addedFiles(git: SimpleGit, commit: string, dir: string): Promise<string[]> {
  const out = await git.raw(["diff", "--name-only", "--diff-filter=A", `${commit}^`, commit, "--", dir]);
  return out.trim().split("\n").filter(Boolean);
}

export interface RevertCommit {
  message: string;
  /** Written on top of the revert (and added). */
  files: readonly { path: string; content: string }[];
  /** Author and committer date (RFC 3339). */
  date: string;
}

/**
 * `git revert` of the merge (first parent as the mainline) in a temporary worktree on `base`, keeping every
 * PHR as the base has it (a revert would delete the audit record its change added), plus `c.files`. Returns
 * the commit's SHA; no ref is moved and the checkout is never touched. A conflict outside phr/ is a
 * KoptError saying where.
 */
export async function revertCommit(
  repo: GitRepo,
  base: string,
  merge: string,
  c: RevertCommit,
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
    await revertInto(git, repo.root, merge);
    // The audit trail stays: every PHR as on the base, then the files the caller writes.
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

/** `git revert --no-commit` of `merge` in the worktree `git` works in; conflicts in phr/ alone are fine. */
async function revertInto(git: SimpleGit, root: string, merge: string): Promise<void> {
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
    if (conflicted.length === 0) throw gitWriteError(root, args, err);
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
}

/** A git config value as git resolves it for the repository at `root` (e.g. user.name); undefined when unset. */
export async function gitConfigValue(root: string, key: string): Promise<string | undefined> {
  const value = (
    await simpleGit(root)
      .raw(["config", "--get", key])
      .catch(() => "")
  ).trim();
  return value || undefined;
}

/** The URL of the `origin` remote of the repository at `root`; undefined without one (or without git). */
export async function originUrl(root: string): Promise<string | undefined> {
  const url = await simpleGit(root)
    .remote(["get-url", "origin"])
    .catch(() => undefined);
  return url ? url.trim() || undefined : undefined;
}
