// The fixed-request frontier: the cheapest set of fixed CPU requests that reaches a given pooled CPU
// shortfall on the score week, found by an oracle that knows that week. No rule that sets one CPU request
// per workload from the learn window can be cheaper at the same shortfall, so it bounds what any strategy
// in strategies.ts can reach.
//
// Why one common percentile: pooled shortfall is S = sum_i S_i(r_i) / sum of cpu, with S_i(r) = sum over
// steps of max(0, cpu - r), convex and decreasing in r with slope -N_i(r), the number of steps above r.
// Cost is linear in sum_i r_i at one price per core. Minimising cost subject to S <= target, the Lagrange
// (KKT) condition is N_i(r_i) equal for every workload: the same exceedance count. With score windows of
// equal length n, the requests at one common percentile q (linear interpolation, rank q/100 * (n-1)) all
// lie in the same gap between sorted samples, lo = floor(rank) and lo + 1, where every workload's slope is
// the same -(n - 1 - lo) per core: moving q moves every workload along the frontier at the same rate. So
// the percentile family is the whole cost/shortfall frontier of fixed requests (unrounded; real requests
// in whole millicores can only cost more), and the cheapest point at a target is its smallest q whose
// shortfall is <= the target, found by bisection (the shortfall is continuous and non-increasing in q).
// Windows of different lengths break "same count = same percentile", so they are refused.
//
// Memory has no frontier here: the benchmark scores memory only through the limit (OOM episodes), so a
// request of 0 would cost nothing and score the same. The floor used instead is each workload's mean memory
// over its score week: below it, the requests of all pods on a node are less than what they hold on
// average, the node is overcommitted on memory most of the time, and the kubelet evicts pods whose usage
// exceeds their request first under memory pressure. No sensible rule requests less; every strategy in
// the benchmark requests far more. It is a floor by convention, not a bound in the sense of the CPU one.
//
// Costs use the benchmark's prices (score.ts: DEFAULT_PRICES, 730 h, one replica), kept unrounded so
// comparisons are exact; round only to print.

import { HOURS_PER_MONTH } from "../../../src/analyze/cost.ts";
import { percentile, sortNumbers } from "../../../src/analyze/stats.ts";
import { DEFAULT_PRICES } from "../../../src/model/policy.ts";

/** One workload's score week. */
export interface ScoreWindow {
  cpu: Float64Array;
  memory: Float64Array;
}

export interface CpuOracleResult {
  /** The common percentile (0..100): the smallest whose pooled shortfall is <= the target. */
  percentile: number;
  /** The bisection's last infeasible percentile (pooled shortfall above the target); -1 when q = 0 fits. */
  infeasibleBelow: number;
  /** Cores per workload, in the order of the windows. */
  requests: number[];
  /** Pooled CPU shortfall of these requests (0..1), <= the target. */
  cpuShortfall: number;
  /** USD per month of the CPU requests, unrounded. */
  cpuCost: number;
}

/** Bisection stops when the bracket on q is this narrow (percentile points). */
export const PERCENTILE_TOLERANCE = 1e-9;

/** Monthly cost of this many cores, as score.ts prices a CPU request (unrounded). */
export function cpuCoresCost(cores: number): number {
  return cores * DEFAULT_PRICES.cpuHour * HOURS_PER_MONTH;
}

/** Monthly cost of this many bytes of memory request, as score.ts prices it (unrounded). */
export function memoryBytesCost(bytes: number): number {
  return (bytes / 2 ** 30) * DEFAULT_PRICES.memoryGiBHour * HOURS_PER_MONTH;
}

/** Pooled CPU shortfall of fixed requests: sum of max(0, cpu - request) over sum of cpu (as score.ts). */
export function pooledCpuShortfall(windows: readonly ScoreWindow[], requests: readonly number[]): number {
  let used = 0;
  let short = 0;
  windows.forEach((w, i) => {
    const r = requests[i] as number;
    for (const v of w.cpu) {
      used += v;
      if (v > r) short += v - r;
    }
  });
  return used > 0 ? short / used : 0;
}

/**
 * The cheapest fixed CPU requests whose pooled shortfall on the score windows is <= targetShortfall: every
 * workload at the same percentile q of its own score-week CPU, q found by bisection. Throws on no windows,
 * windows of different lengths or an empty one, or a target outside 0..1.
 */
export function cpuOracle(windows: readonly ScoreWindow[], targetShortfall: number): CpuOracleResult {
  if (windows.length === 0) throw new RangeError("cpuOracle: no score windows");
  const n = (windows[0] as ScoreWindow).cpu.length;
  if (n === 0 || windows.some((w) => w.cpu.length !== n)) {
    throw new RangeError("cpuOracle: score windows must be non-empty and of one length");
  }
  if (!(targetShortfall >= 0 && targetShortfall <= 1)) {
    throw new RangeError(`cpuOracle: target shortfall must be within 0..1, got ${targetShortfall}`);
  }
  const sorted = windows.map((w) => sortNumbers(Array.from(w.cpu)));
  const requestsAt = (q: number) => sorted.map((s) => percentile(s, q));
  const shortfallAt = (q: number) => pooledCpuShortfall(windows, requestsAt(q));

  // At q = 100 every request is its week's maximum: no shortfall, so hi is always feasible.
  let lo = 0;
  let hi = 100;
  if (shortfallAt(lo) <= targetShortfall) {
    hi = 0;
    lo = -1;
  } else {
    // Invariant: shortfallAt(lo) > target >= shortfallAt(hi).
    while (hi - lo > PERCENTILE_TOLERANCE) {
      const mid = (lo + hi) / 2;
      if (mid <= lo || mid >= hi) break; // floating point can split no further
      if (shortfallAt(mid) <= targetShortfall) hi = mid;
      else lo = mid;
    }
  }
  const requests = requestsAt(hi);
  return {
    percentile: hi,
    infeasibleBelow: lo,
    requests,
    cpuShortfall: pooledCpuShortfall(windows, requests),
    cpuCost: cpuCoresCost(requests.reduce((a, b) => a + b, 0)),
  };
}

export interface MemoryFloor {
  /** Bytes per workload: the mean of its score-week memory. */
  requests: number[];
  /** USD per month of those requests, unrounded. */
  memoryCost: number;
}

/** Each workload's mean score-week memory as its request, and what that costs: see the header. */
export function memoryFloor(windows: readonly ScoreWindow[]): MemoryFloor {
  const requests = windows.map((w) => {
    if (w.memory.length === 0) throw new RangeError("memoryFloor: empty score window");
    let sum = 0;
    for (const v of w.memory) sum += v;
    return sum / w.memory.length;
  });
  return { requests, memoryCost: memoryBytesCost(requests.reduce((a, b) => a + b, 0)) };
}
