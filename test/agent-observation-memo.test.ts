// The agent's reactions keep each cached object's validated and redacted form between reactions
// (src/observe/object-memo.ts). Here the bench's 10,000-pod cluster is observed and diagnosed reaction after
// reaction, with objects added, replaced, changed in place and deleted in between, both ways: with the memo,
// and by the full rebuild every reaction used to do (no memo). Both must give the same snapshot, model and
// diagnosis every time, and the memo must have re-derived only what changed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../src/config/load.ts";
import type { Diagnosis } from "../src/model/finding.ts";
import { observeCache } from "../src/observe/cache-observation.ts";
import { connect } from "../src/observe/kube/connection.ts";
import { createObservationMemo, type ObservationMemo } from "../src/observe/object-memo.ts";
import type { Observation } from "../src/observe/observe.ts";
import { diagnoseObserved } from "../src/workflows/pipeline.ts";
import {
  benchCluster,
  type IncidentTarget,
  incidentTargets,
  type Obj,
  oomKilled,
  podsOf,
} from "./bench/agent/cluster.ts";
import { koptYaml } from "./bench/agent/repo.ts";
import { cleanups } from "./support/cleanups.ts";
import { startKubeSim } from "./support/kube-sim/index.ts";

type Raw = Record<string, unknown>;
const NOW = new Date("2026-11-20T12:00:00Z");
const keyOf = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

async function setup() {
  // As the API sends them: JSON, one instance per object, replaced (never mutated) by the informer.
  const cluster = benchCluster();
  const objects = JSON.parse(JSON.stringify(cluster.objects)) as Obj[];
  objects.forEach((o, i) => {
    o.metadata.resourceVersion = String(1000 + i);
  });
  const sim = await startKubeSim({ objects: [], logs: {} });
  cleanups.push(() => sim.stop());
  const dir = mkdtempSync(join(tmpdir(), "kopt-obs-memo-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const [a, b] = incidentTargets(2) as [IncidentTarget, IncidentTarget];
  const configFile = join(dir, "kopt.yaml");
  writeFileSync(
    configFile,
    koptYaml({
      kubeconfig: sim.writeKubeconfig(dir),
      github: { owner: "acme", repo: "platform", apiUrl: "http://127.0.0.1:1" },
      targets: [a, b],
    }),
  );
  const loaded = await loadConfigFile(configFile);
  const conn = connect({ kubeconfig: sim.writeKubeconfig(dir) });
  const cache = new Map(objects.map((o) => [keyOf(o), o]));
  return { cache, loaded, conn, dir, a, b };
}

type World = Awaited<ReturnType<typeof setup>>;

async function observe(w: World, memo: ObservationMemo | undefined): Promise<Observation> {
  return observeCache({
    root: w.dir,
    loaded: w.loaded,
    conn: w.conn,
    objects: [...w.cache.values()] as Raw[],
    logsOf: () => false,
    historyOf: () => true,
    now: NOW,
    env: {},
    ...(memo ? { memo } : {}),
  });
}

/** One reaction both ways; the memo's answers must equal the full rebuild's. */
async function react(w: World, memo: ObservationMemo, only?: { namespace: string; name: string }) {
  const kept = await observe(w, memo);
  const rebuilt = await observe(w, undefined);
  expect(kept.raw.snapshot).toEqual(rebuilt.raw.snapshot);
  expect(kept.state).toEqual(rebuilt.state);
  const diagnosis: Diagnosis = diagnoseObserved(kept, only, memo);
  expect(diagnosis).toEqual(diagnoseObserved(rebuilt, only));
  return { diagnosis, observation: kept };
}

const classesOf = (d: Diagnosis, name: string) =>
  d.findings.filter((f) => f.workload?.name === name).map((f) => f.class);

const bump = (o: Obj, rv: string) => {
  o.metadata.resourceVersion = rv;
  return o;
};

describe("the agent's observation memo", { timeout: 180_000 }, () => {
  it("gives the full rebuild's snapshot, model and diagnosis after objects are added, replaced, changed in place and deleted", async () => {
    const w = await setup();
    const memo = createObservationMemo();
    const size = w.cache.size;

    const first = await react(w, memo, w.a);
    expect(classesOf(first.diagnosis, w.a.name)).toEqual([]);
    expect(memo.validated.misses).toBe(size);

    // Replaced, as the informer does on MODIFIED: a new instance at a new resourceVersion.
    const podA = podsOf([...w.cache.values()], w.a)[0] as Obj;
    w.cache.set(keyOf(podA), bump(oomKilled(podA, w.a.container, NOW), "9000001"));
    const second = await react(w, memo, w.a);
    expect(classesOf(second.diagnosis, w.a.name)).toEqual(["oom-killed"]);
    expect(memo.validated.misses).toBe(size + 1);

    // Changed in place with a new resourceVersion: the memo must not hand back the old form.
    const podB = podsOf([...w.cache.values()], w.b)[0] as Obj;
    Object.assign(podB, bump(oomKilled(podB, w.b.container, NOW), "9000002"));
    const third = await react(w, memo, w.b);
    expect(classesOf(third.diagnosis, w.b.name)).toEqual(["oom-killed"]);
    expect(memo.validated.misses).toBe(size + 2);

    // Deleted and added: A's OOM-killed pod goes, a new pod of A comes with a secret in its termination message
    // (redacted in the classifier's input), and an unrelated Deployment's limit changes the model.
    w.cache.delete(keyOf(podA));
    const added = bump(oomKilled(podA, w.a.container, NOW), "9000003");
    added.metadata.name = `${podA.metadata.name.slice(0, -5)}zzzzz`;
    delete added.metadata.uid;
    const status = added.status as { containerStatuses: { lastState: { terminated: Raw } }[] };
    const terminated = status.containerStatuses[0]?.lastState.terminated as Raw;
    terminated.message = "connecting with password=hunter2-very-secret";
    w.cache.set(keyOf(added), added);
    const deployment = [...w.cache.values()].find((o) => o.kind === "Deployment") as Obj;
    const resized = structuredClone(deployment);
    const spec = resized.spec as { template: { spec: { containers: { resources: Raw }[] } } };
    (spec.template.spec.containers[0] as { resources: Raw }).resources = {
      requests: { cpu: "500m", memory: "1Gi" },
      limits: { memory: "2Gi" },
    };
    w.cache.set(keyOf(resized), bump(resized, "9000004"));
    const fourth = await react(w, memo, w.a);
    expect(classesOf(fourth.diagnosis, w.a.name)).toEqual(["oom-killed"]);
    expect(JSON.stringify(fourth.diagnosis)).not.toContain("hunter2");
    const name = resized.metadata.name;
    const workload = fourth.observation.state.workloads.find((x) => x.ref.name === name);
    expect(JSON.stringify(workload)).toContain(String(2 * 2 ** 30));
    const names = fourth.observation.raw.snapshot.objects.items.map((o) => o.metadata.name);
    expect(names).toContain(added.metadata.name);
    expect(names).not.toContain(podA.metadata.name);
    expect(memo.validated.misses).toBe(size + 4);

    // The whole cluster (a node-pressure reaction): still the full rebuild's answer.
    await react(w, memo);
  });
});
