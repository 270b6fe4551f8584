// Benchmark of kopt's ANALYSIS alone (issue 19), on the in-memory model, so file parsing is not in the
// figures: a generated cluster of N workloads (2 pods each, 14 days of 5-minute CPU and memory history, the
// eight usage shapes of bench:quality), analyzed stage by stage with performance.now around each.
//
//   npm run bench:analysis-core                       # 250 and 500 workloads
//   npm run bench:analysis-core -- --sizes 250,1000   # other sizes
//   npm run bench:analysis-core -- --compare DIR      # also time the analysis of DIR/src (e.g. an export
//                                                     # of an older commit) on the same input, same run
//   npm run bench:analysis-core -- --pool             # also the worker pool (src/workflows/analysis-pool.ts)
//
// Every 4th workload has an HPA pinned at its max, so the HPA forecast (Holt-Winters) runs for it; the
// cluster has nodes, so the capacity forecast runs too. Diagnosis is not timed here: its input is the raw
// snapshot (pods, events), not the usage model.

import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import type { ClusterState, ContainerUsage, UsageHistory } from "../../src/model/types.ts";
import { generateCluster, PODS } from "./analysis-cluster.ts";

interface Args {
  sizes: number[];
  compare: string | undefined;
  pool: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { sizes: [250, 500], compare: undefined, pool: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--sizes") args.sizes = String(argv[++i]).split(",").map(Number);
    else if (a === "--compare") args.compare = argv[++i];
    else if (a === "--pool") args.pool = true;
    else throw new Error(`unknown argument ${a}: use --sizes N,M, --compare DIR or --pool`);
  }
  return args;
}

type Timings = [stage: string, ms: number][];

function timed<T>(timings: Timings, stage: string, run: () => T): T {
  const t0 = performance.now();
  const out = run();
  timings.push([stage, performance.now() - t0]);
  return out;
}

/** The analysis of src at root, stage by stage, on the given cluster. */
async function timeAnalysis(
  root: string,
  state: ClusterState,
  usage: UsageHistory,
): Promise<{ timings: Timings; results: string }> {
  const load = (p: string) => import(pathToFileURL(resolve(root, p)).href);
  const { DEFAULT_POLICY } = await load("src/model/policy.ts");
  const { summarize } = await load("src/analyze/stats.ts");
  const { levelModel } = await load("src/analyze/sizing-level.ts");
  const { usageProfile } = await load("src/analyze/usage-profile.ts");
  const { hourly, forecastHourly } = await load("src/analyze/forecast.ts");
  const { rightsize } = await load("src/analyze/rightsize.ts");
  const { analyzeOom } = await load("src/analyze/oom.ts");
  const { analyzeHpa } = await load("src/analyze/hpa.ts");
  const { analyzeCapacity } = await load("src/analyze/capacity.ts");
  const { analyzeWorkloads } = await load("src/analyze/findings.ts");
  const policy = DEFAULT_POLICY;
  const end = state.observedAt;
  const start = end - policy.rightsize.historyWindowHours * 3600;
  const window = { start, end, hours: policy.rightsize.historyWindowHours };
  const t: Timings = [];
  // Stages as the analyzers compose them, each on its own (the same inputs the analyzers build).
  const pooled = timed(t, "pool per container (window, Float64Array)", () =>
    usage.containers.map((c) => ({ cpu: pool(c.cpu, start, end), memory: pool(c.memory, start, end) })),
  );
  timed(t, "percentiles p50/p95/p99/max (summarize)", () => {
    for (const p of pooled) {
      summarize(Array.from(p.cpu.values));
      summarize(Array.from(p.memory.values));
    }
  });
  timed(t, "level model (hourly medians + fits)", () => {
    for (const p of pooled) {
      levelModel(p.cpu.times, p.cpu.values, start, end, 84);
      levelModel(p.memory.times, p.memory.values, start, end, 84);
    }
  });
  timed(t, "usage profiles (bucket p95)", () => {
    for (const p of pooled) usageProfile(p.cpu, p.memory, window);
  });
  const peaks = timed(t, "hourly aggregation (max)", () =>
    pooled.map((p) => hourly(p.cpu.times, p.cpu.values, start, end, "max")),
  );
  timed(t, "Holt-Winters forecast (every 4th)", () => {
    for (let i = 0; i < peaks.length; i += 4) forecastHourly(peaks[i], 168);
  });
  // The analyzers themselves, as the pipeline runs them.
  const sized = timed(t, "rightsize()", () => rightsize(state, usage, policy.rightsize));
  timed(t, "analyzeOom()", () => analyzeOom(state, usage, policy.oom, () => null));
  timed(t, "analyzeHpa()", () => analyzeHpa(state, usage, policy.hpa, { windowHours: window.hours }));
  const capacity = timed(t, "analyzeCapacity()", () => analyzeCapacity(state, usage, window.hours));
  const all = timed(t, "analyzeWorkloads() (pipeline's analyze)", () =>
    analyzeWorkloads(state, usage, policy),
  );
  if (all.sized.recommendations.length !== sized.recommendations.length) throw new Error("inconsistent");
  return { timings: t, results: JSON.stringify({ all, capacity }) };
}

