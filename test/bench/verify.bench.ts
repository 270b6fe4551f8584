// Benchmark of the rollout gate's detection (issue 16, item 4), in simulated time:
//
//   npm run bench:verify [-- --repeats N]
//
// A real Prometheus holds, backfilled with promtool, an hour of ingress-nginx traffic and kube-state-metrics
// / cAdvisor series for 40 workloads at 1% errors, plus `shop`, whose new pods start at T and answer 8% of
// requests with 503 from then on. Scrapes are 7 s off the evaluation grid, as a real scrape loop is. For
// each setting (scrape interval, verify.interval), the gate measures the window [T, end] for end = the first
// sample showing the regression, then one scrape interval later, and so on, with the real port
// (createPrometheusRolloutMetrics, step = the scrape interval, the ingress-nginx preset), until errorRate is
// above verify.errorRate.max (5%). Reported: that end minus the first regressed sample (simulated seconds and
// scrape intervals: how long the data takes to show it), and the wall time of the measure() that detects it
// (median and max over --repeats calls: the evaluation).
//
// The second half (the revert pull request opened on the GitHub simulator < 60 s after detection) is
// verify-revert.ts, run after the table.
import { fileURLToPath } from "node:url";
import { type PrometheusSource, parseClusterConfig } from "../../src/formats/config.ts";
import type { WorkloadRef } from "../../src/model/types.ts";
import type { RolloutMetrics } from "../../src/model/verify.ts";
import { createPrometheusRolloutMetrics } from "../../src/observe/prometheus/rollout-metrics.ts";
import {
  constant,
  ingressNginxSeries,
  type MetricSeries,
  podSeries,
  type StartedPrometheus,
  scrapeTimes,
  startPrometheus,
  stepAt,
} from "../support/prometheus/index.ts";
import { revertAfterDetection } from "./verify-revert.ts";

const T = Date.parse("2026-11-20T12:00:00Z") / 1000;
const BASELINE_SECONDS = 3600;
const AFTER_SECONDS = 15 * 60;
/** Scrapes fall this many seconds after the evaluation grid. */
const SCRAPE_OFFSET = 7;
const BACKGROUND_WORKLOADS = 40;
const THRESHOLD_PERCENT = 5;
const MAX_INTERVALS = 20;

export interface DetectionSetting {
  scrapeSeconds: number;
  /** verify.interval: the rate window of the error-rate query. */
  interval: string;
}

export const SETTINGS: DetectionSetting[] = [
  { scrapeSeconds: 15, interval: "30s" },
  { scrapeSeconds: 15, interval: "1m" },
  { scrapeSeconds: 30, interval: "1m" },
  { scrapeSeconds: 60, interval: "2m" },
];

export interface DetectionResult {
  setting: DetectionSetting;
  /** The first scrape whose sample holds errors at the new rate (unix seconds). */
  firstSample: number;
  /** The end of the first window whose errorRate is above the threshold; null: not within MAX_INTERVALS. */
  detectedAt: number | null;
  errorRate: number | null;
  measureMsMedian: number;
  measureMsMax: number;
}

const namespaceOf = (s: DetectionSetting) => `bench-${s.scrapeSeconds}s-${s.interval}`;

