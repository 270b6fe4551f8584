// The rollout's figures (RolloutMetricsPort) against a real Prometheus: ingress-nginx and Istio traffic,
// kube-state-metrics and cAdvisor series of a few workloads before and after a change at T are backfilled
// with promtool, and measure() must read back what was generated, for the workload's pods only.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFile } from "../src/config/load.ts";
import { KoptError } from "../src/errors.ts";
import { ClusterConfigSchema, type PrometheusSource, type VerifyConfig } from "../src/formats/config.ts";
import type { WorkloadRef } from "../src/model/types.ts";
import {
  createPrometheusRolloutMetrics,
  rolloutMetricsFromConfig,
} from "../src/observe/prometheus/rollout-metrics.ts";
import {
  constant,
  type FaultProxy,
  ingressNginxSeries,
  istioSeries,
  type MetricSeries,
  podSeries,
  ROLLOUT_SCRAPE_SECONDS,
  type StartedPrometheus,
  skipWithoutPrometheus,
  startFaultProxy,
  startPrometheus,
  stepAt,
} from "./support/prometheus/index.ts";

const MIN = 60;
const Mi = 2 ** 20;
/** The change reaches the pods at T (a scrape time: scrapes fall every 15 s from START). */
const T = Date.parse("2026-11-20T12:00:00Z") / 1000;
const START = T - 30 * MIN;
const END = T + 30 * MIN;
const SPAN = { start: START, end: END };
const STEP = ROLLOUT_SCRAPE_SECONDS;

const at = (t: number) => new Date(t * 1000);
const BEFORE = { start: at(T - 20 * MIN), end: at(T) };
const AFTER = { start: at(T), end: at(T + 10 * MIN) };

function config(verify: unknown, url: string): { source: PrometheusSource; verify: VerifyConfig } {
  const c = ClusterConfigSchema.parse({
    apiVersion: "kopt.dev/v1alpha1",
    kind: "ClusterConfig",
    cluster: "test",
    source: { snapshot: "snapshot.json.gz", prometheus: { url, retries: 0 } },
    verify,
  });
  return { source: c.source.prometheus as PrometheusSource, verify: c.verify };
}

function ref(namespace: string, kind: WorkloadRef["kind"], name: string): WorkloadRef {
  return { namespace, kind, name };
}

/** Two pods of a Deployment across a rollout at T: the old one until T + 1 min, the new one from T - 1 min. */
function deploymentRollout(
  namespace: string,
  name: string,
  containers: Parameters<typeof podSeries>[0]["containers"],
): MetricSeries[] {
  return [
    ...podSeries({ namespace, name: `${name}-5d8f7c9b4-a1b2c`, start: START, end: T + MIN, containers }),
    ...podSeries({ namespace, name: `${name}-6c7d8e9f1-d3e4f`, start: T - MIN, end: END, containers }),
  ];
}

