// `kopt recommend`: what every container should request, changing nothing.
import { analyzeCapacity, type CapacityFinding, capacityWarnings } from "../analyze/capacity.ts";
import { analyzeWorkloads } from "../analyze/findings.ts";
import type { HpaRecommendation } from "../analyze/hpa.ts";
import type { OomRecommendation } from "../analyze/oom.ts";
import {
  checkMappedWorkloads,
  type LoadedConfig,
  loadClusterConfig,
  policyOf,
  resolveClusterName,
} from "../config/load.ts";
import type { RightsizeResult } from "../model/recommendation.ts";
import { observeCluster, selectWorkload } from "../observe/observe.ts";
import { readRoot } from "../propose/git-repo.ts";

export interface RecommendOptions {
  repoDir: string;
  cluster?: string;
  snapshot?: string;
  workload?: string;
  /** When the run happens (the live sources read up to it); default now. */
  now?: Date;
  /** Overrides source.prometheus.url. */
  prometheusUrl?: string;
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
  if (opts.cluster || !opts.snapshot) {
    root = await readRoot(opts.repoDir);
    loaded = await loadClusterConfig(root, await resolveClusterName(root, opts.cluster));
  }
  const obs = await observeCluster(
    { root, loaded },
    { snapshot: opts.snapshot, now: opts.now, prometheusUrl: opts.prometheusUrl, env: process.env },
  );
  if (loaded) checkMappedWorkloads(loaded, obs.state);
  const state = selectWorkload(obs.state, opts.workload);
  const policy = policyOf(loaded);
  const hpaConfig = loaded?.config.policy.hpa;
  const {
    sized: result,
    oom,
    scaling: hpa,
  } = analyzeWorkloads(
    state,
    obs.usage,
    policy,
    hpaConfig
      ? { targetUtilization: hpaConfig.targetUtilizationPercent / 100, haFloor: hpaConfig.haFloor }
      : undefined,
  );
  // Capacity is the whole cluster's, even when --workload narrows the recommendations.
  const capacity = analyzeCapacity(obs.state, obs.usage, policy.historyWindowHours);
  return {
    cluster: state.cluster,
    observedAt: state.observedAt,
    source: obs.source,
    warnings: [...obs.warnings, ...capacityWarnings(capacity)],
    capacity,
    oom: oom.recommendations,
    hpa: hpa.recommendations,
    ...result,
  };
}
