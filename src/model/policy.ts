// Policy as the analyzers and deciders see it: plain numbers in base units (cores, bytes, hours).
// The config file speaks quantities and durations; src/formats/config.ts converts at the edge.

export type CpuLimitPolicy = { mode: "keep" } | { mode: "none" } | { mode: "ratio"; ratio: number };

export interface RightsizePolicy {
  /** How far back usage is read. */
  historyWindowHours: number;
  /** Below this much history, no recommendation is made. */
  minHistoryHours: number;
  /** Confidence reaches 1 at this much history. */
  fullConfidenceHours: number;
  /** Percentile of usage the request is based on (0..100). */
  requestPercentile: number;
  /** Safety margin over the percentile, as a fraction (0.3 = +30%). */
  requestMargin: number;
  /** The memory limit is at least the request times (1 + this). */
  memoryLimitBuffer: number;
  /** The memory limit is never below the observed maximum times this. */
  memoryLimitOverMax: number;
  cpuLimit: CpuLimitPolicy;
  /** A change smaller than any of these is not proposed. */
  minChange: { fraction: number; cpu: number; memory: number };
  /** Recommendations never go below these. */
  floor: { cpu: number; memory: number };
  /**
   * With at least 3 days of history (src/analyze/sizing-level.ts MIN_MODEL_HOURS) requests come from the
   * forecast rule: this percentile of usage brought to the level expected over the next `horizonHours`
   * (rising trend, level shift up), times (1 + margin), the margin being `marginZ` x the relative error of
   * the hourly level model, at least `minMargin` and at most `requestMargin`. Shorter histories keep the
   * plain rule, requestPercentile x (1 + requestMargin).
   */
  forecastPercentile: number;
  /** The smallest margin of the forecast rule (never above requestMargin). */
  minMargin: number;
  /** Margin = this x the relative error of the hourly level (1.64: one-sided 95% under normal errors). */
  marginZ: number;
  /** The period a recommendation serves: requests are sized for its middle, the memory limit for its end. */
  horizonHours: number;
}

export const DEFAULT_RIGHTSIZE_POLICY: RightsizePolicy = {
  historyWindowHours: 7 * 24,
  minHistoryHours: 24,
  fullConfidenceHours: 7 * 24,
  requestPercentile: 95,
  requestMargin: 0.3,
  memoryLimitBuffer: 0.2,
  memoryLimitOverMax: 1.15,
  cpuLimit: { mode: "keep" },
  minChange: { fraction: 0.1, cpu: 0.01, memory: 16 * 1024 * 1024 },
  floor: { cpu: 0.01, memory: 32 * 1024 * 1024 },
  forecastPercentile: 95.5,
  minMargin: 0.05,
  marginZ: 1.64,
  horizonHours: 7 * 24,
};

/** The OOM fast path: how far the memory limit of an OOM-killed container is raised at once. */
export interface OomPolicy {
  /** Usage history read for the p99 rule. */
  historyWindowHours: number;
  /** At least this much over the current limit (0.2 = +20%) ... */
  raiseFraction: number;
  /** ... and at least this many bytes over it ... */
  raiseMin: number;
  /** ... and never below p99 of usage times this, where there is history. */
  overP99: number;
}

export const DEFAULT_OOM_POLICY: OomPolicy = {
  historyWindowHours: 7 * 24,
  raiseFraction: 0.2,
  raiseMin: 100 * 1024 * 1024,
  overP99: 1.3,
};

export interface PriceModel {
  currency: string;
  /** Price of one vCPU for one hour. */
  cpuHour: number;
  /** Price of one GiB of memory for one hour. */
  memoryGiBHour: number;
}

// Kubecost's default on-demand list prices (its documented fallback); override in kopt.yaml.
export const DEFAULT_PRICES: PriceModel = { currency: "USD", cpuHour: 0.031611, memoryGiBHour: 0.004237 };
