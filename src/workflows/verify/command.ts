// `kopt verify` as the command runs it: the cluster's config, the sources it names (or --snapshot), and the
// workflow with the right now (the snapshot's capture time, or the clock).
import { loadClusterConfig, resolveClusterName } from "../../config/load.ts";
import { unscopedQueryWarnings } from "../../observe/prometheus/rollout-queries.ts";
import { openRepository } from "../../propose/git-repo.ts";
import { type VerifyRun, verify } from "../verify.ts";
import { openVerifySources } from "./sources.ts";

export interface VerifyCommandOptions {
  repoDir: string;
  cluster?: string;
  snapshot?: string;
  prometheusUrl?: string;
  forge?: "local" | "github";
  env: NodeJS.ProcessEnv;
  /** The clock, for a live cluster. */
  now: Date;
}

export async function runVerify(o: VerifyCommandOptions): Promise<VerifyRun> {
  const repo = await openRepository(o.repoDir);
  const loaded = await loadClusterConfig(repo.root, await resolveClusterName(repo.root, o.cluster));
  const opened = await openVerifySources(repo, loaded, {
    env: o.env,
    ...(o.snapshot ? { snapshot: o.snapshot } : {}),
    ...(o.prometheusUrl ? { prometheusUrl: o.prometheusUrl } : {}),
  });
  const run = await verify(
    {
      repoDir: o.repoDir,
      loaded,
      cluster: loaded.config.cluster,
      env: o.env,
      ...(o.forge ? { forge: o.forge } : {}),
      now: opened.observedAt ?? o.now,
    },
    opened.sources,
  );
  // A query of the user's own is never rewritten: say when it reads every cluster's series.
  const prometheus = loaded.config.source.prometheus;
  if (prometheus && (!o.snapshot || o.prometheusUrl)) {
    run.warnings.push(...unscopedQueryWarnings(loaded.config.verify, prometheus.selector));
  }
  return run;
}
