// Forecasting hourly usage: additive Holt-Winters with a damped trend and two seasonal cycles (day, week),
// and the seasonal-naive baseline it has to beat. Pure: no clock, no randomness; the same series always
// gives the same forecast.
//
// Model (Taylor 2003, "Short-term electricity demand forecasting using double seasonal exponential
// smoothing", J. Oper. Res. Soc. 54(8), written additively, with the damped trend of Hyndman &
// Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed., section 8.3). With s1 = 24, s2 = 168:
//   level    l_t = alpha (y_t - d_{t-s1} - w_{t-s2}) + (1 - alpha) (l_{t-1} + phi b_{t-1})
//   trend    b_t = beta (l_t - l_{t-1}) + (1 - beta) phi b_{t-1}
//   daily    d_t = gammaDay (y_t - l_t - w_{t-s2}) + (1 - gammaDay) d_{t-s1}
//   weekly   w_t = gammaWeek (y_t - l_t - d_{t-s1}) + (1 - gammaWeek) w_{t-s2}
//   forecast y_{t+h|t} = l_t + (phi + phi^2 + ... + phi^h) b_t + d_{t+h-s1(k1+1)} + w_{t+h-s2(k2+1)},
//            k_i = floor((h-1)/s_i), i.e. the latest index of the same hour of day / hour of week.
// It is run in the equivalent error-correction form (FPP section 8.5), with e_t = y_t - y_{t|t-1}:
//   l_t = l_{t-1} + phi b_{t-1} + alpha e_t        b_t = phi b_{t-1} + alpha beta e_t
//   d_t = d_{t-s1} + gammaDay (1 - alpha) e_t      w_t = w_{t-s2} + gammaWeek (1 - alpha) e_t
// (FPP section 8.3 derives gamma = gamma* (1 - alpha) for the seasonal update written against l_t.) That
// form keeps a zero error exactly zero, so constant data forecasts its constant exactly, and a missing hour
// (its observation replaced by the prediction, e_t = 0) simply carries every state forward.

const DAY = 24;
const WEEK = 168;

/**
 * Trend damping phi, per hour. 0.98 (a usual per-step value) would cap the extrapolated trend at
 * phi / (1 - phi) = 49 hours of growth, so a week ahead would see two days of it; 0.999 still bends a
 * trend over a week (168 h ahead extrapolates 154 h of it) but keeps "days until full" meaningful.
 */
const PHI = 0.999;

/**
 * The grid searched for the Holt-Winters parameters: 8 x 4 x 4 x 4 = 512 combinations with both seasonal
 * cycles, 128 with the daily one only (gammaWeek fixed at 0). Small seasonal rates because the seasonal
 * indices are set from whole cycles at the start and only need to drift; beta is relative to alpha.
 */
const GRID = {
  alpha: [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9],
  beta: [0, 0.01, 0.05, 0.15],
  gammaDay: [0, 0.05, 0.15, 0.3],
  gammaWeek: [0, 0.05, 0.15, 0.3],
} as const;

const NO_PARAMS: HoltWintersParams = { alpha: 0, beta: 0, gammaDay: 0, gammaWeek: 0 };

export interface HoltWintersParams {
  alpha: number;
  beta: number;
  gammaDay: number;
  gammaWeek: number;
}

export interface Forecast {
  /** hourly predictions for the next `horizon` hours; values[i] is the hour ending (i + 1) h after the history */
  values: Float64Array;
  /** the fitted smoothing parameters; all 0 for "seasonal-naive" and "level" */
  params: HoltWintersParams;
  /** in-sample one-step MAPE, in percent (NaN when no point could be scored) */
  fitMape: number;
  method: "holt-winters" | "seasonal-naive" | "level";
}

/**
 * Hourly aggregates of a series: times (Unix s, ascending) and values -> one value per whole UTC hour: the
 * given reducer ("max" | "mean") of the samples in (h, h+3600]; hours without samples are NaN.
 * The hours are the whole ones inside [start, end]: the first starts at start rounded up to the hour, the
 * last ends at or before end. Samples outside them and non-finite values are ignored.
 * Throws a RangeError when times and values differ in length.
 */
