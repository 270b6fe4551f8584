// A kopt repository for cluster `shop` on the GitHub simulator: a simulator, a working clone of its bare
// repository with clusters/shop/kopt.yaml (forge github on the simulator, the given policy.approval
// block) and a values file pushed to main, and an Octokit pointed at it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Octokit } from "@octokit/rest";
import { expect } from "vitest";
import { cleanups } from "./cleanups.ts";
import { git } from "./git.ts";
import { type GitHubSim, startGitHubSim } from "./github-sim/index.ts";

export const OWNER = "acme";
export const REPO = "platform";
export const CLUSTER = "shop";
export const USERS = ["kopt-ci", "alice", "bob", "carol", "renovate[bot]"];
export const TEAMS = { architects: ["alice"], security: ["bob"] };
export const silent = { debug() {}, info() {}, warn() {}, error() {} };

export interface ShopRepoOptions {
  /** The lines under `policy.approval:` in kopt.yaml, indented four spaces. */
  approval: string;
  /** The simulator's clock to start with (ISO). */
  now: string;
  token: string;
  /** Prefix of the temp clone's directory name. */
  tmpPrefix?: string;
  /** clusters/shop/values.yaml on main. */
  values?: string;
}

export interface ShopRepo {
  sim: GitHubSim;
  octokit: Octokit;
  /** A clone of the simulator's bare repository, on main. */
  work: string;
  env: NodeJS.ProcessEnv;
  setNow(iso: string): void;
  /**
   * Commits files on a branch (new from main, or the existing one with `fromMain: false`) and pushes it;
   * returns the head SHA. The clone is back on main afterwards.
   */
  push(
    branch: string,
    files: Record<string, string>,
    opts?: { fromMain?: boolean; message?: string },
  ): string;
  /** Opens a pull request from `branch` into main (as the token's user) and adds `labels`; returns its number. */
  openPull(branch: string, title: string, labels: string[]): Promise<number>;
}

/** Starts the simulator and pushes the config to main; everything is stopped and removed after the test. */
export async function startShopRepo(opts: ShopRepoOptions): Promise<ShopRepo> {
  let now = new Date(opts.now);
  const sim = await startGitHubSim({
    owner: OWNER,
    repo: REPO,
    token: opts.token,
    users: USERS,
    teams: TEAMS,
    now: () => now,
  });
  cleanups.push(() => sim.stop());
  cleanups.push(() => expect(sim.violations).toEqual([]));
  const work = mkdtempSync(join(tmpdir(), opts.tmpPrefix ?? "kopt-shop-"));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  git(work, "clone", "-q", sim.repoDir, ".");
  const write = (files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), text);
    }
  };
  write({
    [`clusters/${CLUSTER}/kopt.yaml`]: `apiVersion: kopt.dev/v1alpha1
kind: ClusterConfig
cluster: ${CLUSTER}
source:
  snapshot: clusters/${CLUSTER}/snapshot.json.gz
forge:
  type: github
  github:
    owner: ${OWNER}
    repo: ${REPO}
    apiUrl: ${sim.url}
policy:
  approval:
${opts.approval}
`,
    [`clusters/${CLUSTER}/values.yaml`]:
      opts.values ?? "web:\n  resources:\n    requests:\n      cpu: 500m\n",
  });
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "kopt config");
  git(work, "push", "-q", "origin", "HEAD:refs/heads/main");
  const octokit = new Octokit({ baseUrl: sim.url, auth: opts.token, log: silent });
  return {
    sim,
    octokit,
    work,
    env: { GITHUB_TOKEN: opts.token },
    setNow(iso) {
      now = new Date(iso);
    },
    push(branch, files, { fromMain = true, message = `kopt: ${branch}` } = {}) {
      git(work, "fetch", "-q", "origin");
      git(work, "checkout", "-q", "-B", branch, fromMain ? "origin/main" : `origin/${branch}`);
      write(files);
      git(work, "add", "-A");
      git(work, "commit", "-q", "-m", message);
      git(work, "push", "-q", "origin", `HEAD:refs/heads/${branch}`);
      const sha = git(work, "rev-parse", "HEAD");
      // kopt reads kopt.yaml from the base branch's checkout.
      git(work, "checkout", "-q", "main");
      return sha;
    },
    async openPull(branch, title, labels) {
      const { data } = await octokit.pulls.create({
        owner: OWNER,
        repo: REPO,
        head: branch,
        base: "main",
        title,
      });
      await octokit.issues.addLabels({ owner: OWNER, repo: REPO, issue_number: data.number, labels });
      return data.number;
    },
  };
}

export interface PhrOptions {
  tier: string;
  id: string;
  cluster?: string;
  createdAt?: string;
  title?: string;
  /** The Markdown after the front matter. */
  body?: string;
}

/** A rightsize PHR for shop/web (values.yaml cpu 500m -> 200m) with the given tier and id. */
export function phrText({
  tier,
  id,
  cluster = CLUSTER,
  createdAt = "2026-03-02T09:00:00Z",
  title = `Right-size shop/web on ${cluster}`,
  body = "# Right-size shop/web\n\nLowers the CPU request of web from 500m to 200m.\n",
}: PhrOptions): string {
  return `---
id: ${id}
cluster: ${cluster}
kind: rightsize
tier: ${tier}
status: proposed
createdAt: "${createdAt}"
title: ${title}
workloads:
  - { namespace: shop, kind: Deployment, name: web }
changes:
  - { file: clusters/${cluster}/values.yaml, path: web.resources.requests.cpu, from: 500m, to: 200m }
evidence: []
confidence: 1
cost: { currency: USD, monthlyBefore: 20, monthlyAfter: 8, monthlyDelta: -12 }
rollback: { how: "git revert the merge commit" }
---
${body}`;
}
