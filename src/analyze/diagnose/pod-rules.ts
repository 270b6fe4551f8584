// The rules run on one pod: pod-level failures first (evicted, unschedulable, failed mount), then each
// container's, the first rule that matches naming its one class — the most specific cause first.
import type { DiagnoseInput } from "../../model/finding.ts";
import type { Candidate } from "./candidate.ts";
import type { ClusterIndex, PodRecord } from "./cluster-index.ts";
import { eventsOf } from "./cluster-index.ts";
import { type ContainerContext, containerContext, containerStatusesOf } from "./container-context.ts";
import { at, str, unixTime } from "./read.ts";
import { livenessKill } from "./rules/liveness.ts";
import { readinessFailing } from "./rules/readiness.ts";
import { appExit, oomKilled } from "./rules/terminations.ts";
import { configError, imagePull, startError } from "./rules/waiting.ts";

export type PodRule = (pod: PodRecord, index: ClusterIndex, input: DiagnoseInput) => Candidate | undefined;

const CONTAINER_RULES: readonly ((ctx: ContainerContext) => Candidate | undefined)[] = [
  configError,
  imagePull,
  startError,
  oomKilled,
  livenessKill,
  appExit,
  readinessFailing,
];

/** A past restart, the container running and ready since, older than the policy's window: history. */
function isStaleRestart(ctx: ContainerContext): boolean {
  if (!ctx.terminated || ctx.status.ready !== true || at(ctx.status, "state", "running") === undefined)
    return false;
  const finished = unixTime(ctx.terminated.finishedAt);
  return finished !== undefined && finished < ctx.input.now - ctx.input.policy.staleRestartSeconds;
}

export function podCandidates(
  pod: PodRecord,
  siblings: readonly PodRecord[],
  index: ClusterIndex,
  input: DiagnoseInput,
  podRules: readonly PodRule[],
): Candidate[] {
  if (at(pod.raw, "metadata", "deletionTimestamp") !== undefined) return [];
  if (str(pod.status.phase) === "Succeeded") return [];
  for (const rule of podRules) {
    const found = rule(pod, index, input);
    if (found) return [found];
  }
  const events = eventsOf(index, pod.meta);
  const out: Candidate[] = [];
  for (const status of containerStatusesOf(pod.status)) {
    const ctx = containerContext(input, index, pod, siblings, events, status);
    if (!ctx || isStaleRestart(ctx)) continue;
    for (const rule of CONTAINER_RULES) {
      const found = rule(ctx);
      if (found) {
        out.push(found);
        break;
      }
    }
  }
  return out;
}
