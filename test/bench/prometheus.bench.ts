// Benchmark of kopt's Prometheus source: 14 days of usage history for 1,000 containers in 20 namespaces.
//
//   npm run bench:prometheus
//
// Each run is two child processes. The server generates the raw cAdvisor series (one scrape every 5
// minutes), backfills them into a real Prometheus with promtool (setup, timed separately) and serves it
// through a fault proxy without faults, which counts the HTTP requests. The reader, a fresh process with
// nothing else in its memory, reads the history exactly as `kopt plan` / `kopt snapshot` do (readUsage
// with the settings parsed from a kopt.yaml: source.prometheus defaults plus history 14d and rateWindow
// 10m), measures wall time, CPU time, peak memory (RSS, sampled every 20 ms, and the OS's maxRSS) and the
// heap left holding the result, then checks what it read (every point; a few containers value by value).
// A second, smaller run (200 of the same containers, same namespaces) shows the request count does not
// depend on the number of containers. This process prints the results block for the README.

import { fork } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { getHeapStatistics } from "node:v8";
import { durationSeconds, parseClusterConfig } from "../../src/formats/config.ts";
import type { PromMatrix, SnapshotUsage } from "../../src/formats/snapshot.ts";
import { PrometheusClient } from "../../src/observe/prometheus/client.ts";
import { MAX_POINTS_PER_SERIES, namespaceQueries, splitRange } from "../../src/observe/prometheus/queries.ts";
import { readUsage } from "../../src/observe/prometheus/source.ts";
import { usageToSnapshot } from "../../src/observe/usage-series.ts";
import {
  type FaultProxy,
  type MetricSeries,
  type StartedPrometheus,
  startFaultProxy,
  startPrometheus,
} from "../support/prometheus/index.ts";
import { nameSuffix, seeded } from "../support/snapshot-builder.ts";
import { nextMessage } from "./child.ts";

const NAMESPACES = 20;
const CONTAINERS = 1000; // 50 per namespace
const SMALL_CONTAINERS = 200; // 10 per namespace: the first 200 of the 1,000
const DAY = 86400;
const END = Date.parse("2026-11-20T12:00:00Z") / 1000; // on the 300 s grid
const SCRAPE_SECONDS = 300;
// Every scrape sits 30 s before a point of the 300 s step grid, so no sample is ever on the boundary of a
// range window: rate(...[600s]) at a grid time T sees exactly the scrapes at T-330 and T-30 (under both
// Prometheus 2's closed [T-600, T] and Prometheus 3's left-open (T-600, T] windows) and gives
// (c(T-30) - c(T-330)) / 300: the usage during the scrape interval ending just before T. max_over_time(
// ...[300s]) at T sees the scrape at T-30 only. The first scrape is one interval before the first point's
// window (START-330), so the rate at START is defined too: 14 days and 5 minutes of samples per series.
const SCRAPE_OFFSET = 30;

const CONFIG = `apiVersion: kopt.dev/v1alpha1
kind: ClusterConfig
cluster: bench
source:
  snapshot: unused.json.gz
  prometheus:
    url: http://prometheus.invalid:9090
    history: 14d
    rateWindow: 10m
`;
const PROM = (() => {
  const p = parseClusterConfig(CONFIG, "bench/kopt.yaml").source.prometheus;
  if (!p?.history) throw new Error("bench config has no source.prometheus.history");
  return p;
})();
const STEP = durationSeconds(PROM.step);
const HISTORY = durationSeconds(PROM.history ?? "14d");
const RATE_WINDOW = durationSeconds(PROM.rateWindow);
const START = END - Math.floor(HISTORY / STEP) * STEP;
const POINTS = (END - START) / STEP + 1;

const namespaceOf = (i: number) => `team-${i % NAMESPACES}`;
const namespaces = () => Array.from({ length: NAMESPACES }, (_, n) => namespaceOf(n));

/**
 * Container i's two cAdvisor series, generated on demand: the CPU counter (seconds) and the working set
 * (bytes), one sample per scrape from START-330 to END-30. Deterministic: a daily sine with a per-container
 * level, amplitude and peak hour, plus noise, all from a PRNG seeded by the container's name.
 */