function* benchSeries(settings: DetectionSetting[]): Generator<MetricSeries> {
  for (const setting of settings) {
    const span = {
      start: T - BASELINE_SECONDS + SCRAPE_OFFSET,
      end: T + AFTER_SECONDS,
      scrapeSeconds: setting.scrapeSeconds,
    };
    const namespace = namespaceOf(setting);
    for (let i = 0; i <= BACKGROUND_WORKLOADS; i++) {
      const name = i === 0 ? "shop" : `svc-${i}`;
      const errorRate = i === 0 ? stepAt(T, 0.01, 0.08) : constant(0.01);
      yield* ingressNginxSeries({ ...span, namespace, ingress: name, rps: constant(30 + i), errorRate });
      const containers = [
        { name, cpu: constant(0.2), cpuRequest: 0.25, memory: constant(2e8), memoryRequest: 3e8 },
      ];
      yield* podSeries({ ...span, namespace, name: `${name}-5d8f7c9b4-a1b2c`, containers });
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function detect(
  prom: StartedPrometheus,
  setting: DetectionSetting,
  repeats: number,
): Promise<DetectionResult> {
  const config = parseClusterConfig(
    [
      "apiVersion: kopt.dev/v1alpha1",
      "kind: ClusterConfig",
      "cluster: bench",
      "source:",
      "  snapshot: unused.json.gz",
      "  prometheus:",
      `    url: ${prom.url}`,
      "verify:",
      `  interval: ${setting.interval}`,
      `  errorRate: { preset: ingress-nginx, max: ${THRESHOLD_PERCENT} }`,
      "",
    ].join("\n"),
    "bench/kopt.yaml",
  );
  const port = createPrometheusRolloutMetrics(config.source.prometheus as PrometheusSource, config.verify, {
    stepSeconds: setting.scrapeSeconds,
  });
  const workload: WorkloadRef = { namespace: namespaceOf(setting), kind: "Deployment", name: "shop" };
  const span = {
    start: T - BASELINE_SECONDS + SCRAPE_OFFSET,
    end: T + AFTER_SECONDS,
    scrapeSeconds: setting.scrapeSeconds,
  };
  const firstSample = scrapeTimes(span).find((t) => t > T) as number;
  const threshold = config.verify.errorRate.max / 100;
  for (let k = 0; k <= MAX_INTERVALS; k++) {
    const end = firstSample + k * setting.scrapeSeconds;
    const window = { start: new Date(T * 1000), end: new Date(end * 1000) };
    const times: number[] = [];
    let metrics: RolloutMetrics | undefined;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      metrics = await port.measure(workload, window);
      times.push(performance.now() - t0);
      if (!((metrics.errorRate ?? 0) > threshold)) break; // not detected: one call is enough
    }
    const m = metrics as RolloutMetrics;
    if ((m.errorRate ?? 0) > threshold) {
      return {
        setting,
        firstSample,
        detectedAt: end,
        errorRate: m.errorRate,
        measureMsMedian: median(times),
        measureMsMax: Math.max(...times),
      };
    }
  }
  return { setting, firstSample, detectedAt: null, errorRate: null, measureMsMedian: 0, measureMsMax: 0 };
}

/** Backfills the series, runs each setting, stops Prometheus. */
export async function runVerifyBench(
  opts: { repeats?: number; settings?: DetectionSetting[] } = {},
): Promise<{ results: DetectionResult[]; samples: number; backfillMs: number }> {
  const settings = opts.settings ?? SETTINGS;
  const prom = await startPrometheus({ series: benchSeries(settings), blockHours: 2 });
  try {
    const results: DetectionResult[] = [];
    for (const s of settings) results.push(await detect(prom, s, opts.repeats ?? 9));
    return { results, samples: prom.samples, backfillMs: prom.backfillMs };
  } finally {
    await prom.stop();
  }
}

export function formatResults(results: DetectionResult[]): string {
  const lines = [
    "| scrape | verify.interval | first 8% sample | detected (window end) | delay | errorRate then | measure() median / max |",
    "|---|---|---|---|---|---|---|",
  ];
  const clock = (t: number) => new Date(t * 1000).toISOString().slice(11, 19);
  for (const r of results) {
    const s = r.setting;
    const delay =
      r.detectedAt === null
        ? `not within ${MAX_INTERVALS} scrapes`
        : `${r.detectedAt - r.firstSample} s (${(r.detectedAt - r.firstSample) / s.scrapeSeconds} scrape interval${r.detectedAt - r.firstSample === s.scrapeSeconds ? "" : "s"})`;
    lines.push(
      `| ${s.scrapeSeconds} s | ${s.interval} | ${clock(r.firstSample)} | ${r.detectedAt === null ? "-" : clock(r.detectedAt)} | ${delay} | ${r.errorRate === null ? "-" : `${(r.errorRate * 100).toFixed(2)}%`} | ${r.measureMsMedian.toFixed(1)} / ${r.measureMsMax.toFixed(1)} ms |`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  const i = process.argv.indexOf("--repeats");
  const repeats = i > 0 ? Number(process.argv[i + 1]) : 9;
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new Error("--repeats N: a whole number >= 1");
  const { results, samples, backfillMs } = await runVerifyBench({ repeats });
  console.log(
    `bench:verify: regression at ${new Date(T * 1000).toISOString()} (1% -> 8% errors), ${BACKGROUND_WORKLOADS + 1} workloads per setting, ${samples} samples backfilled in ${(backfillMs / 1000).toFixed(1)} s; threshold ${THRESHOLD_PERCENT}%\n`,
  );
  console.log(formatResults(results));
  const reverts = await revertAfterDetection(3);
  const secs = reverts.map((r) => r.seconds).sort((a, b) => a - b);
  console.log(
    `\nrevert pull request after detection (GitHub simulator, ${reverts.length} runs): median ${secs[Math.floor(secs.length / 2)]?.toFixed(2)} s, max ${secs[secs.length - 1]?.toFixed(2)} s (target < 60 s); whole verify run ${reverts.map((r) => r.runSeconds.toFixed(2)).join(" / ")} s; title "${reverts[0]?.title}"`,
  );
  const met = results.every((r) => r.detectedAt !== null) && secs.every((s) => s < 60);
  return met ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
