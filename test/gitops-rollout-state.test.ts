// Whether a workload's pods run a merged change (src/analyze/rollout-state.ts): each change's `to` against the
// pod template or the HPA, then the rollout's progress, on objects shaped as the API server serves them.
import { describe, expect, it } from "vitest";
import { type RolloutInput, rolloutState } from "../src/analyze/rollout-state.ts";
import {
  type ContainerInput,
  daemonSet,
  deployment,
  hpa,
  type PodController,
  pod,
  replicaSet,
  statefulSet,
} from "./support/snapshot-builder.ts";

type Obj = Record<string, unknown>;
const CREATED = "2026-11-01T00:00:00Z";
const BACKEND: ContainerInput = {
  name: "backend",
  image: "ghcr.io/example/todo-backend:1.4.2",
  resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "768Mi" } },
};
const SIDECAR: ContainerInput = {
  name: "proxy",
  image: "envoyproxy/envoy:v1.31.0",
  resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
};

/** A Deployment at revision 2 (the merged values), its old and new ReplicaSets, and the new pods. */
function world(containers: ContainerInput[] = [BACKEND], replicas = 3) {
  const d = deployment({
    namespace: "todo",
    name: "backend",
    created: CREATED,
    containers,
    replicas,
    revision: 2,
  });
  const old = replicaSet({
    deployment: d,
    revision: 1,
    replicas: 0,
    created: CREATED,
    containers: containers.map((c) => ({ ...c, resources: { requests: { cpu: "1", memory: "1Gi" } } })),
  });
  const current = replicaSet({ deployment: d, revision: 2, replicas, created: "2026-12-01T12:01:00Z" });
  const pods = Array.from({ length: replicas }, (_, i) =>
    pod({ owner: current, nodeName: "node-a", created: `2026-12-01T12:0${i + 1}:10Z`, seed: i }),
  );
  // A pod of the old template still terminating: it started earlier, and is not the rollout's start.
  const leaving = pod({ owner: old, nodeName: "node-b", created: "2026-11-30T08:00:00Z", seed: "old" });
  return { d, replicaSets: [old, current] as Obj[], pods: [leaving, ...pods] as Obj[] };
}

function input(workload: PodController | Obj | undefined, extra: Partial<RolloutInput> = {}): RolloutInput {
  return { workload: workload as Obj | undefined, pods: [], changes: [], ...extra };
}

describe("the pod template holds the change's values", () => {
  it("rolled out when requests equal as quantities (0.5 = 500m), from the first new pod's start", () => {
    const { d, replicaSets, pods } = world();
    const s = rolloutState(
      input(d, {
        pods,
        replicaSets,
        changes: [
          { path: "backend.resources.requests.cpu", to: "0.5" },
          { path: "backend.resources.requests.memory", to: "512Mi" },
          { path: "backend.resources.limits.memory", to: "805306368" },
        ],
      }),
    );
    expect(s).toEqual({ state: "rolled-out", startedAt: "2026-12-01T12:01:10Z", reason: "3/3 pods updated" });
  });

  it("mismatch when the template holds another value, in a reviewer's words", () => {
    const { d } = world();
    const s = rolloutState(input(d, { changes: [{ path: "backend.resources.requests.cpu", to: "400m" }] }));
    expect(s).toMatchObject({
      state: "mismatch",
      reason: "container backend requests.cpu is 500m, the change says 400m",
    });
  });

  it("compares the container the mapping's resources record names, and only that one", () => {
    const { d } = world([BACKEND, SIDECAR]);
    const resourcesPaths = { backend: "backend.resources", proxy: "proxy.resources" };
    const ok = rolloutState(
      input(d, { resourcesPaths, changes: [{ path: "proxy.resources.limits.memory", to: "128Mi" }] }),
    );
    expect(ok.state).toBe("rolled-out");
    // 768Mi is the backend's limit: with the mapping, the proxy's 128Mi is what counts.
    const wrong = rolloutState(
      input(d, { resourcesPaths, changes: [{ path: "proxy.resources.limits.memory", to: "768Mi" }] }),
    );
    expect(wrong).toMatchObject({
      state: "mismatch",
      reason: "container proxy limits.memory is 128Mi, the change says 768Mi",
    });
  });

  it("without a mapping and with several containers, any container holding the value passes", () => {
    const { d } = world([BACKEND, SIDECAR]);
    expect(rolloutState(input(d, { changes: [{ path: "resources.requests.cpu", to: "100m" }] })).state).toBe(
      "rolled-out",
    );
    expect(
      rolloutState(input(d, { changes: [{ path: "resources.requests.cpu", to: "250m" }] })),
    ).toMatchObject({
      state: "mismatch",
      reason: "containers backend, proxy requests.cpu is 500m / 100m, the change says 250m",
    });
  });

  it("checks autoscaling.* against the HPA, and says when there is none", () => {
    const { d } = world();
    const h = hpa({
      target: d,
      created: CREATED,
      minReplicas: 3,
      maxReplicas: 8,
      targetCPUUtilizationPercentage: 70,
      currentReplicas: 3,
      currentCPUUtilization: 40,
    }) as unknown as Obj;
    const changes = [
      { path: "backend.autoscaling.minReplicas", to: 3 },
      { path: "backend.autoscaling.maxReplicas", to: 8 },
      { path: "backend.autoscaling.targetCPUUtilizationPercentage", to: 70 },
    ];
    expect(rolloutState(input(d, { hpa: h, changes })).state).toBe("rolled-out");
    expect(
      rolloutState(input(d, { hpa: h, changes: [{ path: "backend.autoscaling.maxReplicas", to: 10 }] })),
    ).toMatchObject({ state: "mismatch", reason: "HPA maxReplicas is 8, the change says 10" });
    expect(rolloutState(input(d, { changes: [changes[0] as (typeof changes)[0]] }))).toMatchObject({
      state: "mismatch",
      reason: "no HorizontalPodAutoscaler for backend.autoscaling.minReplicas",
    });
  });

  it("checks replicaCount against spec.replicas", () => {
    const { d } = world();
    expect(rolloutState(input(d, { changes: [{ path: "backend.replicaCount", to: 3 }] })).state).toBe(
      "rolled-out",
    );
    expect(rolloutState(input(d, { changes: [{ path: "replicaCount", to: 2 }] }))).toMatchObject({
      state: "mismatch",
      reason: "spec.replicas is 3, the change says 2",
    });
  });

  it("checks startupProbe.* against the container's probe", () => {
    const { d } = world();
    const c = d.spec.template.spec.containers[0] as unknown as Obj;
    c.startupProbe = { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10, failureThreshold: 30 };
    const changes = [
      { path: "backend.startupProbe.failureThreshold", to: 30 },
      { path: "backend.startupProbe.httpGet.port", to: 8080 },
    ];
    expect(rolloutState(input(d, { changes })).state).toBe("rolled-out");
    expect(
      rolloutState(input(d, { changes: [{ path: "backend.startupProbe.periodSeconds", to: 5 }] })),
    ).toMatchObject({
      state: "mismatch",
      reason: "container backend startupProbe.periodSeconds is 10, the change says 5",
    });
  });

  it("names a path it cannot map instead of passing it silently", () => {
    const { d } = world();
    const s = rolloutState(
      input(d, {
        changes: [
          { path: "backend.resources.requests.cpu", to: "500m" },
          { path: "backend.podAnnotations.owner", to: "team-a" },
        ],
      }),
    );
    expect(s).toMatchObject({
      state: "rolled-out",
      reason: "3/3 pods updated; not checked (kopt cannot map): backend.podAnnotations.owner",
    });
  });

  it("mismatch when the workload is not in the cluster", () => {
    expect(rolloutState(input(undefined))).toEqual({
      state: "mismatch",
      startedAt: null,
      reason: "the workload is not in the cluster",
    });
  });
});

