import { describe, expect, it } from "vitest";
import { daysUntil, forecastHourly, forecastPeak, hourly, mape, seasonalNaive } from "./forecast.ts";

const DAY = 24;
const WEEK = 168;

/** f(0), f(1), ... f(n-1) as hourly data. */
function series(n: number, f: (t: number) => number): Float64Array {
  return Float64Array.from({ length: n }, (_, t) => f(t));
}

/** Deterministic noise in [-1, 1): a 32-bit LCG (Numerical Recipes constants), so no test depends on luck. */
function noise(seed: number): (t: number) => number {
  const values: number[] = [];
  let state = seed >>> 0;
  return (t) => {
    while (values.length <= t) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      values.push(state / 2 ** 31 - 1);
    }
    return values[t] as number;
  };
}

/** Daily sine, 8 lower on days 5 and 6 of each week (the weekend), 0.02/h linear growth. */
function weekdayTraffic(t: number): number {
  const weekend = Math.floor(t / DAY) % 7 >= 5 ? -8 : 0;
  return 100 + 0.02 * t + 10 * Math.sin((2 * Math.PI * t) / DAY) + weekend;
}

describe("hourly", () => {
  // Hour 0 is (0, 3600], hour 1 is (3600, 7200], hour 2 is (7200, 10800].
  const times = Float64Array.from([1, 1800, 3600, 3601, 7200, 10800]);
  const values = Float64Array.from([5, 1, 3, 7, 2, 9]);

  it("takes the max of the samples in (h, h+3600]; a sample exactly at h+3600 belongs to hour h", () => {
    // t=3600 (value 3) is in hour 0; t=7200 (2) in hour 1; t=10800 (9) in hour 2.
    expect(Array.from(hourly(times, values, 0, 10800, "max"))).toEqual([5, 7, 9]);
  });

  it("takes the mean of the samples in (h, h+3600]", () => {
    // hour 0: (5+1+3)/3 = 3; hour 1: (7+2)/2 = 4.5; hour 2: 9
    expect(Array.from(hourly(times, values, 0, 10800, "mean"))).toEqual([3, 4.5, 9]);
  });

  it("ignores a sample exactly at the start (it ends the hour before)", () => {
    const out = hourly(Float64Array.from([3600, 5000]), Float64Array.from([100, 1]), 3600, 7200, "max");
    expect(Array.from(out)).toEqual([1]);
  });

  it("gives NaN for an hour without samples", () => {
    const out = hourly(Float64Array.from([100, 7300]), Float64Array.from([1, 2]), 0, 10800, "mean");
    expect(out[0]).toBe(1);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(2);
  });

  it("counts whole hours inside [start, end] only and skips non-finite values", () => {
    // start 1800 rounds up to 3600; end 12000 covers hours (3600,7200] and (7200,10800].
    const out = hourly(
      Float64Array.from([2000, 4000, 5000, 8000, 11000]),
      Float64Array.from([50, Number.NaN, 4, 6, 70]),
      1800,
      12000,
      "max",
    );
    expect(Array.from(out)).toEqual([4, 6]);
  });

  it("is empty when the range holds no whole hour, and rejects mismatched arrays", () => {
    expect(hourly(times, values, 100, 3000, "max").length).toBe(0);
    expect(() => hourly(times, Float64Array.from([1]), 0, 3600, "max")).toThrow(RangeError);
  });
});

describe("seasonalNaive", () => {
  it("repeats the last week, cyclically beyond a week ahead", () => {
    const history = series(200, (t) => t);
    // n - 168 = 32: [32..199], then 32, 33 again.
    const expected = [...Array.from({ length: 168 }, (_, i) => 32 + i), 32, 33];
    expect(Array.from(seasonalNaive(history, 170))).toEqual(expected);
  });

  it("repeats the last day when the history is shorter than a week", () => {
    const history = series(30, (t) => t);
    // n - 24 = 6: [6..29], then 6, 7.
    const expected = [...Array.from({ length: 24 }, (_, i) => 6 + i), 6, 7];
    expect(Array.from(seasonalNaive(history, 26))).toEqual(expected);
  });

  it("is NaN when the history is shorter than a day", () => {
    const out = seasonalNaive(
      series(23, (t) => t),
      3,
    );
    expect(Array.from(out).every(Number.isNaN)).toBe(true);
  });
});

describe("mape", () => {
  it("averages 100 |a - p| / a over points with actual > 0 and both finite", () => {
    // Scored: |100-110|/100 = 0.1 and |200-150|/200 = 0.25 -> 17.5%. Skipped: actual 0, actual NaN,
    // predicted NaN, predicted Infinity.
    const actual = [100, 200, 0, Number.NaN, 50, 10];
    const predicted = [110, 150, 5, 1, Number.NaN, Number.POSITIVE_INFINITY];
    expect(mape(actual, predicted)).toBeCloseTo(17.5, 12);
  });

  it("is exactly 0 for a perfect prediction", () => {
    expect(mape([1, 2, 3], [1, 2, 3])).toBe(0);
  });

  it("is NaN when no point can be scored", () => {
    expect(mape([], [])).toBeNaN();
    expect(mape([0, -5], [1, 1])).toBeNaN();
    expect(mape([1, 2], [Number.NaN, Number.NaN])).toBeNaN();
  });

  it("rejects arrays of different lengths", () => {
    expect(() => mape([1, 2], [1])).toThrow(RangeError);
  });
});