export function hourly(
  times: Float64Array,
  values: Float64Array,
  start: number,
  end: number,
  reduce: "max" | "mean",
): Float64Array {
  if (times.length !== values.length) {
    throw new RangeError(`times and values differ in length: ${times.length} vs ${values.length}`);
  }
  const first = Math.ceil(start / 3600) * 3600;
  const hours = Math.max(0, Math.floor((end - first) / 3600));
  const out = new Float64Array(hours).fill(Number.NaN);
  const counts = new Float64Array(hours);
  for (let i = 0; i < times.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    // (h, h+3600] is right-closed: a sample stamped exactly on the hour ends the previous hour, which is
    // how Prometheus range steps and rate windows are stamped too.
    const k = Math.ceil(((times[i] as number) - first) / 3600) - 1;
    if (!(k >= 0 && k < hours)) continue;
    const n = counts[k] as number;
    const prev = out[k] as number;
    if (n === 0) out[k] = v;
    else if (reduce === "max") out[k] = v > prev ? v : prev;
    else out[k] = prev + v;
    counts[k] = n + 1;
  }
  if (reduce === "mean")
    for (let k = 0; k < hours; k++) if (counts[k]) out[k] = (out[k] as number) / (counts[k] as number);
  return out;
}

/**
 * Forecast the next `horizon` hours of an hourly series (NaN = missing hour).
 * - Leading missing hours are dropped: the history starts at its first observation.
 * - >= 2 weeks: additive Holt-Winters, damped trend, daily and weekly seasonal indices (model at the top of
 *   this file). Initial state from the first two weeks: level = mean of week 1, trend = (mean of week 2 -
 *   mean of week 1) / 168, daily indices = mean detrended value per hour of day, weekly indices = mean of
 *   what remains per hour of week, each set centred on 0. Parameters: the GRID point with the least
 *   one-step-ahead squared error after a one-week warm-up (first point wins a tie). Missing hours are
 *   filled by the one-step prediction.
 * - With >= 3 weeks the last week is also held out: if the seasonal-naive forecast from the weeks before it
 *   predicts it with a strictly lower MAPE than Holt-Winters fitted on those weeks, the result is
 *   seasonalNaive(history, horizon) ("seasonal-naive"); smoothing that cannot beat "same as last week"
 *   on data it has not seen should not be trusted further ahead.
 * - 2 days .. 2 weeks: the same with the daily cycle only (gammaWeek = 0, warm-up one day, initial state from
 *   the first two days).
 * - < 2 days: "level": the mean of the last 24 hours' observations (of the last observation when they are
 *   all missing) for every hour ahead. No observation at all: NaN.
 * Throws a RangeError unless horizon is a non-negative integer.
 */
export function forecastHourly(history: Float64Array, horizon: number): Forecast {
  if (!(Number.isInteger(horizon) && horizon >= 0)) {
    throw new RangeError(`horizon must be a non-negative whole number of hours, got ${horizon}`);
  }
  const y = observed(history);
  const method = methodFor(y);
  if (method === "level") {
    const level = levelBefore(y, y.length);
    return {
      values: new Float64Array(horizon).fill(level),
      params: { ...NO_PARAMS },
      fitMape: mape(y, inSamplePredictions(y, "level", NO_PARAMS)),
      method,
    };
  }

  const weekly = y.length >= 2 * WEEK;
  if (y.length >= 3 * WEEK) {
    const fitted = y.subarray(0, y.length - WEEK);
    const heldOut = y.subarray(y.length - WEEK);
    const smoothed = mape(heldOut, holtWinters(fitted, true, WEEK).values);
    const naive = mape(heldOut, seasonalNaive(fitted, WEEK));
    if (naive < smoothed) {
      return {
        values: seasonalNaive(y, horizon),
        params: { ...NO_PARAMS },
        fitMape: mape(y, inSamplePredictions(y, "seasonal-naive", NO_PARAMS)),
        method: "seasonal-naive",
      };
    }
  }
  return holtWinters(y, weekly, horizon);
}

