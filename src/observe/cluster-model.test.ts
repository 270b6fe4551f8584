import { describe, expect, it } from "vitest";
import {
  daemonSet,
  deployment,
  hpa,
  type KubeObject,
  type PodController,
  type PromSeries,
  pod,
  replicaSet,
  snapshot,
  statefulSet,
  toUnix,
  usageSeries,
} from "../../test/support/snapshot-builder.ts";
import { type ClusterSnapshot, SnapshotSchema } from "../formats/snapshot.ts";
import { type ClusterState, seriesUsage, type WorkloadRef } from "../model/types.ts";
import { attributeUsage, buildClusterState } from "./cluster-model.ts";
import { fromPromMatrix, usageFromSnapshot } from "./usage-series.ts";

/** A recorded snapshot's usage as the model's input. */
function usageSeriesOf(snap: { usage: Parameters<typeof usageFromSnapshot>[0] }) {
  return usageFromSnapshot(snap.usage);
}

const MI = 2 ** 20;
const GI = 2 ** 30;
const CAPTURED_AT = "2026-11-20T12:00:00Z";
const NOW = toUnix(CAPTURED_AT);
const CREATED = "2026-10-01T08:00:00Z";
const ROLLOUT = "2026-11-15T09:40:00Z";
const STEP = 300;
const RANGE = { start: NOW - 2 * STEP, end: NOW, step: STEP };

const API: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "api" };
const DB: WorkloadRef = { namespace: "shop", kind: "StatefulSet", name: "db" };
const AGENT: WorkloadRef = { namespace: "kube-system", kind: "DaemonSet", name: "log-agent" };

// shop/api: a Deployment with 2 replicas, rolled out once (the old ReplicaSet is scaled to 0).
const api = deployment({
  namespace: "shop",
  name: "api",
  created: CREATED,
  replicas: 2,
  revision: 2,
  containers: [
    {
      name: "app",
      image: "ghcr.io/acme/api:1.4.2",
      ports: [{ name: "http", containerPort: 8080 }],
      resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    },
  ],
});
const apiOldRs = replicaSet({ deployment: api, revision: 1, replicas: 0, created: CREATED });
const apiRs = replicaSet({ deployment: api, revision: 2, replicas: 2, created: ROLLOUT });
const apiPod0 = pod({ owner: apiRs, nodeName: "node-a", created: ROLLOUT, seed: 0 });
const apiPod1 = pod({ owner: apiRs, nodeName: "node-b", created: ROLLOUT, seed: 1 });
/** A pod of the previous revision: gone, but its usage series remain in Prometheus. */
const apiGonePod = pod({ owner: apiOldRs, nodeName: "node-a", created: CREATED, seed: 7 });

// shop/db: a StatefulSet with two containers; the exporter sets only a memory request.
const db = statefulSet({
  namespace: "shop",
  name: "db",
  created: CREATED,
  replicas: 1,
  containers: [
    {
      name: "postgres",
      image: "postgres:16.4",
      resources: { requests: { cpu: "1.5", memory: "2Gi" }, limits: { memory: "2Gi" } },
    },
    {
      name: "exporter",
      image: "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
      resources: { requests: { memory: "64Mi" } },
    },
  ],
});
const dbPod0 = pod({ owner: db, nodeName: "node-b", created: CREATED, ordinal: 0 });

// kube-system/log-agent: a DaemonSet without any resources set.
const agent = daemonSet({
  namespace: "kube-system",
  name: "log-agent",
  created: CREATED,
  nodes: 2,
  containers: [{ name: "fluent-bit", image: "cr.fluentbit.io/fluent/fluent-bit:3.1.9" }],
});
const agentPodA = pod({ owner: agent, nodeName: "node-a", created: CREATED, seed: "node-a" });

// A Job's pod: the Job is not a workload kopt sizes.
const migrateJob: PodController = {
  ...deployment({
    namespace: "shop",
    name: "api-migrate",
    created: ROLLOUT,
    replicas: 1,
    containers: [{ name: "migrate", image: "ghcr.io/acme/api:1.4.2", args: ["migrate"] }],
  }),
  apiVersion: "batch/v1",
  kind: "Job",
};
const migratePod = pod({ owner: migrateJob, nodeName: "node-a", created: ROLLOUT, phase: "Succeeded" });

