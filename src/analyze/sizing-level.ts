// Where a container's usage level is heading: a small model of the level behind its samples, used by
// rightsize.ts to size for the coming week rather than for the average of the past one.
// Pure: no clock, no randomness; the same samples always give the same model.
//
// On hourly medians (robust to bursts of a few samples), in log scale (changes are relative), with a
// profile by hour of day (UTC) removed, three level models are fitted by least squares:
//   flat    x = a                          (1 parameter)
//   trend   x = a + b t                    (2)
//   shift   x = a + d [t >= c]             (3: the change point c counts as one)
// and the one with the least BIC (n ln(SSE / n) + k ln n) wins; trend and shift must also beat flat by
// MIN_BIC_GAIN, so that noise alone stays flat. The model then says where the level is heading:
//   trend: the fitted line at `aheadHours` after the window;   shift: the level after the change;
//   flat: no change.
// Only moves up are acted on: with a week of history a weekend (or a quiet spell) looks just like a drop,
// and sizing down for a drop that is not there costs CPU shortfall; sizing up for a rise that goes away
// costs money only. So a falling trend or a step down reads as flat, and so does a rise of less than
// MIN_LEVEL_CHANGE.

import { bucketize, bucketValues, medianInPlace } from "./buckets.ts";

const HOUR = 3600;
const DAY_HOURS = 24;

/**
 * Below this many observed hours no model is fitted (three days: three of each hour of day for the
 * profile, and a change point still leaves a day on each side with a day to spare).
 */
export const MIN_MODEL_HOURS = 3 * DAY_HOURS;
/** A change point leaves at least this many hours on each side (the later side sizes the request). */
export const MIN_SEGMENT_HOURS = DAY_HOURS;
/** BIC improvement over "flat" that trend or shift must reach (e^(10/2) ~ 150 : 1 in likelihood terms). */
const MIN_BIC_GAIN = 10;
/**
 * A level model that moves the level up by less than this (0.1 = 10%) at most is read as "flat": a
 * statistically clear but small drift is not worth a different rule (nor a "level shift" in a PR).
 */
export const MIN_LEVEL_CHANGE = 0.1;
/** Values below this are taken as this before the log (0 cores / 0 bytes has no log). */
const LOG_FLOOR = 1e-6;

export type LevelModelKind = "flat" | "trend" | "shift";

export interface LevelModel {
  kind: LevelModelKind;
  /** trend: fitted growth per day, as a fraction (0.03 = +3%/day); 0 otherwise. */
  growthPerDay: number;
  /** shift: Unix time of the change (start of the first hour after it); null otherwise. */
  changeAt: number | null;
  /** shift: level after / level before (2 = doubled); 1 otherwise. */
  shiftFactor: number;
  /**
   * For every sample given to levelModel, the factor that brings it to the level expected `aheadHours`
   * after the window (>= 1; all 1 for "flat", and for a trend or shift downwards, which are not acted on).
   */
  factors: Float64Array;
  /** The same factors for another distance ahead (a trend reads further; flat and shift do not change). */
  factorsAt: (aheadHours: number) => Float64Array;
  /**
   * Residual spread of the hourly medians around the model (hour-of-day profile + level): the root mean
   * square of the log residuals, i.e. the relative error of the model's hourly level. 0 with no model.
   */
  residualSpread: number;
  /** Hours with at least one sample; a model is fitted from MIN_MODEL_HOURS on. */
  observedHours: number;
}

interface Fit {
  kind: LevelModelKind;
  sse: number;
  params: number;
  /** fitted level (log) of hour index k */
  level: (k: number) => number;
  /** level (log) ahead, after the window */
  ahead: number;
  changeHour: number | null;
  slope: number;
  shift: number;
}

/**
 * The level model of samples (times in Unix s, finite values) in the window (start, end]. Fewer than
 * MIN_MODEL_HOURS observed hours: "flat". `aheadHours`: how far after `end` a trend is read.
 */
