// source.prometheus.selector against a real Prometheus that serves two clusters: prod and staging export the
// same namespace, ingress, Istio workload and pod names (labelled `cluster` by the store, as Thanos or Mimir
// do), and from T on staging fails 30% of its requests, answers in 2 s and has its container OOM-killed.
// kopt verifies prod: with `cluster="prod"` its figures, the presets' error rate and latency included, must be
// prod's alone; a user's own query counts only what it selects itself.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterConfigSchema, type PrometheusSource } from "../src/formats/config.ts";
import type { WorkloadRef } from "../src/model/types.ts";
import { createPrometheusRolloutMetrics } from "../src/observe/prometheus/rollout-metrics.ts";
import {
  constant,
  ingressNginxSeries,
  istioSeries,
  type MetricSeries,
  podSeries,
  ROLLOUT_SCRAPE_SECONDS,
  type StartedPrometheus,
  skipWithoutPrometheus,
  startPrometheus,
  stepAt,
} from "./support/prometheus/index.ts";

const MIN = 60;
const Mi = 2 ** 20;
/** The change reaches the pods at T (a scrape time). */
const T = Date.parse("2026-11-20T12:00:00Z") / 1000;
const SPAN = { start: T - 30 * MIN, end: T + 30 * MIN };
const at = (t: number) => new Date(t * 1000);
const AFTER = { start: at(T), end: at(T + 10 * MIN) };
const WEB: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "web" };

/** One cluster's series of the shared names; `bad` makes it fail from T on. */
function clusterSeries(cluster: string, bad: boolean): MetricSeries[] {
  const errorRate = bad ? stepAt(T, 0.01, 0.3) : constant(0.01);
  const p99Seconds = bad ? stepAt(T, 0.2, 2) : constant(0.2);
  const traffic = { ...SPAN, namespace: "shop", rps: constant(20), errorRate, p99Seconds };
  const series = [
    ...ingressNginxSeries({ ...traffic, ingress: "web" }),
    ...istioSeries({ ...traffic, workload: "web" }),
    ...podSeries({
      ...SPAN,
      namespace: "shop",
      name: "web-6c7d8e9f1-d3e4f",
      containers: [
        {
          name: "web",
          memory: constant(200 * Mi),
          memoryRequest: 256 * Mi,
          restarts: bad ? [{ at: T + 2 * MIN + 5, reason: "OOMKilled" }] : [],
        },
      ],
    }),
  ];
  return series.map((s) => ({ ...s, labels: { ...s.labels, cluster } }));
}

describe.skipIf(skipWithoutPrometheus())("source.prometheus.selector on a Prometheus of two clusters", () => {
  let prom: StartedPrometheus;

  beforeAll(async () => {
    prom = await startPrometheus({
      series: [...clusterSeries("prod", false), ...clusterSeries("staging", true)],
      blockHours: 2,
    });
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
  });

  const port = (verify: unknown, selector?: string) => {
    const c = ClusterConfigSchema.parse({
      apiVersion: "kopt.dev/v1alpha1",
      kind: "ClusterConfig",
      cluster: "prod",
      source: {
        snapshot: "snapshot.json.gz",
        prometheus: { url: prom.url, retries: 0, ...(selector ? { selector } : {}) },
      },
      verify,
    });
    const source = c.source.prometheus as PrometheusSource;
    return createPrometheusRolloutMetrics(source, c.verify, { stepSeconds: ROLLOUT_SCRAPE_SECONDS });
  };

  it.each(["ingress-nginx", "istio"])(
    "the %s presets with cluster=\"prod\" count prod's requests only; without it staging's errors count",
    async (preset) => {
      const verify = { errorRate: { preset }, latency: { preset } };
      const prod = await port(verify, 'cluster="prod"').measure(WEB, AFTER);
      expect(prod.errorRate).toBeCloseTo(0.01, 6);
      expect(prod.errorRateMean).toBeCloseTo(0.01, 6);
      // 0.2 s lies in the (0.1, 0.25] bucket (Istio's in milliseconds, read back in seconds).
      expect(prod.p99LatencySeconds).toBeGreaterThan(0.1);
      expect(prod.p99LatencySeconds).toBeLessThanOrEqual(0.25);

      // Unscoped, the same names mix both clusters: (1% + 30%) / 2 of equal traffic, and staging's slow tail.
      const both = await port(verify).measure(WEB, AFTER);
      expect(both.errorRate).toBeCloseTo(0.155, 6);
      expect(both.p99LatencySeconds).toBeGreaterThan(0.25);
    },
  );

  it("the figures kopt computes itself are prod's: staging's OOM kill does not count", async () => {
    const prod = await port({}, 'cluster="prod"').measure(WEB, AFTER);
    expect(prod).toMatchObject({ restarts: 0, oomKills: 0, maxUnreadyPods: 0 });
    expect(prod.memoryUsageOverRequest).toBeCloseTo(200 / 256, 6);
    const staging = await port({}, 'cluster="staging"').measure(WEB, AFTER);
    expect(staging).toMatchObject({ restarts: 1, oomKills: 1 });
  });

  it("a user's own query takes the selector where it says {{ selector }}, and only there", async () => {
    const query = (scope: string) =>
      `sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",ingress="{{ target }}",status=~"5.."${scope}}[{{ interval }}])) / sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",ingress="{{ target }}"${scope}}[{{ interval }}]))`;
    const scoped = await port({ errorRate: { query: query("{{ selector }}") } }, 'cluster="prod",').measure(
      WEB,
      AFTER,
    );
    expect(scoped.errorRate).toBeCloseTo(0.01, 6);
    // Without {{ selector }} kopt does not rewrite the query: it reads both clusters, as written.
    const unscoped = await port({ errorRate: { query: query("") } }, 'cluster="prod"').measure(WEB, AFTER);
    expect(unscoped.errorRate).toBeCloseTo(0.155, 6);
    // The same template without a configured selector: {{ selector }} is nothing, and the query still runs.
    const noSelector = await port({ errorRate: { query: query("{{ selector }}") } }).measure(WEB, AFTER);
    expect(noSelector.errorRate).toBeCloseTo(0.155, 6);
  });
});