/**
 * Naive seasonal forecast: the value one week (168 h) earlier, or one day earlier when the history is
 * shorter than a week; repeated cyclically beyond one season ahead. All NaN when the history is shorter
 * than a day. A missing hour in the history is a missing (NaN) forecast.
 */
export function seasonalNaive(history: Float64Array, horizon: number): Float64Array {
  const n = history.length;
  const out = new Float64Array(horizon).fill(Number.NaN);
  const lag = n >= WEEK ? WEEK : DAY;
  if (n < lag) return out;
  for (let h = 0; h < horizon; h++) out[h] = history[n - lag + (h % lag)] as number;
  return out;
}

/**
 * Mean absolute percentage error, in percent: mean of 100 |actual - predicted| / actual over points where
 * actual > 0 and both are finite; NaN when none. Throws a RangeError when the lengths differ.
 */
export function mape(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  if (actual.length !== predicted.length) {
    throw new RangeError(`actual and predicted differ in length: ${actual.length} vs ${predicted.length}`);
  }
  let sum = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const p = predicted[i] as number;
    if (!(a > 0 && Number.isFinite(a) && Number.isFinite(p))) continue;
    sum += Math.abs(a - p) / a;
    count++;
  }
  return count === 0 ? Number.NaN : (100 * sum) / count;
}

/**
 * Peak of a forecast with an upper bound: the max over the horizon of (prediction + z * residual std),
 * z default 1.64 (one-sided 95% under normal errors). The residual std is the root mean square of f's
 * in-sample one-step errors on `history` (the series f was made from), 0 when there are none. It is a
 * one-step spread, so the band is narrower than the true uncertainty days ahead: a floor, not a ceiling.
 * NaN when the forecast has no finite value. Throws a RangeError for a negative or non-finite z.
 */
export function forecastPeak(f: Forecast, history: Float64Array, z = 1.64): number {
  if (!(Number.isFinite(z) && z >= 0)) throw new RangeError(`z must be a finite number >= 0, got ${z}`);
  const y = observed(history);
  const predicted = inSamplePredictions(y, f.method, f.params);
  let squares = 0;
  let count = 0;
  for (let t = 0; t < y.length; t++) {
    const e = (y[t] as number) - (predicted[t] as number);
    if (!Number.isFinite(e)) continue;
    squares += e * e;
    count++;
  }
  const band = count === 0 ? 0 : z * Math.sqrt(squares / count);
  let peak = Number.NaN;
  for (const v of f.values) if (Number.isFinite(v) && !(v + band <= peak)) peak = v + band;
  return peak;
}

/**
 * Days until a capacity is reached: first forecast hour where demand >= capacity, as days from the end of
 * history ((i + 1) / 24 for values[i], the hour ending i + 1 hours after it); null when not within the
 * horizon.
 */
export function daysUntil(f: Forecast, capacity: number): number | null {
  for (let i = 0; i < f.values.length; i++) if ((f.values[i] as number) >= capacity) return (i + 1) / DAY;
  return null;
}

/** The history from its first finite value on (a view, not a copy). */
function observed(history: Float64Array): Float64Array {
  let first = 0;
  while (first < history.length && !Number.isFinite(history[first] as number)) first++;
  return history.subarray(first);
}

function methodFor(y: Float64Array): "holt-winters" | "level" {
  return y.length >= 2 * DAY ? "holt-winters" : "level";
}

interface State {
  level: number;
  trend: number;
  /** by hour of day (t mod 24): the latest daily index of that hour */
  day: Float64Array;
  /** by hour of week (t mod 168); all 0 with the daily cycle only */
  week: Float64Array;
}