describe("forecastHourly", () => {
  it("forecasts a noise-free daily + weekly pattern with a trend within 2% and beats seasonal naive", () => {
    const n = 4 * WEEK;
    const history = series(n, weekdayTraffic);
    const actual = series(WEEK, (h) => weekdayTraffic(n + h));
    const f = forecastHourly(history, WEEK);
    const smoothed = mape(actual, f.values);
    // Seasonal naive misses one week of growth: 168 * 0.02 = 3.36 on ~100, about 3%.
    const naive = mape(actual, seasonalNaive(history, WEEK));
    expect(f.method).toBe("holt-winters");
    expect(f.params.gammaWeek).toBeGreaterThanOrEqual(0);
    expect(smoothed).toBeLessThan(2);
    expect(smoothed).toBeLessThan(naive);
    expect(naive).toBeGreaterThan(2.5);
    expect(f.fitMape).toBeLessThan(1);
  });

  it("still forecasts the pattern when hours are missing (filled by the one-step prediction)", () => {
    const n = 4 * WEEK;
    const history = series(n, (t) =>
      t % 37 === 5 || (t >= 400 && t < 410) ? Number.NaN : weekdayTraffic(t),
    );
    const actual = series(WEEK, (h) => weekdayTraffic(n + h));
    const f = forecastHourly(history, WEEK);
    expect(f.values.every(Number.isFinite)).toBe(true);
    expect(mape(actual, f.values)).toBeLessThan(2);
  });

  it("adapts to a level shift within a day", () => {
    // Three weeks at 10, the last 24 hours at 20.
    const history = series(3 * WEEK, (t) => (t >= 3 * WEEK - DAY ? 20 : 10));
    const f = forecastHourly(history, DAY);
    expect(f.method).toBe("holt-winters");
    for (const v of f.values) expect(Math.abs(v - 20)).toBeLessThan(0.5);
  });

  it("adapts to a level shift within a day under a daily pattern", () => {
    const pattern = (t: number) => 5 * Math.sin((2 * Math.PI * t) / DAY);
    const history = series(3 * WEEK, (t) => (t >= 3 * WEEK - DAY ? 40 : 20) + pattern(t));
    const f = forecastHourly(history, DAY);
    const expected = series(DAY, (h) => 40 + pattern(3 * WEEK + h));
    expect(mape(expected, f.values)).toBeLessThan(5);
  });

  it("predicts constant data exactly, with and without the weekly cycle and with missing hours", () => {
    for (const n of [500, 100, 30]) {
      const f = forecastHourly(
        series(n, (t) => (t % 11 === 3 ? Number.NaN : 0.1)),
        WEEK,
      );
      expect(Array.from(f.values).every((v) => v === 0.1)).toBe(true);
      expect(f.fitMape).toBe(0);
    }
  });

  it("uses the daily cycle only with 2 days .. 2 weeks of history", () => {
    const daily = (t: number) => 50 + 10 * Math.sin((2 * Math.PI * t) / DAY);
    const history = series(5 * DAY, daily);
    const f = forecastHourly(history, 2 * DAY);
    expect(f.method).toBe("holt-winters");
    expect(f.params.gammaWeek).toBe(0);
    expect(
      mape(
        series(2 * DAY, (h) => daily(5 * DAY + h)),
        f.values,
      ),
    ).toBeLessThan(0.01);
  });

  it('falls back to "level" (mean of the last 24 hours) with less than 2 days', () => {
    // 30 hours 0..29: the last 24 are 6..29, mean 17.5.
    const f = forecastHourly(
      series(30, (t) => t),
      5,
    );
    expect(f.method).toBe("level");
    expect(Array.from(f.values)).toEqual([17.5, 17.5, 17.5, 17.5, 17.5]);
    expect(f.params).toEqual({ alpha: 0, beta: 0, gammaDay: 0, gammaWeek: 0 });
    // 47 hours is still "level", 48 is not.
    expect(
      forecastHourly(
        series(47, (t) => t + 1),
        1,
      ).method,
    ).toBe("level");
    expect(
      forecastHourly(
        series(48, (t) => t + 1),
        1,
      ).method,
    ).toBe("holt-winters");
  });

  it('"level" uses the last observation when the last 24 hours are missing, NaN with no data', () => {
    const history = series(40, (t) => (t < 10 ? t : Number.NaN));
    expect(Array.from(forecastHourly(history, 2).values)).toEqual([9, 9]);
    const empty = forecastHourly(new Float64Array(5).fill(Number.NaN), 2);
    expect(empty.method).toBe("level");
    expect(Array.from(empty.values).every(Number.isNaN)).toBe(true);
  });

  it("counts history from the first observation (leading missing hours do not make it longer)", () => {
    // 100 hours, of which the first 60 are missing: 40 hours observed -> "level".
    const history = series(100, (t) => (t < 60 ? Number.NaN : 7));
    const f = forecastHourly(history, 3);
    expect(f.method).toBe("level");
    expect(Array.from(f.values)).toEqual([7, 7, 7]);
  });

  it("falls back to seasonal naive when it predicts a held-out last week better", () => {
    // An irregular weekly shape that changes after week 1 and then repeats exactly: "same as last week"
    // is perfect, smoothing started from weeks 1-2 still carries week 1's shape.
    const shapeA = noise(1);
    const shapeB = noise(2);
    const history = series(4 * WEEK, (t) => 100 + 30 * (t < WEEK ? shapeA(t) : shapeB(t % WEEK)));
    const f = forecastHourly(history, WEEK);
    expect(f.method).toBe("seasonal-naive");
    expect(Array.from(f.values)).toEqual(Array.from(seasonalNaive(history, WEEK)));
    expect(f.fitMape).toBeGreaterThan(0);
  });

  it("is deterministic", () => {
    const jitter = noise(7);
    const history = series(4 * WEEK, (t) => weekdayTraffic(t) + 5 * jitter(t));
    const a = forecastHourly(history, WEEK);
    const b = forecastHourly(Float64Array.from(history), WEEK);
    expect(b.params).toEqual(a.params);
    expect(b.method).toBe(a.method);
    expect(Object.is(b.fitMape, a.fitMape)).toBe(true);
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
  });

  it("rejects a horizon that is not a non-negative whole number", () => {
    const history = series(10, () => 1);
    expect(() => forecastHourly(history, -1)).toThrow(RangeError);
    expect(() => forecastHourly(history, 1.5)).toThrow(RangeError);
    expect(forecastHourly(history, 0).values.length).toBe(0);
  });
});

