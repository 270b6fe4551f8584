import { describe, expect, it } from "vitest";
import type { CapacityFinding } from "../capacity.ts";
import { node, pod } from "../diagnose/test-objects.ts";
import { nodeFlags, nodeHealth, type PodSeries } from "./cluster-nodes.ts";

const NOW = Date.parse("2026-11-20T12:00:00Z") / 1000;
const GI = 2 ** 30;

function series(ns: string, podName: string, samples: [number, number][]): PodSeries {
  return {
    metric: { namespace: ns, pod: podName, container: "app" },
    times: Float64Array.from(samples, ([t]) => t),
    values: Float64Array.from(samples, ([, v]) => v),
  };
}

const objects = [
  node("node-a"),
  {
    ...node("node-b", [
      { type: "Ready", status: "False", reason: "KubeletNotReady", message: "PLEG is not healthy" },
      { type: "MemoryPressure", status: "True", reason: "KubeletHasInsufficientMemory" },
      { type: "DiskPressure", status: "False" },
    ]),
    spec: { unschedulable: true },
  },
  pod({ name: "api-1", node: "node-a", containers: [{ requests: { cpu: "500m", memory: "1Gi" } }] }),
  pod({
    name: "api-2",
    node: "node-a",
    containers: [{ requests: { cpu: "250m", memory: "512Mi" } }, { name: "side" }],
  }),
  pod({ name: "api-3", node: "node-b", containers: [{ requests: { cpu: "1", memory: "2Gi" } }] }),
  // Finished pods reserve nothing.
  pod({ name: "job-1", node: "node-a", phase: "Succeeded", containers: [{ requests: { cpu: "2" } }] }),
];

describe("node health", () => {
  const usage = {
    cpu: [
      series("todo", "api-1", [
        [NOW - 600, 0.9],
        [NOW, 0.3],
        [NOW + 300, 5], // after now: not read
      ]),
      series("todo", "api-2", [[NOW - 300, 0.1]]),
      series("todo", "api-3", [[NOW - 3600, 0.8]]), // stale: not "used now"
    ],
    memory: [series("todo", "api-1", [[NOW, 0.5 * GI]])],
  };
  const nodes = nodeHealth({ objects, usage, now: NOW });

  it("reads allocatable, the bound pods' requests and their latest fresh usage per node", () => {
    expect(nodes.map((n) => [n.name, n.pods, n.allocatable, n.requested, n.used])).toEqual([
      [
        "node-a",
        2,
        { cpu: 4, memory: 16 * GI },
        { cpu: 0.75, memory: 1.5 * GI },
        { cpu: 0.4, memory: 0.5 * GI },
      ],
      ["node-b", 1, { cpu: 4, memory: 16 * GI }, { cpu: 1, memory: 2 * GI }, { cpu: null, memory: null }],
    ]);
  });

  it("lists Ready when not True and every other condition when not False, and cordoning", () => {
    expect(nodes[0]).toMatchObject({ ready: "True", abnormal: [], unschedulable: false });
    expect(nodes[1]).toMatchObject({
      ready: "False",
      unschedulable: true,
      abnormal: [
        { type: "Ready", status: "False", reason: "KubeletNotReady", message: "PLEG is not healthy" },
        { type: "MemoryPressure", status: "True", reason: "KubeletHasInsufficientMemory", message: null },
      ],
    });
  });

  it("flags NotReady as critical, pressure as high, cordoned as low", () => {
    expect(nodeFlags(nodes, []).map((f) => [f.severity, f.subject, f.finding])).toEqual([
      [
        "critical",
        "Node node-b",
        "NotReady: Ready is False (KubeletNotReady: PLEG is not healthy); its 1 pods may be evicted",
      ],
      ["high", "Node node-b", "MemoryPressure is True (KubeletHasInsufficientMemory)"],
      ["low", "Node node-b", "cordoned (unschedulable): takes no new pods"],
    ]);
  });

  it("flags capacity forecast to run out: critical within 2 days, high later, nothing past the horizon", () => {
    const cap = (resource: "cpu" | "memory", daysUntilFull: number | null): CapacityFinding =>
      ({
        resource,
        allocatable: resource === "cpu" ? 8 : 32 * GI,
        requested: 0,
        usagePeakLastDay: 0,
        forecastPeak: resource === "cpu" ? 8.5 : 33 * GI,
        horizonDays: 7,
        daysUntilFull,
        method: "holt-winters",
        fitMape: 5,
        historyHours: 168,
      }) as CapacityFinding;
    const flags = nodeFlags([], [cap("cpu", 1.5), cap("memory", 4.25), cap("cpu", null)]);
    expect(flags.map((f) => [f.severity, f.subject, f.finding])).toEqual([
      [
        "critical",
        "Cluster CPU",
        "usage forecast to reach the nodes' allocatable capacity in 1.5 days (forecast peak 8.50 cores of 8.00 cores)",
      ],
      [
        "high",
        "Cluster memory",
        "usage forecast to reach the nodes' allocatable capacity in 4.3 days (forecast peak 33 GiB of 32 GiB)",
      ],
    ]);
  });

  it("has no flags for healthy nodes", () => {
    expect(
      nodeFlags(nodeHealth({ objects: [node("x")], usage: { cpu: [], memory: [] }, now: NOW }), []),
    ).toEqual([]);
  });
});