export function levelModel(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  start: number,
  end: number,
  aheadHours: number,
): LevelModel {
  const first = Math.ceil(start / HOUR) * HOUR;
  const hours = Math.max(0, Math.floor((end - first) / HOUR));
  const hourOf = (t: number) => Math.ceil((t - first) / HOUR) - 1;
  const buckets = bucketize(times, values, hours, hourOf);
  // Observed hours: index k, log median, hour of day (of the hour's start).
  const ks: number[] = [];
  const xs: number[] = [];
  const hods: number[] = [];
  for (let k = 0; k < hours; k++) {
    const b = bucketValues(buckets, k);
    if (b.length === 0) continue;
    ks.push(k);
    xs.push(Math.log(Math.max(LOG_FLOOR, medianInPlace(b))));
    hods.push(Math.floor(((first + k * HOUR) % 86_400) / HOUR));
  }
  const n = ks.length;
  const flatModel = (spread: number): LevelModel => ({
    kind: "flat",
    growthPerDay: 0,
    changeAt: null,
    shiftFactor: 1,
    factors: new Float64Array(times.length).fill(1),
    factorsAt: () => new Float64Array(times.length).fill(1),
    residualSpread: spread,
    observedHours: n,
  });
  if (n < MIN_MODEL_HOURS || hours === 0) return flatModel(0);

  // Profile and level are fitted in turn: the hour-of-day profile (centred) of what the level model
  // leaves, then the level models on what the profile leaves. Two rounds, the first from a flat level:
  // without the second, a trend would leak into the profile as "later hours of the day are higher".
  const bic = (f: Fit) => n * Math.log(Math.max(f.sse, 1e-300) / n) + f.params * Math.log(n);
  // The first round's flat level: the mean, computed once (not once per hour).
  const xsMean = mean(xs);
  let base: (k: number) => number = () => xsMean;
  let best: Fit | undefined;
  let flat: Fit | undefined;
  for (let round = 0; round < 2; round++) {
    const profile = hourOfDayProfile(
      xs.map((x, i) => x - base(ks[i] as number)),
      hods,
    );
    const z = xs.map((x, i) => x - (profile[hods[i] as number] as number));
    const fits = [fitFlat(z), fitTrend(ks, z, hours, aheadHours), fitShift(ks, z)].filter(
      (f): f is Fit => f !== null,
    );
    flat = fits[0] as Fit;
    best = flat;
    for (const f of fits.slice(1)) {
      if (bic(f) < bic(flat) - MIN_BIC_GAIN && bic(f) < bic(best)) best = f;
    }
    base = best.level;
  }
  if (!best || !flat) return flatModel(0);
  const spread = Math.sqrt(best.sse / n);
  const flatSpread = Math.sqrt(flat.sse / n);
  if (best.kind === "flat") return flatModel(spread);

  const model = best;
  const factorsAt = (ahead: number) => {
    const target = model.kind === "trend" ? model.level(hours - 1 + ahead) : model.ahead;
    // The factor depends on the hour only: one exp per hour, not per sample.
    const byHour = new Float64Array(hours);
    for (let k = 0; k < hours; k++) byHour[k] = Math.max(1, Math.exp(target - model.level(k)));
    const out = new Float64Array(times.length);
    for (let i = 0; i < times.length; i++) {
      out[i] = byHour[Math.min(hours - 1, Math.max(0, hourOf(times[i] as number)))] as number;
    }
    return out;
  };
  const factors = factorsAt(aheadHours);
  let largest = 1;
  for (const f of factors) if (f > largest) largest = f;
  // A move down, or up by less than MIN_LEVEL_CHANGE, is read as no change (with flat's own spread).
  if (largest < 1 + MIN_LEVEL_CHANGE) return flatModel(flatSpread);
  return {
    kind: best.kind,
    growthPerDay: best.kind === "trend" ? Math.exp(best.slope * DAY_HOURS) - 1 : 0,
    changeAt: best.changeHour === null ? null : first + best.changeHour * HOUR,
    shiftFactor: best.kind === "shift" ? Math.exp(best.shift) : 1,
    factors,
    factorsAt,
    residualSpread: spread,
    observedHours: n,
  };
}

