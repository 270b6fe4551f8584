// The bare repository behind the simulator: branches are its refs, merges are real merge commits, so
// a test (or kopt) can `git push` to it (over the filesystem or smart HTTP, see git-http.ts) and the
// simulator sees what was pushed.
import { spawn } from "node:child_process";

export interface GitIdentity {
  name: string;
  email: string;
  date: Date;
}

export class GitFailed extends Error {
  constructor(
    readonly code: number | null,
    readonly stderr: string,
    args: string[],
  ) {
    super(`git ${args.join(" ")} failed (${code}): ${stderr.trim()}`);
  }
}

function run(
  dir: string,
  args: string[],
  opts: { input?: string; author?: GitIdentity; committer?: GitIdentity },
): Promise<Buffer> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_DIR: dir, LC_ALL: "C" };
  for (const [role, who] of [
    ["AUTHOR", opts.author],
    ["COMMITTER", opts.committer],
  ] as const) {
    if (!who) continue;
    env[`GIT_${role}_NAME`] = who.name;
    env[`GIT_${role}_EMAIL`] = who.email;
    env[`GIT_${role}_DATE`] = who.date.toISOString();
  }
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      env,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out.push(d);
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const stdout = Buffer.concat(out);
      if (code === 0) resolve(stdout);
      else reject(new GitFailed(code, err || stdout.toString("utf8"), args));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export async function git(
  dir: string,
  args: string[],
  opts: { input?: string; author?: GitIdentity; committer?: GitIdentity } = {},
): Promise<string> {
  return (await run(dir, args, opts)).toString("utf8").trim();
}

/** git's stdout as bytes, untrimmed (blob contents, -z listings). */
export function gitBytes(dir: string, args: string[]): Promise<Buffer> {
  return run(dir, args, {});
}

const BOT: GitIdentity = { name: "github-sim", email: "github-sim@example.com", date: new Date(0) };

/** A new bare repository whose `branch` holds one commit with a README. */
export async function initBareRepo(dir: string, branch: string, date: Date): Promise<void> {
  await git(dir, ["init", "-q", "--bare", "-b", branch, dir]);
  const blob = await git(dir, ["hash-object", "-w", "--stdin"], { input: "# test repository\n" });
  const tree = await git(dir, ["mktree"], { input: `100644 blob ${blob}\tREADME.md\n` });
  const who = { ...BOT, date };
  const commit = await git(dir, ["commit-tree", tree, "-m", "Initial commit"], {
    author: who,
    committer: who,
  });
  await git(dir, ["update-ref", `refs/heads/${branch}`, commit]);
}

export interface GitRef {
  ref: string;
  sha: string;
  type: string;
}

/** Refs under `prefix` ("refs/heads/kopt/"), or all refs. */
export async function listRefs(dir: string, prefix = "refs/"): Promise<GitRef[]> {
  const out = await git(dir, ["for-each-ref", "--format=%(refname) %(objectname) %(objecttype)", prefix]);
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [ref = "", sha = "", type = ""] = l.split(" ");
      return { ref, sha, type };
    });
}

/** The commit a ref, branch name or SHA names, or undefined. */
export async function resolveCommit(dir: string, rev: string): Promise<string | undefined> {
  if (rev.startsWith("-")) return undefined;
  try {
    return await git(dir, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
  } catch {
    return undefined;
  }
}

export async function objectExists(dir: string, sha: string): Promise<boolean> {
  try {
    await git(dir, ["cat-file", "-e", sha]);
    return true;
  } catch {
    return false;
  }
}

/** Moves `ref` to `sha`, only if it still points at `expectOld` ("" = must not exist). */
export async function updateRef(dir: string, ref: string, sha: string, expectOld?: string): Promise<void> {
  await git(dir, ["update-ref", ref, sha, ...(expectOld === undefined ? [] : [expectOld])]);
}

export async function deleteRef(dir: string, ref: string): Promise<void> {
  await git(dir, ["update-ref", "-d", ref]);
}

/** The tree of merging `theirs` into `ours`, or undefined on a conflict. */
export async function mergeTree(dir: string, ours: string, theirs: string): Promise<string | undefined> {
  try {
    const out = await git(dir, ["merge-tree", "--write-tree", "--no-messages", ours, theirs]);
    return out.split("\n")[0];
  } catch (e) {
    if (e instanceof GitFailed && e.code === 1) return undefined;
    throw e;
  }
}

export function commitTree(
  dir: string,
  tree: string,
  parents: string[],
  message: string,
  author: GitIdentity,
  committer: GitIdentity,
): Promise<string> {
  return git(dir, ["commit-tree", tree, ...parents.flatMap((p) => ["-p", p]), "-F", "-"], {
    input: message,
    author,
    committer,
  });
}

/** Commits reachable from `head` and not from `base`, oldest first. */
export async function commitsBetween(dir: string, base: string, head: string): Promise<string[]> {
  const out = await git(dir, ["rev-list", "--reverse", `${base}..${head}`]);
  return out.split("\n").filter((l) => l !== "");
}

export interface TreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  /** Bytes for a blob; 0 otherwise. */
  size: number;
  name: string;
}

/** The entries of the tree `treeish` names ("<commit>:<dir>"), or undefined when it is not a tree. */
export async function listTree(dir: string, treeish: string): Promise<TreeEntry[] | undefined> {
  let out: Buffer;
  try {
    out = await gitBytes(dir, ["ls-tree", "-l", "-z", treeish]);
  } catch {
    return undefined;
  }
  return out
    .toString("utf8")
    .split("\0")
    .filter((l) => l !== "")
    .map((l) => {
      // "<mode> SP <type> SP <sha> SP+ <size> TAB <name>"; the name may hold any byte but NUL.
      const tab = l.indexOf("\t");
      const [mode = "", type = "", sha = "", size = ""] = l.slice(0, tab).split(/ +/);
      return { mode, type: type as TreeEntry["type"], sha, size: Number(size) || 0, name: l.slice(tab + 1) };
    });
}

export async function mergeBase(dir: string, a: string, b: string): Promise<string | undefined> {
  try {
    return await git(dir, ["merge-base", a, b]);
  } catch {
    return undefined;
  }
}

export async function isAncestor(dir: string, ancestor: string, of: string): Promise<boolean> {
  try {
    await git(dir, ["merge-base", "--is-ancestor", ancestor, of]);
    return true;
  } catch {
    return false;
  }
}
