// The Vertical Pod Autoscaler recommender's algorithm, as its source defines it
// (github.com/kubernetes/autoscaler, under vertical-pod-autoscaler/pkg/):
//
// - recommender/model/aggregations_config.go: CPU histogram = NewExponentialHistogramOptions(maxValue 1000
//   cores, firstBucketSize 0.01 cores, ratio 1 + DefaultHistogramBucketSizeGrowth (0.05), epsilon); memory
//   histogram = (1e12 bytes, 1e7 bytes, 1.05, epsilon); epsilon = 0.001 * minSampleWeight (0.1).
//   DefaultCPUHistogramDecayHalfLife = DefaultMemoryHistogramDecayHalfLife = 24h;
//   DefaultMemoryAggregationInterval = 24h. (A pending change, kubernetes/autoscaler PR #7554, would make the
//   first CPU bucket 0.001 cores; released versions use 0.01, see issue #6415.)
// - recommender/util/histogram_options.go: bucket n >= 1 starts at first * (ratio^n - 1) / (ratio - 1);
//   FindBucket(v) = floor(log(v * (ratio - 1) / first + 1) / log(ratio)), 0 below the first bucket size.
// - recommender/util/histogram.go: Percentile(p) walks buckets from the first non-empty one until the
//   cumulative weight reaches p * total, and returns the END of that bucket (the start of the next).
// - recommender/util/decaying_histogram.go: a sample's weight is multiplied by
//   2^((time - referenceTimestamp) / halfLife); the reference is a multiple of halfLife (Time.Round), shifted
//   only when exponents exceed 100 (never within two weeks).
// - recommender/model/aggregate_container_state.go: addCPUSample adds the CPU usage with weight
//   max(request cores, minSampleWeight 0.1); memory peaks are added with weight 1.
// - recommender/model/container.go: addMemorySample keeps ONE peak per container per 24h aggregation
//   interval, timestamped at the interval's end (WindowEnd): a higher sample in the same interval subtracts
//   the old peak and adds the new one. The first sample opens the interval [t0, t0 + 24h).
// - recommender/model/types.go: usage and estimates are ResourceAmount (int64 millicores, int64 bytes),
//   truncated from floats (resourceAmountFromFloat); ScaleResource(a, f) = int64(a * f).
// - recommender/logic/recommender.go: target = percentile 0.9 of the CPU histogram (targetCPUPercentile) and
//   0.9 of the memory-peaks histogram (targetMemoryPercentile), plus safetyMarginFraction 0.15
//   (base + ScaleResource(base, 0.15), estimator.go cpuMarginEstimator / memoryMarginEstimator), then at least
//   podMinCPUMillicores = 25 and podMinMemoryMb = 250 (* 1024 * 1024 bytes), divided among the pod's
//   containers (one here). The confidence multiplier (estimator.go getConfidence, (1 + 1/days)^exponent)
//   applies to the lower and upper bounds only, not to the target, which is what the updater applies.
//   round-cpu-millicores and round-memory-bytes default to 1 (no rounding).
// - utils/vpa/limit_and_request_scaling.go: with the default controlledValues RequestsAndLimits, the admission
//   controller sets limit = originalLimit * recommendedRequest / originalRequest (integer millicores for CPU,
//   integer bytes for memory, rounded down); no original limit -> none; limit but no request, or limit ==
//   request -> limit = the recommended request.
//
// Samples: each 5-minute point of the learn window is fed once, as a metrics-server reading would be, CPU
// and memory in time order. The request used as the CPU weight is today's request (constant).

import type { Resources } from "../../../src/model/types.ts";
import type { LearnInput } from "./traces.ts";

export const VPA = {
  histogramBucketSizeGrowth: 0.05,
  cpuFirstBucketSize: 0.01,
  cpuMaxValue: 1000,
  memoryFirstBucketSize: 1e7,
  memoryMaxValue: 1e12,
  minSampleWeight: 0.1,
  epsilon: 0.001 * 0.1,
  cpuHalfLifeSeconds: 24 * 3600,
  memoryHalfLifeSeconds: 24 * 3600,
  memoryAggregationIntervalSeconds: 24 * 3600,
  targetCpuPercentile: 0.9,
  targetMemoryPercentile: 0.9,
  safetyMarginFraction: 0.15,
  podMinCpuMillicores: 25,
  podMinMemoryMb: 250,
} as const;

/** HistogramOptions (histogram_options.go): the bucketing scheme of a histogram. */
export interface HistogramOptions {
  readonly numBuckets: number;
  readonly epsilon: number;
  findBucket(value: number): number;
  bucketStart(bucket: number): number;
}

/** NewLinearHistogramOptions (histogram_options.go); the VPA's own histogram tests use it. */
export class LinearHistogramOptions implements HistogramOptions {
  readonly numBuckets: number;

  constructor(
    maxValue: number,
    readonly bucketSize: number,
    readonly epsilon: number,
  ) {
    this.numBuckets = Math.ceil(maxValue / bucketSize) + 1;
  }

  findBucket(value: number): number {
    const bucket = Math.trunc(value / this.bucketSize);
    return bucket < 0 ? 0 : Math.min(bucket, this.numBuckets - 1);
  }

