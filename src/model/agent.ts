// What the in-cluster agent (`kopt agent`, issue 15) reacts to: a change seen on a watch, and the failure
// transition it may carry. Pure data: src/analyze/agent-triggers.ts finds triggers, the agent acts on them.
import type { WorkloadSubject } from "./finding.ts";

/** One change delivered by a watch, with the object as it was before (when the cache had it). */
export interface WatchChange {
  /** The object's kind: Pod, Event, Node, Deployment, StatefulSet, ReplicaSet, HorizontalPodAutoscaler, ... */
  kind: string;
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** The object as the API returned it (apiVersion and kind set). */
  object: Record<string, unknown>;
  /** The cached object this change replaces; absent for ADDED and after a re-list that had not seen it. */
  old?: Record<string, unknown>;
}

/** The failure transitions the agent reacts to (the list). */
export type TriggerReason =
  | "OOMKilled"
  | "CrashLoopBackOff"
  | "ImagePullFailure"
  | "CreateContainerConfigError"
  | "Evicted"
  | "Unschedulable"
  | "NodePressure";

export interface AgentTrigger {
  reason: TriggerReason;
  /**
   * The workload to diagnose (a pod resolved through its ReplicaSet to the Deployment, a Job to its CronJob,
   * an unowned pod as kind Pod); null for node pressure, which is diagnosed across the watched namespaces.
   */
  workload: WorkloadSubject | null;
  /** The object whose change carried the failure. */
  object: { kind: "Pod" | "Node"; namespace?: string; name: string };
  /** The container, for container-level failures. */
  container?: string;
  /**
   * When the failure happened, in seconds since the epoch, as the object records it (terminated.finishedAt,
   * the condition's lastTransitionTime, ...): the start of the detection-latency measurement.
   */
  at: number;
}