/** Fit by grid search, then forecast from the state after the whole history. */
function holtWinters(y: Float64Array, weekly: boolean, horizon: number): Forecast {
  const init = initialState(y, weekly);
  const warmUp = weekly ? WEEK : DAY;
  let best: HoltWintersParams = { alpha: GRID.alpha[0], beta: 0, gammaDay: 0, gammaWeek: 0 };
  let bestError = Number.POSITIVE_INFINITY;
  for (const alpha of GRID.alpha) {
    for (const beta of GRID.beta) {
      for (const gammaDay of GRID.gammaDay) {
        for (const gammaWeek of weekly ? GRID.gammaWeek : [0]) {
          const params = { alpha, beta, gammaDay, gammaWeek };
          const error = smooth(y, init, params, warmUp, bestError).squaredError;
          if (error < bestError) {
            bestError = error;
            best = params;
          }
        }
      }
    }
  }
  const predicted = new Float64Array(y.length).fill(Number.NaN);
  const { state } = smooth(y, init, best, warmUp, Number.POSITIVE_INFINITY, predicted);
  return {
    values: project(state, y.length, horizon),
    params: best,
    fitMape: mape(y, predicted),
    method: "holt-winters",
  };
}

/**
 * Run the recursions over y from init. Returns the squared one-step error summed over observed hours from
 * `scoreFrom` on, and the final state. Stops early (the sum then being incomplete) once the sum exceeds
 * `stopAbove`: in a grid search that point has lost already. `predicted`, when given, receives the
 * one-step predictions from `scoreFrom` on.
 */
function smooth(
  y: Float64Array,
  init: State,
  p: HoltWintersParams,
  scoreFrom: number,
  stopAbove: number,
  predicted?: Float64Array,
): { squaredError: number; state: State } {
  const day = init.day.slice();
  const week = init.week.slice();
  let level = init.level;
  let trend = init.trend;
  const levelGain = p.alpha;
  const trendGain = p.alpha * p.beta;
  const dayGain = p.gammaDay * (1 - p.alpha);
  const weekGain = p.gammaWeek * (1 - p.alpha);
  let squaredError = 0;
  for (let t = 0; t < y.length; t++) {
    const hd = t % DAY;
    const hw = t % WEEK;
    const d = day[hd] as number;
    const w = week[hw] as number;
    const damped = PHI * trend;
    const prediction = level + damped + d + w;
    const actual = y[t] as number;
    const observed = Number.isFinite(actual);
    // A missing hour takes the prediction as its value: zero error, every state carries forward.
    const e = observed ? actual - prediction : 0;
    level = level + damped + levelGain * e;
    trend = damped + trendGain * e;
    day[hd] = d + dayGain * e;
    week[hw] = w + weekGain * e;
    if (t >= scoreFrom) {
      if (predicted) predicted[t] = prediction;
      if (observed) {
        squaredError += e * e;
        if (squaredError > stopAbove) break;
      }
    }
  }
  return { squaredError, state: { level, trend, day, week } };
}

/** Forecast equation: level + damped trend sum + the latest seasonal indices of the hour ahead. */
function project(state: State, n: number, horizon: number): Float64Array {
  const out = new Float64Array(horizon);
  let dampedSum = 0;
  let phiPower = 1;
  for (let h = 1; h <= horizon; h++) {
    phiPower *= PHI;
    dampedSum += phiPower;
    const t = n - 1 + h;
    out[h - 1] =
      state.level +
      dampedSum * state.trend +
      (state.day[t % DAY] as number) +
      (state.week[t % WEEK] as number);
  }
  return out;
}

/**
 * Initial state from the first two cycles of the longest season m (two weeks, or two days with the daily
 * cycle only): the classical-decomposition start also used by Taylor 2003. y[0] is observed (see observed).
 */