describe("forecastPeak", () => {
  const jitter = noise(3);
  const history = series(4 * WEEK, (t) => weekdayTraffic(t) + 4 * jitter(t));
  const f = forecastHourly(history, WEEK);
  const pointMax = Math.max(...f.values);

  it("is at least the max of the point forecast, and grows with z", () => {
    const peak = forecastPeak(f, history);
    expect(peak).toBeGreaterThan(pointMax);
    expect(forecastPeak(f, history, 3)).toBeGreaterThan(peak);
    expect(forecastPeak(f, history, 0)).toBe(pointMax);
  });

  it("adds z times the root mean square of the one-step residuals", () => {
    // "level" on [10, 20]: forecast 15; the one residual is 20 - 10 = 10 -> 15 + 1.64 * 10 = 31.4.
    const short = Float64Array.from([10, 20]);
    const level = forecastHourly(short, 3);
    expect(level.method).toBe("level");
    expect(forecastPeak(level, short)).toBeCloseTo(31.4, 12);
    expect(forecastPeak(level, short, 2)).toBeCloseTo(35, 12);
  });

  it("has no band on data the model fits exactly", () => {
    const flat = series(3 * WEEK, () => 42);
    expect(forecastPeak(forecastHourly(flat, WEEK), flat)).toBe(42);
  });

  it("rejects a negative z", () => {
    expect(() => forecastPeak(f, history, -1)).toThrow(RangeError);
  });
});

describe("daysUntil", () => {
  // Linear growth 50 + 0.5 t over 4 weeks (t = 0..671); the value at hour t ahead of the history is
  // 50 + 0.5 (671 + t), so capacity c is reached at the first t with that >= c: values[t - 1], day t / 24.
  const n = 4 * WEEK;
  const growth = (t: number) => 50 + 0.5 * t;
  const expectedDays = (capacity: number) => (Math.ceil((capacity - 50) / 0.5) - (n - 1)) / DAY;

  it("finds the analytically expected day of a linear growth, within a day", () => {
    const f = forecastHourly(series(n, growth), WEEK);
    for (const capacity of [400, 430, 460]) {
      const days = daysUntil(f, capacity);
      expect(days).not.toBeNull();
      expect(Math.abs((days as number) - expectedDays(capacity))).toBeLessThanOrEqual(1);
    }
  });

  it("finds it under a daily pattern too (the first daily peak over capacity)", () => {
    const withPattern = (t: number) => growth(t) + 20 * Math.sin((2 * Math.PI * t) / DAY);
    const f = forecastHourly(series(n, withPattern), WEEK);
    const capacity = 450;
    let hour = n;
    while (withPattern(hour) < capacity) hour++;
    const expected = (hour - (n - 1)) / DAY;
    expect(Math.abs((daysUntil(f, capacity) as number) - expected)).toBeLessThanOrEqual(1);
  });

  it("is the first hour (1/24 day) when capacity is already exceeded, null when never reached", () => {
    const f = forecastHourly(series(n, growth), WEEK);
    expect(daysUntil(f, 0)).toBe(1 / DAY);
    expect(daysUntil(f, 1e6)).toBeNull();
    expect(
      daysUntil(
        forecastHourly(
          series(n, () => 10),
          WEEK,
        ),
        10.5,
      ),
    ).toBeNull();
  });
});
