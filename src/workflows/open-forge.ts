// Opening the forge a cluster config names (or --forge overrides): the local one, or GitHub.

import type { LoadedConfig } from "../config/load.ts";
import type { GitRepo } from "../propose/git-repo.ts";
import { resolveGitHubConfig } from "../propose/github/client.ts";
import { GitHubForge } from "../propose/github/github-forge.ts";
import { LocalForge } from "../propose/local-forge.ts";

export interface ForgeChoice {
  /** Overrides forge.type. */
  forge?: "local" | "github";
  /** Where tokens come from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function openForge(
  repo: GitRepo,
  loaded: LoadedConfig,
  choice: ForgeChoice,
): Promise<LocalForge | GitHubForge> {
  const type = choice.forge ?? loaded.config.forge.type;
  if (type === "local") return LocalForge.open(repo, loaded.config.forge.baseBranch);
  return openGitHubForge(repo, loaded, choice);
}

export function openGitHubForge(
  repo: GitRepo,
  loaded: LoadedConfig,
  choice: ForgeChoice,
): Promise<GitHubForge> {
  const { config } = loaded;
  const env = choice.env ?? process.env;
  return GitHubForge.open(
    repo,
    resolveGitHubConfig(config.forge.github, env, loaded.file),
    config.forge.baseBranch,
    {
      env,
      root: repo.root,
      approval: config.policy.approval,
      materialThreshold: config.policy.rightsize.minChange.percent / 100,
    },
  );
}
