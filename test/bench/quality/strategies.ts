// The strategies compared by the quality benchmark. Each one sees only the learn window of one container and
// what it runs with today, and returns the requests and limits it would set for the score week.

import { rightsize } from "../../../src/analyze/rightsize.ts";
import { percentile, sortNumbers } from "../../../src/analyze/stats.ts";
import { DEFAULT_RIGHTSIZE_POLICY } from "../../../src/model/policy.ts";
import type { ClusterState, Resources, UsageHistory, WorkloadRef } from "../../../src/model/types.ts";
import { krrSimpleStrategy } from "./krr.ts";
import type { LearnInput } from "./traces.ts";
import { vpaStrategy } from "./vpa.ts";

export type Strategy = (input: LearnInput) => Resources;

export const STRATEGY_NAMES = ["today", "krr-simple", "vpa", "p95+30", "kopt"] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** today: the current requests and limits, unchanged. */
export function todayStrategy(input: LearnInput): Resources {
  return { requests: { ...input.current.requests }, limits: { ...input.current.limits } };
}

/**
 * The specification's plain rule, fixed here so that the reference does not move when kopt's defaults do
 * (these are DEFAULT_RIGHTSIZE_POLICY's requestPercentile, requestMargin and memoryLimitBuffer as written).
 */
export const P95_PLUS_30 = { percentile: 95, margin: 0.3, memoryLimitBuffer: 0.2 } as const;

/**
 * p95+30: request = p95 of the whole learn window x 1.3 for CPU and memory, memory limit = request x 1.2, CPU
 * limit kept (raised to the request when it would fall below it, the smallest value the API accepts).
 * Rounded up only to what a quantity can hold: whole millicores and whole bytes.
 */
export function p95Plus30Strategy(input: LearnInput): Resources {
  const { percentile: p, margin, memoryLimitBuffer } = P95_PLUS_30;
  const cpu = ceilMillicores(percentile(sortNumbers(Array.from(input.cpu)), p) * (1 + margin));
  const memory = ceilBytes(percentile(sortNumbers(Array.from(input.memory)), p) * (1 + margin));
  const cpuLimit = input.current.limits.cpu;
  return {
    requests: { cpu, memory },
    limits: {
      cpu: cpuLimit === null ? null : Math.max(cpuLimit, cpu),
      memory: ceilBytes(memory * (1 + memoryLimitBuffer)),
    },
  };
}

/** Up to whole millicores, tolerating float noise (0.325 * 1000 = 325.00000000000006 stays 325m). */
function ceilMillicores(cores: number): number {
  return Math.ceil(cores * 1000 - 1e-6) / 1000;
}

function ceilBytes(bytes: number): number {
  return Math.ceil(bytes - 1e-6);
}

const BENCH_WORKLOAD: WorkloadRef = { namespace: "bench", kind: "Deployment", name: "workload" };
const BENCH_CONTAINER = "app";

/**
 * kopt: the real analyzer, rightsize() from src/analyze/rightsize.ts with DEFAULT_RIGHTSIZE_POLICY, on a
 * one-workload cluster observed at the end of the learn window. Its `recommended` values are used as they are
 * (not only the fields that pass the minimum-change rule). The one place to swap in another engine.
 */
export function koptStrategy(input: LearnInput): Resources {
  const state: ClusterState = {
    cluster: "bench",
    observedAt: input.end,
    workloads: [
      {
        ref: BENCH_WORKLOAD,
        replicas: 1,
        labels: {},
        annotations: {},
        containers: [{ name: BENCH_CONTAINER, resources: input.current }],
        hpa: null,
      },
    ],
    pods: [],
  };
  const usage: UsageHistory = {
    containers: [
      {
        workload: BENCH_WORKLOAD,
        container: BENCH_CONTAINER,
        cpu: [{ pod: "workload-0", times: input.times, values: input.cpu }],
        memory: [{ pod: "workload-0", times: input.times, values: input.memory }],
      },
    ],
    unattributed: [],
  };
  const result = rightsize(state, usage, DEFAULT_RIGHTSIZE_POLICY);
  const recommendation = result.recommendations[0];
  if (!recommendation) {
    // Skipped (not enough history): nothing changes.
    return todayStrategy(input);
  }
  return recommendation.recommended;
}

export const STRATEGIES: Record<StrategyName, Strategy> = {
  today: todayStrategy,
  "krr-simple": krrSimpleStrategy,
  vpa: vpaStrategy,
  "p95+30": p95Plus30Strategy,
  kopt: koptStrategy,
};