  bucketStart(bucket: number): number {
    if (bucket < 0 || bucket >= this.numBuckets) throw new RangeError(`bucket ${bucket} out of range`);
    return bucket * this.bucketSize;
  }
}

/** NewExponentialHistogramOptions (histogram_options.go). */
export class ExponentialHistogramOptions implements HistogramOptions {
  readonly numBuckets: number;

  constructor(
    maxValue: number,
    readonly firstBucketSize: number,
    readonly ratio: number,
    readonly epsilon: number,
  ) {
    this.numBuckets = Math.ceil(logBase(ratio, (maxValue * (ratio - 1)) / firstBucketSize + 1)) + 1;
  }

  findBucket(value: number): number {
    if (value < this.firstBucketSize) return 0;
    const bucket = Math.trunc(logBase(this.ratio, (value * (this.ratio - 1)) / this.firstBucketSize + 1));
    return Math.min(bucket, this.numBuckets - 1);
  }

  bucketStart(bucket: number): number {
    if (bucket < 0 || bucket >= this.numBuckets) throw new RangeError(`bucket ${bucket} out of range`);
    if (bucket === 0) return 0;
    return (this.firstBucketSize * (this.ratio ** bucket - 1)) / (this.ratio - 1);
  }
}

function logBase(base: number, x: number): number {
  return Math.log(x) / Math.log(base);
}

export const CPU_HISTOGRAM_OPTIONS = new ExponentialHistogramOptions(
  VPA.cpuMaxValue,
  VPA.cpuFirstBucketSize,
  1 + VPA.histogramBucketSizeGrowth,
  VPA.epsilon,
);
export const MEMORY_HISTOGRAM_OPTIONS = new ExponentialHistogramOptions(
  VPA.memoryMaxValue,
  VPA.memoryFirstBucketSize,
  1 + VPA.histogramBucketSizeGrowth,
  VPA.epsilon,
);

/** histogram.go and decaying_histogram.go: bucket weights, decayed by sample time. */
export class DecayingHistogram {
  private readonly weights: Float64Array;
  private total = 0;
  private minBucket: number;
  private maxBucket = 0;
  private reference: number | null = null;

  constructor(
    private readonly options: HistogramOptions,
    private readonly halfLifeSeconds: number,
  ) {
    this.weights = new Float64Array(options.numBuckets);
    this.minBucket = options.numBuckets - 1;
  }

  addSample(value: number, weight: number, time: number): void {
    const w = weight * this.decayFactor(time);
    const bucket = this.options.findBucket(value);
    this.weights[bucket] = (this.weights[bucket] as number) + w;
    this.total += w;
    const eps = this.options.epsilon;
    if (bucket < this.minBucket && (this.weights[bucket] as number) >= eps) this.minBucket = bucket;
    if (bucket > this.maxBucket && (this.weights[bucket] as number) >= eps) this.maxBucket = bucket;
  }

  subtractSample(value: number, weight: number, time: number): void {
    let w = weight * this.decayFactor(time);
    const bucket = this.options.findBucket(value);
    const current = this.weights[bucket] as number;
    if (w > current - this.options.epsilon) w = current;
    this.total -= w;
    this.weights[bucket] = current - w;
    this.updateMinAndMaxBucket();
  }

  percentile(p: number): number {
    if (this.isEmpty()) return 0;
    const threshold = p * this.total;
    let partial = 0;
    let bucket = this.minBucket;
    for (; bucket < this.maxBucket; bucket++) {
      partial += this.weights[bucket] as number;
      if (partial >= threshold) break;
    }
    if (bucket < this.options.numBuckets - 1) return this.options.bucketStart(bucket + 1);
    return this.options.bucketStart(bucket);
  }

  isEmpty(): boolean {
    return (this.weights[this.minBucket] as number) < this.options.epsilon;
  }

  private updateMinAndMaxBucket(): void {
    const eps = this.options.epsilon;
    const last = this.options.numBuckets - 1;
    while ((this.weights[this.minBucket] as number) < eps && this.minBucket < last) this.minBucket++;
    while ((this.weights[this.maxBucket] as number) < eps && this.maxBucket > 0) this.maxBucket--;
  }

  private decayFactor(time: number): number {
    // The Go reference starts at the zero time, so the first sample always shifts it to time.Round(halfLife);
    // Unix time 0 is a whole number of days after Go's zero time, so rounding Unix seconds gives the same.
    // Later shifts (after 100 half-lives) only rescale all weights, which no percentile can see.
    if (this.reference === null) {
      this.reference = Math.floor(time / this.halfLifeSeconds + 0.5) * this.halfLifeSeconds;
    }
    return 2 ** ((time - this.reference) / this.halfLifeSeconds);
  }
}

