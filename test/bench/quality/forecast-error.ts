// The forecast error report of issue 5: how well forecastHourly (src/analyze/forecast.ts) predicts the score
// week's hourly mean CPU from the learn window, against the naive seasonal forecast ("same hour last week").
// MAPE in percent per workload; per shape and overall, the mean over workloads.

import { forecastHourly, hourly, mape, seasonalNaive } from "../../../src/analyze/forecast.ts";
import { LEARN_END, LEARN_STEPS, SCORE_DAYS, SHAPES, type Shape, START, type Trace } from "./traces.ts";

const HORIZON_HOURS = SCORE_DAYS * 24;

export interface ForecastErrorRow {
  workloads: number;
  /** Mean MAPE (%) of forecastHourly over the score week. */
  forecast: number;
  /** Mean MAPE (%) of seasonalNaive over the score week. */
  seasonalNaive: number;
  /** Workloads where forecastHourly's MAPE is lower than seasonal-naive's. */
  forecastBetter: number;
}

export interface ForecastErrorResult {
  byShape: Record<Shape, ForecastErrorRow>;
  overall: ForecastErrorRow;
}

/** MAPE (%) of both forecasts of one trace's score week, from its learn window's hourly mean CPU. */
export function forecastErrorOf(trace: Trace): { forecast: number; seasonalNaive: number } {
  const history = hourly(
    trace.times.subarray(0, LEARN_STEPS),
    trace.cpu.subarray(0, LEARN_STEPS),
    START,
    LEARN_END,
    "mean",
  );
  const actual = hourly(
    trace.times.subarray(LEARN_STEPS),
    trace.cpu.subarray(LEARN_STEPS),
    LEARN_END,
    LEARN_END + HORIZON_HOURS * 3600,
    "mean",
  );
  return {
    forecast: mape(actual, forecastHourly(history, HORIZON_HOURS).values),
    seasonalNaive: mape(actual, seasonalNaive(history, HORIZON_HOURS)),
  };
}

export function forecastErrors(traces: readonly Trace[]): ForecastErrorResult {
  const rows = new Map<Shape | "all", { n: number; f: number; s: number; better: number }>();
  const add = (key: Shape | "all", e: { forecast: number; seasonalNaive: number }) => {
    const r = rows.get(key) ?? { n: 0, f: 0, s: 0, better: 0 };
    r.n++;
    r.f += e.forecast;
    r.s += e.seasonalNaive;
    if (e.forecast < e.seasonalNaive) r.better++;
    rows.set(key, r);
  };
  for (const trace of traces) {
    const e = forecastErrorOf(trace);
    add(trace.shape, e);
    add("all", e);
  }
  const row = (key: Shape | "all"): ForecastErrorRow => {
    const r = rows.get(key) ?? { n: 0, f: Number.NaN, s: Number.NaN, better: 0 };
    return { workloads: r.n, forecast: r.f / r.n, seasonalNaive: r.s / r.n, forecastBetter: r.better };
  };
  const byShape = {} as Record<Shape, ForecastErrorRow>;
  for (const shape of SHAPES) byShape[shape] = row(shape);
  return { byShape, overall: row("all") };
}