// A pod created by hand (kubectl run): no ownerReferences.
const debugPod: KubeObject = (() => {
  const p = pod({ owner: api, nodeName: "node-a", created: ROLLOUT, name: "debug-shell" });
  delete p.metadata.ownerReferences;
  return p;
})();

const apiHpa = hpa({
  target: api,
  created: CREATED,
  minReplicas: 2,
  maxReplicas: 6,
  targetCPUUtilizationPercentage: 70,
  currentReplicas: 2,
  currentCPUUtilization: 90,
});

const ALL_OBJECTS: KubeObject[] = [
  agentPodA,
  debugPod,
  migratePod,
  dbPod0,
  apiPod1,
  apiPod0,
  apiHpa,
  apiRs,
  apiOldRs,
  agent,
  db,
  api,
];

/** Objects and usage through the snapshot schema, as the snapshot loader hands them over. */
function recorded(objects: KubeObject[], cpu: PromSeries[] = [], memory: PromSeries[] = []): ClusterSnapshot {
  return SnapshotSchema.parse(
    snapshot({ cluster: "prod-eu", capturedAt: CAPTURED_AT, objects, cpu, memory }),
  );
}

function stateOf(objects: KubeObject[]): ClusterState {
  const snap = recorded(objects);
  return buildClusterState(snap.cluster, NOW, snap.objects.items);
}

function name(o: KubeObject): string {
  return o.metadata.name;
}

describe("buildClusterState: workloads", () => {
  const state = stateOf(ALL_OBJECTS);

  it("keeps the cluster name and observation time", () => {
    expect(state.cluster).toBe("prod-eu");
    expect(state.observedAt).toBe(NOW);
  });

  it("lists Deployments, StatefulSets and DaemonSets sorted by namespace, kind and name", () => {
    expect(state.workloads.map((w) => w.ref)).toEqual([AGENT, API, DB]);
  });

  it("parses container resources to cores and bytes", () => {
    const w = state.workloads.find((x) => x.ref.name === "api");
    expect(w?.containers).toEqual([
      {
        name: "app",
        resources: { requests: { cpu: 0.25, memory: 256 * MI }, limits: { cpu: 1, memory: 512 * MI } },
      },
    ]);
  });

  it("gives null for each resource that is not set", () => {
    const dbWorkload = state.workloads.find((x) => x.ref.name === "db");
    expect(dbWorkload?.containers).toEqual([
      {
        name: "postgres",
        resources: { requests: { cpu: 1.5, memory: 2 * GI }, limits: { cpu: null, memory: 2 * GI } },
      },
      {
        name: "exporter",
        resources: { requests: { cpu: null, memory: 64 * MI }, limits: { cpu: null, memory: null } },
      },
    ]);
    const agentWorkload = state.workloads.find((x) => x.ref.name === "log-agent");
    expect(agentWorkload?.containers).toEqual([
      {
        name: "fluent-bit",
        resources: { requests: { cpu: null, memory: null }, limits: { cpu: null, memory: null } },
      },
    ]);
  });

  it("reads spec.replicas, and null for a DaemonSet", () => {
    expect(state.workloads.map((w) => [w.ref.name, w.replicas])).toEqual([
      ["log-agent", null],
      ["api", 2],
      ["db", 1],
    ]);
  });

  it("keeps the workload's labels and annotations", () => {
    const w = state.workloads.find((x) => x.ref.name === "api");
    expect(w?.labels).toEqual({ "app.kubernetes.io/name": "api" });
    expect(w?.annotations).toEqual({ "deployment.kubernetes.io/revision": "2" });
  });

  it("attaches an autoscaling/v2 HPA to its scaleTargetRef workload", () => {
    const w = state.workloads.find((x) => x.ref.name === "api");
    // desired = ceil(2 replicas x 90% / 70%) = ceil(2.57) = 3
    expect(w?.hpa).toEqual({
      name: "api",
      minReplicas: 2,
      maxReplicas: 6,
      currentReplicas: 2,
      desiredReplicas: 3,
      targetCPUUtilizationPercentage: 70,
    });
    expect(state.workloads.filter((x) => x.hpa !== null).map((x) => x.ref.name)).toEqual(["api"]);
  });

  it("attaches an HPA to a StatefulSet target by kind and name", () => {
    const dbHpa = hpa({
      target: db,
      created: CREATED,
      minReplicas: 1,
      maxReplicas: 3,
      targetCPUUtilizationPercentage: 80,
      currentReplicas: 1,
      currentCPUUtilization: 40,
    });
    const s = stateOf([db, dbHpa]);
    expect(s.workloads[0]?.hpa).toEqual({
      name: "db",
      minReplicas: 1,
      maxReplicas: 3,
      currentReplicas: 1,
      desiredReplicas: 1,
      targetCPUUtilizationPercentage: 80,
    });
  });

  it("ignores an HPA whose target is not in the snapshot", () => {
    const orphan = hpa({
      target: api,
      created: CREATED,
      minReplicas: 1,
      maxReplicas: 3,
      targetCPUUtilizationPercentage: 80,
      currentReplicas: 1,
      currentCPUUtilization: 40,
    });
    const s = stateOf([db, orphan]);
    expect(s.workloads.map((w) => [w.ref.name, w.hpa])).toEqual([["db", null]]);
  });
});

