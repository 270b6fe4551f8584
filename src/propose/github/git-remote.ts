// Real git against the GitHub repository: fetch the base and kopt's branches into private refs, push a
// commit to a branch with a compare-and-swap lease. The token travels in an HTTP header set through git's
// environment (GIT_CONFIG_*), so it is in no URL, no argv and no config file.
import { simpleGit } from "simple-git";
import { KoptError } from "../../errors.ts";
import { redact, registerSecret } from "../../redact.ts";
import { type GitRepo, gitEnv, gitWrite, resolveRef } from "../git-repo.ts";

/** Where fetched remote branches live in the local repository: never a branch a user works on. */
export const REMOTE_REFS = "refs/kopt/remote";

/** simple-git, allowed to pass the header through GIT_CONFIG_* (it refuses that by default). */
function authedGit(root: string, token: string) {
  return simpleGit(root, { unsafe: { allowUnsafeConfigEnvCount: true } }).env(authEnv(token));
}

function authEnv(token: string): Record<string, string> {
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  return gitEnv({
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  });
}

/** git's stderr without anything that could carry a credential. */
function cleanGitMessage(e: unknown, token: string): string {
  registerSecret(token);
  const text = e instanceof Error ? e.message : String(e);
  return redact(text).trim().split("\n").slice(-4).join("\n");
}

function gitFailure(doing: string, url: string, e: unknown, token: string): KoptError {
  const message = cleanGitMessage(e, token);
  const auth = /authentication|401|403|could not read username|permission/i.test(message);
  return new KoptError("forge", `git ${doing} ${url} failed: ${message}`, {
    hint: auth
      ? "the token was refused by git: it needs contents: write on the repository"
      : "check forge.github.gitUrl (or apiUrl) in kopt.yaml and the network",
  });
}

export interface RemoteBranches {
  /** The base branch's head on the remote. */
  baseSha: string;
  /** kopt branch name -> head SHA on the remote. */
  heads: Map<string, string>;
}

/**
 * Fetches the base branch and every branch under `kopt/` into refs/kopt/remote/ (replacing what an
 * earlier run fetched, so deleted branches disappear too).
 */
export async function fetchRemote(
  repo: GitRepo,
  url: string,
  token: string,
  baseBranch: string,
): Promise<RemoteBranches> {
  const git = authedGit(repo.root, token);
  try {
    await git.raw([
      "fetch",
      "--quiet",
      "--no-tags",
      "--prune",
      "--force",
      url,
      `+refs/heads/${baseBranch}:${REMOTE_REFS}/${baseBranch}`,
      `+refs/heads/kopt/*:${REMOTE_REFS}/kopt/*`,
    ]);
  } catch (e) {
    throw gitFailure("fetch from", url, e, token);
  }
  const baseSha = await resolveRef(git, `${REMOTE_REFS}/${baseBranch}`);
  if (!baseSha) {
    throw new KoptError("forge", `the base branch ${baseBranch} does not exist on ${url}`, {
      hint: "set forge.baseBranch in kopt.yaml to the repository's default branch",
    });
  }
  const heads = new Map<string, string>();
  const listed = await git.raw(["for-each-ref", "--format=%(refname) %(objectname)", `${REMOTE_REFS}/kopt/`]);
  for (const line of listed.split("\n")) {
    const [ref, sha] = line.trim().split(" ");
    if (ref && sha) heads.set(ref.slice(`${REMOTE_REFS}/`.length), sha);
  }
  return { baseSha, heads };
}

/**
 * Pushes `sha` to `branch` only if the remote branch is still at `expected` (undefined: must not exist),
 * so a concurrent run or a person pushing in between makes this fail instead of being overwritten.
 * Returns false when the lease failed, throws on any other failure.
 */
export async function pushBranch(
  repo: GitRepo,
  url: string,
  token: string,
  branch: string,
  sha: string,
  expected: string | undefined,
): Promise<boolean> {
  const git = authedGit(repo.root, token);
  try {
    await git.raw([
      "push",
      "--quiet",
      "--porcelain",
      `--force-with-lease=refs/heads/${branch}:${expected ?? ""}`,
      url,
      `${sha}:refs/heads/${branch}`,
    ]);
  } catch (e) {
    const message = cleanGitMessage(e, token);
    // A lease that failed, or a concurrent push to the same ref that won the lock.
    if (
      /stale info|fetch first|non-fast-forward|\[(remote )?rejected\]|failed to update ref|cannot lock ref/i.test(
        message,
      )
    )
      return false;
    throw gitFailure("push to", url, e, token);
  }
  // Outside the push's try: a local ref kopt cannot write is not a lost lease.
  await gitWrite(git, repo.root, ["update-ref", `${REMOTE_REFS}/${branch}`, sha]);
  return true;
}

/** Deletes a remote branch (after kopt closed its pull request); a branch already gone is fine. */
export async function deleteBranch(repo: GitRepo, url: string, token: string, branch: string): Promise<void> {
  const git = authedGit(repo.root, token);
  try {
    await git.raw(["push", "--quiet", url, `:refs/heads/${branch}`]);
  } catch (e) {
    const message = cleanGitMessage(e, token);
    if (!/remote ref does not exist|unable to delete/i.test(message))
      throw gitFailure("push to", url, e, token);
  }
  await git.raw(["update-ref", "-d", `${REMOTE_REFS}/${branch}`]).catch(() => undefined);
}

/** Authors' emails of the commits on `head` that are not on `base`. */
export async function authorsBetween(repo: GitRepo, base: string, head: string): Promise<string[]> {
  const out = await repo.git.raw(["log", "--format=%ae%n%ce", `${base}..${head}`]);
  return [
    ...new Set(
      out
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
}

/**
 * The files that conflict when `head` is merged into `base`, as GitHub's merge would find them (git's
 * merge-tree, git 2.38+, in kopt's object store only); empty when it merges cleanly.
 */
export async function mergeConflicts(repo: GitRepo, base: string, head: string): Promise<string[]> {
  // With --name-only and --no-messages, the first line is the merged tree; any further ones name the
  // conflicted files (git exits 1 then, which simple-git reports as output, not as an error).
  let out: string;
  try {
    out = await repo.git.raw(["merge-tree", "--write-tree", "--name-only", "--no-messages", base, head]);
  } catch (e) {
    const said = (e instanceof Error ? e.message : String(e)).trim().split("\n")[0];
    throw new KoptError("forge", `git merge-tree failed in ${repo.root}: ${said}`, {
      hint: "kopt needs git 2.38 or later to tell whether a pull request still merges into its base (git --version)",
    });
  }
  return [...new Set(out.split("\n").slice(1).filter(Boolean))];
}
