// The OOM fast path: a container that was OOM-killed gets a higher memory limit at once, whatever the
// length of its history. Pure: "now" is state.observedAt.
import type { OomPolicy } from "../model/policy.ts";
import { roundMemoryUp } from "../model/quantity.ts";
import type { FieldChange, Recommendation, Skipped, UsageStats } from "../model/recommendation.ts";
import type { ClusterState, ContainerUsage, Resources, Workload } from "../model/types.ts";
import { workloadKey } from "../model/types.ts";
import { groupBy } from "./group-by.ts";
import { summarizeValues } from "./stats.ts";

export interface OomEvidence {
  /** Pods whose container's last termination was OOMKilled (their status shows only the last one). */
  podsOomKilled: number;
  /** OOM kills Prometheus counted in the window (0 without Prometheus). */
  prometheusKills: number;
  /** Unix seconds of the last kill Prometheus saw, when it saw one. */
  lastKillAt: number | null;
  /** Pods whose containers were OOM-killed. */
  pods: string[];
  /** Memory usage over the history window, when there is any. */
  memory: UsageStats | null;
  /** The limit the container was killed at. */
  limit: number;
  /** How the new limit was chosen: the largest of these. */
  candidates: { rule: string; bytes: number }[];
}

export interface OomRecommendation {
  workload: Recommendation["workload"];
  container: string;
  current: Resources;
  recommended: Resources;
  changes: FieldChange[];
  evidence: OomEvidence;
}

export interface OomResult {
  recommendations: OomRecommendation[];
  /** OOM-killed containers kopt cannot fix by a limit (e.g. none is set): said, not dropped. */
  skipped: Skipped[];
}

/**
 * OOM-killed containers and the limit each should get: at least +raiseFraction and +raiseMin over the
 * current limit, never below p99 x overP99 of the usage history, and never below `atLeast` (e.g. the limit
 * right-sizing recommends, so the two proposals agree). The request follows when it would exceed the limit.
 */
export function analyzeOom(
  state: ClusterState,
  usage: { containers: readonly ContainerUsage[] },
  policy: OomPolicy,
  atLeast: (workload: Workload, container: string) => number | null = () => null,
): OomResult {
  const windowStart = state.observedAt - policy.historyWindowHours * 3600;
  const recommendations: OomRecommendation[] = [];
  const skipped: Skipped[] = [];
  // Indexed once by workload (in their order), not searched per container: linear in the cluster's size.
  // Pods without an owner go under "", which no workload key is.
  const podsByOwner = groupBy(state.pods, (p) => (p.owner ? workloadKey(p.owner) : ""));
  const usageByWorkload = groupBy(usage.containers, (u) => workloadKey(u.workload));
  for (const workload of state.workloads) {
    const key = workloadKey(workload.ref);
    for (const spec of workload.containers) {
      const fromPods = (podsByOwner.get(key) ?? []).filter((p) =>
        p.containers.some((c) => c.name === spec.name && c.lastTerminationReason === "OOMKilled"),
      );
      const entries = (usageByWorkload.get(key) ?? []).filter((u) => u.container === spec.name);
      const promKills = countKills(entries, windowStart, state.observedAt);
      if (fromPods.length === 0 && promKills.kills === 0) continue;

      const limit = spec.resources.limits.memory;
      if (limit === null) {
        skipped.push({
          workload: workload.ref,
          container: spec.name,
          reason:
            "OOM-killed without a memory limit: the node ran out of memory, so a limit raise cannot help; set a memory request that covers real usage (see runbooks/oom-killed.md)",
        });
        continue;
      }
      const memory = memoryStats(entries, windowStart, state.observedAt);
      const candidates = [
        {
          rule: `current limit +${Math.round(policy.raiseFraction * 100)}%`,
          bytes: limit * (1 + policy.raiseFraction),
        },
        { rule: `current limit +${policy.raiseMin / 2 ** 20}Mi`, bytes: limit + policy.raiseMin },
      ];
      if (memory)
        candidates.push({ rule: `p99 of usage x ${policy.overP99}`, bytes: memory.p99 * policy.overP99 });
      const floor = atLeast(workload, spec.name);
      if (floor !== null) candidates.push({ rule: "the limit right-sizing recommends", bytes: floor });
      const newLimit = roundMemoryUp(Math.max(...candidates.map((c) => c.bytes)));

      const current: Resources = {
        requests: { ...spec.resources.requests },
        limits: { ...spec.resources.limits },
      };
      const recommended: Resources = {
        requests: { ...current.requests },
        limits: { ...current.limits, memory: newLimit },
      };
      const changes: FieldChange[] = [];
      const request = current.requests.memory;
      // Kubernetes rejects a request above its limit; this can only happen if the request was above the
      // old limit too (the new one is higher), but a values file may well say so.
      if (request !== null && request > newLimit) {
        recommended.requests.memory = newLimit;
        changes.push({ field: "requests.memory", from: request, to: newLimit });
      }
      changes.push({ field: "limits.memory", from: limit, to: newLimit });
      recommendations.push({
        workload: workload.ref,
        container: spec.name,
        current,
        recommended,
        changes,
        evidence: {
          podsOomKilled: fromPods.length,
          prometheusKills: promKills.kills,
          lastKillAt: promKills.last,
          pods: [...new Set([...fromPods.map((p) => p.name), ...promKills.pods])].sort(),
          memory,
          limit,
          candidates: candidates.map((c) => ({ rule: c.rule, bytes: roundMemoryUp(c.bytes) })),
        },
      });
    }
  }
  return { recommendations, skipped };
}

/** OOM kills Prometheus counted within (start, end]: their number, the last one, and the pods. */
function countKills(
  entries: readonly ContainerUsage[],
  start: number,
  end: number,
): { kills: number; last: number | null; pods: string[] } {
  let kills = 0;
  let last: number | null = null;
  const pods = new Set<string>();
  for (const series of entries.flatMap((e) => e.oomKills ?? [])) {
    series.times.forEach((t, i) => {
      const n = series.values[i] as number;
      if (!(t > start && t <= end) || !(n > 0)) return;
      kills += Math.round(n);
      last = last === null ? t : Math.max(last, t);
      pods.add(series.pod);
    });
  }
  return { kills, last, pods: [...pods] };
}

function memoryStats(entries: readonly ContainerUsage[], start: number, end: number): UsageStats | null {
  const all = entries.flatMap((e) => e.memory);
  const values = new Float64Array(all.reduce((n, s) => n + s.values.length, 0));
  let n = 0;
  for (const series of all) {
    for (let i = 0; i < series.times.length; i++) {
      const t = series.times[i] as number;
      const v = series.values[i] as number;
      if (t > start && t <= end && Number.isFinite(v)) values[n++] = v;
    }
  }
  return n > 0 ? summarizeValues(values.subarray(0, n)) : null;
}
