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

/** A termination older than the policy's window, the container running since: history, not a failure. */
function isStaleTermination(ctx: ContainerContext): boolean {
  if (!ctx.terminated || at(ctx.status, "state", "running") === undefined) return false;
  const finished = unixTime(ctx.terminated.finishedAt);
  return finished !== undefined && finished < ctx.input.now - ctx.input.policy.staleRestartSeconds;
}

/** Pods a node shutdown ended: they are replaced, nothing of theirs failed. */
const ENDED_BY_NODE = new Set(["Terminated", "Shutdown", "NodeShutdown"]);

export function podCandidates(
  pod: PodRecord,
  siblings: readonly PodRecord[],
  index: ClusterIndex,
  input: DiagnoseInput,
  podRules: readonly PodRule[],
): Candidate[] {
  if (at(pod.raw, "metadata", "deletionTimestamp") !== undefined) return [];
  const phase = str(pod.status.phase);
  if (phase === "Succeeded") return [];
  if (phase === "Failed" && ENDED_BY_NODE.has(str(pod.status.reason) ?? "")) return [];
  for (const rule of podRules) {
    const found = rule(pod, index, input);
    if (found) return [found];
  }
  const events = eventsOf(index, pod.meta);
  const out: Candidate[] = [];
  for (const status of containerStatusesOf(pod.status)) {
    const ctx = containerContext(input, index, pod, siblings, events, status);
    if (!ctx) continue;
    if (isStaleTermination(ctx)) ctx.terminated = undefined;
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
