import { describe, expect, it } from "vitest";
import type { ContainerUsage, SeriesUsage, Workload } from "../model/types.ts";
import { type PodHttpSeries, type RecordedRollout, rolloutFigures } from "./rollout-figures.ts";

const T0 = 1_764_000_000; // a whole minute
const STEP = 60;
const times = (n: number, from = T0) => Float64Array.from({ length: n }, (_, i) => from + i * STEP);
const series = (pod: string, values: number[], from = T0): SeriesUsage => ({
  pod,
  times: times(values.length, from),
  values: Float64Array.from(values),
});
const http = (pod: string, values: number[]): PodHttpSeries => series(pod, values);

const workload: Workload = {
  ref: { namespace: "shop", kind: "Deployment", name: "api" },
  replicas: 2,
  labels: {},
  annotations: {},
  containers: [
    { name: "app", resources: { requests: { cpu: 0.5, memory: 1e9 }, limits: { cpu: null, memory: 2e9 } } },
  ],
  hpa: null,
};

function usage(more: Partial<ContainerUsage> = {}): ContainerUsage {
  return {
    workload: workload.ref,
    container: "app",
    cpu: [series("api-a", Array(10).fill(0.25)), series("api-b", Array(10).fill(0.25))],
    memory: [series("api-a", Array(10).fill(5e8)), series("api-b", Array(10).fill(5e8))],
    ...more,
  };
}

const rollout = (more: Partial<RecordedRollout> = {}): RecordedRollout => ({
  workload,
  usage: [usage()],
  httpRequests: [http("api-a", Array(10).fill(50)), http("api-b", Array(10).fill(50))],
  httpErrors: [http("api-a", Array(10).fill(1))],
  start: T0,
  end: T0 + 9 * STEP,
  ...more,
});

describe("rolloutFigures", () => {
  it("computes the error rate over the pods per step, usage over request, zero restarts", () => {
    const m = rolloutFigures(rollout());
    expect(m.errorRate).toBeCloseTo(0.01);
    expect(m.errorRateMean).toBeCloseTo(0.01);
    expect(m.cpuUsageOverRequest).toBeCloseTo(0.5);
    expect(m.memoryUsageOverRequest).toBeCloseTo(0.5);
    expect(m).toMatchObject({ restarts: 0, oomKills: 0, cpuThrottledShare: 0, p99LatencySeconds: null });
    expect(m.samples).toBe(40 + 10);
    expect(m.start).toBe(new Date(T0 * 1000).toISOString());
  });

  it("takes the worst step's error rate as the max, and only the window's points", () => {
    const errors = [http("api-a", [0, 0, 0, 0, 0, 8, 8, 8, 8, 8])];
    const all = rolloutFigures(rollout({ httpErrors: errors }));
    expect(all.errorRate).toBeCloseTo(0.08);
    expect(all.errorRateMean).toBeCloseTo(0.04);
    const before = rolloutFigures(rollout({ httpErrors: errors, end: T0 + 4 * STEP }));
    expect(before.errorRate).toBe(0);
  });

  it("counts restarts and OOM kills in the window, and throttling as a share of the steps", () => {
    const m = rolloutFigures(
      rollout({
        usage: [
          usage({
            restarts: [series("api-a", [1, 1], T0 + 5 * STEP)],
            oomKills: [series("api-a", [1], T0 + 6 * STEP), series("api-a", [1], T0 + 60 * STEP)],
            cpuThrottling: [series("api-b", [0.5, 0.5], T0)],
          }),
        ],
      }),
    );
    expect(m.restarts).toBe(2);
    expect(m.oomKills).toBe(1);
    expect(m.cpuThrottledShare).toBeCloseTo(1 / 20);
  });

  it("divides a pod of the earlier template by its own request, where it is known", () => {
    const requestOf = (pod: string, _c: string, resource: "cpu" | "memory") =>
      pod === "api-a" ? (resource === "cpu" ? 1 : null) : null;
    const m = rolloutFigures(rollout({ requestOf }));
    // api-a: 0.25 / 1 (its own request); api-b: 0.25 / 0.5 (the spec's): the highest is api-b's.
    expect(m.cpuUsageOverRequest).toBeCloseTo(0.5);
    const onlyOld = rolloutFigures(
      rollout({ requestOf, usage: [usage({ cpu: [series("api-a", [0.25])] })] }),
    );
    expect(onlyOld.cpuUsageOverRequest).toBeCloseTo(0.25);
    expect(onlyOld.memoryUsageOverRequest).toBeCloseTo(0.5);
  });

  it("has nulls and no samples for a window nothing was recorded in", () => {
    const m = rolloutFigures(rollout({ start: T0 + 100 * STEP, end: T0 + 110 * STEP }));
    expect(m).toMatchObject({
      errorRate: null,
      errorRateMean: null,
      restarts: null,
      oomKills: null,
      cpuThrottledShare: null,
      cpuUsageOverRequest: null,
      memoryUsageOverRequest: null,
      samples: 0,
    });
  });
});
