// After merge (issue 16): is the merged change applied, is its rollout safe, did it hold for the stability
// window, and what kopt learns from it. Plain data shared by observe (GitOps status, rollout metrics),
// analyze (the verdicts, the learning loop), the PHR format and the verify workflow.

/** The GitOps object that deploys a cluster's values files: named in kopt.yaml or found under clusters/<name>/. */
export type GitOpsTarget =
  | { tool: "argocd"; name: string; namespace: string }
  | {
      tool: "flux";
      /** The Kustomization that applies the repository path (its lastAppliedRevision says which commit). */
      kustomization?: { name: string; namespace: string };
      /** The HelmRelease the values reach (Ready, observedGeneration, history[0].status). */
      helmRelease?: { name: string; namespace: string };
    };

/** "argocd Application argocd/todo-chatbot", "flux Kustomization flux-system/apps + HelmRelease todo/todo". */
export function gitOpsLabel(t: GitOpsTarget): string {
  if (t.tool === "argocd") return `Argo CD Application ${t.namespace}/${t.name}`;
  const parts = [
    t.kustomization && `Kustomization ${t.kustomization.namespace}/${t.kustomization.name}`,
    t.helmRelease && `HelmRelease ${t.helmRelease.namespace}/${t.helmRelease.name}`,
  ].filter(Boolean);
  return `Flux ${parts.join(" + ")}`;
}

/**
 * Whether the GitOps tool has applied a merge commit (src/analyze/gitops-applied.ts decides it from the
 * objects' status). `applied`: synced to the merge commit or a descendant, healthy; `pending`: not yet
 * (an older revision, a sync running, progressing); `failed`: the sync or upgrade failed at or after the merge.
 */
export interface AppliedState {
  state: "applied" | "pending" | "failed";
  /** The revision the tool reports (a 40-hex SHA; Flux's `main@sha1:<sha>` reduced to the SHA). */
  revision: string | null;
  /** RFC 3339: when it was applied (Argo CD history deployedAt / operationState.finishedAt, Flux condition time). */
  at: string | null;
  /** One line a reviewer reads: "Synced to 1a2b3c4 at 12:03 UTC, Healthy" / "sync failed: ...". */
  reason: string;
}

/** Whether the workload's pods run the change's values (the pod template, and the rollout's progress). */
export interface RolloutState {
  state: "rolled-out" | "progressing" | "mismatch";
  /** RFC 3339: when the first pod with the new template started (the gate's start), when known. */
  startedAt: string | null;
  /** e.g. "3/3 pods updated", "container backend requests.cpu is 1, the change says 500m". */
  reason: string;
}

/**
 * The workload's health over a window, from Prometheus (src/observe/prometheus/rollout-metrics.ts). null: no
 * data (no such series, or the query is not configured). Rates are fractions (0.082 = 8.2%).
 */
export interface RolloutMetrics {
  /** The highest error rate (1 - success rate) over the window, each point over the query's interval. */
  errorRate: number | null;
  /** The mean error rate over the window. */
  errorRateMean: number | null;
  /** The highest p99 request latency over the window, seconds. */
  p99LatencySeconds: number | null;
  /** Container restarts during the window (increase of kube_pod_container_status_restarts_total). */
  restarts: number | null;
  /** OOM kills during the window. */
  oomKills: number | null;
  /** The most pods not ready at once. */
  maxUnreadyPods: number | null;
  /** Share of CPU periods throttled (container_cpu_cfs_throttled_periods_total / periods_total). */
  cpuThrottledShare: number | null;
  /** p95 of CPU usage over the window divided by the CPU request (1.2 = 20% over the request). */
  cpuUsageOverRequest: number | null;
  /** p95 of memory working set over the window divided by the memory request. */
  memoryUsageOverRequest: number | null;
  /** Samples behind the figures (0: Prometheus has nothing for the window yet). */
  samples: number;
  /** The window measured, RFC 3339. */
  start: string;
  end: string;
}

/** What the verdict on a window found: every breach, each in a reviewer's words with numbers. */
export interface RolloutVerdict {
  /** regression: revert now; pass: the window is done and clean; wait: not enough data or time yet. */
  verdict: "pass" | "regression" | "wait";
  /** "error rate 8.2% > 5%", "1 OOM kill", "p99 latency 0.82 s, 2.1x the baseline 0.39 s". */
  reasons: string[];
}

/** The outcome verify writes into the PHR's `validation` block. */
export type VerifyOutcome = "validated" | "regressed" | "not-applied";

/** What the learning loop (src/analyze/outcomes.ts) changes for one workload and kind, and why. */
export interface Learned {
  /** The margin over the percentile the next right-sizing uses at least (0.25 = +25%). */
  minMargin?: number;
  /** The cooldown after the next merged change, seconds. */
  cooldownSeconds?: number;
  /** The next proposal's tier is at least this. */
  minTier?: "low" | "medium" | "critical";
  /** Changes smaller than this fraction are not proposed (less noise after a person closed one). */
  minChangeFraction?: number;
  /** Each in the PR body's words: "margin 25% instead of 8%: #123 was rolled back after 3 OOM kills". */
  reasons: string[];
}

/** `verify` of kopt.yaml in plain numbers (seconds, fractions): what the verdicts and the workflow read. */
export interface VerifyPolicy {
  applyTimeoutSeconds: number;
  gateSeconds: number;
  windowSeconds: number;
  baselineSeconds: number;
  /** Error rate above which the rollout is a regression, a fraction (0.05 = 5%). */
  errorRateMax: number;
  /** p99 latency more than this fraction over the baseline's is a regression. */
  latencyMaxIncrease: number;
  onRegression: "revert" | "revert-and-merge" | "pause";
}