describe("buildClusterState: pods", () => {
  const state = stateOf(ALL_OBJECTS);
  const ownerOf = (podName: string) => state.pods.find((p) => p.name === podName)?.owner;

  it("maps a Deployment's pod through its ReplicaSet", () => {
    expect(ownerOf(name(apiPod0))).toEqual(API);
    expect(ownerOf(name(apiPod1))).toEqual(API);
  });

  it("maps StatefulSet and DaemonSet pods to their controller", () => {
    expect(ownerOf("db-0")).toEqual(DB);
    expect(ownerOf(name(agentPodA))).toEqual(AGENT);
  });

  it("gives owner null to a pod without an owner and to a Job's pod", () => {
    expect(ownerOf("debug-shell")).toBeNull();
    expect(ownerOf(name(migratePod))).toBeNull();
  });

  it("gives owner null when the pod's ReplicaSet is not in the snapshot", () => {
    const s = stateOf([api, apiPod0]);
    expect(s.pods.map((p) => [p.name, p.owner])).toEqual([[name(apiPod0), null]]);
  });

  it("maps pods of objects without a namespace (namespace-less kubectl output)", () => {
    const strip = (o: KubeObject): KubeObject => {
      const copy = structuredClone(o);
      delete copy.metadata.namespace;
      return copy;
    };
    const s = stateOf([api, apiRs, apiPod0].map(strip));
    expect(s.pods.map((p) => p.owner)).toEqual([{ namespace: "", kind: "Deployment", name: "api" }]);
  });

  it("reads phase, restarts, waiting and last termination reasons", () => {
    const crashing = pod({
      owner: apiRs,
      nodeName: "node-a",
      created: ROLLOUT,
      seed: 9,
      statuses: [
        {
          restartCount: 6,
          waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container" },
          lastTerminated: {
            reason: "OOMKilled",
            exitCode: 137,
            startedAt: "2026-11-20T11:50:00Z",
            finishedAt: "2026-11-20T11:52:13Z",
          },
        },
      ],
    });
    const s = stateOf([api, apiRs, crashing, migratePod]);
    expect(s.pods).toEqual([
      {
        namespace: "shop",
        name: name(crashing),
        phase: "Running",
        owner: API,
        containers: [
          {
            name: "app",
            restartCount: 6,
            waitingReason: "CrashLoopBackOff",
            lastTerminationReason: "OOMKilled",
          },
        ],
      },
      {
        namespace: "shop",
        name: name(migratePod),
        phase: "Succeeded",
        owner: null,
        containers: [{ name: "migrate", restartCount: 0, waitingReason: null, lastTerminationReason: null }],
      },
    ]);
  });
});

/** A series with the given sample strings, one every 5 minutes ending at NOW. */
function rawSeries(namespace: string, podName: string, container: string, values: string[]): PromSeries {
  const start = NOW - (values.length - 1) * STEP;
  return {
    metric: { namespace, pod: podName, container },
    values: values.map((v, i) => [start + i * STEP, v]),
  };
}

function steady(namespace: string, podName: string, container: string, value: number): PromSeries {
  return usageSeries({ namespace, pod: podName, container }, RANGE, () => value);
}