function pool(series: ContainerUsage["cpu"], start: number, end: number) {
  let n = 0;
  for (const s of series) n += s.times.length;
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  let k = 0;
  for (const s of series) {
    for (let i = 0; i < s.times.length; i++) {
      const t = s.times[i] as number;
      const v = s.values[i] as number;
      if (t > start && t <= end && Number.isFinite(v)) {
        times[k] = t;
        values[k++] = v;
      }
    }
  }
  return { times: times.subarray(0, k), values: values.subarray(0, k) };
}

function samplesOf(usage: UsageHistory): number {
  let n = 0;
  for (const c of usage.containers) for (const s of [...c.cpu, ...c.memory]) n += s.values.length;
  return n;
}

function print(size: number, samples: number, columns: [string, Timings][]): void {
  console.log(`\n${size} workloads, ${PODS * size} pods, ${(samples / 1e6).toFixed(2)} M samples (14 days)`);
  const header = columns.map(([name]) => `${name.padStart(12)} ms  µs/sample`).join("  ");
  console.log(`${"stage".padEnd(44)}${header}`);
  const stages = (columns[0] as [string, Timings])[1].map(([s]) => s);
  for (const [i, stage] of stages.entries()) {
    const cells = columns.map(([, t]) => {
      const ms = (t[i] as [string, number])[1];
      if (Number.isNaN(ms)) return `${"-".padStart(15)}  ${"-".padStart(9)}`;
      return `${ms.toFixed(0).padStart(15)}  ${((ms * 1000) / samples).toFixed(3).padStart(9)}`;
    });
    console.log(`${stage.padEnd(44)}${cells.join("  ")}`);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const here = resolve(import.meta.dirname, "../..");
  for (const size of args.sizes) {
    const { state, usage } = generateCluster(size);
    const samples = samplesOf(usage);
    const columns: [string, Timings][] = [];
    // Older code first (when compared), so any warm-up favours the current code no more than the old one.
    const before = args.compare ? await timeAnalysis(args.compare, state, usage) : undefined;
    if (before) columns.push(["before", before.timings]);
    const now = await timeAnalysis(here, state, usage);
    columns.push(["now", now.timings]);
    if (args.pool) {
      const pooled = await timePool(here, state, usage);
      columns.push(["pool", pooled.timings]);
      console.log(
        `pool's findings ${pooled.results === now.results ? "identical to" : "DIFFER from"} serial`,
      );
    }
    print(size, samples, columns);
    if (before)
      console.log(
        `findings + capacity ${before.results === now.results ? "identical" : "DIFFER"} (before vs now)`,
      );
  }
}

/** The pooled analysis (src/workflows/analysis-pool.ts) against the serial one, same stages as the rest. */
async function timePool(
  root: string,
  state: ClusterState,
  usage: UsageHistory,
): Promise<{ timings: Timings; results: string }> {
  const { analyzeWorkloadsPooled } = await import(
    pathToFileURL(resolve(root, "src/workflows/analysis-pool.ts")).href
  );
  const { DEFAULT_POLICY } = await import(pathToFileURL(resolve(root, "src/model/policy.ts")).href);
  const { analyzeCapacity } = await import(pathToFileURL(resolve(root, "src/analyze/capacity.ts")).href);
  // Only the whole analysis runs pooled; the stages above it are left blank in this column.
  const { timings } = await timeAnalysis(root, state, usage);
  const blank = timings.map(([s]): [string, number] => [s, Number.NaN]);
  const t0 = performance.now();
  const all = await analyzeWorkloadsPooled(state, usage, DEFAULT_POLICY, [], { threshold: 0 });
  blank[blank.length - 1] = ["analyzeWorkloads() (pipeline's analyze)", performance.now() - t0];
  const capacity = analyzeCapacity(state, usage, DEFAULT_POLICY.rightsize.historyWindowHours);
  return { timings: blank, results: JSON.stringify({ all, capacity }) };
}

await main();
