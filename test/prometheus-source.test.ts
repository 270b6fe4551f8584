// The Prometheus source against a real Prometheus (Debian's package): the demo's usage history and a
// synthetic cluster are backfilled with promtool as the raw cAdvisor and kube-state-metrics series a real
// cluster has, and kopt must read back exactly what was generated, in O(namespaces) requests.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percentile, sortNumbers } from "../src/analyze/stats.ts";
import { KoptError } from "../src/errors.ts";
import { PROMETHEUS_METRIC_DEFAULTS } from "../src/formats/config.ts";
import type { ClusterSnapshot, PromMatrix } from "../src/formats/snapshot.ts";
import { KOPT_RBAC_RULES } from "../src/observe/kube/rbac.ts";
import { PrometheusClient, type PrometheusClientOptions } from "../src/observe/prometheus/client.ts";
import { namespaceQueries, splitRange } from "../src/observe/prometheus/queries.ts";
import { readUsage } from "../src/observe/prometheus/source.ts";
import { loadSnapshot } from "../src/observe/snapshot.ts";
import { usageToSnapshot } from "../src/observe/usage-series.ts";
import { recommend } from "../src/workflows/recommend.ts";
import { type KubeSim, startKubeSim } from "./support/kube-sim/index.ts";
import {
  cadvisorSeries,
  type FaultProxy,
  type FaultProxyOptions,
  type MetricSeries,
  type StartedPrometheus,
  shiftMatrix,
  skipWithoutPrometheus,
  startFaultProxy,
  startPrometheus,
} from "./support/prometheus/index.ts";
import { demoRepo, git, kopt, koptAt, PROJECT_ROOT, type RunResult, type TempRepo } from "./support/repo.ts";

/** Values kopt reads back may differ from the generated ones by float rounding in rate() only. */
const TOLERANCE = 1e-9;
const STEP = 300;
const DAY = 86400;
const TOKEN = "prom-test-token-8c1d4e9a7b2f";