describe("attributeUsage", () => {
  it("attributes live pods' series to their owner, pooling pods per container", () => {
    const snap = recorded(
      ALL_OBJECTS,
      [steady("shop", name(apiPod0), "app", 0.12), steady("shop", name(apiPod1), "app", 0.2)],
      [steady("shop", name(apiPod0), "app", 300 * MI)],
    );
    const usage = attributeUsage(stateOf(ALL_OBJECTS), usageSeriesOf(snap));
    const t = [NOW - 2 * STEP, NOW - STEP, NOW];
    expect(usage).toEqual({
      containers: [
        {
          workload: API,
          container: "app",
          cpu: [
            seriesUsage(
              name(apiPod0),
              t.map((x) => [x, 0.12]),
            ),
            seriesUsage(
              name(apiPod1),
              t.map((x) => [x, 0.2]),
            ),
          ],
          memory: [
            seriesUsage(
              name(apiPod0),
              t.map((x) => [x, 314600000]),
            ),
          ],
        },
      ],
      unattributed: [],
      hpa: [],
    });
  });

  it("attributes series of pods that no longer exist by each kind's pod-name pattern", () => {
    const cpu = [
      steady("shop", name(apiGonePod), "app", 0.1), // <deployment>-<pod-template-hash>-<5>
      steady("shop", "db-3", "postgres", 0.5), // <statefulset>-<ordinal>
      steady("kube-system", "log-agent-x7k2q", "fluent-bit", 0.01), // <daemonset>-<5>
    ];
    const snap = recorded(ALL_OBJECTS, cpu);
    const usage = attributeUsage(stateOf(ALL_OBJECTS), usageSeriesOf(snap));
    expect(usage.containers.map((c) => [c.workload, c.container, c.cpu.map((s) => s.pod)])).toEqual([
      [API, "app", [name(apiGonePod)]],
      [DB, "postgres", ["db-3"]],
      [AGENT, "fluent-bit", ["log-agent-x7k2q"]],
    ]);
    expect(usage.unattributed).toEqual([]);
  });

  it("gives a gone pod to the workload with the longest matching name (api-worker, not api)", () => {
    const worker = daemonSet({
      namespace: "shop",
      name: "api-worker",
      created: CREATED,
      nodes: 2,
      containers: [{ name: "app", image: "ghcr.io/acme/api:1.4.2" }],
    });
    const cpu = [steady("shop", "api-worker-x7k2q", "app", 0.3)];
    // The name alone also fits api's pattern (hash "worker", suffix "x7k2q")...
    const onlyApi = attributeUsage(stateOf([api]), {
      cpu: fromPromMatrix(recorded([api], cpu).usage.cpu),
      memory: [],
    });
    expect(onlyApi.containers.map((c) => c.workload)).toEqual([API]);
    // ...but with both workloads present, the longer name wins, whatever order the state lists them in.
    const WORKER: WorkloadRef = { namespace: "shop", kind: "DaemonSet", name: "api-worker" };
    const snap = recorded([api, worker], cpu);
    const both = stateOf([api, worker]);
    for (const workloads of [both.workloads, [...both.workloads].reverse()]) {
      expect(workloads.map((w) => w.ref.name)).toHaveLength(2);
      const usage = attributeUsage({ ...both, workloads }, usageSeriesOf(snap));
      expect(usage.containers.map((c) => c.workload)).toEqual([WORKER]);
    }
  });

  it("does not match a gone pod's name against workloads of another namespace", () => {
    const snap = recorded(ALL_OBJECTS, [steady("staging", name(apiGonePod), "app", 0.1)]);
    const usage = attributeUsage(stateOf(ALL_OBJECTS), usageSeriesOf(snap));
    expect(usage.containers).toEqual([]);
    expect(usage.unattributed).toEqual([{ namespace: "staging", pod: name(apiGonePod), container: "app" }]);
  });

  it('ignores pod-level (container="") and pause-container (POD) series', () => {
    const snap = recorded(
      ALL_OBJECTS,
      [steady("shop", name(apiPod0), "", 0.15), steady("shop", name(apiPod0), "POD", 0.001)],
      [steady("shop", "unknown-pod", "", 100 * MI), steady("shop", "unknown-pod", "POD", MI)],
    );
    const usage = attributeUsage(stateOf(ALL_OBJECTS), usageSeriesOf(snap));
    expect(usage).toEqual({ containers: [], unattributed: [], hpa: [] });
  });

  it("lists unknown pods once in unattributed, live pods without a workload included", () => {
    const snap = recorded(
      ALL_OBJECTS,
      [
        steady("shop", "cronjob-report-29431200-zx8pq", "report", 0.4),
        // A live Job pod whose name fits api's Deployment pattern stays with its (non-)owner.
        steady("shop", name(migratePod), "migrate", 0.2),
        steady("shop", "debug-shell", "app", 0.01),
      ],
      [steady("shop", "cronjob-report-29431200-zx8pq", "report", 50 * MI)],
    );
    const usage = attributeUsage(stateOf(ALL_OBJECTS), usageSeriesOf(snap));
    expect(usage.containers).toEqual([]);
    expect(usage.unattributed).toEqual([
      { namespace: "shop", pod: "cronjob-report-29431200-zx8pq", container: "report" },
      { namespace: "shop", pod: name(migratePod), container: "migrate" },
      { namespace: "shop", pod: "debug-shell", container: "app" },
    ]);
  });

  // NaN and infinities never get here as CPU or memory: the snapshot schema rejects them (model/bounds.ts).
  it("converts sample strings to numbers", () => {
    const cpu = [rawSeries("shop", name(apiPod0), "app", ["0.25", "1.5e-3", ".5", "2E-1", "0", "3"])];
    const snap = recorded(ALL_OBJECTS, cpu);
    const usage = attributeUsage(stateOf(ALL_OBJECTS), usageSeriesOf(snap));
    const series = usage.containers[0]?.cpu[0];
    expect(Array.from(series?.values ?? [])).toEqual([0.25, 0.0015, 0.5, 0.2, 0, 3]);
    expect(Array.from(series?.times ?? [])).toEqual([0, 1, 2, 3, 4, 5].map((i) => NOW - (5 - i) * STEP));
  });
});