describe("the rollout's progress", () => {
  const change = [{ path: "backend.resources.requests.cpu", to: "500m" }];
  const withStatus = (d: PodController, status: Obj, generation?: number) => ({
    ...d,
    metadata: { ...d.metadata, ...(generation ? { generation } : {}) },
    status: { ...d.status, ...status },
  });

  it("Deployment: progressing until the controller saw the generation and every replica is updated and available", () => {
    const { d } = world();
    const cases: [Obj, string][] = [
      [withStatus(d, {}, 5), "the controller has not seen generation 5 yet"],
      [withStatus(d, { updatedReplicas: 1 }), "1/3 pods updated"],
      [withStatus(d, { replicas: 4 }), "1 old pods pending termination"],
      [withStatus(d, { availableReplicas: 2 }), "2/3 updated pods available"],
    ];
    for (const [w, reason] of cases) {
      expect(rolloutState(input(w, { changes: change }))).toMatchObject({ state: "progressing", reason });
    }
  });

  it("StatefulSet: progressing until currentRevision is updateRevision; started when the new revision's first pod did", () => {
    const s = statefulSet({
      namespace: "todo",
      name: "postgres",
      created: CREATED,
      containers: [{ ...BACKEND, name: "postgres" }],
      replicas: 2,
      revisionHash: "7c9d8f6b5",
    });
    const pods = [0, 1].map(
      (i) => pod({ owner: s, nodeName: "node-a", created: `2026-12-01T12:0${5 - i}:00Z`, ordinal: i }) as Obj,
    );
    const changes = [{ path: "postgres.resources.requests.memory", to: "512Mi" }];
    expect(rolloutState(input(s, { pods, changes }))).toEqual({
      state: "rolled-out",
      startedAt: "2026-12-01T12:04:00Z",
      reason: "2/2 pods updated",
    });
    const rolling = withStatus(s, { currentRevision: "postgres-5f4d3c2b1" });
    expect(rolloutState(input(rolling, { pods, changes }))).toMatchObject({
      state: "progressing",
      reason: "revision postgres-7c9d8f6b5 not current yet",
    });
  });

  it("DaemonSet: progressing until every scheduled pod is updated and available", () => {
    const ds = daemonSet({
      namespace: "logging",
      name: "fluent-bit",
      created: CREATED,
      containers: [BACKEND],
      nodes: 3,
    });
    const changes = [{ path: "resources.requests.cpu", to: "500m" }];
    expect(rolloutState(input(ds, { changes }))).toMatchObject({
      state: "rolled-out",
      reason: "3/3 pods updated",
    });
    expect(rolloutState(input(withStatus(ds, { updatedNumberScheduled: 1 }), { changes }))).toMatchObject({
      state: "progressing",
      reason: "1/3 pods updated",
    });
  });

  it("a template mismatch wins over progress: the pods will never run the change", () => {
    const { d } = world();
    const s = rolloutState(
      input(withStatus(d, { updatedReplicas: 1 }), {
        changes: [{ path: "backend.resources.requests.cpu", to: "250m" }],
      }),
    );
    expect(s.state).toBe("mismatch");
  });
});
