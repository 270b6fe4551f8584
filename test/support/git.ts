// Real git for tests, as a fixed person, so commits do not depend on the machine's git config.
import { execFileSync } from "node:child_process";

export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test Person",
  GIT_AUTHOR_EMAIL: "person@example.com",
  GIT_COMMITTER_NAME: "Test Person",
  GIT_COMMITTER_EMAIL: "person@example.com",
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: dir, env: GIT_ENV, encoding: "utf8" }).trim();
}

/** git with the author and committer dated `at` (Unix seconds): a merge or commit made at a given time. */
export function gitAt(dir: string, at: number, ...args: string[]): string {
  const env = { ...GIT_ENV, GIT_AUTHOR_DATE: `${at} +0000`, GIT_COMMITTER_DATE: `${at} +0000` };
  return execFileSync("git", args, { cwd: dir, env, encoding: "utf8" }).trim();
}
