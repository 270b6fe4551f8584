// `kopt setup`: prepares a GitHub repository for kopt: creates its labels and protects the base branch so
// that the approval gate's status `kopt/approval` is required, code owners must review, and a push makes
// earlier approvals stale. With --dry-run it only says what it would set.

import { loadClusterConfig, resolveClusterName } from "../config/load.ts";
import { openRepository } from "../propose/git-repo.ts";
import { connectGitHub, gitHubError, resolveGitHubConfig } from "../propose/github/client.ts";
import { allLabels, LabelCache } from "../propose/github/labels.ts";
import { APPROVAL_CONTEXT } from "./gate.ts";

export interface SetupOptions {
  repoDir: string;
  cluster?: string;
  env?: NodeJS.ProcessEnv;
  dryRun: boolean;
}

/** The branch protection kopt needs: what GitHub's PUT /branches/{branch}/protection takes. */
export function branchProtection() {
  return {
    required_status_checks: { strict: false, contexts: [APPROVAL_CONTEXT] },
    // Admins can still merge in an emergency; the PHR and the gate's status record that they did.
    enforce_admins: false,
    required_pull_request_reviews: {
      dismiss_stale_reviews: true,
      require_code_owner_reviews: true,
      required_approving_review_count: 1,
    },
    restrictions: null,
  };
}

export interface SetupOutcome {
  repository: string;
  branch: string;
  labels: string[];
  protection: ReturnType<typeof branchProtection>;
  dryRun: boolean;
}

export async function setup(opts: SetupOptions): Promise<SetupOutcome> {
  const env = opts.env ?? process.env;
  const repo = await openRepository(opts.repoDir);
  const loaded = await loadClusterConfig(repo.root, await resolveClusterName(repo.root, opts.cluster));
  const github = resolveGitHubConfig(loaded.config.forge.github, env, loaded.file);
  const branch = loaded.config.forge.baseBranch;
  const protection = branchProtection();
  const labels = allLabels().map((l) => l.name);
  const outcome = {
    repository: `${github.owner}/${github.repo}`,
    branch,
    labels,
    protection,
    dryRun: opts.dryRun,
  };
  if (opts.dryRun) return outcome;
  const conn = await connectGitHub(github, { env, root: repo.root });
  await new LabelCache(conn).ensure(labels);
  try {
    await conn.octokit.repos.updateBranchProtection({
      owner: conn.owner,
      repo: conn.repo,
      branch,
      ...protection,
    });
  } catch (e) {
    throw gitHubError(e, `protecting branch ${branch} (the token needs repository Administration: write)`);
  }
  return outcome;
}
