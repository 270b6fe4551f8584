import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cleanups } from "../../test/support/cleanups.ts";
import { startKubeSim } from "../../test/support/kube-sim/index.ts";
import { PROJECT_ROOT } from "../../test/support/repo.ts";
import { loadConfigFile } from "../config/load.ts";
import type { ClusterSnapshot } from "../formats/snapshot.ts";
import { observeCache, snapshotItems } from "./cache-observation.ts";
import { NO_USAGE_HISTORY } from "./capture.ts";
import { connect } from "./kube/connection.ts";
import { observationOf } from "./observe.ts";

type Raw = Record<string, unknown>;
const DEMO: ClusterSnapshot = JSON.parse(
  gunzipSync(readFileSync(join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"))).toString("utf8"),
);
const WORKER_POD = "todo/worker-n2r9wjrqjg-lsn27/worker";
const OTHER_WORKER_POD = "todo/worker-n2r9wjrqjg-lkm8l/worker";

async function simConnection(objects: Raw[]) {
  const sim = await startKubeSim({
    objects,
    logs: {
      [WORKER_POD]: { current: "worker 3.2.0 started\n", previous: "processing batch 812\nKilled\n" },
      [OTHER_WORKER_POD]: { current: "worker 3.2.0 started\n", previous: "processing batch 40\nKilled\n" },
    },
  });
  cleanups.push(() => sim.stop());
  const dir = mkdtempSync(join(tmpdir(), "kopt-cache-obs-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { sim, conn: connect({ kubeconfig: sim.writeKubeconfig(dir) }) };
}

describe("observeCache", () => {
  it("builds from the cached objects the model a snapshot of them gives, reading only the target's logs", async () => {
    const objects = structuredClone(DEMO.objects.items) as Raw[];
    const { sim, conn } = await simConnection(objects);
    const loaded = await loadConfigFile(join(PROJECT_ROOT, "clusters/demo/kopt.yaml"));
    // The cache hands its objects in no particular order: the observation must not depend on it.
    const obs = await observeCache({
      root: PROJECT_ROOT,
      loaded,
      conn,
      objects: [...objects].reverse(),
      logsOf: (pod) => String((pod.metadata as Raw).name).startsWith("worker-"),
      historyOf: () => true,
      now: new Date(DEMO.capturedAt),
      env: {},
    });
    // A live read lists each kind in the API server's order (namespace, name); the demo file is hand-ordered.
    const listed = structuredClone(DEMO);
    listed.objects.items = snapshotItems(objects) as typeof listed.objects.items;
    const fromSnapshot = observationOf(listed, "snapshot");
    expect(obs.state).toEqual(fromSnapshot.state);
    const labels = (ws: { ref: { namespace: string; name: string } }[]) =>
      ws.map((w) => `${w.ref.namespace}/${w.ref.name}`).sort();
    expect(labels(obs.state.workloads)).toEqual(labels(observationOf(DEMO, "snapshot").state.workloads));
    expect(obs.raw.snapshot.objects.items).toEqual(fromSnapshot.raw.snapshot.objects.items);
    expect(obs.source).toBe("kubernetes:sim");
    expect(obs.raw.logsReadable).toBe(true);
    expect(obs.raw.snapshot.previousLogs?.[WORKER_POD]).toBe("processing batch 812\nKilled\n");
    expect(obs.warnings).toEqual([NO_USAGE_HISTORY]);
    const logPods = sim.requests.filter((r) => r.path.endsWith("/log")).map((r) => r.path.split("/")[6]);
    expect(logPods.length).toBeGreaterThan(0);
    expect(logPods.every((p) => p?.startsWith("worker-"))).toBe(true);
  });

  it("keeps only the kinds a live read lists, in its kind order", () => {
    const items = snapshotItems([
      { kind: "Pod", metadata: { name: "p" } },
      { kind: "Lease", metadata: { name: "l" } },
      { kind: "Node", metadata: { name: "n" } },
      { metadata: { name: "no-kind" } },
    ]);
    expect(items.map((o) => o.kind)).toEqual(["Node", "Pod"]);
  });
});
