// `kopt recommend`: what every container should request, changing nothing. The same pipeline as `kopt plan`
// (src/workflows/pipeline.ts), so the findings it prints are the ones plan would propose from.
import { type CapacityFinding, capacityWarnings } from "../analyze/capacity.ts";
import type { HpaRecommendation } from "../analyze/hpa.ts";
import type { OomRecommendation } from "../analyze/oom.ts";
import { type LoadedConfig, loadClusterConfig, resolveClusterName } from "../config/load.ts";
import type { RightsizeResult } from "../model/recommendation.ts";
import { readRoot } from "../propose/git-repo.ts";
import { runPipeline } from "./pipeline.ts";

export interface RecommendOptions {
  repoDir: string;
  cluster?: string;
  snapshot?: string;
  workload?: string;
  /** When the run happens (the live sources read up to it); default now. */
  now?: Date;
  /** Overrides source.prometheus.url. */
  prometheusUrl?: string;
  /** The config the caller loaded (the agent's --config file); default clusters/<cluster>/kopt.yaml. */
  loaded?: LoadedConfig;
}

export interface RecommendOutcome extends RightsizeResult {
  cluster: string;
  observedAt: number;
  source: string;
  /** What the user should know about the data (e.g. no usage history from a live cluster). */
  warnings: string[];
  /** The cluster's CPU and memory against its nodes, forecast a week ahead. */
  capacity: CapacityFinding[];
  /** OOM-killed containers and the memory limit each should get now (the fast path). */
  oom: OomRecommendation[];
  /** Horizontal scaling findings (enable an HPA, raise its max, ...), sized against the recommended requests. */
  hpa: HpaRecommendation[];
}

export async function recommend(opts: RecommendOptions): Promise<RecommendOutcome> {
  let loaded: LoadedConfig | undefined;
  let root: string | undefined;
  // A bare --snapshot needs no repository and no config: default policy. A config needs no git either.
  if (opts.loaded || opts.cluster || !opts.snapshot) {
    root = await readRoot(opts.repoDir);
    loaded = opts.loaded ?? (await loadClusterConfig(root, await resolveClusterName(root, opts.cluster)));
  }
  const { observation, state, findings, capacity } = await runPipeline({
    root,
    snapshot: opts.snapshot,
    loaded,
    workload: opts.workload,
    now: opts.now,
    prometheusUrl: opts.prometheusUrl,
    env: process.env,
  });
  return {
    cluster: state.cluster,
    observedAt: state.observedAt,
    source: observation.source,
    warnings: [...observation.warnings, ...capacityWarnings(capacity)],
    capacity,
    oom: findings.oom.recommendations,
    hpa: findings.scaling.recommendations,
    ...findings.sized,
  };
}
