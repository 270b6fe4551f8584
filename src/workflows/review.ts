// `kopt review --pr N --approve | --request-changes`: a person's review of a pull request, recorded by the
// forge. On the local forge it is what a reviewer does on GitHub's page; `kopt gate` then counts it. GitHub
// takes reviews only on its own page, so there the forge refuses and says so.

import { listClusters, loadClusterConfig, resolveClusterName } from "../config/load.ts";
import { KoptError } from "../errors.ts";
import { rfc3339 } from "../model/format.ts";
import type { Forge, ReviewSubmission } from "../propose/forge.ts";
import { gitConfigValue, openRepository } from "../propose/git-repo.ts";
import { type ForgeChoice, openForge } from "./open-forge.ts";

export interface ForgeTarget extends ForgeChoice {
  /** The GitOps repository. */
  repoDir: string;
  /** Whose kopt.yaml names the forge; default the only cluster, or the first (they share one repository). */
  cluster?: string;
}

/** The forge of a cluster's config, for commands that act on one pull request. */
export async function openClusterForge(target: ForgeTarget): Promise<Forge> {
  const repo = await openRepository(target.repoDir);
  const clusters = await listClusters(repo.root);
  const cluster =
    target.cluster ?? (clusters.length > 1 ? clusters[0] : await resolveClusterName(repo.root, undefined));
  const loaded = await loadClusterConfig(repo.root, cluster as string);
  const forge = await openForge(repo, loaded, target);
  return forge;
}

export interface ReviewOptions extends ForgeTarget {
  pr: number;
  verdict: "approve" | "request-changes";
  /** The reviewer's login; default git's user.name, else $USER. */
  as?: string;
  body?: string;
  now: Date;
}

export interface ReviewOutcome {
  pr: number;
  branch: string;
  user: string;
  state: ReviewSubmission["state"];
  /** The commit the review is on: a later push makes an approval stale. */
  headSha: string;
  at: string;
}

/** A GitHub login: letters, digits and single hyphens inside, at most 39 characters. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

export async function review(opts: ReviewOptions): Promise<ReviewOutcome> {
  const user = opts.as ?? (await defaultLogin(opts.repoDir));
  if (!LOGIN.test(user)) {
    throw new KoptError("usage", `not a plain login: ${JSON.stringify(user)}`, {
      hint: "pass --as <login>: letters, digits and single hyphens, as in the approver lists of kopt.yaml (e.g. --as alice)",
    });
  }
  const forge = await openClusterForge(opts);
  const state = opts.verdict === "approve" ? "APPROVED" : "CHANGES_REQUESTED";
  const at = rfc3339(opts.now);
  await forge.submitReview(opts.pr, { user, state, at, ...(opts.body ? { body: opts.body } : {}) });
  const pr = await forge.pullRequest(opts.pr);
  return { pr: pr.number, branch: pr.branch, user, state, headSha: pr.headSha, at };
}

/** Who runs kopt: git's user.name (when it is a plain login), else $USER. */
async function defaultLogin(repoDir: string): Promise<string> {
  const repo = await openRepository(repoDir);
  const login = (await gitConfigValue(repo.root, "user.name")) ?? process.env.USER;
  if (!login) {
    throw new KoptError("usage", "who is reviewing? git has no user.name and $USER is not set", {
      hint: "pass --as <login>",
    });
  }
  return login;
}
