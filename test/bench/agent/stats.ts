// The pure parts of `npm run bench:agent`: percentiles of the incident latencies, the memory trend of the
// agent over the churn, and which targets were met. No I/O, no clock: test/bench-agent.test.ts checks them.

/** The p-th percentile (0..100) by linear interpolation between closest ranks (numpy's default); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

export interface LatencySummary {
  /** Incidents measured (the others were missed: no finding or pull request within the deadline). */
  count: number;
  median: number;
  p95: number;
  max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  return {
    count: values.length,
    median: percentile(values, 50),
    p95: percentile(values, 95),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}

/** One memory reading: seconds since the run started and the agent's resident set in bytes. */
export interface RssSample {
  t: number;
  rss: number;
}

/** Least-squares slope of rss over t, in bytes per second; 0 with fewer than two distinct times. */
export function slope(samples: readonly RssSample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const mr = samples.reduce((s, x) => s + x.rss, 0) / n;
  let num = 0;
  let den = 0;
  for (const x of samples) {
    num += (x.t - mt) * (x.rss - mr);
    den += (x.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export interface RssTrend {
  /** Samples after the warm-up that the trend is computed on. */
  samples: number;
  /** Seconds those samples span. */
  span: number;
  firstFifthMean: number;
  lastFifthMean: number;
  /** (last - first) / first. */
  fifthsGrowth: number;
  /** Least-squares slope, bytes per second. */
  slope: number;
  /** The slope times the span, relative to the mean: how much the fitted line rises over the window. */
  slopeGrowth: number;
  /**
   * An upward trend: both the last fifth's mean exceeds the first fifth's and the fitted line rises over the
   * window by more than `tolerance` of the memory. Both must agree: V8's garbage collector makes a sawtooth
   * that can tip one of them alone over a few percent, while a leak moves both.
   */
  upward: boolean;
  tolerance: number;
}

/**
 * The memory trend over the samples taken at or after `warmupUntil` (seconds): the mean of the first and
 * last fifth of them, and a least-squares slope. Undefined with fewer than 10 samples (too short to tell).
 */
export function rssTrend(
  all: readonly RssSample[],
  warmupUntil: number,
  tolerance = 0.05,
): RssTrend | undefined {
  const samples = all.filter((s) => s.t >= warmupUntil);
  if (samples.length < 10) return undefined;
  const fifth = Math.max(1, Math.floor(samples.length / 5));
  const mean = (xs: readonly RssSample[]) => xs.reduce((s, x) => s + x.rss, 0) / xs.length;
  const firstFifthMean = mean(samples.slice(0, fifth));
  const lastFifthMean = mean(samples.slice(-fifth));
  const span = (samples[samples.length - 1] as RssSample).t - (samples[0] as RssSample).t;
  const s = slope(samples);
  const fifthsGrowth = (lastFifthMean - firstFifthMean) / firstFifthMean;
  const slopeGrowth = (s * span) / mean(samples);
  return {
    samples: samples.length,
    span,
    firstFifthMean,
    lastFifthMean,
    fifthsGrowth,
    slope: s,
    slopeGrowth,
    upward: fifthsGrowth > tolerance && slopeGrowth > tolerance,
    tolerance,
  };
}

export const TARGETS = {
  /** Median seconds from the pod change to the agent's diagnosis log line. */
  findingMedianSeconds: 1,
  /** Median seconds from the pod change to the pull request's creation on the GitHub simulator. */
  pullRequestMedianSeconds: 10,
  /** Peak RSS of the agent process. */
  rssBytes: 512 * 2 ** 20,
  /** Incidents the latencies are taken over. */
  minIncidents: 50,
};

export interface BenchFigures {
  incidents: number;
  /** Seconds, one per incident that got a finding / a pull request. */
  finding: LatencySummary;
  pullRequest: LatencySummary;
  peakRss: number;
  trend: RssTrend | undefined;
}

export interface Row {
  figure: string;
  measured: string;
  target: string;
  met: boolean;
}

const sec = (s: number) => (Number.isNaN(s) ? "n/a" : `${s.toFixed(2)} s`);
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

/** The table's rows: each figure, its target and whether it was met. */
export function rows(f: BenchFigures): Row[] {
  const all = (s: LatencySummary) => s.count === f.incidents && f.incidents >= TARGETS.minIncidents;
  const out: Row[] = [
    {
      figure: "incidents (OOMKilled, one Deployment each)",
      measured: `${f.incidents}: ${f.finding.count} findings, ${f.pullRequest.count} pull requests`,
      target: `>= ${TARGETS.minIncidents}, each with a finding and a pull request`,
      met: all(f.finding) && all(f.pullRequest),
    },
    {
      figure: "pod change -> finding, median",
      measured: sec(f.finding.median),
      target: `< ${TARGETS.findingMedianSeconds} s`,
      met: f.finding.median < TARGETS.findingMedianSeconds,
    },
    { figure: "pod change -> finding, p95", measured: sec(f.finding.p95), target: "", met: true },
    {
      figure: "pod change -> pull request, median",
      measured: sec(f.pullRequest.median),
      target: `< ${TARGETS.pullRequestMedianSeconds} s`,
      met: f.pullRequest.median < TARGETS.pullRequestMedianSeconds,
    },
    { figure: "pod change -> pull request, p95", measured: sec(f.pullRequest.p95), target: "", met: true },
    {
      figure: "agent RSS, peak",
      measured: mib(f.peakRss),
      target: `< ${mib(TARGETS.rssBytes)}`,
      met: f.peakRss < TARGETS.rssBytes,
    },
  ];
  const t = f.trend;
  out.push({
    figure: "agent RSS trend under churn (after the warm-up minute)",
    measured: t
      ? `first fifth ${mib(t.firstFifthMean)}, last fifth ${mib(t.lastFifthMean)} (${pct(t.fifthsGrowth)}); slope ${((t.slope * 60 * 60) / 2 ** 20).toFixed(1)} MiB/h (${pct(t.slopeGrowth)} over ${Math.round(t.span)} s)`
      : "too few samples",
    target: t ? `no upward trend (not both > ${pct(t.tolerance)})` : "no upward trend",
    met: t !== undefined && !t.upward,
  });
  return out;
}

/** The markdown table, rows with a target marked met or missed. */
export function markdownTable(rs: readonly Row[]): string {
  const lines = ["| figure | measured | target | met |", "| --- | --- | --- | --- |"];
  for (const r of rs) {
    lines.push(
      `| ${r.figure} | ${r.measured} | ${r.target} | ${r.target === "" ? "" : r.met ? "yes" : "**no**"} |`,
    );
  }
  return lines.join("\n");
}
