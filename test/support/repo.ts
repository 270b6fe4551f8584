import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli.ts";
import { git } from "./git.ts";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export { git } from "./git.ts";

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
  return runKopt(args);
}

/** kopt with its clock fixed at `now` (the time live sources read up to). */
export async function koptAt(now: Date, ...args: string[]): Promise<RunResult> {
  return runKopt(args, { now: () => now });
}

/** kopt with its environment (tokens) and, optionally, its clock given. */
export async function koptEnv(
  opts: { env: NodeJS.ProcessEnv; now?: Date },
  ...args: string[]
): Promise<RunResult> {
  const now = opts.now;
  return runKopt(args, { env: opts.env, now: now ? () => now : undefined });
}

/** The CLI in-process with its output captured; `now` and `env` replace the clock and the environment. */
export async function runKopt(
  args: readonly string[],
  opts: { now?: () => Date; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(["node", "kopt", ...args], {
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    now: opts.now,
    ...(opts.env ? { env: opts.env } : {}),
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
