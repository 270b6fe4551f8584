// The agent's periodic `kopt verify`: the same workflow as the command, on the live cluster the agent watches
// (Argo CD / Flux status and the workload through the API, the figures from source.prometheus), with the
// clock's now. Sources are opened for each run, so a credential rotated in between is read anew.
import type { LoadedConfig } from "../../config/load.ts";
import { openRepository } from "../../propose/git-repo.ts";
import { openVerifySources } from "../verify/sources.ts";
import { verify } from "../verify.ts";

/** What of the agent's options a verify run needs (start.ts AgentStartOptions has them). */
export interface AgentVerifyOptions {
  env: NodeJS.ProcessEnv;
  forge?: "local" | "github";
  prometheusUrl?: string;
  clock?: () => number;
}

export function agentVerify(loaded: LoadedConfig, at: { repoDir: string; opts: AgentVerifyOptions }) {
  const { repoDir, opts } = at;
  return async () => {
    const repo = await openRepository(repoDir);
    const opened = await openVerifySources(repo, loaded, {
      env: opts.env,
      ...(opts.prometheusUrl ? { prometheusUrl: opts.prometheusUrl } : {}),
    });
    return verify(
      {
        repoDir,
        loaded,
        cluster: loaded.config.cluster,
        env: opts.env,
        ...(opts.forge ? { forge: opts.forge } : {}),
        now: new Date(opts.clock?.() ?? Date.now()),
      },
      opened.sources,
    );
  };
}