function allSeries(): MetricSeries[] {
  const web = {
    name: "web",
    cpu: constant(0.2),
    cpuRequest: 0.5,
    memory: constant(200 * Mi),
    memoryRequest: 256 * Mi,
  };
  return [
    // healthy: 1% errors throughout, p99 0.2 s.
    ...ingressNginxSeries({
      ...SPAN,
      namespace: "healthy",
      ingress: "web",
      rps: constant(20),
      errorRate: constant(0.01),
      p99Seconds: constant(0.2),
    }),
    ...deploymentRollout("healthy", "web", [web]),
    // regress: 1% errors before T, 8% from T on.
    ...ingressNginxSeries({
      ...SPAN,
      namespace: "regress",
      ingress: "shop",
      service: "shop-svc",
      rps: constant(50),
      errorRate: stepAt(T, 0.01, 0.08),
      p99Seconds: stepAt(T, 0.1, 0.4),
    }),
    ...deploymentRollout("regress", "shop", [{ name: "shop", cpu: constant(0.1), cpuRequest: 0.2 }]),
    // mesh: Istio, no errors before T, 10% after; p99 0.1 s -> 0.8 s.
    ...istioSeries({
      ...SPAN,
      namespace: "mesh",
      workload: "cart",
      rps: constant(10),
      errorRate: stepAt(T, 0, 0.1),
      p99Seconds: stepAt(T, 0.1, 0.8),
    }),
    // crashy: StatefulSet db; db-0 restarts twice after T (one OOM kill), db-1 is not ready for 2 minutes.
    ...podSeries({
      ...SPAN,
      namespace: "crashy",
      name: "db-0",
      containers: [
        {
          name: "postgres",
          memory: constant(900 * Mi),
          memoryRequest: 1024 * Mi,
          restarts: [
            { at: T + 2 * MIN + 5, reason: "Error" },
            { at: T + 4 * MIN + 5, reason: "OOMKilled" },
          ],
        },
      ],
    }),
    ...podSeries({
      ...SPAN,
      namespace: "crashy",
      name: "db-1",
      containers: [{ name: "postgres", memory: constant(800 * Mi), memoryRequest: 1024 * Mi }],
      ready: (t) => !(t >= T + MIN && t < T + 3 * MIN),
    }),
    // A Deployment whose name starts like the StatefulSet's: its restarts and readiness are not db's.
    ...podSeries({
      ...SPAN,
      namespace: "crashy",
      name: "db-proxy-7f9c6d5b8-zq2xw",
      containers: [{ name: "proxy", restarts: [{ at: T + 3 * MIN, reason: "OOMKilled" }] }],
      ready: () => false,
    }),
    // throttle: Deployment api, throttled 5% before T and 40% after; CPU 0.6 of 0.5 requested, memory
    // 400 of 512 Mi.
    ...deploymentRollout("throttle", "api", [
      {
        name: "api",
        cpu: constant(0.6),
        cpuRequest: 0.5,
        memory: constant(400 * Mi),
        memoryRequest: 512 * Mi,
        throttled: stepAt(T, 0.05, 0.4),
      },
    ]),
    // quiet: traffic stops at T (0/0 is NaN: no error rate rather than 0%).
    ...ingressNginxSeries({
      ...SPAN,
      namespace: "quiet",
      ingress: "idle",
      rps: stepAt(T, 5, 0),
      errorRate: constant(0.02),
    }),
    // noreq: a DaemonSet without requests.
    ...podSeries({
      ...SPAN,
      namespace: "noreq",
      name: "agent-x7k2p",
      containers: [{ name: "agent", cpu: constant(0.05), memory: constant(50 * Mi) }],
    }),
  ];
}

