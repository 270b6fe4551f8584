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