/** AggregateContainerState fed with one container's samples, as ContainerState.AddSample feeds it. */
export class VpaContainerModel {
  readonly cpu = new DecayingHistogram(CPU_HISTOGRAM_OPTIONS, VPA.cpuHalfLifeSeconds);
  readonly memoryPeaks = new DecayingHistogram(MEMORY_HISTOGRAM_OPTIONS, VPA.memoryHalfLifeSeconds);
  private lastCpuSampleStart = Number.NEGATIVE_INFINITY;
  private lastMemorySampleStart = Number.NEGATIVE_INFINITY;
  private windowEnd: number | null = null;
  private memoryPeak = 0;

  /** CPU usage in cores; request in cores (null: none, weight minSampleWeight). */
  addCpuSample(time: number, cores: number, requestCores: number | null): void {
    if (!(cores >= 0) || !(time > this.lastCpuSampleStart)) return;
    const usage = cpuAmountFromCores(cores) / 1000;
    const request = requestCores === null ? 0 : cpuAmountFromCores(requestCores) / 1000;
    this.cpu.addSample(usage, Math.max(request, VPA.minSampleWeight), time);
    this.lastCpuSampleStart = time;
  }

  addMemorySample(time: number, bytes: number): void {
    if (!(bytes >= 0) || time < this.lastMemorySampleStart) return;
    const usage = memoryAmountFromBytes(bytes);
    this.lastMemorySampleStart = time;
    if (this.windowEnd === null) this.windowEnd = time;
    let addNewPeak = false;
    if (time < this.windowEnd) {
      const oldPeak = this.memoryPeak;
      if (oldPeak !== 0 && usage > oldPeak) {
        this.memoryPeaks.subtractSample(oldPeak, 1, this.windowEnd);
        addNewPeak = true;
      }
    } else {
      const interval = VPA.memoryAggregationIntervalSeconds;
      const elapsed = time - this.windowEnd;
      this.windowEnd += elapsed - (elapsed % interval) + interval;
      this.memoryPeak = 0;
      addNewPeak = true;
    }
    if (addNewPeak) {
      this.memoryPeaks.addSample(usage, 1, this.windowEnd);
      this.memoryPeak = usage;
    }
  }

  /** The recommender's target: cores and bytes. */
  target(containersPerPod = 1): { cpu: number; memory: number } {
    const fraction = 1 / containersPerPod;
    const minCpu = scaleResource(cpuAmountFromCores(VPA.podMinCpuMillicores * 0.001), fraction);
    const minMemory = scaleResource(memoryAmountFromBytes(VPA.podMinMemoryMb * 1024 * 1024), fraction);
    const cpuBase = cpuAmountFromCores(this.cpu.percentile(VPA.targetCpuPercentile));
    const memoryBase = memoryAmountFromBytes(this.memoryPeaks.percentile(VPA.targetMemoryPercentile));
    const cpu = Math.max(cpuBase + scaleResource(cpuBase, VPA.safetyMarginFraction), minCpu);
    const memory = Math.max(memoryBase + scaleResource(memoryBase, VPA.safetyMarginFraction), minMemory);
    return { cpu: cpu / 1000, memory };
  }
}

/** types.go CPUAmountFromCores: int64 millicores, truncated. */
function cpuAmountFromCores(cores: number): number {
  return Math.trunc(Math.max(0, cores * 1000));
}

/** types.go MemoryAmountFromBytes: int64 bytes, truncated. */
function memoryAmountFromBytes(bytes: number): number {
  return Math.trunc(Math.max(0, bytes));
}

/** types.go ScaleResource: int64(amount * factor). */
function scaleResource(amount: number, factor: number): number {
  return Math.trunc(Math.max(0, amount * factor));
}

export function vpaStrategy(input: LearnInput): Resources {
  const model = new VpaContainerModel();
  const request = input.current.requests.cpu;
  for (let i = 0; i < input.times.length; i++) {
    const t = input.times[i] as number;
    model.addCpuSample(t, input.cpu[i] as number, request);
    model.addMemorySample(t, input.memory[i] as number);
  }
  const target = model.target();
  return {
    requests: { cpu: target.cpu, memory: target.memory },
    limits: {
      cpu: proportionalLimit("cpu", input.current.limits.cpu, input.current.requests.cpu, target.cpu),
      memory: proportionalLimit(
        "memory",
        input.current.limits.memory,
        input.current.requests.memory,
        target.memory,
      ),
    },
  };
}

/** limit_and_request_scaling.go getProportionalResourceLimit (no LimitRange default limit). */
export function proportionalLimit(
  resource: "cpu" | "memory",
  originalLimit: number | null,
  originalRequest: number | null,
  recommendedRequest: number,
): number | null {
  // CPU is compared and scaled in millicores (Quantity.MilliValue), memory in bytes (Quantity.Value).
  const unit = resource === "cpu" ? 1000 : 1;
  const toUnits = (v: number) => BigInt(Math.ceil(v * unit - 1e-9));
  if (originalLimit === null || originalLimit === 0) return null;
  if (recommendedRequest === 0) return null;
  if (originalRequest === null || originalRequest === 0) return recommendedRequest;
  if (toUnits(originalRequest) === toUnits(originalLimit)) return recommendedRequest;
  const scaled = (toUnits(originalLimit) * toUnits(recommendedRequest)) / toUnits(originalRequest);
  return Number(scaled) / unit;
}