function initialState(y: Float64Array, weekly: boolean): State {
  const m = weekly ? WEEK : DAY;
  const span = Math.min(y.length, 2 * m);
  const firstMean = meanObserved(y, 0, m);
  const secondMean = meanObserved(y, m, span);
  const slope = Number.isFinite(secondMean) ? (secondMean - firstMean) / m : 0;
  // firstMean is the level in the middle of the first cycle, at t = (m - 1) / 2.
  const middle = (m - 1) / 2;
  const trendLine = (t: number) => firstMean + slope * (t - middle);
  const day = phaseMeans(y, span, DAY, trendLine);
  const week = weekly
    ? phaseMeans(y, span, WEEK, (t) => trendLine(t) + (day[t % DAY] as number))
    : new Float64Array(WEEK);
  // The state "before t = 0", so that the first recursion step predicts y[0].
  return { level: trendLine(-1), trend: slope, day, week };
}

/**
 * Per phase (t mod period) over y[0, span): the mean of y - base(t) over observed hours (0 for a phase never
 * observed), the whole set then shifted to sum to 0 so that the level keeps the mean.
 */
function phaseMeans(
  y: Float64Array,
  span: number,
  period: number,
  base: (t: number) => number,
): Float64Array {
  const sums = new Float64Array(period);
  const counts = new Float64Array(period);
  for (let t = 0; t < span; t++) {
    const v = y[t] as number;
    if (!Number.isFinite(v)) continue;
    sums[t % period] = (sums[t % period] as number) + (v - base(t));
    counts[t % period] = (counts[t % period] as number) + 1;
  }
  let total = 0;
  for (let p = 0; p < period; p++) {
    sums[p] = counts[p] ? (sums[p] as number) / (counts[p] as number) : 0;
    total += sums[p] as number;
  }
  const offset = total / period;
  // Subtracting 0 must leave exact indices exact (constant data): skip the no-op instead of relying on it.
  if (offset !== 0) for (let p = 0; p < period; p++) sums[p] = (sums[p] as number) - offset;
  return sums;
}

/**
 * Mean of the finite values in y[from, to), NaN when none. Taken relative to the first of them, so that
 * equal values give exactly that value (a plain sum / n can be off in the last bit).
 */
function meanObserved(y: Float64Array, from: number, to: number): number {
  let reference = Number.NaN;
  let sum = 0;
  let count = 0;
  for (let t = from; t < to; t++) {
    const v = y[t] as number;
    if (!Number.isFinite(v)) continue;
    if (count === 0) reference = v;
    sum += v - reference;
    count++;
  }
  return count === 0 ? Number.NaN : reference + sum / count;
}

/** The "level" forecast made at `end`: mean of y[end-24, end) observed, else the last observation before. */
function levelBefore(y: Float64Array, end: number): number {
  const mean = meanObserved(y, Math.max(0, end - DAY), end);
  if (Number.isFinite(mean)) return mean;
  for (let t = end - 1; t >= 0; t--) if (Number.isFinite(y[t] as number)) return y[t] as number;
  return Number.NaN;
}

/** One-step in-sample predictions of a method (NaN where it makes none): for fitMape and the peak's band. */
function inSamplePredictions(
  y: Float64Array,
  method: Forecast["method"],
  params: HoltWintersParams,
): Float64Array {
  const predicted = new Float64Array(y.length).fill(Number.NaN);
  switch (method) {
    case "level":
      for (let t = 1; t < y.length; t++) predicted[t] = levelBefore(y, t);
      break;
    case "seasonal-naive": {
      const lag = y.length >= WEEK ? WEEK : DAY;
      for (let t = lag; t < y.length; t++) predicted[t] = y[t - lag] as number;
      break;
    }
    case "holt-winters": {
      // The history length decides the cycles exactly as in forecastHourly, so the same params replay the same fit.
      if (methodFor(y) === "level") break;
      const weekly = y.length >= 2 * WEEK;
      smooth(y, initialState(y, weekly), params, weekly ? WEEK : DAY, Number.POSITIVE_INFINITY, predicted);
      break;
    }
  }
  return predicted;
}
