// The RolloutMetricsPort of `kopt verify` over a recorded cluster (a ClusterSnapshot taken after the apply):
// the same figures the Prometheus port gives, from the snapshot's usage series (src/analyze/rollout-figures.ts).
// What a snapshot does not hold (p99 latency, unready pods) stays null.
import { rolloutFigures } from "../analyze/rollout-figures.ts";
import { KoptError } from "../errors.ts";
import type { WorkloadRef } from "../model/types.ts";
import { workloadKey, workloadLabel } from "../model/types.ts";
import type { RolloutMetrics } from "../model/verify.ts";
import type { RolloutMetricsPort } from "../workflows/verify/ports.ts";
import { podNamePattern } from "./cluster-model.ts";
import type { Observation } from "./observe.ts";
import type { LabeledSeries } from "./usage-series.ts";

/** The pod-level series (HTTP requests, failures) of the workload's pods, live or past. */
function podSeriesOf(obs: Observation, ref: WorkloadRef, all: readonly LabeledSeries[] | undefined) {
  const owners = new Map(obs.state.pods.map((p) => [`${p.namespace}/${p.name}`, p.owner]));
  const pattern = podNamePattern(ref);
  const key = workloadKey(ref);
  return (all ?? []).flatMap((s) => {
    const { namespace = "", pod = "" } = s.metric;
    if (namespace !== ref.namespace) return [];
    const owner = owners.get(`${namespace}/${pod}`);
    const mine = owner !== undefined ? owner !== null && workloadKey(owner) === key : pattern.test(pod);
    return mine ? [{ pod, times: s.times, values: s.values }] : [];
  });
}

export function recordedRolloutMetrics(obs: Observation): RolloutMetricsPort {
  return {
    async measure(ref: WorkloadRef, window: { start: Date; end: Date }): Promise<RolloutMetrics> {
      const workload = obs.state.workloads.find((w) => workloadKey(w.ref) === workloadKey(ref));
      if (!workload) {
        throw new KoptError("snapshot", `${workloadLabel(ref)} (${ref.kind}) is not in the snapshot`, {
          where: obs.snapshotFile ? { file: obs.snapshotFile } : {},
          hint: "verify reads a snapshot taken after the apply, of the cluster the change was made to",
        });
      }
      const key = workloadKey(ref);
      return rolloutFigures({
        workload,
        usage: obs.usage.containers.filter((c) => workloadKey(c.workload) === key),
        httpRequests: podSeriesOf(obs, ref, obs.raw.usage.httpRequests),
        httpErrors: podSeriesOf(obs, ref, obs.raw.usage.httpErrors),
        start: window.start.getTime() / 1000,
        end: window.end.getTime() / 1000,
      });
    },
  };
}