describe("attributeUsage: restarts, OOM kills, throttling and HPA replicas", () => {
  const labeled = (metric: Record<string, string>, samples: [number, number][]) => ({
    metric,
    times: Float64Array.from(samples, ([t]) => t),
    values: Float64Array.from(samples, ([, v]) => v),
  });

  it("attaches them to the container or the HPA they belong to", () => {
    const apiApp = { namespace: "shop", pod: name(apiPod0), container: "app" };
    const usage = attributeUsage(stateOf(ALL_OBJECTS), {
      cpu: [labeled(apiApp, [[NOW, 0.2]])],
      memory: [],
      oomKills: [labeled(apiApp, [[NOW - STEP, 1]]), labeled({ ...apiApp, pod: "stranger-0" }, [[NOW, 1]])],
      restarts: [labeled(apiApp, [[NOW - STEP, 2]])],
      cpuThrottling: [labeled(apiApp, [[NOW, 0.25]])],
      hpaReplicas: [
        labeled({ namespace: "shop", horizontalpodautoscaler: "api", replicas: "current" }, [[NOW, 3]]),
        labeled({ namespace: "shop", horizontalpodautoscaler: "api", replicas: "desired" }, [[NOW, 4]]),
        labeled({ namespace: "other", horizontalpodautoscaler: "api", replicas: "current" }, [[NOW, 9]]),
      ],
    });
    const c = usage.containers.find((x) => x.container === "app" && x.workload.name === "api");
    expect(c?.oomKills?.map((x) => [x.pod, Array.from(x.values)])).toEqual([[name(apiPod0), [1]]]);
    expect(c?.restarts?.map((x) => Array.from(x.values))).toEqual([[2]]);
    expect(c?.cpuThrottling?.map((x) => Array.from(x.values))).toEqual([[0.25]]);
    // Only cpu and memory series list unknown pods; a stray OOM series does not.
    expect(usage.unattributed).toEqual([]);
    expect(
      usage.hpa?.map((h) => [h.hpa, Array.from(h.current.values), Array.from(h.desired.values)]),
    ).toEqual([["api", [3], [4]]]);
  });

  it("tells current from desired by kube-state-metrics' names when the replicas label is missing", () => {
    const usage = attributeUsage(stateOf(ALL_OBJECTS), {
      cpu: [],
      memory: [],
      hpaReplicas: [
        labeled(
          {
            __name__: "kube_horizontalpodautoscaler_status_desired_replicas",
            namespace: "shop",
            horizontalpodautoscaler: "api",
          },
          [[NOW, 5]],
        ),
        labeled(
          {
            __name__: "kube_horizontalpodautoscaler_status_current_replicas",
            namespace: "shop",
            horizontalpodautoscaler: "api",
          },
          [[NOW, 2]],
        ),
      ],
    });
    expect(usage.hpa?.map((h) => [Array.from(h.current.values), Array.from(h.desired.values)])).toEqual([
      [[2], [5]],
    ]);
  });
});
