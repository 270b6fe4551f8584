// verify.onRegression: pause — the one write verify makes to a workload: `spec.paused: true` on the Deployment
// whose rollout regressed, so no more of its pods move to the new template while the revert pull request waits
// for review. Only a Deployment can be paused (a StatefulSet or DaemonSet has no such field). Argo CD and Flux
// leave the field alone (the chart does not set it); merging the revert and `kubectl rollout resume` undo it.
import type { WorkloadRef } from "../../model/types.ts";
import type { Connection } from "./connection.ts";
import { requestJson } from "./raw-request.ts";
import type { PolicyRule } from "./rbac.ts";

/** What the kopt-agent chart grants when verify.onRegression is pause, and nothing more. */
export const PAUSE_RBAC_RULE: PolicyRule = {
  apiGroups: ["apps"],
  resources: ["deployments"],
  verbs: ["patch"],
};

export type PauseResult =
  | { outcome: "paused" }
  /** Not a Deployment: nothing kopt can pause. */
  | { outcome: "unsupported"; message: string }
  /** 403, 404, 5xx: with the API server's words (and the rule to grant on a 403). */
  | { outcome: "failed"; status: number; message: string };

const TIMEOUT_MS = 10_000;

export async function pauseRollout(conn: Connection, w: WorkloadRef): Promise<PauseResult> {
  if (w.kind !== "Deployment") {
    return {
      outcome: "unsupported",
      message: `a ${w.kind} has no paused field: only a Deployment's rollout can be paused`,
    };
  }
  const res = await requestJson(conn, {
    method: "PATCH",
    path: `/apis/apps/v1/namespaces/${encodeURIComponent(w.namespace)}/deployments/${encodeURIComponent(w.name)}`,
    body: { spec: { paused: true } },
    contentType: "application/merge-patch+json",
    timeoutMs: TIMEOUT_MS,
  });
  if (res.status === 200) return { outcome: "paused" };
  const said = typeof res.body?.message === "string" ? res.body.message : `HTTP ${res.status}`;
  const message =
    res.status === 403
      ? `${said}; grant patch on deployments.apps in ${w.namespace} (the kopt-agent chart's verify.pause value)`
      : said;
  return { outcome: "failed", status: res.status, message };
}
