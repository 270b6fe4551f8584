// Opening the forge a cluster config names (or --forge overrides): the local one, or GitHub. Workflows get a
// `Forge` and never learn which; the per-cluster workflows (gate, sla, after-merge) reuse one forge for the
// clusters whose configs point at the same repository.

import type { LoadedConfig } from "../config/load.ts";
import type { Forge } from "../propose/forge.ts";
import type { GitRepo } from "../propose/git-repo.ts";
import { resolveGitHubConfig } from "../propose/github/client.ts";
import { GitHubForge, type GitHubForgeOptions } from "../propose/github/github-forge.ts";
import { LocalForge } from "../propose/local-forge.ts";

export interface ForgeChoice {
  /** Overrides forge.type. */
  forge?: "local" | "github";
  /** Where tokens come from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The clock of the local forge's records (merge times, pull requests, comments); default the wall clock. */
  clock?: () => Date;
}

/** The local forge's clock from a workflow's `now` (the CLI's clock; tests fix it): nothing when there is none. */
export function clockOf(now: Date | undefined): Pick<ForgeChoice, "clock"> {
  return now ? { clock: () => now } : {};
}

export interface OpenOptions {
  /**
   * false: the workflow only reads and reviews pull requests (gate, sla, setup); the github forge then
   * fetches no branches until a call needs them, and `baseSha` is not available. Default true.
   */
  branches?: boolean;
}

export async function openForge(
  repo: GitRepo,
  loaded: LoadedConfig,
  choice: ForgeChoice,
  opts: OpenOptions = {},
): Promise<Forge> {
  const { config } = loaded;
  const type = choice.forge ?? config.forge.type;
  if (type === "local") {
    return LocalForge.open(repo, config.forge.baseBranch, choice.clock ? { now: choice.clock } : {});
  }
  const env = choice.env ?? process.env;
  const gitHubOptions: GitHubForgeOptions = {
    env,
    root: repo.root,
    approval: loaded.policy.approval,
    materialThreshold: loaded.policy.rightsize.minChange.fraction,
  };
  const cfg = resolveGitHubConfig(config.forge.github, env, loaded.file);
  const open = opts.branches === false ? GitHubForge.connect : GitHubForge.open;
  return open(repo, cfg, config.forge.baseBranch, gitHubOptions);
}

/** The repository a config's forge points at, as people name it: owner/repo on GitHub, else the directory. */
export function forgeRepository(repo: GitRepo, loaded: LoadedConfig, choice: ForgeChoice): string {
  const type = choice.forge ?? loaded.config.forge.type;
  if (type === "local") return repo.root;
  const cfg = resolveGitHubConfig(loaded.config.forge.github, choice.env ?? process.env, loaded.file);
  return `${cfg.owner}/${cfg.repo}`;
}

/** Two configs with the same key open the same repository on the same forge with the same base branch. */
function forgeKey(repo: GitRepo, loaded: LoadedConfig, choice: ForgeChoice): string {
  const type = choice.forge ?? loaded.config.forge.type;
  const base = loaded.config.forge.baseBranch;
  if (type === "local") return `local ${repo.root} ${base}`;
  const cfg = resolveGitHubConfig(loaded.config.forge.github, choice.env ?? process.env, loaded.file);
  return `github ${cfg.apiUrl.replace(/\/$/, "")} ${cfg.owner.toLowerCase()}/${cfg.repo.toLowerCase()} ${base}`;
}

/**
 * The forge of each cluster's config, opened once per repository: a workflow that goes through several
 * clusters (gate, sla) connects once, and team members are read once, when their configs share one.
 */
export class ForgeSessions {
  private readonly forges = new Map<string, Promise<Forge>>();

  constructor(
    private readonly repo: GitRepo,
    private readonly choice: ForgeChoice,
    private readonly opts: OpenOptions = {},
  ) {}

  forgeOf(loaded: LoadedConfig): Promise<Forge> {
    const key = forgeKey(this.repo, loaded, this.choice);
    let forge = this.forges.get(key);
    if (!forge) {
      forge = openForge(this.repo, loaded, this.choice, this.opts);
      this.forges.set(key, forge);
    }
    return forge;
  }
}
