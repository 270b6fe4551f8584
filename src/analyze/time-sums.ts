// Series summed at each sample time, in typed arrays (issue 19): the cluster's total for the capacity
// forecast, a workload's CPU demand per step for the HPA analysis. Replaces a Map keyed by time holding an
// object (and a Set of pods) per step. Pure.

/** The finite samples of series within (start, end], summed per distinct time. */
export interface TimeSums {
  /** The distinct sample times, ascending. */
  times: Float64Array;
  /** The sum at each time, added series by series in the order given (so float sums are reproducible). */
  sums: Float64Array;
  /** How many distinct pods had a sample at each time. */
  pods: Int32Array;
}

interface Series {
  pod: string;
  times: ArrayLike<number>;
  values: ArrayLike<number>;
}

export function sumByTime(series: readonly Series[], start: number, end: number): TimeSums {
  const inWindow = (s: Series, i: number) => {
    const t = s.times[i] as number;
    return t > start && t <= end && Number.isFinite(s.values[i] as number);
  };
  let grid: Float64Array = new Float64Array(0);
  for (const s of series) grid = union(grid, sampleTimes(s, inWindow));
  const sums = new Float64Array(grid.length);
  const pods = new Int32Array(grid.length);
  // Which pod last counted at each time: series of one pod are counted together, one pod at a time.
  const counted = new Int32Array(grid.length).fill(-1);
  const podIds = new Map<string, number>();
  const byPod: Series[][] = [];
  for (const s of series) {
    let id = podIds.get(s.pod);
    if (id === undefined) {
      id = byPod.length;
      podIds.set(s.pod, id);
      byPod.push([]);
    }
    (byPod[id] as Series[]).push(s);
    forEachSample(s, grid, inWindow, (g, v) => {
      sums[g] = (sums[g] as number) + v;
    });
  }
  byPod.forEach((list, id) => {
    for (const s of list) {
      forEachSample(s, grid, inWindow, (g) => {
        if (counted[g] === id) return;
        counted[g] = id;
        pods[g] = (pods[g] as number) + 1;
      });
    }
  });
  return { times: grid, sums, pods };
}

/** A series' in-window times, ascending and distinct. */
function sampleTimes(s: Series, inWindow: (s: Series, i: number) => boolean): Float64Array {
  const out = new Float64Array(s.times.length);
  let n = 0;
  let sorted = true;
  for (let i = 0; i < s.times.length; i++) {
    if (!inWindow(s, i)) continue;
    const t = s.times[i] as number;
    if (n > 0 && t <= (out[n - 1] as number)) sorted = false;
    out[n++] = t;
  }
  const times = out.subarray(0, n);
  return sorted ? times : distinct(times.sort());
}

function distinct(sorted: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (n === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i] as number;
  }
  return sorted.subarray(0, n);
}

/** The sorted union of two ascending, distinct arrays; `a` itself when b adds nothing (the usual case). */
function union(a: Float64Array, b: Float64Array): Float64Array {
  let i = 0;
  let j = 0;
  let extra = 0;
  while (j < b.length) {
    if (i < a.length && (a[i] as number) < (b[j] as number)) i++;
    else if (i < a.length && a[i] === b[j]) {
      i++;
      j++;
    } else {
      extra++;
      j++;
    }
  }
  if (extra === 0) return a;
  const out = new Float64Array(a.length + extra);
  i = 0;
  j = 0;
  let k = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? (a[i] as number) : Number.POSITIVE_INFINITY;
    const y = j < b.length ? (b[j] as number) : Number.POSITIVE_INFINITY;
    if (x <= y) {
      out[k++] = x;
      i++;
      if (x === y) j++;
    } else {
      out[k++] = y;
      j++;
    }
  }
  return out;
}

/** Calls visit(grid index, value) for each in-window sample of s, in sample order. */
function forEachSample(
  s: Series,
  grid: Float64Array,
  inWindow: (s: Series, i: number) => boolean,
  visit: (g: number, v: number) => void,
): void {
  let g = 0;
  for (let i = 0; i < s.times.length; i++) {
    if (!inWindow(s, i)) continue;
    const t = s.times[i] as number;
    // Ascending times walk the grid forward; any other order falls back to a binary search.
    if (g >= grid.length || (grid[g] as number) > t) g = lowerBound(grid, t);
    while ((grid[g] as number) < t) g++;
    visit(g, s.values[i] as number);
  }
}

function lowerBound(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
