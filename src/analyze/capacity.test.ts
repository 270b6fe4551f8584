import { describe, expect, it } from "vitest";
import {
  clusterState,
  containerUsage,
  DAY,
  GI,
  HOUR,
  NOW,
  pod,
  API as REF,
  res,
  STEP,
  stepSamples,
  workload,
} from "../../test/support/model-fixtures.ts";
import type { ClusterState, ContainerUsage } from "../model/types.ts";
import { seriesUsage } from "../model/types.ts";
import { analyzeCapacity, type CapacityFinding, capacityWarnings } from "./capacity.ts";

/** shop/api: 2 replicas requesting 500m and 1Gi each, two running pods and a finished one. */
function state(nodes: ClusterState["nodes"]): ClusterState {
  const pods = ["api-a", "api-b", "api-old"].map((name, i) =>
    pod(name, REF, { phase: i < 2 ? "Running" : "Succeeded" }),
  );
  return clusterState([workload(REF, res([0.5, GI], [null, null]))], { pods, nodes });
}

/** Two pods whose CPU each grows linearly by `perDay` cores a day over `hours`, memory flat at 1Gi. */
function usage(hours: number, perDay: number): { containers: ContainerUsage[] } {
  const steps = (hours * HOUR) / STEP;
  const cpu = (name: string) =>
    seriesUsage(
      name,
      stepSamples(NOW, steps, (t) => 1 + (perDay * (t - (NOW - hours * HOUR))) / DAY),
    );
  return {
    containers: [
      containerUsage(REF, {
        cpu: [cpu("api-a"), cpu("api-b")],
        memory: [seriesUsage("api-a", [[NOW, GI]]), seriesUsage("api-b", [[NOW, GI]])],
      }),
    ],
  };
}

const NODES = [
  { name: "n1", allocatable: { cpu: 4, memory: 8 * GI } },
  { name: "n2", allocatable: { cpu: 4, memory: 8 * GI } },
];

describe("analyzeCapacity", () => {
  it("forecasts the cluster's CPU against the nodes' allocatable and says when it runs out", () => {
    // 2 pods, each 1 core + 0.25 cores a day: the total starts at 2 cores and grows by 0.5 a day, so after
    // 10 days of history it is 7 cores, and it reaches the 8 allocatable cores about 2 days later.
    const [cpu] = analyzeCapacity(state(NODES), usage(240, 0.25), 240);
    expect(cpu?.resource).toBe("cpu");
    expect(cpu?.allocatable).toBe(8);
    expect(cpu?.requested).toBe(1); // 2 running pods x 500m; the finished pod does not count
    expect(cpu?.usagePeakLastDay).toBeCloseTo(7, 1);
    expect(cpu?.method).toBe("holt-winters");
    expect(cpu?.daysUntilFull).not.toBeNull();
    expect(cpu?.daysUntilFull as number).toBeGreaterThan(1.5);
    expect(cpu?.daysUntilFull as number).toBeLessThan(2.6);
  });

  it("not full within the horizon: null; memory with too little history is left out", () => {
    const found = analyzeCapacity(state(NODES), usage(72, 0), 72);
    expect(found.map((f) => f.resource)).toEqual(["cpu"]); // one memory sample is not 48 hours
    expect(found[0]?.daysUntilFull).toBeNull();
    expect(found[0]?.forecastPeak).toBeCloseTo(2, 6);
  });

  it("nothing without nodes or with less than 48 hours of history", () => {
    expect(analyzeCapacity(state([]), usage(240, 0.25), 240)).toEqual([]);
    expect(analyzeCapacity(state(NODES), usage(47, 0), 47)).toEqual([]);
  });
});

describe("capacityWarnings", () => {
  const finding = (resource: "cpu" | "memory", daysUntilFull: number | null, peak: number, alloc: number) =>
    ({
      resource,
      allocatable: alloc,
      requested: 0,
      usagePeakLastDay: 0,
      forecastPeak: peak,
      horizonDays: 7,
      daysUntilFull,
      method: "holt-winters",
      fitMape: 0,
      historyHours: 240,
    }) satisfies CapacityFinding;

  it("warns only of resources forecast to run out within the horizon, in cores and memory units", () => {
    expect(capacityWarnings([finding("cpu", 2.04, 8.5, 8), finding("memory", null, GI, 16 * GI)])).toEqual([
      "cpu usage is forecast to reach the nodes' allocatable capacity in 2.0 days (forecast peak 8.50 cores of 8.00 cores): add nodes or cut requests",
    ]);
    expect(capacityWarnings([finding("memory", 3.25, 17 * GI, 16 * GI)])).toEqual([
      "memory usage is forecast to reach the nodes' allocatable capacity in 3.3 days (forecast peak 17 GiB of 16 GiB): add nodes or cut requests",
    ]);
  });
});
