// Robusta KRR's "simple" strategy, as its source defines it (github.com/robusta-dev/krr):
//
// - robusta_krr/strategies/simple.py, SimpleStrategySettings: cpu_percentile = 95, memory_buffer_percentage
//   = 15 (older releases had 99 and 5; the current defaults are 95 and 15), points_required = 100.
//   CPU: request = the cpu_percentile of CPU usage, computed by Prometheus as
//   quantile_over_time(0.95, max(rate(container_cpu_usage_seconds_total[step])) by (container, pod, job)
//   [duration:step]) (PercentileCPULoader in robusta_krr/core/integrations/prometheus/metrics/cpu.py), then
//   the max over pods; limit = None (unset).
//   Memory: request = limit = max(max_over_time(container_memory_working_set_bytes)) * (1 + 15 / 100)
//   (MaxMemoryLoader; calculate_memory_proposal). The OOMKill bump (use_oomkill_data) is off by default.
// - robusta_krr/core/abstract/strategies.py, StrategySettings: history_duration = 24 * 7 * 2 hours, which is
//   this benchmark's learn window exactly.
// - robusta_krr/core/runner.py, Runner._round_value: CPU rounded up to whole millicores
//   (ceil(value * 10**3) / 10**3), memory rounded up to whole megabytes (ceil(value * (1 / 10**6)) /
//   (1 / 10**6)), then raised to the minimum: Config.cpu_min_value = 10 (millicores) and
//   Config.memory_min_value = 100 (megabytes, 1_000_000 bytes each), robusta_krr/core/models/config.py.
//
// Prometheus' quantile_over_time interpolates linearly between closest ranks, which is what
// src/analyze/stats.ts percentile() computes, so the same function is used here. One pod, one container.

import { percentile, sortNumbers } from "../../../src/analyze/stats.ts";
import type { Resources } from "../../../src/model/types.ts";
import type { LearnInput } from "./traces.ts";

export const KRR_SIMPLE = {
  cpuPercentile: 95,
  memoryBufferPercentage: 15,
  pointsRequired: 100,
  /** Config.cpu_min_value, millicores. */
  cpuMinMillicores: 10,
  /** Config.memory_min_value, megabytes (10^6 bytes). */
  memoryMinMegabytes: 100,
} as const;

export function krrSimpleStrategy(input: LearnInput): Resources {
  const n = input.cpu.length;
  // With fewer points KRR says "Not enough data" and recommends nothing: the workload keeps what it has.
  if (n < KRR_SIMPLE.pointsRequired || input.memory.length < KRR_SIMPLE.pointsRequired) {
    return { requests: { ...input.current.requests }, limits: { ...input.current.limits } };
  }
  const cpu = krrRoundCpu(percentile(sortNumbers(Array.from(input.cpu)), KRR_SIMPLE.cpuPercentile));
  let maxMemory = Number.NEGATIVE_INFINITY;
  for (const v of input.memory) if (v > maxMemory) maxMemory = v;
  const memory = krrRoundMemory(maxMemory * (1 + KRR_SIMPLE.memoryBufferPercentage / 100));
  return { requests: { cpu, memory }, limits: { cpu: null, memory } };
}

/** Runner._round_value for CPU: up to whole millicores, at least cpu_min_value. */
export function krrRoundCpu(cores: number): number {
  return Math.max(Math.ceil(cores * 10 ** 3) / 10 ** 3, KRR_SIMPLE.cpuMinMillicores / 1000);
}

/** Runner._round_value for memory: up to whole megabytes (10^6 bytes), at least memory_min_value. */
export function krrRoundMemory(bytes: number): number {
  const precPower = 1 / 10 ** 6;
  return Math.max(Math.ceil(bytes * precPower) / precPower, 1_000_000 * KRR_SIMPLE.memoryMinMegabytes);
}
