// verify.onRegression: pause (src/observe/kube/pause-rollout.ts) against the Kubernetes simulator: the
// Deployment's spec.paused becomes true by a merge patch, kopt's read-only rules get a 403 naming the rule to
// grant, and a StatefulSet is not paused (it has no such field).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { connect } from "../src/observe/kube/connection.ts";
import { PAUSE_RBAC_RULE, pauseRollout } from "../src/observe/kube/pause-rollout.ts";
import { KOPT_RBAC_RULES } from "../src/observe/kube/rbac.ts";
import { cleanups } from "./support/cleanups.ts";
import { type KubeSimOptions, startKubeSim } from "./support/kube-sim/index.ts";

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { namespace: "shop", name: "api" },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "api" } },
    template: {
      metadata: { labels: { app: "api" } },
      spec: { containers: [{ name: "app", image: "shop/api:1" }] },
    },
  },
};

async function world(extra: Partial<KubeSimOptions> = {}) {
  const sim = await startKubeSim({ objects: [deployment], ...extra });
  cleanups.push(() => sim.stop());
  const dir = mkdtempSync(join(tmpdir(), "kopt-pause-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const conn = connect({ kubeconfig: sim.writeKubeconfig(dir) });
  const paused = async () => {
    const res = await fetch(`${sim.url}/apis/apps/v1/namespaces/shop/deployments/api`);
    return ((await res.json()) as { spec: { paused?: boolean } }).spec.paused;
  };
  return { sim, conn, paused };
}

const API = { namespace: "shop", kind: "Deployment", name: "api" } as const;

describe("pauseRollout", () => {
  it("sets spec.paused on the Deployment with a merge patch", async () => {
    const w = await world();
    expect(await w.paused()).toBeUndefined();
    expect(await pauseRollout(w.conn, API)).toEqual({ outcome: "paused" });
    expect(await w.paused()).toBe(true);
    const patch = w.sim.requests.find((r) => r.method === "PATCH");
    expect(patch?.path).toBe("/apis/apps/v1/namespaces/shop/deployments/api");
  });

  it("is forbidden by kopt's read-only rules, with the rule to grant; allowed with PAUSE_RBAC_RULE", async () => {
    const ro = await world({ rbac: [...KOPT_RBAC_RULES] });
    const denied = await pauseRollout(ro.conn, API);
    expect(denied).toMatchObject({ outcome: "failed", status: 403 });
    expect(denied.outcome === "failed" && denied.message).toMatch(/grant patch on deployments\.apps in shop/);
    const rw = await world({ rbac: [...KOPT_RBAC_RULES, PAUSE_RBAC_RULE] });
    expect(await pauseRollout(rw.conn, API)).toEqual({ outcome: "paused" });
  });

  it("names a missing Deployment, and does not touch a StatefulSet", async () => {
    const w = await world();
    const gone = await pauseRollout(w.conn, { ...API, name: "nope" });
    expect(gone).toMatchObject({ outcome: "failed", status: 404 });
    const sts = await pauseRollout(w.conn, { ...API, kind: "StatefulSet" });
    expect(sts.outcome).toBe("unsupported");
    expect(w.sim.requests.filter((r) => r.method === "PATCH")).toHaveLength(1);
  });
});