function containerSeries(i: number): [MetricSeries, MetricSeries] {
  const namespace = namespaceOf(i);
  const pod = `svc-${i}-6d4f8b7c9-${nameSuffix(`bench-pod-${i}`)}`;
  const labels = { namespace, pod, container: "app", job: "kubelet", metrics_path: "/metrics/cadvisor" };
  const random = seeded(`${namespace}/${pod}/app`);
  const cores = 0.02 + random() * 0.5;
  const amplitude = 0.2 + random() * 0.6;
  const peak = random(); // time of day of the peak, as a fraction of a day
  const bytes = 64 * 2 ** 20 + random() * 960 * 2 ** 20;
  // A counter far from zero: Prometheus's rate() never extrapolates it below zero at the first point.
  let counter = 10_000 + random() * 1_000;
  const cpu: [number, number][] = [];
  const memory: [number, number][] = [];
  for (let t = START - SCRAPE_SECONDS - SCRAPE_OFFSET; t <= END - SCRAPE_OFFSET; t += SCRAPE_SECONDS) {
    const daily = 1 + amplitude * Math.sin(2 * Math.PI * (t / DAY - peak + 0.25));
    counter += cores * daily * (0.85 + 0.3 * random()) * SCRAPE_SECONDS;
    cpu.push([t, counter]);
    memory.push([t, Math.round(bytes * (1 + 0.25 * (daily - 1)) * (0.97 + 0.06 * random()))]);
  }
  return [
    { name: "container_cpu_usage_seconds_total", type: "counter", labels, samples: cpu },
    { name: "container_memory_working_set_bytes", type: "gauge", labels: { ...labels }, samples: memory },
  ];
}

/** All series, one container at a time: 14 days x 1,000 containers never sit in memory at once. */
function* clusterSeries(containers: number): Generator<MetricSeries> {
  for (let i = 0; i < containers; i++) yield* containerSeries(i);
}

interface Ready {
  type: "ready";
  url: string;
  series: number;
  samples: number;
  writeMs: number;
  backfillMs: number;
  setupMs: number;
}

interface Stats {
  type: "stats";
  requests: number;
  queryRange: number;
}

