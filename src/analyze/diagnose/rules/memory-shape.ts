// Leak or spike, from a container's memory history before its OOM kills: a leak climbs roughly linearly to
// the limit (a raise only buys time), a spike sits low most of the time and jumps to it (the limit is below a
// real peak). The history is cut at restarts (a drop of more than a third of the top), and the longest run read.
import type { TimeColumns } from "../../../model/types.ts";

export interface MemoryShape {
  subCause: "steady-growth" | "spike";
  /** Growth per hour over the run, bytes (steady-growth), or the peak over the typical level (spike). */
  figures: Record<string, number>;
}

/** The finite samples, ordered by time (ties in their order); the columns themselves when they already are. */
function finiteByTime(h: TimeColumns): TimeColumns {
  const n = h.times.length;
  let clean = true;
  for (let i = 0; i < n && clean; i++) {
    clean = Number.isFinite(h.values[i]) && (i === 0 || (h.times[i - 1] as number) <= (h.times[i] as number));
  }
  if (clean) return h;
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(h.values[i])) order.push(i);
  order.sort((a, b) => (h.times[a] as number) - (h.times[b] as number));
  return {
    times: Float64Array.from(order, (i) => h.times[i] as number),
    values: Float64Array.from(order, (i) => h.values[i] as number),
  };
}

/** The longest run [from, to) with no drop of more than a third of `top` from one sample to the next. */
function longestRun(values: Float64Array, top: number): { from: number; to: number } {
  let best = { from: 0, to: 0 };
  let from = 0;
  for (let i = 1; i <= values.length; i++) {
    if (i < values.length && (values[i - 1] as number) - (values[i] as number) <= top / 3) continue;
    if (i - from > best.to - best.from) best = { from, to: i };
    from = i;
  }
  return best;
}

function linearFit(times: Float64Array, values: Float64Array): { slope: number; r2: number } {
  const n = times.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += times[i] as number;
    my += values[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const x = (times[i] as number) - mx;
    const y = (values[i] as number) - my;
    sxy += x * y;
    sxx += x * x;
    syy += y * y;
  }
  if (sxx === 0 || syy === 0) return { slope: 0, r2: 0 };
  return { slope: sxy / sxx, r2: (sxy * sxy) / (sxx * syy) };
}

/** The shape of the memory history, or null when it is too short or neither shape. */
export function memoryShape(history: TimeColumns, limit: number | null): MemoryShape | null {
  const sorted = finiteByTime(history);
  const n = sorted.values.length;
  if (n < 6) return null;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) max = Math.max(max, sorted.values[i] as number);
  const top = limit ?? max;
  const { from, to } = longestRun(sorted.values, top);
  if (to - from < 6) return null;
  const times = sorted.times.subarray(from, to);
  const run = sorted.values.subarray(from, to);
  const values = Float64Array.from(run).sort();
  const median = values[Math.floor(values.length / 2)] ?? 0;
  const peak = values.at(-1) ?? 0;
  const low = values[0] ?? 0;
  const { slope, r2 } = linearFit(times, run);
  if (slope > 0 && r2 >= 0.8 && peak - low >= 0.3 * top) {
    return { subCause: "steady-growth", figures: { growthPerHour: slope * 3600, from: low, to: peak } };
  }
  if (median <= 0.6 * top && peak >= 0.85 * top) {
    return { subCause: "spike", figures: { typical: median, peak } };
  }
  return null;
}
