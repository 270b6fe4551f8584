// The parts `kopt verify` is built from, as interfaces. The real ones read Argo CD / Flux status and the
// workload through the Kubernetes API (src/observe/gitops/) and the rollout's figures from Prometheus
// (src/observe/prometheus/rollout-metrics.ts); unit tests of the workflow hand in fakes of these,
// end-to-end tests the real ones against the simulators and a real Prometheus.
import type { PhrFrontMatter } from "../../formats/phr.ts";
import type { WorkloadRef } from "../../model/types.ts";
import type { AppliedState, GitOpsTarget, RolloutMetrics, RolloutState } from "../../model/verify.ts";

/** A PHR's values changes, as verify compares them with the running workload. */
export type PhrChange = PhrFrontMatter["changes"][number];

/** Whether the GitOps tool applied a merge commit. */
export interface GitOpsStatusPort {
  /**
   * The state of `target` for `mergeSha`: applied when it reports the merge commit or a descendant of it
   * (ancestry is resolved in the repository kopt proposes to), synced and healthy.
   */
  applied(target: GitOpsTarget, mergeSha: string): Promise<AppliedState>;
}

/** Whether the workload's pods run the change's values. */
export interface RolloutPort {
  /**
   * The workload's rollout of `changes` (paths in the values files; `to` is what the pods must run): the
   * pod template (or HPA) holds the values, and every replica runs the new template.
   */
  rollout(workload: WorkloadRef, changes: readonly PhrChange[]): Promise<RolloutState>;
}

/** The workload's figures over a window (Prometheus). */
export interface RolloutMetricsPort {
  measure(workload: WorkloadRef, window: { start: Date; end: Date }): Promise<RolloutMetrics>;
}

/** Everything verify reads from the cluster side; the forge and the repository come from the workflow. */
export interface VerifySources {
  gitops: GitOpsStatusPort;
  rollout: RolloutPort;
  metrics: RolloutMetricsPort;
  /**
   * Pauses the workload's rollout (Deployment spec.paused), for `verify.onRegression: pause`; the integrator
   * wires it where the chart grants the RBAC rule (src/observe/kube/pause-rollout.ts `pauseRollout(conn, w)`
   * fits). Absent, or anything but `paused`: verify warns and opens the revert all the same.
   */
  pauseRollout?(workload: WorkloadRef): Promise<PauseOutcome>;
}

/** What pausing a rollout did: `paused`, or why not (not a Deployment, a 403 naming the RBAC rule). */
export type PauseOutcome = { outcome: "paused" } | { outcome: string; message: string };
