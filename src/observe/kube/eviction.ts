// The agent's one write to workloads (agent.actions.restartPods): evicting a pod through the Eviction API
// (POST pods/{name}/eviction, policy/v1), never a plain delete, because an eviction honours the pod's
// PodDisruptionBudgets: the API server answers 429 when it would break one, and the agent then skips the
// pod rather than retrying in a loop. The Role the kopt-agent chart adds per listed namespace grants exactly
// RESTART_RBAC_RULE.
import type { Connection } from "./connection.ts";
import { requestJson } from "./raw-request.ts";
import type { PolicyRule } from "./rbac.ts";

/** The rule the chart grants in each namespace of agent.actions.restartPods.namespaces, and nothing more. */
export const RESTART_RBAC_RULE: PolicyRule = {
  apiGroups: [""],
  resources: ["pods/eviction"],
  verbs: ["create"],
};

export type EvictionResult =
  /** Accepted: the pod is being deleted (its grace period applies) and its controller replaces it. */
  | { outcome: "evicted" }
  /** 429: a PodDisruptionBudget would be violated (or the server asks to wait); not retried now. */
  | { outcome: "refused"; message: string }
  /** 404: the pod is gone already. */
  | { outcome: "gone" }
  /** 403, 5xx, anything else: failed, with the API server's words. */
  | { outcome: "failed"; status: number; message: string };

/** How long one eviction may take before it counts as failed (a cut connection can hang). */
const TIMEOUT_MS = 10_000;

export async function evictPod(
  conn: Connection,
  pod: { namespace: string; name: string; uid: string },
  signal?: AbortSignal,
): Promise<EvictionResult> {
  const path = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/eviction`;
  const body = {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: pod.name, namespace: pod.namespace },
    // The pod decided on, not a new one that took its name (a StatefulSet's pods keep their names).
    deleteOptions: { preconditions: { uid: pod.uid } },
  };
  const res = await requestJson(conn, {
    method: "POST",
    path,
    body,
    timeoutMs: TIMEOUT_MS,
    ...(signal ? { signal } : {}),
  });
  const message = typeof res.body?.message === "string" ? res.body.message : `HTTP ${res.status}`;
  if (res.status === 200 || res.status === 201) return { outcome: "evicted" };
  if (res.status === 429) return { outcome: "refused", message };
  if (res.status === 404) return { outcome: "gone" };
  return { outcome: "failed", status: res.status, message };
}
