// Pod-level, node and controller classes: eviction, scheduling, mounts, node conditions, rollouts, HPAs.
import { describe, expect, it } from "vitest";
import { diagnose } from "./diagnose.ts";
import { deployment, event, input, iso, node, type Obj, pod } from "./test-objects.ts";

const unschedulablePod = (extra: Partial<Parameters<typeof pod>[0]> = {}) =>
  pod({
    name: "api-1",
    deployment: "api",
    phase: "Pending",
    conditions: [
      { type: "PodScheduled", status: "False", reason: "Unschedulable", lastTransitionTime: iso(900) },
    ],
    containers: [{ requests: { cpu: "500m", memory: "6Gi" } }],
    ...extra,
  });

describe("unschedulable", () => {
  it("insufficient memory names the largest free memory on any node against the request", () => {
    const p = unschedulablePod();
    const busy = pod({
      name: "big-1",
      deployment: "big",
      node: "worker-1",
      containers: [{ requests: { memory: "12Gi" } }],
    });
    const d = diagnose(
      input([
        node("worker-1"),
        node("worker-2", [], { cpu: "4", memory: "3Gi" }),
        ...deployment("todo", "api"),
        ...deployment("todo", "big"),
        busy,
        p,
        event({
          about: p,
          reason: "FailedScheduling",
          message:
            "0/2 nodes are available: 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
          count: 20,
        }),
      ]),
    );
    expect(d.findings).toHaveLength(1);
    const [f] = d.findings;
    expect(f).toMatchObject({
      class: "unschedulable",
      subCause: "insufficient-resources",
      fix: "incident",
      workload: { namespace: "todo", kind: "Deployment", name: "api" },
      container: null,
      rootCause:
        "Pod api-1 of Deployment todo/api cannot be scheduled: it requests 6 GiB memory, and the most any node has free is 4 GiB (worker-1).",
    });
    expect(f?.evidence.figures).toEqual({
      "pod memory request": "6 GiB",
      "largest free memory": "4 GiB on worker-1",
    });
    expect(f?.evidence.events).toMatchObject([{ reason: "FailedScheduling", count: 20 }]);
  });

  it.each([
    ["0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}.", "taints"],
    ["0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.", "affinity"],
    [
      "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: ...",
      "pvc-unbound",
    ],
  ])("%s → %s", (message, subCause) => {
    const p = unschedulablePod();
    const [f] = diagnose(
      input([...deployment("todo", "api"), p, event({ about: p, reason: "FailedScheduling", message })]),
    ).findings;
    expect(f).toMatchObject({ class: "unschedulable", subCause });
  });

  it("a pod Pending for a few seconds without FailedScheduling is healthy", () => {
    const p = pod({ name: "api-1", deployment: "api", phase: "Pending", conditions: [] });
    expect(diagnose(input([...deployment("todo", "api"), p])).findings).toEqual([]);
  });
});

describe("failed-mount", () => {
  it("names the volume and the missing ConfigMap", () => {
    const p = pod({ name: "api-1", deployment: "api", phase: "Pending", node: "worker-1" });
    const [f] = diagnose(
      input([
        ...deployment("todo", "api"),
        p,
        event({
          about: p,
          reason: "FailedMount",
          message: 'MountVolume.SetUp failed for volume "config" : configmap "api-config" not found',
          count: 9,
        }),
      ]),
    ).findings;
    expect(f).toMatchObject({ class: "failed-mount", subCause: null, fix: "incident", container: null });
    expect(f?.evidence.subjects).toEqual({ volume: "config", configMapName: "todo/api-config" });
  });
});