/** Child process: backfill, serve Prometheus behind the proxy until told to stop, report the requests. */
async function serve(containers: number): Promise<void> {
  let prom: StartedPrometheus | undefined;
  let proxy: FaultProxy | undefined;
  let stopping: Promise<void> | undefined;
  const cleanup = () => {
    stopping ??= (async () => {
      await proxy?.close();
      await prom?.stop();
    })();
    return stopping;
  };
  // The parent gone (finished, failed or interrupted): stop Prometheus and remove its temp dir.
  process.once("disconnect", () => {
    void cleanup().then(() => process.exit(0));
  });
  process.on("message", async (m: { type: string }) => {
    if (m.type !== "stop") return;
    const requests = proxy?.requests ?? [];
    const stats: Stats = {
      type: "stats",
      requests: requests.length,
      queryRange: requests.filter((r) => r.path.endsWith("/api/v1/query_range")).length,
    };
    await cleanup();
    process.send?.(stats, () => process.exit(0));
  });
  try {
    const setupStart = performance.now();
    prom = await startPrometheus({ series: clusterSeries(containers) });
    proxy = await startFaultProxy({ target: prom.url });
    const ready: Ready = {
      type: "ready",
      url: proxy.url,
      series: containers * 2,
      samples: prom.samples,
      writeMs: prom.writeMs,
      backfillMs: prom.backfillMs,
      setupMs: performance.now() - setupStart,
    };
    process.send?.(ready);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function exitOf(child: ReturnType<typeof fork>): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

interface Result {
  type: "result";
  containers: number;
  ready: Ready;
  stats: Stats;
  clientRequests: number;
  cpuSeries: number;
  memorySeries: number;
  points: number;
  seconds: number;
  cpuSeconds: number;
  before: number;
  peak: number;
  maxRss: number;
  heapBefore: number;
  heapAfter: number;
}

/**
 * A reader process: has `containers` backfilled into a Prometheus in a child process, reads the history as
 * kopt does, measures it, checks what it read and reports to the parent. One fresh process per run, so
 * the memory figures of one run owe nothing to the other.
 */
async function read(containers: number): Promise<void> {
  const server = fork(fileURLToPath(import.meta.url), ["--serve", String(containers)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = exitOf(server);
  try {
    const ready = await nextMessage<Ready>(server, "ready", "benchmark child");
    const client = new PrometheusClient({
      url: ready.url,
      timeoutMs: durationSeconds(PROM.timeout) * 1000,
      retries: PROM.retries,
    });

    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const usage = await readUsage({
      client,
      namespaces: namespaces(),
      end: END,
      historySeconds: HISTORY,
      stepSeconds: STEP,
      rateWindowSeconds: RATE_WINDOW,
      metrics: PROM.metrics,
      selector: PROM.selector,
      concurrency: PROM.concurrency,
    });
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const maxRss = process.resourceUsage().maxRSS * 1024;
    // What is left once the garbage of parsing and merging is gone: the result itself.
    globalThis.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;

    server.send({ type: "stop" });
    const stats = await nextMessage<Stats>(server, "stats", "benchmark child");
    check(containers, usageToSnapshot(usage), client.warnings);
    const result: Result = {
      type: "result",
      containers,
      ready,
      stats,
      clientRequests: client.requests,
      cpuSeries: usage.cpu.length,
      memorySeries: usage.memory.length,
      points: [...usage.cpu, ...usage.memory].reduce((n, s) => n + s.times.length, 0),
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      before,
      peak,
      maxRss,
      heapBefore,
      heapAfter,
    };
    await new Promise<void>((resolve, reject) =>
      process.send?.(result, (error: Error | null) => (error ? reject(error) : resolve())),
    );
  } finally {
    // The server stops Prometheus and removes its temp dirs when this side of the channel closes.
    if (server.connected) server.disconnect();
    await exited;
  }
  process.disconnect?.();
}

/** Runs one reader process and returns what it measured. */
async function run(containers: number): Promise<Result> {
  const reader = fork(fileURLToPath(import.meta.url), ["--read", String(containers)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: [...process.execArgv, "--expose-gc"],
  });
  const exited = exitOf(reader);
  try {
    return await nextMessage<Result>(reader, "result", "benchmark child");
  } finally {
    await exited;
  }
}

const points = (m: PromMatrix | undefined) => (m?.result ?? []).reduce((n, s) => n + s.values.length, 0);

/**
 * Fails loudly unless kopt read every container's CPU and memory at every point of the 14 days, nothing
 * else (the other queries have no data here), and, for a few containers, exactly the generated values.
 */
function check(containers: number, usage: SnapshotUsage, warnings: readonly string[]): void {
  function fail(what: string): never {
    throw new Error(`benchmark sanity check failed (${containers} containers): ${what}`);
  }
  const grid = Array.from({ length: POINTS }, (_, k) => START + k * STEP);
  for (const kind of ["cpu", "memory"] as const) {
    const series = usage[kind].result;
    if (series.length !== containers) fail(`${series.length} ${kind} series, expected ${containers}`);
    for (const s of series) {
      const ts = s.values.map(([t]) => t);
      if (ts.length !== POINTS || ts.some((t, k) => t !== grid[k])) {
        fail(`${kind} of ${s.metric.namespace}/${s.metric.pod}: ${ts.length} points, expected ${POINTS}`);
      }
    }
  }
  for (const kind of ["cpuThrottling", "restarts", "oomKills", "hpaReplicas"] as const) {
    if (points(usage[kind]) > 0) fail(`${kind} has points; the benchmark has no such series`);
  }
  if (warnings.length > 0) fail(`Prometheus warned: ${warnings.join("; ")}`);
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  for (const i of [0, Math.floor(containers / 2) + 7, containers - 1]) {
    const [cpu, memory] = containerSeries(i);
    const find = (m: PromMatrix) => m.result.find((s) => s.metric.pod === cpu.labels.pod);
    const gotCpu = find(usage.cpu);
    const gotMemory = find(usage.memory);
    if (!gotCpu || !gotMemory) fail(`no series for ${cpu.labels.pod}`);
    grid.forEach((t, k) => {
      // Sample k+1 is the scrape at t-30, sample k the one at t-330.
      const [, c1] = cpu.samples[k + 1] ?? [0, Number.NaN];
      const [, c0] = cpu.samples[k] ?? [0, Number.NaN];
      const [, m1] = memory.samples[k + 1] ?? [0, Number.NaN];
      const wantCpu = (c1 - c0) / SCRAPE_SECONDS;
      const cpuValue = Number(gotCpu.values[k]?.[1]);
      const memoryValue = Number(gotMemory.values[k]?.[1]);
      if (!close(cpuValue, wantCpu))
        fail(`cpu of ${cpu.labels.pod} at ${t}: ${cpuValue}, expected ${wantCpu}`);
      if (memoryValue !== m1) fail(`memory of ${cpu.labels.pod} at ${t}: ${memoryValue}, expected ${m1}`);
    });
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const n = (x: number) => x.toLocaleString("en-US");
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const benchStart = performance.now();
  const big = await run(CONTAINERS);
  const small = await run(SMALL_CONTAINERS);

  const ranges = splitRange(START, END, STEP).length;
  const queries = Object.keys(
    namespaceQueries(namespaceOf(0), {
      metrics: PROM.metrics,
      selector: PROM.selector,
      stepSeconds: STEP,
      rateWindowSeconds: RATE_WINDOW,
    }),
  ).length;
  const expected = NAMESPACES * queries * ranges;
  for (const r of [big, small]) {
    if (r.stats.requests !== expected || r.stats.queryRange !== expected || r.clientRequests !== expected) {
      throw new Error(
        `${r.containers} containers: ${r.stats.requests} HTTP requests (${r.stats.queryRange} query_range, client counted ${r.clientRequests}), expected ${expected}`,
      );
    }
  }

  const cpu = cpus();
  console.log(
    `kopt Prometheus benchmark — Node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? "?"}), V8 heap limit ${mib(getHeapStatistics().heap_size_limit)}`,
  );
  console.log(
    `history:   ${HISTORY / DAY} days to ${new Date(END * 1000).toISOString()}, ${n(CONTAINERS)} containers (${CONTAINERS / NAMESPACES} pods x 1 container in each of ${NAMESPACES} namespaces): cAdvisor CPU counter and working set, one scrape every ${SCRAPE_SECONDS / 60} min`,
  );
  console.log(
    `setup:     ${n(big.ready.samples)} samples in ${n(big.ready.series)} series: OpenMetrics written in ${s(big.ready.writeMs)}, promtool backfill ${s(big.ready.backfillMs)}; ${s(big.ready.setupMs)} to a ready Prometheus (child process; not measured below)`,
  );
  console.log(
    `read:      readUsage, step ${STEP} s, rate window ${RATE_WINDOW} s (two scrapes per window: this benchmark scrapes every 5 min), concurrency ${PROM.concurrency}`,
  );
  console.log(
    `wall time: ${big.seconds.toFixed(2)} s (${big.cpuSeconds.toFixed(2)} s CPU in kopt's process)`,
  );
  console.log(
    `memory:    peak RSS ${mib(big.peak)} sampled (maxRSS ${mib(big.maxRss)}), ${mib(big.before)} before the run; heap ${mib(big.heapAfter)} after GC holding the result (${mib(big.heapBefore)} before)`,
  );
  console.log(
    `requests:  ${big.stats.requests} HTTP requests = ${NAMESPACES} namespaces x ${queries} queries x ${ranges} range piece${ranges === 1 ? "" : "s"} (${n(POINTS)} points per series; at most ${n(MAX_POINTS_PER_SERIES)} per piece)`,
  );
  console.log(
    `points:    ${n(big.points)}: ${n(big.cpuSeries)} CPU + ${n(big.memorySeries)} memory series x ${n(POINTS)}; ${queries - 2} of the ${queries} queries find no series here`,
  );
  console.log(
    `${n(SMALL_CONTAINERS)} containers in the same ${NAMESPACES} namespaces: ${small.stats.requests} HTTP requests (the same), ${small.seconds.toFixed(2)} s, ${n(small.points)} points, peak RSS ${mib(small.peak)} (${mib(small.before)} before)`,
  );
  console.log(`total:     ${s(performance.now() - benchStart)}, setup of both runs included`);
}

const mode = process.argv.find((a) => a === "--serve" || a === "--read");
const count = Number(process.argv[process.argv.indexOf(mode ?? "") + 1]);
if (mode === "--serve") await serve(count);
else if (mode === "--read") await read(count);
else await main();
