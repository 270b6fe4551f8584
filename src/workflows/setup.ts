// `kopt setup`: prepares a GitHub repository for kopt: creates its labels and protects the base branch so
// that the approval gate's status `kopt/approval` is required, code owners must review, and a push makes
// earlier approvals stale. With --dry-run it only says what it would set.

import { loadClusterConfig, resolveClusterName } from "../config/load.ts";
import type { BranchProtection } from "../propose/forge.ts";
import { openRepository } from "../propose/git-repo.ts";
import { allLabels } from "../propose/labels.ts";
import { APPROVAL_CONTEXT } from "./gate.ts";
import { forgeRepository, openForge } from "./open-forge.ts";
import { actionRef, type WorkflowFile, writeWorkflows } from "./setup-workflows.ts";

export interface SetupOptions {
  repoDir: string;
  cluster?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides forge.type (the local forge has no labels or protection to set: it refuses). */
  forge?: "local" | "github";
  dryRun: boolean;
  /** Also write .github/workflows/kopt-*.yml running kopt as this action (owner/repo@ref, or ./). */
  workflows?: string;
}

/** The branch protection kopt needs: what GitHub's PUT /branches/{branch}/protection takes. */
export function branchProtection(): BranchProtection {
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
  protection: BranchProtection;
  dryRun: boolean;
  /** The workflows written (or, with dryRun, that would be), when asked for. */
  workflows?: WorkflowFile[];
}

export async function setup(opts: SetupOptions): Promise<SetupOutcome> {
  const choice = { forge: opts.forge, env: opts.env ?? process.env };
  const repo = await openRepository(opts.repoDir);
  const loaded = await loadClusterConfig(repo.root, await resolveClusterName(repo.root, opts.cluster));
  const action = opts.workflows === undefined ? undefined : actionRef(opts.workflows);
  const protection = branchProtection();
  const labels = allLabels().map((l) => l.name);
  const outcome = {
    repository: forgeRepository(repo, loaded, choice),
    branch: loaded.config.forge.baseBranch,
    labels,
    protection,
    dryRun: opts.dryRun,
  };
  const workflows = (dryRun: boolean) =>
    action === undefined
      ? {}
      : writeWorkflows(repo.root, { action, cluster: loaded.config.cluster, dryRun }).then((w) => ({
          workflows: w,
        }));
  if (opts.dryRun) return { ...outcome, ...(await workflows(true)) };
  const forge = await openForge(repo, loaded, choice, { branches: false });
  await forge.prepare(labels, protection);
  return { ...outcome, ...(await workflows(false)) };
}
