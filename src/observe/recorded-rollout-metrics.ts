// The RolloutMetricsPort of `kopt verify` over a recorded cluster (a ClusterSnapshot taken after the apply):
// the same figures the Prometheus port gives, from the snapshot's usage series (src/analyze/rollout-figures.ts).
// What a snapshot does not hold (p99 latency, unready pods) stays null.
import { rolloutFigures } from "../analyze/rollout-figures.ts";
import { KoptError } from "../errors.ts";
import { parseQuantity } from "../model/quantity.ts";
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

/**
 * A pod's request from the template it was made from: its ReplicaSet (the pod's name less its last part) as the
 * snapshot lists it, also once scaled to 0. null when that ReplicaSet is not in the snapshot.
 */
function templateRequests(obs: Observation) {
  const sets = new Map<string, Record<string, unknown>>();
  for (const o of obs.raw.snapshot.objects.items as Record<string, unknown>[]) {
    const m = o.metadata as { namespace?: string; name?: string };
    if (o.kind === "ReplicaSet") sets.set(`${m.namespace}/${m.name}`, o);
  }
  return (namespace: string) =>
    (pod: string, container: string, resource: "cpu" | "memory"): number | null => {
      const rs = sets.get(`${namespace}/${pod.replace(/-[^-]+$/, "")}`) as
        | { spec?: { template?: { spec?: { containers?: { name: string; resources?: unknown }[] } } } }
        | undefined;
      const c = rs?.spec?.template?.spec?.containers?.find((x) => x.name === container);
      const value = (c?.resources as { requests?: Record<string, unknown> } | undefined)?.requests?.[
        resource
      ];
      return value === undefined ? null : (parseQuantity(value as string | number) ?? null);
    };
}

export function recordedRolloutMetrics(obs: Observation): RolloutMetricsPort {
  const requestsOf = templateRequests(obs);
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
        requestOf: requestsOf(ref.namespace),
        start: window.start.getTime() / 1000,
        end: window.end.getTime() / 1000,
      });
    },
  };
}
