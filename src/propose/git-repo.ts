// Opening the target git repository, with errors a user can act on.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type SimpleGit, simpleGit } from "simple-git";
import { KoptError } from "../errors.ts";

export interface GitRepo {
  root: string;
  git: SimpleGit;
}

export async function openRepository(dir: string): Promise<GitRepo> {
  const abs = resolve(dir);
  const notRepo = () =>
    new KoptError("forge", `not a git repository: ${abs}`, {
      where: { file: abs },
      hint: "run kopt inside your GitOps repository (or pass --repo PATH to one); `git init` makes one",
    });
  if (!existsSync(abs)) throw notRepo();
  const git = simpleGit(abs);
  let root: string;
  try {
    root = (await git.revparse(["--show-toplevel"])).trim();
  } catch {
    throw notRepo();
  }
  return { root, git: simpleGit(root) };
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