describe("evicted and node findings", () => {
  const evictedPod = (name: string, deploy: string, message: string) =>
    pod({ name, deployment: deploy, node: "worker-3", phase: "Failed", reason: "Evicted", message });

  it.each([
    [
      "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi.",
      "memory-pressure",
      "incident",
    ],
    [
      "The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 2Gi.",
      "disk-pressure",
      "incident",
    ],
    [
      "Pod ephemeral local storage usage exceeds the total limit of containers 1Gi.",
      "ephemeral-storage-limit",
      "values",
    ],
    ["The node was low on resource: pids.", "pid-pressure", "incident"],
  ])("%s → %s", (message, subCause, fix) => {
    const [f] = diagnose(input([...deployment("todo", "api"), evictedPod("api-1", "api", message)])).findings;
    expect(f).toMatchObject({ class: "evicted", subCause, fix, node: "worker-3" });
  });

  it("evictions from one pressured node and the node's finding make one incident", () => {
    const memory = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi.";
    const d = diagnose(
      input([
        node("worker-3", [
          {
            type: "MemoryPressure",
            status: "True",
            reason: "KubeletHasInsufficientMemory",
            lastTransitionTime: iso(1200),
          },
        ]),
        ...deployment("todo", "api"),
        ...deployment("todo", "web"),
        evictedPod("api-1", "api", memory),
        evictedPod("web-1", "web", memory),
      ]),
    );
    expect(d.findings.map((f) => [f.class, f.subCause, f.workload?.name ?? f.node])).toEqual([
      ["evicted", "memory-pressure", "api"],
      ["evicted", "memory-pressure", "web"],
      ["node-pressure", "memory-pressure", "worker-3"],
    ]);
    expect(d.findings[2]?.evidence.figures).toEqual({ "condition for": "1200 s" });
    expect(d.incidents).toHaveLength(1);
    expect(d.incidents[0]?.title).toBe("node worker-3: node-pressure (memory-pressure): 2 workloads fail");
    expect(d.incidents[0]).toMatchObject({
      cause: "node:worker-3",
      class: "node-pressure",
      findings: d.findings.map((f) => f.fingerprint).sort(),
    });
  });

  it("a node NotReady (kubelet stopped posting status) is node-not-ready", () => {
    const d = diagnose(
      input([
        node("worker-9", [
          {
            type: "Ready",
            status: "Unknown",
            reason: "NodeStatusUnknown",
            message: "Kubelet stopped posting node status.",
          },
        ]),
      ]),
    );
    expect(d.findings).toMatchObject([
      { class: "node-not-ready", node: "worker-9", workload: null, fix: "incident" },
    ]);
    expect(d.findings[0]?.rootCause).toBe(
      "Node worker-9 is unreachable: Kubelet stopped posting node status.",
    );
  });
});

describe("rollout-stuck", () => {
  const stuck = {
    type: "Progressing",
    status: "False",
    reason: "ProgressDeadlineExceeded",
    message: 'ReplicaSet "api-7d9f8b6c5d" has timed out progressing.',
  };

  it("is reported when no pod finding explains it", () => {
    const d = diagnose(
      input([...deployment("todo", "api", [stuck]), pod({ name: "api-1", deployment: "api" })]),
    );
    expect(d.findings).toMatchObject([
      { class: "rollout-stuck", workload: { kind: "Deployment", name: "api" }, fix: "incident" },
    ]);
  });

  it("is folded into the pod finding that explains it", () => {
    const p = pod({
      name: "api-1",
      deployment: "api",
      containers: [{ waiting: { reason: "ImagePullBackOff" } }],
    });
    const d = diagnose(input([...deployment("todo", "api", [stuck]), p]));
    expect(d.findings.map((f) => f.class)).toEqual(["image-pull"]);
    expect(d.findings[0]?.evidence.figures.rollout).toBe("stuck: ProgressDeadlineExceeded");
  });
});

