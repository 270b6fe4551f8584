import { describe, expect, it } from "vitest";
import {
  clusterState,
  containerUsage,
  HOUR,
  MI,
  NOW,
  pod as podOf,
  res,
  STEP,
  stepSamples,
  workload,
} from "../../test/support/model-fixtures.ts";
import { DEFAULT_OOM_POLICY } from "../model/policy.ts";
import type { ClusterState, ContainerUsage, PodState, Resources, WorkloadRef } from "../model/types.ts";
import { seriesUsage } from "../model/types.ts";
import { analyzeOom } from "./oom.ts";

const REF: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "worker" };

function resources(request: number | null, limit: number | null): Resources {
  return res([0.1, request], [0.5, limit]);
}

function pod(name: string, reason: string | null): PodState {
  return podOf(name, REF, {
    containers: [
      { name: "app", restartCount: reason ? 3 : 0, waitingReason: null, lastTerminationReason: reason },
    ],
  });
}

function state(resources: Resources, pods: PodState[]): ClusterState {
  return clusterState([workload(REF, resources)], { pods });
}

/**
 * analyzeOom at the default policy for REF's "app" container with this memory request and limit, its one pod
 * "worker-abc12-xyz34" last terminated for `reason` (null: never), with `usage`.
 */
function analyzeWorker(
  request: number | null,
  limit: number | null,
  reason: string | null,
  usage: ContainerUsage[] = [],
  atLeast?: () => number,
) {
  return analyzeOom(
    state(resources(request, limit), [pod("worker-abc12-xyz34", reason)]),
    { containers: usage },
    DEFAULT_OOM_POLICY,
    atLeast,
  );
}

/** Memory of one pod over the last `hours`, sample i (0 = oldest) at value(i). */
function memory(hours: number, value: (i: number) => number): ContainerUsage {
  const steps = (hours * HOUR) / STEP;
  return containerUsage(REF, {
    memory: [
      seriesUsage(
        "worker-abc12-xyz34",
        stepSamples(NOW, steps, (_, i) => value(i)),
      ),
    ],
  });
}

describe("analyzeOom: the fast path", () => {
  it("an OOMKilled pod status raises the limit by the larger of +20% and +100Mi, with no history at all", () => {
    const r = analyzeWorker(192 * MI, 256 * MI, "OOMKilled");
    expect(r.skipped).toEqual([]);
    expect(r.recommendations).toHaveLength(1);
    const rec = r.recommendations[0];
    // 256Mi x 1.2 = 307.2Mi; 256Mi + 100Mi = 356Mi -> rounded up to 16Mi steps: 368Mi.
    expect(rec?.changes).toEqual([{ field: "limits.memory", from: 256 * MI, to: 368 * MI }]);
    expect(rec?.recommended.requests.memory).toBe(192 * MI);
    expect(rec?.evidence).toMatchObject({
      podsOomKilled: 1,
      prometheusKills: 0,
      memory: null,
      limit: 256 * MI,
    });
  });

  it("+20% wins over +100Mi for large limits", () => {
    const r = analyzeWorker(1024 * MI, 2048 * MI, "OOMKilled");
    // 2048Mi x 1.2 = 2457.6Mi -> 64Mi steps above 1Gi: 2496Mi. 2048 + 100 = 2148Mi is smaller.
    expect(r.recommendations[0]?.changes).toEqual([
      { field: "limits.memory", from: 2048 * MI, to: 2496 * MI },
    ]);
  });

  it("never below p99 x 1.3 of the usage history", () => {
    // Usage ramps 0..399Mi over 400 samples: p99 = 395.01Mi, x 1.3 = 513.5Mi -> 528Mi.
    const usage = memory((400 * STEP) / HOUR, (i) => i * MI);
    const r = analyzeWorker(192 * MI, 256 * MI, "OOMKilled", [usage]);
    const rec = r.recommendations[0];
    expect(rec?.evidence.memory?.p99).toBeCloseTo(395.01 * MI, 0);
    expect(rec?.changes).toEqual([{ field: "limits.memory", from: 256 * MI, to: 528 * MI }]);
    expect(rec?.evidence.candidates.map((c) => c.rule)).toEqual([
      "current limit +20%",
      "current limit +100Mi",
      "p99 of usage x 1.3",
    ]);
  });

  it("takes the limit right-sizing recommends when that is higher, so the two proposals agree", () => {
    const r = analyzeWorker(192 * MI, 256 * MI, "OOMKilled", [], () => 416 * MI);
    expect(r.recommendations[0]?.changes).toEqual([{ field: "limits.memory", from: 256 * MI, to: 416 * MI }]);
  });

  it("Prometheus' OOM kills count too, within the window only, with the last kill's time", () => {
    const usage: ContainerUsage = {
      ...memory(1, () => 200 * MI),
      oomKills: [
        seriesUsage("worker-abc12-xyz34", [
          [NOW - 8 * 24 * HOUR, 1], // before the 7-day window
          [NOW - 3 * HOUR, 1],
          [NOW - HOUR, 2],
        ]),
      ],
    };
    const r = analyzeWorker(192 * MI, 256 * MI, null, [usage]);
    expect(r.recommendations[0]?.evidence).toMatchObject({
      podsOomKilled: 0,
      prometheusKills: 3,
      lastKillAt: NOW - HOUR,
      pods: ["worker-abc12-xyz34"],
    });
  });

  it("the request follows when it would exceed the new limit", () => {
    const r = analyzeWorker(512 * MI, 256 * MI, "OOMKilled");
    expect(r.recommendations[0]?.changes).toEqual([
      { field: "requests.memory", from: 512 * MI, to: 368 * MI },
      { field: "limits.memory", from: 256 * MI, to: 368 * MI },
    ]);
  });

  it("no OOM kill, no finding; other termination reasons do not count", () => {
    const r = analyzeWorker(192 * MI, 256 * MI, "Error", [memory(48, () => 250 * MI)]);
    expect(r).toEqual({ recommendations: [], skipped: [] });
  });

  it("an OOM kill without a memory limit is reported, not dropped", () => {
    const r = analyzeWorker(192 * MI, null, "OOMKilled");
    expect(r.recommendations).toEqual([]);
    expect(r.skipped).toEqual([
      {
        workload: REF,
        container: "app",
        reason: expect.stringMatching(/^OOM-killed without a memory limit: the node ran out of memory/),
      },
    ]);
  });
});
