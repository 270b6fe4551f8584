// Lands the PHR of a restart the agent executed on the base branch, the way `kopt after-merge` lands its
// records (landRecord): a trivial PHR-only pull request kopt merges itself, or a direct commit when
// forge.github.afterMerge.record is commit. A PHR already on the base (a retry after a failure) is not
// landed twice: its path is stable per pod.
import type { LoadedConfig } from "../../config/load.ts";
import type { StuckPod } from "../../decide/restart-pods.ts";
import { rfc3339 } from "../../model/format.ts";
import { openRepository } from "../../propose/git-repo.ts";
import { restartRecord } from "../../propose/restart-phr.ts";
import { landRecord } from "../after-merge.ts";
import { openForge } from "../open-forge.ts";
import { NO_LOCK, type RepoLock } from "./repo-lock.ts";
import type { RestartRecordOutcome } from "./restarts.ts";

export interface RestartRecorderOptions {
  repoDir: string;
  loaded: LoadedConfig;
  /** Overrides forge.type. */
  forge?: "local" | "github";
  env: NodeJS.ProcessEnv;
  /** The agent replica that acts. */
  identity: string;
  /** Shared with the reactions and the periodic plan, which use the same repository. */
  lock?: RepoLock;
}

export function restartRecorder(
  opts: RestartRecorderOptions,
): (pod: StuckPod, executedAt: Date) => Promise<RestartRecordOutcome> {
  return (pod, executedAt) => (opts.lock ?? NO_LOCK)(() => land(opts, pod, executedAt));
}

async function land(
  opts: RestartRecorderOptions,
  pod: StuckPod,
  executedAt: Date,
): Promise<RestartRecordOutcome> {
  const { config } = opts.loaded;
  const r = restartRecord({
    cluster: config.cluster,
    pod,
    executedAt,
    stuckFor: config.agent.actions.restartPods.stuckFor,
    by: opts.identity,
    currency: opts.loaded.policy.pricing.currency,
  });
  const repo = await openRepository(opts.repoDir);
  const forge = await openForge(repo, opts.loaded, {
    env: opts.env,
    ...(opts.forge ? { forge: opts.forge } : {}),
  });
  if ((await forge.readBase(r.path)) !== undefined) {
    return { phr: r.path, location: "already", merged: true, warnings: [] };
  }
  const warnings: string[] = [];
  const landed = await landRecord(
    { repo, loaded: opts.loaded, forge, warnings },
    {
      files: [{ path: r.path, content: r.content }],
      message: r.commitMessage,
      date: rfc3339(executedAt),
      branch: r.branch,
      title: r.title,
      body: r.prBody,
      kind: "restart",
    },
  );
  return { phr: r.path, location: landed.location, merged: landed.merged, warnings };
}