const DEMO: ClusterSnapshot = JSON.parse(
  gunzipSync(readFileSync(join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"))).toString("utf8"),
);
const END = Date.parse(DEMO.capturedAt) / 1000;
const WINDOW_START = END - 7 * DAY;

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= TOLERANCE * Math.max(1, Math.abs(expected));
}

function seriesKey(m: Record<string, string>): string {
  return `${m.namespace}/${m.pod}/${m.container}`;
}

/** A matrix's points within (from, to], by namespace/pod/container. */
function pointsOf(m: PromMatrix, from: number, to: number): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const s of m.result) {
    const pts = s.values
      .filter(([t]) => t > from && t <= to)
      .map(([t, v]) => [t, Number(v)] as [number, number]);
    if (pts.length > 0) out.set(seriesKey(s.metric), pts);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// A synthetic cluster for request counting: namespaces load-1..3 hold 2 containers each, load-4..6 hold 20.

const SMALL = ["load-1", "load-2", "load-3"];
const LARGE = ["load-4", "load-5", "load-6"];

function syntheticUsage(): { cpu: PromMatrix; memory: PromMatrix } {
  const cpu: PromMatrix = { resultType: "matrix", result: [] };
  const memory: PromMatrix = { resultType: "matrix", result: [] };
  for (const ns of [...SMALL, ...LARGE]) {
    const n = SMALL.includes(ns) ? 2 : 20;
    for (let i = 0; i < n; i++) {
      const metric = { namespace: ns, pod: `app-${i}-7f9c6d5b8-x${i}q2z`, container: "app" };
      const values: [number, string][] = [];
      for (let t = END - DAY + STEP; t <= END; t += STEP) {
        const phase = (t / 3600 + i) % 24;
        values.push([t, String(0.05 + 0.01 * i + 0.02 * Math.sin(phase))]);
      }
      cpu.result.push({ metric, values });
      memory.result.push({
        metric,
        values: values.map(([t, v]) => [t, String(Math.round(Number(v) * 2 ** 30))]),
      });
    }
  }
  return { cpu, memory };
}

/** Restarts of the worker (OOM kills, then an Error), an HPA on the frontend, throttling of one frontend pod. */
const WORKER_POD = "worker-n2r9wjrqjg-lsn27";
const OOM_AT = [END - 3 * DAY - 200, END - DAY - 200];
const ERROR_AT = END - 5 * 3600 - 200;
const THROTTLED_POD = "frontend-s4gqm6z8b4-b8mmq";

function demoExtras() {
  const throttled = DEMO.usage.cpu.result.find((s) => s.metric.pod === THROTTLED_POD);
  if (!throttled) throw new Error(`no ${THROTTLED_POD} in the demo`);
  return {
    throttling: {
      resultType: "matrix" as const,
      result: [
        {
          metric: throttled.metric,
          values: throttled.values.map(
            ([t]) => [t, String((t / STEP) % 4 === 0 ? 0.25 : 0)] as [number, string],
          ),
        },
      ],
    },
    restarts: [
      {
        namespace: "todo",
        pod: WORKER_POD,
        container: "worker",
        events: [...OOM_AT.map((at) => ({ at, reason: "OOMKilled" })), { at: ERROR_AT, reason: "Error" }],
      },
    ],
    hpa: [
      {
        namespace: "todo",
        name: "frontend",
        points: Array.from({ length: 12 * 24 }, (_, i) => {
          const k = 12 * 24 - 1 - i; // steps before END, ascending in time
          return [END - k * STEP, 3 + (k % 2), 4] as const;
        }),
      },
    ],
  };
}

/** An HTTP request counter per frontend pod and status code over the last day: 10 req/s of 200s, 0.5 of 500s. */
const HTTP_PODS = ["frontend-s4gqm6z8b4-b8mmq", "frontend-s4gqm6z8b4-fm5dn"];
const HTTP_RATES = { "200": 10, "500": 0.5 } as const;

function* httpSeries(): Iterable<MetricSeries> {
  for (const pod of HTTP_PODS) {
    for (const [code, rate] of Object.entries(HTTP_RATES)) {
      const samples: [number, number][] = [];
      // Scrapes every 60 s, 30 s off the step grid (as the cAdvisor series); the counter starts high so
      // rate() never extrapolates towards zero.
      for (let t = END - DAY + 30; t <= END; t += 60) samples.push([t, 1e6 + rate * (t - (END - DAY))]);
      yield {
        name: "http_requests_total",
        type: "counter",
        labels: { namespace: "todo", pod, container: "frontend", job: "frontend", code, method: "GET" },
        samples,
      };
    }
  }
}

function* concat(...parts: Iterable<MetricSeries>[]): Iterable<MetricSeries> {
  for (const p of parts) yield* p;
}

describe.skipIf(skipWithoutPrometheus())("usage history from a real Prometheus", () => {
  // Skipped only outside CI when the prometheus package is not installed (CI=true fails instead).
  let prom: StartedPrometheus;
  let proxies: FaultProxy[] = [];
  const temps: string[] = [];
  const seen: string[] = [];

  beforeAll(async () => {
    const synthetic = syntheticUsage();
    prom = await startPrometheus({
      series: concat(cadvisorSeries(DEMO.usage, demoExtras()), cadvisorSeries(synthetic), httpSeries()),
    });
  }, 120_000);

  afterAll(async () => {
    for (const p of proxies) await p.close();
    proxies = [];
    await prom?.stop();
    for (const d of temps) rmSync(d, { recursive: true, force: true });
    for (const text of seen) expect(text).not.toContain(TOKEN);
  });

  function client(opts: Partial<PrometheusClientOptions> = {}): PrometheusClient {
    return new PrometheusClient({ url: prom.url, timeoutMs: 30_000, retries: 0, ...opts });
  }

  async function proxy(opts: Omit<FaultProxyOptions, "target">): Promise<FaultProxy> {
    const p = await startFaultProxy({ target: prom.url, ...opts });
    proxies.push(p);
    return p;
  }

  function tempDir(prefix: string): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    temps.push(d);
    return d;
  }

  const spec = { metrics: PROMETHEUS_METRIC_DEFAULTS, stepSeconds: STEP, rateWindowSeconds: STEP };

  describe("what kopt reads back", () => {
    it("every CPU and memory point of the demo's last 7 days, from the raw cAdvisor counters and gauges", async () => {
      const usage = usageToSnapshot(
        await readUsage({
          ...spec,
          client: client(),
          namespaces: ["todo", "kube-system"],
          end: END,
          historySeconds: 7 * DAY,
          concurrency: 4,
        }),
      );
      for (const kind of ["cpu", "memory"] as const) {
        const want = pointsOf(DEMO.usage[kind], WINDOW_START, END);
        const got = pointsOf(usage[kind], WINDOW_START, END);
        expect([...got.keys()].sort(), kind).toEqual([...want.keys()].sort());
        let compared = 0;
        for (const [key, points] of want) {
          const back = got.get(key) ?? [];
          expect(
            back.map(([t]) => t),
            `${kind} ${key}`,
          ).toEqual(points.map(([t]) => t));
          points.forEach(([, v], i) => {
            const b = (back[i] as [number, number])[1];
            if (!close(b, v)) expect.fail(`${kind} ${key} at ${points[i]?.[0]}: read ${b}, generated ${v}`);
            compared++;
          });
        }
        expect(compared).toBeGreaterThan(20_000);
      }
      // The pod cgroups (container="") and pause containers the harness also wrote are not read.
      for (const s of usage.cpu.result) expect(["", "POD"]).not.toContain(s.metric.container);
      expect(usage.source).toMatchObject({ url: prom.url, start: WINDOW_START, end: END, step: STEP });
    });

    it("kopt's p50, p95, p99 and max equal those computed directly from the generated samples", async () => {
      const repo = demoRepo();
      try {
        const out = await recommend({
          repoDir: repo.dir,
          cluster: "demo-prometheus",
          prometheusUrl: prom.url,
        });
        expect(out.recommendations.length).toBe(5);
        for (const r of out.recommendations) {
          for (const kind of ["cpu", "memory"] as const) {
            const values: number[] = [];
            for (const [key, points] of pointsOf(DEMO.usage[kind], WINDOW_START, END)) {
              const [ns, pod, container] = key.split("/");
              if (
                ns === r.workload.namespace &&
                container === r.container &&
                pod?.startsWith(`${r.workload.name}-`)
              )
                values.push(...points.map(([, v]) => v));
            }
            const sorted = sortNumbers(values);
            const ev = r.evidence[kind];
            expect(ev.samples).toBe(sorted.length);
            for (const [name, p] of [
              ["p50", 50],
              ["p95", 95],
              ["p99", 99],
              ["max", 100],
            ] as const) {
              const direct = percentile(sorted, p);
              if (!close(ev[name], direct))
                expect.fail(
                  `${r.workload.name}/${r.container} ${kind} ${name}: kopt ${ev[name]}, direct ${direct}`,
                );
            }
          }
        }
      } finally {
        repo.cleanup();
      }
    });

    it("restarts, OOM kills, CPU throttling and HPA replicas, per step where they happened", async () => {
      const usage = usageToSnapshot(
        await readUsage({
          ...spec,
          client: client(),
          namespaces: ["todo"],
          end: END,
          historySeconds: 7 * DAY,
          concurrency: 2,
        }),
      );
      const blockOf = (at: number) => Math.ceil(at / STEP) * STEP;
      const restarts = usage.restarts?.result ?? [];
      expect(restarts.map((s) => seriesKey(s.metric))).toEqual([`todo/${WORKER_POD}/worker`]);
      expect(restarts[0]?.values).toEqual(
        [...OOM_AT, ERROR_AT].sort((a, b) => a - b).map((at) => [blockOf(at), "1"]),
      );
      expect(usage.oomKills?.result.map((s) => [seriesKey(s.metric), s.values])).toEqual([
        [`todo/${WORKER_POD}/worker`, OOM_AT.map((at) => [blockOf(at), "1"])],
      ]);
      const throttling = usage.cpuThrottling?.result ?? [];
      expect(throttling.map((s) => s.metric.pod)).toEqual([THROTTLED_POD]);
      const tp = throttling[0]?.values ?? [];
      expect(tp.length).toBeGreaterThan(100);
      for (const [t, v] of tp) {
        expect((t / STEP) % 4).toBe(0);
        expect(close(Number(v), 0.25)).toBe(true);
      }
      const hpa = usage.hpaReplicas?.result ?? [];
      expect(hpa.map((s) => s.metric.__name__).sort()).toEqual([
        "kube_horizontalpodautoscaler_status_current_replicas",
        "kube_horizontalpodautoscaler_status_desired_replicas",
      ]);
      const current = hpa.find((s) => s.metric.__name__?.includes("current"));
      expect(current?.metric.horizontalpodautoscaler).toBe("frontend");
      expect(current?.values.at(-1)).toEqual([END, "3"]);
      expect(current?.values.at(-2)).toEqual([END - STEP, "4"]);
    });

    it("request and error rates per pod, when an HTTP metric is configured", async () => {
      const usage = usageToSnapshot(
        await readUsage({
          ...spec,
          metrics: {
            ...PROMETHEUS_METRIC_DEFAULTS,
            http: { requests: "http_requests_total", errors: 'code=~"5.."' },
          },
          client: client(),
          namespaces: ["todo"],
          end: END,
          historySeconds: DAY / 2,
          concurrency: 4,
        }),
      );
      for (const [kind, rate] of [
        ["httpRequests", HTTP_RATES["200"] + HTTP_RATES["500"]],
        ["httpErrors", HTTP_RATES["500"]],
      ] as const) {
        const series = usage[kind]?.result ?? [];
        expect(series.map((x) => x.metric)).toEqual(HTTP_PODS.map((pod) => ({ namespace: "todo", pod })));
        for (const x of series) {
          expect(x.values).toHaveLength(DAY / 2 / STEP + 1); // both ends of the range
          for (const [, v] of x.values)
            if (!close(Number(v), rate)) expect.fail(`${kind} ${x.metric.pod}: ${v}, not ${rate}`);
        }
      }
    });
  });

  describe("requests: O(namespaces), never per container", () => {
    const perNamespace = Object.keys(namespaceQueries("x", spec)).length;

    async function requestsFor(namespaces: string[], opts: { step?: number; history?: number } = {}) {
      const p = await proxy({});
      const c = new PrometheusClient({ url: p.url, timeoutMs: 30_000, retries: 0 });
      const usage = usageToSnapshot(
        await readUsage({
          ...spec,
          stepSeconds: opts.step ?? STEP,
          client: c,
          namespaces,
          end: END,
          historySeconds: opts.history ?? DAY,
          concurrency: 4,
        }),
      );
      expect(c.requests).toBe(p.requests.length);
      return { requests: p.requests.length, usage };
    }

    it("ten times the containers in as many namespaces: the same number of requests", async () => {
      const small = await requestsFor(SMALL);
      const large = await requestsFor(LARGE);
      expect(small.usage.cpu.result).toHaveLength(6);
      expect(large.usage.cpu.result).toHaveLength(60);
      expect(large.usage.memory.result).toHaveLength(60);
      expect(small.requests).toBe(SMALL.length * perNamespace);
      expect(large.requests).toBe(small.requests);
    });

    it("twice the namespaces: twice the requests", async () => {
      const all = await requestsFor([...SMALL, ...LARGE]);
      expect(all.usage.cpu.result).toHaveLength(66);
      expect(all.requests).toBe(2 * SMALL.length * perNamespace);
    });

    it("a range past Prometheus's 11,000 points is split, and the pieces join without a gap or a repeat", async () => {
      const history = 8 * DAY; // at 60 s: 11,521 points
      const full = splitRange(END - history, END, 60);
      expect(full).toHaveLength(2);
      const query = namespaceQueries("load-1", spec).cpu as string;
      const err = await client()
        .queryRange(query, END - history, END, 60)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KoptError);
      expect((err as KoptError).message).toContain(
        "exceeded maximum resolution of 11,000 points per timeseries",
      );

      const { requests, usage } = await requestsFor(["load-1"], { step: 60, history });
      expect(requests).toBe(perNamespace * 2);
      expect(usage.cpu.result).toHaveLength(2);
      for (const s of usage.cpu.result) {
        const ts = s.values.map(([t]) => t);
        // The data spans the last day; at a 60 s step every minute of it is there once, in order.
        expect(ts.length).toBeGreaterThanOrEqual(DAY / 60 - 5);
        ts.forEach((t, i) => {
          if (i > 0) expect(t - (ts[i - 1] as number)).toBe(60);
        });
      }
    });
  });

  describe("the client: retries, timeouts, Prometheus's own errors", () => {
    const query = 'sum by (namespace) (rate(container_cpu_usage_seconds_total{namespace="todo"}[5m]))';

    it("retries 5xx and dropped connections with growing backoff, then succeeds", async () => {
      const p = await proxy({
        fault: (i) =>
          i === 0 ? { status: 503, body: "upstream unavailable" } : i === 1 ? "reset" : undefined,
      });
      const sleeps: number[] = [];
      const c = new PrometheusClient({
        url: p.url,
        timeoutMs: 10_000,
        retries: 3,
        backoffMs: 100,
        random: () => 0.5,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      const v = await c.query(query, END);
      expect(v.result).toHaveLength(1);
      expect(p.requests).toHaveLength(3);
      expect(c.requests).toBe(3);
      expect(sleeps).toEqual([100, 200]);
    });

    it("gives up after the retries, naming the URL, the query and the last answer", async () => {
      const p = await proxy({ fault: () => ({ status: 502, body: "bad gateway from the ingress" }) });
      const c = new PrometheusClient({ url: p.url, timeoutMs: 10_000, retries: 2, sleep: async () => {} });
      const err = (await c.query(query, END).catch((e: unknown) => e)) as KoptError;
      expect(err).toBeInstanceOf(KoptError);
      expect(err.edge).toBe("prometheus");
      expect(err.message).toContain(`Prometheus at ${p.url} failed (after 3 attempts): HTTP 502`);
      expect(err.message).toContain("bad gateway from the ingress");
      expect(err.message).toContain(`query: ${query}`);
      expect(p.requests).toHaveLength(3);
    });

    it("a request that hangs past the timeout is retried, then fails with the timeout", async () => {
      const p = await proxy({ fault: () => ({ delayMs: 3000 }) });
      const c = new PrometheusClient({ url: p.url, timeoutMs: 200, retries: 1, sleep: async () => {} });
      const err = (await c.query(query, END).catch((e: unknown) => e)) as KoptError;
      expect(err.message).toContain("failed (after 2 attempts): no answer within 0.2s");
      expect(err.hint).toContain("timeout");
    });

    it("a bad query: Prometheus's own error text, no retry", async () => {
      const p = await proxy({});
      const c = new PrometheusClient({ url: p.url, timeoutMs: 10_000, retries: 3, sleep: async () => {} });
      const bad = "sum by (namespace) (rate(container_cpu_usage_seconds_total[5m])";
      const err = (await c.query(bad, END).catch((e: unknown) => e)) as KoptError;
      expect(err.message).toMatch(/failed: bad_data: .*parse error.* \(HTTP 400\)/);
      expect(err.message).toContain(`query: ${bad}`);
      expect(err.hint).toContain("source.prometheus.metrics");
      expect(p.requests).toHaveLength(1);
    });
  });

  // -------------------------------------------------------------------------------------------------------
  // The CLI

  async function run(now: Date | undefined, ...args: string[]): Promise<RunResult> {
    const r = now ? await koptAt(now, ...args) : await kopt(...args);
    seen.push(r.stdout, r.stderr);
    return r;
  }

  /** JSON of `kopt recommend` without what legitimately differs between sources, numbers to 6 digits. */
  /**
   * The JSON of `kopt recommend` without what legitimately differs between sources: numbers in the evidence
   * rounded to 4 significant digits (the JSON has 6; rate() differs from the generated values by ~1e-15,
   * enough to flip a 6th digit now and then). Requests, limits and changes are compared exactly.
   */
  function comparable(stdout: string) {
    const out = JSON.parse(stdout);
    const round = (v: unknown): unknown =>
      typeof v === "number"
        ? Number(v.toPrecision(4))
        : Array.isArray(v)
          ? v.map(round)
          : v && typeof v === "object"
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)]))
            : v;
    const recommendations = out.recommendations.map((r: { evidence: unknown }) => ({
      ...r,
      evidence: round(r.evidence),
    }));
    return { recommendations, skipped: out.skipped, observedAt: out.observedAt };
  }

  describe("kopt on the command line", () => {
    let repo: TempRepo;
    let sim: KubeSim;
    let kubeconfig: string;

    beforeAll(async () => {
      repo = demoRepo();
      sim = await startKubeSim({
        objects: structuredClone(DEMO.objects.items) as Record<string, unknown>[],
        rbac: [...KOPT_RBAC_RULES],
        metrics: { pods: [], nodes: [] },
        token: "kube-token-0a9b8c",
      });
      kubeconfig = sim.writeKubeconfig(tempDir("kopt-kubeconfig-"));
    });
    afterAll(async () => {
      await sim?.stop();
      repo?.cleanup();
    });

    /** `kopt recommend --cluster NAME --output json` (plus extra arguments), with the clock at `now` if given. */
    function recommendJson(now: Date | undefined, cluster: string, ...extra: string[]): Promise<RunResult> {
      return run(now, "--repo", repo.dir, "recommend", "--cluster", cluster, "--output", "json", ...extra);
    }

    /** clusters/<name>/kopt.yaml: source as given, the demo's workloads mapped onto a copy of its values. */
    function addCluster(name: string, source: string): void {
      const demo = readFileSync(join(repo.dir, "clusters/demo/kopt.yaml"), "utf8");
      const workloads = demo.slice(demo.indexOf("workloads:")).split("\n# How resources")[0] ?? "";
      mkdirSync(join(repo.dir, "clusters", name), { recursive: true });
      writeFileSync(
        join(repo.dir, "clusters", name, "kopt.yaml"),
        `apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: ${name}\nsource:\n${source}\n${workloads.replaceAll("clusters/demo/", `clusters/${name}/`)}`,
      );
      writeFileSync(
        join(repo.dir, "clusters", name, "values.yaml"),
        readFileSync(join(repo.dir, "clusters/demo/values.yaml")),
      );
      git(repo.dir, "add", "-A");
      git(repo.dir, "commit", "-q", "-m", `cluster ${name}`);
    }

    it("kopt recommend --cluster demo-prometheus gives the demo's recommendations from the real Prometheus", async () => {
      const demo = await recommendJson(undefined, "demo");
      const viaProm = await recommendJson(undefined, "demo-prometheus", "--prometheus-url", prom.url);
      expect(viaProm.stderr).toBe("");
      expect(viaProm.code).toBe(0);
      expect(comparable(viaProm.stdout)).toEqual(comparable(demo.stdout));
      expect(JSON.parse(viaProm.stdout).source).toMatch(
        new RegExp(`^snapshot:.*/clusters/demo-prometheus/objects\\.json\\.gz \\+ prometheus:${prom.url}$`),
      );
      const table = await run(
        undefined,
        "--repo",
        repo.dir,
        "recommend",
        "--cluster",
        "demo-prometheus",
        "--prometheus-url",
        prom.url,
      );
      expect(table.stdout).toContain("todo/backend");
    });

    it("a live cluster through the Kubernetes API with history from Prometheus: recommendations, no warning", async () => {
      addCluster(
        "live",
        `  kubernetes:\n    kubeconfig: ${kubeconfig}\n  prometheus:\n    url: ${prom.url}\n    timeout: 20s`,
      );
      const at = new Date(END * 1000);
      const live = await recommendJson(at, "live");
      // The simulator serves no logs (kopt warns about that); nothing may be said about usage history.
      expect(live.stderr).not.toMatch(/usage|Prometheus/);
      expect(live.code).toBe(0);
      const demo = await recommendJson(undefined, "demo");
      expect(comparable(live.stdout)).toEqual(comparable(demo.stdout));
      expect(JSON.parse(live.stdout).recommendations).toHaveLength(5);

      const plan = await run(
        at,
        "--repo",
        repo.dir,
        "plan",
        "--cluster",
        "live",
        "--dry-run",
        "--output",
        "json",
      );
      expect(plan.code).toBe(0);
      expect(JSON.parse(plan.stdout).proposals).toHaveLength(5);
    });

    it("kopt snapshot records the usage history up to now; recommend on the file gives the demo's workloads", async () => {
      // The demo's history, moved to end at the current 5-minute step, in a Prometheus of its own.
      const now = Math.floor(Date.now() / 1000 / STEP) * STEP;
      const lastWeek = (m: PromMatrix): PromMatrix => ({
        resultType: "matrix",
        result: m.result
          .map((s) => ({ ...s, values: s.values.filter(([t]) => t > WINDOW_START - STEP) }))
          .filter((s) => s.values.length > 0),
      });
      const shifted = {
        cpu: shiftMatrix(lastWeek(DEMO.usage.cpu), now - END),
        memory: shiftMatrix(lastWeek(DEMO.usage.memory), now - END),
      };
      const current = await startPrometheus({ series: cadvisorSeries(shifted) });
      try {
        addCluster(
          "now",
          `  kubernetes:\n    kubeconfig: ${kubeconfig}\n  prometheus:\n    url: ${current.url}`,
        );
        const file = join(tempDir("kopt-snap-"), "now.json.gz");
        const r = await run(undefined, "--repo", repo.dir, "snapshot", "--cluster", "now", "--out", file);
        expect(r.stderr).not.toMatch(/usage|Prometheus/);
        expect(r.code).toBe(0);
        const inWindow = pointsOf(DEMO.usage.cpu, WINDOW_START, END).size;
        expect(r.stdout).toMatch(
          new RegExp(
            `usage {4}${inWindow} cpu, ${inWindow} memory, .* series \\(\\d+ Prometheus requests\\)`,
          ),
        );
        const snap = await loadSnapshot(file);
        expect(snap.usage.cpu.result).toHaveLength(inWindow);
        const last = Math.max(...snap.usage.cpu.result.flatMap((s) => s.values.map(([t]) => t)));
        expect(last).toBeGreaterThanOrEqual(now);
        expect(last).toBeLessThanOrEqual(Date.parse(snap.capturedAt) / 1000);
        const rec = await run(
          undefined,
          "--repo",
          repo.dir,
          "recommend",
          "--cluster",
          "now",
          "--snapshot",
          file,
          "--output",
          "json",
        );
        expect(rec.code).toBe(0);
        expect(
          JSON.parse(rec.stdout)
            .recommendations.map((x: { workload: { name: string } }) => x.workload.name)
            .sort(),
        ).toEqual(["backend", "frontend", "node-exporter", "postgres", "worker"]);
      } finally {
        await current.stop();
      }
    });

    it("bearer token from a file, a Mimir tenant header, a path prefix and a private CA", async () => {
      const p = await proxy({
        bearerToken: TOKEN,
        requireHeaders: { "X-Scope-OrgID": "team-a" },
        pathPrefix: "/prometheus",
        tls: true,
      });
      const dir = join(repo.dir, "clusters", "gateway");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "ca.pem"), p.ca ?? "");
      const tokenFile = join(tempDir("kopt-token-"), "token");
      writeFileSync(tokenFile, `${TOKEN}\n`);
      addCluster(
        "gateway",
        `  snapshot: clusters/demo-prometheus/objects.json.gz\n  prometheus:\n    url: ${p.url}\n    bearerTokenFile: ${tokenFile}\n    headers:\n      X-Scope-OrgID: team-a\n    caFile: clusters/gateway/ca.pem`,
      );
      // The objects file is of cluster demo-prometheus: point the config at a copy named for this cluster.
      const objects = JSON.parse(
        gunzipSync(readFileSync(join(repo.dir, "clusters/demo-prometheus/objects.json.gz"))).toString("utf8"),
      );
      writeFileSync(join(dir, "objects.json"), JSON.stringify({ ...objects, cluster: "gateway" }));
      const config = readFileSync(join(dir, "kopt.yaml"), "utf8").replace(
        "clusters/demo-prometheus/objects.json.gz",
        "clusters/gateway/objects.json",
      );
      writeFileSync(join(dir, "kopt.yaml"), config);
      git(repo.dir, "add", "-A");
      git(repo.dir, "commit", "-q", "-m", "gateway objects");

      const ok = await recommendJson(undefined, "gateway");
      expect(ok.stderr).toBe("");
      expect(JSON.parse(ok.stdout).recommendations).toHaveLength(5);
      expect(p.requests.length).toBeGreaterThan(0);
      for (const req of p.requests) {
        expect(req.path.startsWith("/prometheus/api/v1/query_range")).toBe(true);
        expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
      }

      writeFileSync(tokenFile, "expired-token\n");
      const denied = await run(undefined, "--repo", repo.dir, "recommend", "--cluster", "gateway");
      expect(denied.code).toBe(2);
      expect(denied.stderr).toMatch(
        /Prometheus at https:\/\/127\.0\.0\.1:\d+\/prometheus failed: HTTP 401: Unauthorized/,
      );
      expect(denied.stderr).toContain("fix: check source.prometheus credentials");
      expect(denied.stderr).not.toContain("expired-token");
    });

    it("basic auth with the password from the environment; a missing variable is a config error with its field", async () => {
      const p = await proxy({ basicAuth: { username: "kopt", password: "s3cret-pw" } });
      addCluster(
        "basic",
        `  kubernetes:\n    kubeconfig: ${kubeconfig}\n  prometheus:\n    url: ${p.url}\n    basicAuth:\n      username: kopt\n      passwordEnv: KOPT_TEST_PROM_PASSWORD`,
      );
      const at = new Date(END * 1000);
      const missing = await run(at, "--repo", repo.dir, "recommend", "--cluster", "basic");
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(
        "clusters/basic/kopt.yaml: source.prometheus.basicAuth.passwordEnv: environment variable KOPT_TEST_PROM_PASSWORD is not set",
      );
      expect(p.requests).toHaveLength(0);
      process.env.KOPT_TEST_PROM_PASSWORD = "s3cret-pw";
      try {
        const ok = await recommendJson(at, "basic");
        expect(ok.code).toBe(0);
        expect(JSON.parse(ok.stdout).recommendations).toHaveLength(5);
        expect(ok.stdout + ok.stderr).not.toContain("s3cret-pw");
      } finally {
        delete process.env.KOPT_TEST_PROM_PASSWORD;
      }
    });

    it("a metric name that matches nothing: a warning naming the query, every container skipped", async () => {
      addCluster(
        "renamed",
        `  kubernetes:\n    kubeconfig: ${kubeconfig}\n  prometheus:\n    url: ${prom.url}\n    metrics:\n      cpu: cadvisor_cpu_seconds_total\n      memory: cadvisor_memory_bytes`,
      );
      const r = await run(
        new Date(END * 1000),
        "--repo",
        repo.dir,
        "recommend",
        "--cluster",
        "renamed",
        "--output",
        "json",
      );
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(
        `kopt: warning: Prometheus at ${prom.url} has no CPU or memory usage for namespaces kube-system, todo`,
      );
      expect(r.stderr).toContain("cadvisor_cpu_seconds_total");
      expect(JSON.parse(r.stdout).recommendations).toHaveLength(0);
    });
  });
});
