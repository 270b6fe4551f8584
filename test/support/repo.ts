// A real git repository in a temp directory, holding a copy of the demo (chart + clusters/demo),
// and an in-process `kopt` runner that captures stdout, stderr and the exit code.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli.ts";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test Person",
  GIT_AUTHOR_EMAIL: "person@example.com",
  GIT_COMMITTER_NAME: "Test Person",
  GIT_COMMITTER_EMAIL: "person@example.com",
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: dir, env: GIT_ENV, encoding: "utf8" }).trim();
}

export interface TempRepo {
  dir: string;
  cleanup(): void;
}

/** A git repo on branch main with the demo chart and cluster committed. */
export function demoRepo(): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), "kopt-repo-"));
  cpSync(join(PROJECT_ROOT, "helm"), join(dir, "helm"), { recursive: true });
  cpSync(join(PROJECT_ROOT, "clusters"), join(dir, "clusters"), { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "demo");
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function kopt(...args: string[]): Promise<RunResult> {
  return runKopt(undefined, args);
}

/** kopt with its clock fixed at `now` (the time live sources read up to). */
export async function koptAt(now: Date, ...args: string[]): Promise<RunResult> {
  return runKopt(now, args);
}

async function runKopt(now: Date | undefined, args: string[]): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(["node", "kopt", ...args], {
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    now: now ? () => now : undefined,
  });
  return { code, stdout, stderr };
}

/** Everything kopt could write: refs, the working tree's status, and the drafts. */
export function repoState(dir: string): { refs: string; status: string; drafts: string[] } {
  const draftsDir = join(dir, ".kopt", "pull-requests");
  return {
    refs: git(dir, "for-each-ref", "--format=%(refname) %(objectname)"),
    status: git(dir, "status", "--porcelain", "--untracked-files=all"),
    drafts: existsSync(draftsDir) ? readdirSync(draftsDir).sort() : [],
  };
}