describe("hpa-metrics-unavailable", () => {
  const hpa = (message: string): Obj => ({
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { namespace: "todo", name: "api", uid: "uid-hpa" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" } },
    status: {
      conditions: [{ type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric", message }],
    },
  });

  it("a container without a cpu request is missing-request, on the target workload", () => {
    const [f] = diagnose(
      input([
        hpa(
          'the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container "app" of Pod "api-1"',
        ),
      ]),
    ).findings;
    expect(f).toMatchObject({
      class: "hpa-metrics-unavailable",
      subCause: "missing-request",
      fix: "values",
      workload: { namespace: "todo", kind: "Deployment", name: "api" },
      container: "app",
    });
    expect(f?.evidence.subjects).toEqual({ hpa: "todo/api", resource: "cpu" });
  });

  it("an unanswering metrics API is metrics-api-unavailable", () => {
    const [f] = diagnose(
      input([
        hpa(
          "the HPA was unable to compute the replica count: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server is currently unable to handle the request (get pods.metrics.k8s.io)",
        ),
      ]),
    ).findings;
    expect(f).toMatchObject({
      class: "hpa-metrics-unavailable",
      subCause: "metrics-api-unavailable",
      fix: "incident",
      container: null,
    });
  });
});

describe("hpa-metrics-unavailable from events", () => {
  it("two HPAs failing on the metrics API share one incident", () => {
    const hpaOf = (name: string): Obj => ({
      kind: "HorizontalPodAutoscaler",
      metadata: { namespace: "todo", name, uid: `uid-hpa-${name}` },
      spec: { scaleTargetRef: { kind: "Deployment", name } },
      status: { conditions: [{ type: "ScalingActive", status: "True", reason: "ValidMetricFound" }] },
    });
    const a = hpaOf("a");
    const b = hpaOf("b");
    const message =
      "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API";
    const d = diagnose(
      input([
        a,
        b,
        event({ about: a, reason: "FailedGetResourceMetric", message, count: 30 }),
        event({ about: b, reason: "FailedComputeMetricsReplicas", message, count: 12 }),
      ]),
    );
    expect(d.findings.map((f) => [f.workload?.name, f.subCause])).toEqual([
      ["a", "metrics-api-unavailable"],
      ["b", "metrics-api-unavailable"],
    ]);
    expect(d.incidents).toMatchObject([
      { cause: "apiservice:metrics.k8s.io", workloads: [{ name: "a" }, { name: "b" }] },
    ]);
  });
});

describe("readiness-failing", () => {
  const notReady = () =>
    pod({
      name: "api-1",
      deployment: "api",
      containers: [
        { ready: false, runningSinceAgo: 3600, readinessProbe: { httpGet: { path: "/ready", port: 8080 } } },
      ],
    });

  it("failing longer than the grace period and still now is a finding", () => {
    const p = notReady();
    const [f] = diagnose(
      input([
        ...deployment("todo", "api"),
        p,
        event({
          about: p,
          reason: "Unhealthy",
          message: "Readiness probe failed: HTTP probe failed with statuscode: 503",
          container: "app",
          count: 180,
          firstAgo: 1800,
          lastAgo: 5,
        }),
      ]),
    ).findings;
    expect(f).toMatchObject({ class: "readiness-failing", fix: "incident", container: "app" });
    expect(f?.evidence.figures).toEqual({ "failing for": "1800 s" });
    expect(f?.evidence.probe).toMatchObject({ probe: "readiness", periodSeconds: 10, failureThreshold: 3 });
  });

  it("a blip during a rollout, with the pod Ready now, is healthy", () => {
    const p = pod({ name: "api-1", deployment: "api", containers: [{ ready: true }] });
    const e = event({
      about: p,
      reason: "Unhealthy",
      message: "Readiness probe failed: connection refused",
      container: "app",
      count: 3,
      firstAgo: 90,
      lastAgo: 60,
    });
    expect(diagnose(input([...deployment("todo", "api"), p, e])).findings).toEqual([]);
  });
});

describe("--workload", () => {
  it("keeps only the named workload's findings", () => {
    const a = pod({
      name: "a-1",
      deployment: "a",
      containers: [{ waiting: { reason: "ImagePullBackOff" } }],
    });
    const b = pod({
      name: "b-1",
      deployment: "b",
      containers: [{ waiting: { reason: "ImagePullBackOff" } }],
    });
    const d = diagnose(
      input([...deployment("todo", "a"), ...deployment("todo", "b"), a, b], {
        workload: { namespace: "todo", name: "b" },
      }),
    );
    expect(d.findings.map((f) => f.workload?.name)).toEqual(["b"]);
  });
});
