// A GitHub repository for end-to-end tests: the simulator (test/support/github-sim) serving a bare repo
// seeded with the demo cluster, its kopt.yaml switched to the github forge on the simulator, and a clone
// of it where kopt runs (as in a GitHub Actions checkout).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { expect, onTestFinished } from "vitest";
import { type GitHubSim, type GitHubSimOptions, startGitHubSim } from "./github-sim/index.ts";
import { git, koptEnv, PROJECT_ROOT, type RunResult } from "./repo.ts";

export const OWNER = "acme";
export const REPO = "platform";
export const TOKEN = "ghs_kopt_e2e_token_0123456789";
export const USERS = ["kopt-ci", "alice", "bob", "carol", "dave"];
/** alice is an architect, bob in security; carol and dave in neither. */
export const TEAMS = { architects: ["alice"], security: ["bob"] };
export const PERSON_TOKENS: Record<string, string> = {
  alice: "ghp_alice_token",
  bob: "ghp_bob_token",
  carol: "ghp_carol_token",
};
const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

export interface World {
  sim: GitHubSim;
  /** kopt's working clone. */
  work: string;
  /** A clone for pushing as a person. */
  person: string;
  /** Octokit as kopt-ci (the token kopt uses), or as a person. */
  octokit(login?: string): Octokit;
  /** Runs the CLI in `work` with GITHUB_TOKEN set (or `token`), plus `env` (an undefined value unsets). */
  kopt(args: string[], opts?: { token?: string; now?: Date; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** Pulls main into both clones. */
  sync(): void;
  cleanup(): Promise<void>;
}

export interface WorldOptions {
  sim?: Partial<GitHubSimOptions>;
  /** Extra YAML appended to clusters/demo/kopt.yaml (e.g. a policy block). */
  configExtra?: string;
  /** Replaces the forge.github block's extra keys (e.g. "    maxOpenPullRequests: 2\n"). */
  githubExtra?: string;
}

export async function startWorld(opts: WorldOptions = {}): Promise<World> {
  const sim = await startGitHubSim({
    owner: OWNER,
    repo: REPO,
    token: TOKEN,
    users: USERS,
    teams: TEAMS,
    tokens: Object.fromEntries(Object.entries(PERSON_TOKENS).map(([u, t]) => [t, u])),
    ...opts.sim,
  });
  const seed = mkdtempSync(join(tmpdir(), "kopt-world-seed-"));
  const work = mkdtempSync(join(tmpdir(), "kopt-world-work-"));
  const person = mkdtempSync(join(tmpdir(), "kopt-world-person-"));
  git(seed, "clone", "-q", sim.repoDir, ".");
  cpSync(join(PROJECT_ROOT, "helm"), join(seed, "helm"), { recursive: true });
  cpSync(join(PROJECT_ROOT, "clusters", "demo"), join(seed, "clusters", "demo"), { recursive: true });
  cpSync(join(PROJECT_ROOT, "runbooks"), join(seed, "runbooks"), { recursive: true });
  const configFile = join(seed, "clusters", "demo", "kopt.yaml");
  const config = readFileSync(configFile, "utf8").replace(
    "forge:\n  type: local\n  baseBranch: main\n",
    `forge:\n  type: github\n  baseBranch: main\n  github:\n    owner: ${OWNER}\n    repo: ${REPO}\n    apiUrl: ${sim.url}\n${opts.githubExtra ?? ""}`,
  );
  if (!config.includes("type: github"))
    throw new Error("github-world: the demo kopt.yaml's forge block moved");
  writeFileSync(
    configFile,
    `${config}\npolicy:\n  approval:\n    architects: { team: architects }\n    security: { team: security }\n${opts.configExtra ?? ""}`,
  );
  git(seed, "add", "-A");
  git(seed, "commit", "-q", "-m", "demo cluster, github forge");
  git(seed, "push", "-q", "origin", "HEAD:refs/heads/main");
  git(work, "clone", "-q", sim.repoDir, ".");
  git(person, "clone", "-q", sim.repoDir, ".");
  rmSync(seed, { recursive: true, force: true });

  const octokit = (login?: string) =>
    new Octokit({
      baseUrl: sim.url,
      auth: login ? PERSON_TOKENS[login] : TOKEN,
      log: SILENT,
    });
  return {
    sim,
    work,
    person,
    octokit,
    kopt: (args, o = {}) =>
      koptEnv({ env: { ...worldEnv(o.token), ...o.env }, now: o.now }, "--repo", work, ...args),
    sync() {
      for (const dir of [work, person]) {
        git(dir, "fetch", "-q", "origin");
        git(dir, "checkout", "-q", "-B", "main", "origin/main");
      }
    },
    async cleanup() {
      for (const d of [work, person]) rmSync(d, { recursive: true, force: true });
      await sim.stop();
    },
  };
}

/** The environment kopt runs with against the simulator: the token, and no pacing of writes. */
export function worldEnv(token: string = TOKEN): NodeJS.ProcessEnv {
  return { ...process.env, GITHUB_TOKEN: token, KOPT_GITHUB_UNPACED: "1" };
}

/**
 * A world for one test: removed when the test finishes, which then also fails on any request the
 * simulator found out of line with GitHub's description.
 */
export async function worldForTest(opts: WorldOptions = {}): Promise<World> {
  const w = await startWorld(opts);
  onTestFinished(async () => {
    const violations = [...w.sim.violations];
    await w.cleanup();
    expect(violations).toEqual([]);
  });
  return w;
}

/** Merges a pull request as a person does in GitHub's UI. */
export async function mergeAs(
  world: World,
  login: string,
  number: number,
  method: "merge" | "squash" = "merge",
) {
  const { data } = await world.octokit(login).pulls.merge({
    owner: OWNER,
    repo: REPO,
    pull_number: number,
    merge_method: method,
  });
  expect(data.merged).toBe(true);
  return data;
}
