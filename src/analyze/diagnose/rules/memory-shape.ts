// Leak or spike, from a container's memory history before its OOM kills: a leak climbs roughly linearly to
// the limit (a raise only buys time), a spike sits low most of the time and jumps to it (the limit is below a
// real peak). The history is cut at restarts (a drop of more than a third of the top), and the longest run read.
import type { Sample } from "../../../model/types.ts";

export interface MemoryShape {
  subCause: "steady-growth" | "spike";
  /** Growth per hour over the run, bytes (steady-growth), or the peak over the typical level (spike). */
  figures: Record<string, number>;
}

function longestRun(samples: readonly Sample[], top: number): Sample[] {
  let best: Sample[] = [];
  let run: Sample[] = [];
  for (const s of samples) {
    const prev = run.at(-1);
    if (prev && prev[1] - s[1] > top / 3) {
      if (run.length > best.length) best = run;
      run = [];
    }
    run.push(s);
  }
  return run.length > best.length ? run : best;
}

function linearFit(run: readonly Sample[]): { slope: number; r2: number } {
  const n = run.length;
  const mx = run.reduce((a, s) => a + s[0], 0) / n;
  const my = run.reduce((a, s) => a + s[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of run) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return { slope: 0, r2: 0 };
  return { slope: sxy / sxx, r2: (sxy * sxy) / (sxx * syy) };
}

/** The shape of the memory history, or null when it is too short or neither shape. */
export function memoryShape(samples: readonly Sample[], limit: number | null): MemoryShape | null {
  const sorted = [...samples].filter((s) => Number.isFinite(s[1])).sort((a, b) => a[0] - b[0]);
  if (sorted.length < 6) return null;
  const top = limit ?? Math.max(...sorted.map((s) => s[1]));
  const run = longestRun(sorted, top);
  if (run.length < 6) return null;
  const values = run.map((s) => s[1]).sort((a, b) => a - b);
  const median = values[Math.floor(values.length / 2)] ?? 0;
  const peak = values.at(-1) ?? 0;
  const low = values[0] ?? 0;
  const { slope, r2 } = linearFit(run);
  if (slope > 0 && r2 >= 0.8 && peak - low >= 0.3 * top) {
    return { subCause: "steady-growth", figures: { growthPerHour: slope * 3600, from: low, to: peak } };
  }
  if (median <= 0.6 * top && peak >= 0.85 * top) {
    return { subCause: "spike", figures: { typical: median, peak } };
  }
  return null;
}