describe.skipIf(skipWithoutPrometheus())("rollout metrics from a real Prometheus", () => {
  let prom: StartedPrometheus;

  beforeAll(async () => {
    prom = await startPrometheus({ series: allSeries(), blockHours: 2 });
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
  });

  const port = (verify: unknown) => {
    const c = config(verify, prom.url);
    return createPrometheusRolloutMetrics(c.source, c.verify, { stepSeconds: STEP });
  };

  it("a healthy rollout: the same error rate and latency before and after, no restarts, usage under requests", async () => {
    const metrics = port({ errorRate: { preset: "ingress-nginx" }, latency: { preset: "ingress-nginx" } });
    const web = ref("healthy", "Deployment", "web");
    const before = await metrics.measure(web, BEFORE);
    const after = await metrics.measure(web, AFTER);
    for (const m of [before, after]) {
      expect(m.errorRate).toBeCloseTo(0.01, 6);
      expect(m.errorRateMean).toBeCloseTo(0.01, 6);
      // 0.2 s lies in the (0.1, 0.25] bucket; the quantile is interpolated inside it.
      expect(m.p99LatencySeconds).toBeGreaterThan(0.1);
      expect(m.p99LatencySeconds).toBeLessThanOrEqual(0.25);
      expect(m.restarts).toBe(0);
      expect(m.oomKills).toBe(0);
      expect(m.maxUnreadyPods).toBe(0);
      expect(m.cpuThrottledShare).toBeNull();
      expect(m.cpuUsageOverRequest).toBeCloseTo(0.4, 6);
      expect(m.memoryUsageOverRequest).toBeCloseTo(200 / 256, 6);
      expect(m.samples).toBeGreaterThan(0);
    }
    expect(before.start).toBe("2026-11-20T11:40:00Z");
    expect(before.end).toBe("2026-11-20T12:00:00Z");
    expect(after.start).toBe("2026-11-20T12:00:00Z");
  });

  it("error rate jumping to 8% at T: the window from T sees it, the baseline sees 1%", async () => {
    const metrics = port({ errorRate: { preset: "ingress-nginx" }, latency: { preset: "ingress-nginx" } });
    const shop = ref("regress", "Deployment", "shop");
    const before = await metrics.measure(shop, BEFORE);
    const gate = await metrics.measure(shop, { start: at(T), end: at(T + 2 * MIN) });
    expect(before.errorRate).toBeCloseTo(0.01, 6);
    expect(gate.errorRate).toBeGreaterThanOrEqual(0.08 - 1e-9);
    expect(gate.errorRate).toBeLessThanOrEqual(0.08 + 1e-9);
    // The first minute of the gate still mixes in the last scrapes before T.
    expect(gate.errorRateMean).toBeGreaterThan(0.01);
    expect(gate.errorRateMean).toBeLessThan(0.08);
    expect(gate.p99LatencySeconds).toBeGreaterThan(2 * (before.p99LatencySeconds as number));
  });

  it("the Istio preset reads istio_requests_total and the millisecond histogram in seconds", async () => {
    const metrics = port({ errorRate: { preset: "istio" }, latency: { preset: "istio" } });
    const cart = ref("mesh", "Deployment", "cart");
    const before = await metrics.measure(cart, BEFORE);
    const after = await metrics.measure(cart, AFTER);
    expect(before.errorRate).toBe(0);
    expect(after.errorRate).toBeCloseTo(0.1, 6);
    expect(before.p99LatencySeconds).toBeGreaterThan(0.05);
    expect(before.p99LatencySeconds).toBeLessThanOrEqual(0.1);
    expect(after.p99LatencySeconds).toBeGreaterThan(0.5);
    expect(after.p99LatencySeconds).toBeLessThanOrEqual(1);
  });

  it("a custom query with verify.target fills in the placeholders", async () => {
    const query =
      'sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",service="{{target}}",status=~"5.."}[{{ interval }}])) / sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",service="{{ target }}"}[{{ interval }}]))';
    const metrics = port({ errorRate: { query }, target: "shop-svc", interval: "2m" });
    const shop = ref("regress", "Deployment", "shop");
    expect((await metrics.measure(shop, BEFORE)).errorRate).toBeCloseTo(0.01, 6);
    expect((await metrics.measure(shop, AFTER)).errorRate).toBeCloseTo(0.08, 6);
    // Without verify.target, {{ target }} is the workload's name, which is not the service here: no data.
    const byName = port({ errorRate: { query } });
    const m = await byName.measure(shop, AFTER);
    expect(m.errorRate).toBeNull();
    expect(m.errorRateMean).toBeNull();
  });

  it("counts restarts and OOM kills of the StatefulSet's pods, and its pods not ready", async () => {
    const metrics = port({});
    const db = ref("crashy", "StatefulSet", "db");
    const before = await metrics.measure(db, BEFORE);
    const after = await metrics.measure(db, AFTER);
    expect(before).toMatchObject({ restarts: 0, oomKills: 0, maxUnreadyPods: 0 });
    expect(after).toMatchObject({ restarts: 2, oomKills: 1, maxUnreadyPods: 1 });
    expect(after.memoryUsageOverRequest).toBeCloseTo(900 / 1024, 6);
    expect(after.errorRate).toBeNull();
    // The window that ends before the OOM kill sees only the first restart.
    const early = await metrics.measure(db, { start: at(T), end: at(T + 3 * MIN) });
    expect(early).toMatchObject({ restarts: 1, oomKills: 0 });
    // The Deployment db-proxy is measured on its own pods only.
    const proxy = await metrics.measure(ref("crashy", "Deployment", "db-proxy"), AFTER);
    expect(proxy).toMatchObject({ restarts: 1, oomKills: 1, maxUnreadyPods: 1 });
  });

  it("CPU throttling and usage over request", async () => {
    const metrics = port({});
    const api = ref("throttle", "Deployment", "api");
    const before = await metrics.measure(api, BEFORE);
    const after = await metrics.measure(api, AFTER);
    expect(before.cpuThrottledShare).toBeCloseTo(0.05, 6);
    expect(after.cpuThrottledShare).toBeCloseTo(0.4, 6);
    expect(after.cpuUsageOverRequest).toBeCloseTo(1.2, 6);
    expect(after.memoryUsageOverRequest).toBeCloseTo(400 / 512, 6);
  });

  it("without requests the usage ratios are null", async () => {
    const m = await port({}).measure(ref("noreq", "DaemonSet", "agent"), AFTER);
    expect(m.cpuUsageOverRequest).toBeNull();
    expect(m.memoryUsageOverRequest).toBeNull();
    expect(m.restarts).toBe(0);
  });

  it("points without traffic are skipped: an idle ingress has no error rate", async () => {
    const metrics = port({ errorRate: { preset: "ingress-nginx" } });
    const idle = ref("quiet", "Deployment", "idle");
    const before = await metrics.measure(idle, BEFORE);
    expect(before.errorRate).toBeCloseTo(0.02, 6);
    expect(before.errorRateMean).toBeCloseTo(0.02, 6);
    const after = await metrics.measure(idle, { start: at(T + 2 * MIN), end: at(T + 10 * MIN) });
    expect(after.errorRate).toBeNull();
    expect(after.errorRateMean).toBeNull();
    // Across the stop: the points with traffic only.
    const across = await metrics.measure(idle, { start: at(T - 5 * MIN), end: at(T + 5 * MIN) });
    expect(across.errorRate).toBeCloseTo(0.02, 6);
    expect(across.errorRateMean).toBeCloseTo(0.02, 6);
  });

  it("no data: every figure null and samples 0", async () => {
    const metrics = port({ errorRate: { preset: "ingress-nginx" }, latency: { preset: "istio" } });
    for (const workload of [ref("nowhere", "Deployment", "web"), ref("healthy", "Deployment", "other")]) {
      const m = await metrics.measure(workload, AFTER);
      expect(m).toEqual({
        errorRate: null,
        errorRateMean: null,
        p99LatencySeconds: null,
        restarts: null,
        oomKills: null,
        maxUnreadyPods: null,
        cpuThrottledShare: null,
        cpuUsageOverRequest: null,
        memoryUsageOverRequest: null,
        samples: 0,
        start: "2026-11-20T12:00:00Z",
        end: "2026-11-20T12:10:00Z",
      });
    }
  });

  it("bad PromQL in kopt.yaml is a KoptError naming the field and quoting Prometheus", async () => {
    const metrics = port({
      latency: { query: "histogram_quantile(0.99, sum(rate(x[{{ interval }}])) by (le)" },
    });
    const error = await metrics.measure(ref("healthy", "Deployment", "web"), AFTER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KoptError);
    const k = error as KoptError;
    expect(k.where).toEqual({ file: "kopt.yaml", field: "verify.latency.query" });
    expect(k.message).toMatch(/parse error/);
    expect(k.message).toContain("rate(x[1m])");
  });

  describe("from kopt.yaml", () => {
    let dir: string | undefined;
    let proxy: FaultProxy | undefined;
    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });

    it("reads source.prometheus's token from the environment and names the file in errors", async () => {
      const token = "rollout-test-token-5e2c9d1a";
      proxy = await startFaultProxy({ target: prom.url, bearerToken: token });
      dir = mkdtempSync(join(tmpdir(), "kopt-rollout-"));
      const file = join(dir, "kopt.yaml");
      writeFileSync(
        file,
        [
          "apiVersion: kopt.dev/v1alpha1",
          "kind: ClusterConfig",
          "cluster: test",
          "source:",
          "  snapshot: snapshot.json.gz",
          "  prometheus:",
          `    url: ${proxy.url}`,
          "    bearerTokenEnv: PROM_TOKEN",
          "    retries: 0",
          "verify:",
          "  errorRate: { preset: ingress-nginx }",
          "",
        ].join("\n"),
      );
      const loaded = await loadConfigFile(file);
      const metrics = await rolloutMetricsFromConfig(dir, loaded, {
        env: { PROM_TOKEN: token },
        stepSeconds: STEP,
      });
      const m = await metrics.measure(ref("regress", "Deployment", "shop"), AFTER);
      expect(m.errorRate).toBeCloseTo(0.08, 6);
      expect(proxy.requests.length).toBeGreaterThan(0);
      for (const r of proxy.requests) expect(r.headers.authorization).toBe(`Bearer ${token}`);

      const bad = await loadConfigFile(file);
      bad.config.verify.errorRate.query = "sum(rate(x[{{ interval }}])";
      const refused = await rolloutMetricsFromConfig(dir, bad, { env: { PROM_TOKEN: token } });
      const error = await refused
        .measure(ref("regress", "Deployment", "shop"), AFTER)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KoptError);
      expect((error as KoptError).where).toEqual({ file, field: "verify.errorRate.query" });
    });

    it("without source.prometheus it says what to add", async () => {
      dir = mkdtempSync(join(tmpdir(), "kopt-rollout-"));
      const file = join(dir, "kopt.yaml");
      writeFileSync(
        file,
        "apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: test\nsource: { snapshot: s.json }\n",
      );
      const loaded = await loadConfigFile(file);
      await expect(rolloutMetricsFromConfig(dir, loaded, { env: {} })).rejects.toThrow(
        /needs source.prometheus/,
      );
    });
  });
});