function hourOfDayProfile(xs: readonly number[], hods: readonly number[]): Float64Array {
  const sums = new Float64Array(DAY_HOURS);
  const counts = new Float64Array(DAY_HOURS);
  let total = 0;
  for (let i = 0; i < xs.length; i++) {
    const h = hods[i] as number;
    sums[h] = (sums[h] as number) + (xs[i] as number);
    counts[h] = (counts[h] as number) + 1;
    total += xs[i] as number;
  }
  const mean = total / xs.length;
  const profile = new Float64Array(DAY_HOURS);
  for (let h = 0; h < DAY_HOURS; h++) {
    profile[h] = counts[h] ? (sums[h] as number) / (counts[h] as number) - mean : 0;
  }
  return profile;
}

function fitFlat(z: readonly number[]): Fit {
  const a = mean(z);
  return {
    kind: "flat",
    sse: sse(z, () => a),
    params: 1,
    level: () => a,
    ahead: a,
    changeHour: null,
    slope: 0,
    shift: 0,
  };
}

function fitTrend(ks: readonly number[], z: readonly number[], hours: number, aheadHours: number): Fit {
  const kMean = mean(ks);
  const zMean = mean(z);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < ks.length; i++) {
    const dk = (ks[i] as number) - kMean;
    sxy += dk * ((z[i] as number) - zMean);
    sxx += dk * dk;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const level = (k: number) => zMean + slope * (k - kMean);
  return {
    kind: "trend",
    sse: sse(z, (i) => level(ks[i] as number)),
    params: 2,
    level,
    // Hour index `hours - 1` ends at the window's end; aheadHours after that.
    ahead: level(hours - 1 + aheadHours),
    changeHour: null,
    slope,
    shift: 0,
  };
}

/** The best single change point with at least MIN_SEGMENT_HOURS observed hours on each side; null if none. */
function fitShift(ks: readonly number[], z: readonly number[]): Fit | null {
  const n = z.length;
  if (n < 2 * MIN_SEGMENT_HOURS) return null;
  const prefix = new Float64Array(n + 1);
  const prefixSq = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    prefix[i + 1] = (prefix[i] as number) + (z[i] as number);
    prefixSq[i + 1] = (prefixSq[i] as number) + (z[i] as number) ** 2;
  }
  const segmentSse = (from: number, to: number) => {
    const s = (prefix[to] as number) - (prefix[from] as number);
    const sq = (prefixSq[to] as number) - (prefixSq[from] as number);
    return Math.max(0, sq - (s * s) / (to - from));
  };
  let bestSplit = -1;
  let bestSse = Number.POSITIVE_INFINITY;
  for (let c = MIN_SEGMENT_HOURS; c <= n - MIN_SEGMENT_HOURS; c++) {
    const total = segmentSse(0, c) + segmentSse(c, n);
    if (total < bestSse) {
      bestSse = total;
      bestSplit = c;
    }
  }
  if (bestSplit < 0) return null;
  const before = ((prefix[bestSplit] as number) - (prefix[0] as number)) / bestSplit;
  const after = ((prefix[n] as number) - (prefix[bestSplit] as number)) / (n - bestSplit);
  const changeHour = ks[bestSplit] as number;
  return {
    kind: "shift",
    sse: bestSse,
    params: 3,
    level: (k: number) => (k >= changeHour ? after : before),
    ahead: after,
    changeHour,
    slope: 0,
    shift: after - before,
  };
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function sse(z: readonly number[], fitted: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += ((z[i] as number) - fitted(i)) ** 2;
  return s;
}
