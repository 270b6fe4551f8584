// The agent's eviction (src/observe/kube/eviction.ts) against the Kubernetes simulator's pods/eviction: a pod
// evicted is deleted (the watch sees DELETED), a PodDisruptionBudget that would break answers 429 and the
// pod stays, a missing pod is 404, a pod recreated under the same name is not the one decided on (409), and
// RBAC without pods/eviction is 403.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { connect } from "../src/observe/kube/connection.ts";
import { evictPod, RESTART_RBAC_RULE } from "../src/observe/kube/eviction.ts";
import { KOPT_RBAC_RULES } from "../src/observe/kube/rbac.ts";
import { cleanups } from "./support/cleanups.ts";
import { type KubeSimOptions, startKubeSim } from "./support/kube-sim/index.ts";

const LABELS = { app: "api" };

function pod(name: string, ready: boolean): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace: "shop", name, labels: LABELS },
    spec: { containers: [{ name: "app", image: "shop/api:1" }] },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
      containerStatuses: [
        { name: "app", ready, restartCount: 0, image: "shop/api:1", imageID: "", state: { running: {} } },
      ],
    },
  };
}

function pdb(spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { namespace: "shop", name: "api" },
    spec: { selector: { matchLabels: LABELS }, ...spec },
  };
}

async function world(objects: Record<string, unknown>[], extra: Partial<KubeSimOptions> = {}) {
  const sim = await startKubeSim({ objects, ...extra });
  cleanups.push(() => sim.stop());
  const dir = mkdtempSync(join(tmpdir(), "kopt-evict-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const conn = connect({ kubeconfig: sim.writeKubeconfig(dir) });
  const uidOf = async (name: string) => {
    const res = await fetch(`${sim.url}/api/v1/namespaces/shop/pods/${name}`);
    return res.status === 200
      ? String(((await res.json()) as { metadata: { uid: string } }).metadata.uid)
      : "";
  };
  const evict = async (name: string) => evictPod(conn, { namespace: "shop", name, uid: await uidOf(name) });
  return { sim, conn, evict, uidOf };
}

describe("evictPod against the simulator's pods/eviction", () => {
  it("evicts: the pod is deleted, with a POST to pods/{name}/eviction", async () => {
    const w = await world([pod("api-1", false), pod("api-2", true)]);
    expect(await w.evict("api-1")).toEqual({ outcome: "evicted" });
    expect(await w.uidOf("api-1")).toBe("");
    expect(w.sim.requests.filter((r) => r.method === "POST").map((r) => r.path)).toEqual([
      "/api/v1/namespaces/shop/pods/api-1/eviction",
    ]);
  });

  it("refuses (429) an eviction a PodDisruptionBudget forbids; the pod stays", async () => {
    const w = await world([pod("api-1", true), pod("api-2", true), pdb({ minAvailable: 2 })]);
    const r = await w.evict("api-1");
    expect(r).toEqual({
      outcome: "refused",
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
    });
    expect(await w.uidOf("api-1")).not.toBe("");
  });

  it("lets an unready pod go while the budget's healthy count is met (IfHealthyBudget), by maxUnavailable too", async () => {
    const w = await world([pod("api-1", false), pod("api-2", true), pdb({ minAvailable: 1 })]);
    expect(await w.evict("api-1")).toEqual({ outcome: "evicted" });
    const v = await world([pod("api-1", false), pod("api-2", true), pdb({ maxUnavailable: 0 })]);
    expect((await v.evict("api-1")).outcome).toBe("refused");
  });

  it("answers a missing pod with 404: gone", async () => {
    const w = await world([]);
    expect(await evictPod(w.conn, { namespace: "shop", name: "api-9", uid: "x" })).toEqual({
      outcome: "gone",
    });
  });

  it("does not evict a new pod that took the name of the one decided on (uid precondition: 409)", async () => {
    const w = await world([pod("db-0", false)]);
    const r = await evictPod(w.conn, { namespace: "shop", name: "db-0", uid: "an-older-pod" });
    expect(r.outcome).toBe("failed");
    expect(r.outcome === "failed" && r.status).toBe(409);
    expect(await w.uidOf("db-0")).not.toBe("");
  });

  it("is forbidden (403) by kopt's read-only rules, allowed with RESTART_RBAC_RULE", async () => {
    const ro = await world([pod("api-1", false)], { rbac: [...KOPT_RBAC_RULES] });
    const denied = await evictPod(ro.conn, { namespace: "shop", name: "api-1", uid: "" });
    expect(denied.outcome === "failed" && denied.status).toBe(403);
    const rw = await world([pod("api-1", false)], { rbac: [...KOPT_RBAC_RULES, RESTART_RBAC_RULE] });
    expect(await evictPod(rw.conn, { namespace: "shop", name: "api-1", uid: "" })).toEqual({
      outcome: "evicted",
    });
  });
});
