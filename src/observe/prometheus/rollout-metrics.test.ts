// measure() with a fake client: which queries go where, how answers become figures, how errors read.
// (test/rollout-metrics.test.ts runs it against a real Prometheus.)
import { describe, expect, it } from "vitest";
import { KoptError } from "../../errors.ts";
import { ClusterConfigSchema, type PrometheusSource } from "../../formats/config.ts";
import type { PromMatrix } from "../../formats/snapshot.ts";
import type { PromVector } from "./client.ts";
import { createPrometheusRolloutMetrics, type RolloutMetricsClient } from "./rollout-metrics.ts";

function config(verify: unknown) {
  const c = ClusterConfigSchema.parse({
    apiVersion: "kopt.dev/v1alpha1",
    kind: "ClusterConfig",
    cluster: "t",
    source: { snapshot: "s.json", prometheus: { url: "http://prom.invalid:9090" } },
    verify,
  });
  return { source: c.source.prometheus as PrometheusSource, verify: c.verify };
}

const WEB = { namespace: "shop", kind: "Deployment", name: "web" } as const;
const WINDOW = { start: new Date("2026-11-20T12:00:00Z"), end: new Date("2026-11-20T12:02:00Z") };
const T0 = WINDOW.start.getTime() / 1000;

const matrix = (...values: string[]): PromMatrix => ({
  resultType: "matrix",
  result: values.length === 0 ? [] : [{ metric: {}, values: values.map((v, i) => [T0 + 30 * (i + 1), v]) }],
});
const vector = (...values: string[]): PromVector => ({
  resultType: "vector",
  result: values.map((v) => ({ metric: {}, value: [T0 + 120, v] })),
});

interface Call {
  query: string;
  start?: number;
  end?: number;
  step?: number;
  time?: number;
}

/** A client answering by the first pattern a query matches (the OOM query also starts like restarts'). */
function fakeClient(answers: Array<[RegExp, PromMatrix | PromVector | Error]>) {
  const calls: Call[] = [];
  const answer = (query: string) => {
    const found = answers.find(([re]) => re.test(query))?.[1];
    if (found instanceof Error) throw found;
    return found;
  };
  const client: RolloutMetricsClient = {
    displayUrl: "http://prom.invalid:9090",
    async queryRange(query, start, end, step) {
      calls.push({ query, start, end, step });
      return (answer(query) as PromMatrix | undefined) ?? matrix();
    },
    async query(query, time) {
      calls.push({ query, time });
      return (answer(query) as PromVector | undefined) ?? vector();
    },
  };
  return { client, calls };
}

describe("createPrometheusRolloutMetrics", () => {
  it("turns answers into figures: max and mean skip NaN points, counts are sums, samples count points", async () => {
    const { source, verify } = config({
      errorRate: { preset: "ingress-nginx" },
      latency: { preset: "ingress-nginx" },
    });
    const { client, calls } = fakeClient([
      [/nginx_ingress_controller_requests/, matrix("0.01", "NaN", "0.09", "0.02")],
      [/histogram_quantile/, matrix("0.2", "0.5", "+Inf")],
      [/OOMKilled/, matrix("0", "0", "0", "1")],
      [/^sum\(clamp_min/, matrix("0", "1", "0", "2")],
      [/kube_pod_status_ready/, matrix("0", "2", "1", "0")],
      [/cfs_throttled/, vector("0.25")],
      [/resource="cpu"/, vector("0.8", "1.3")],
      [/resource="memory"/, vector()],
    ]);
    const m = await createPrometheusRolloutMetrics(source, verify, { client, stepSeconds: 30 }).measure(
      WEB,
      WINDOW,
    );
    expect(m).toEqual({
      errorRate: 0.09,
      errorRateMean: (0.01 + 0.09 + 0.02) / 3,
      p99LatencySeconds: 0.5,
      restarts: 3,
      oomKills: 1,
      maxUnreadyPods: 2,
      cpuThrottledShare: 0.25,
      cpuUsageOverRequest: 1.3,
      memoryUsageOverRequest: null,
      samples: 3 + 2 + 4 + 4 + 4 + 1 + 2,
      start: "2026-11-20T12:00:00Z",
      end: "2026-11-20T12:02:00Z",
    });
    // Range queries one step apart up to the end (here from one step after the start); instant ones at the end.
    for (const c of calls.filter((c) => c.step !== undefined)) {
      expect(c).toMatchObject({ start: T0 + 30, end: T0 + 120, step: 30 });
    }
    for (const c of calls.filter((c) => c.step === undefined)) expect(c.time).toBe(T0 + 120);
    expect(calls).toHaveLength(8);
    const errorQuery = calls.find((c) => /status=~"5.."/.test(c.query))?.query;
    expect(errorQuery).toContain('namespace="shop",ingress="web"');
    expect(errorQuery).toContain("[1m]");
  });

  it("sends no error-rate or latency query when none is configured", async () => {
    const { source, verify } = config({});
    const { client, calls } = fakeClient([]);
    const m = await createPrometheusRolloutMetrics(source, verify, { client }).measure(WEB, WINDOW);
    expect(calls).toHaveLength(6);
    expect(m.errorRate).toBeNull();
    expect(m.samples).toBe(0);
  });

  it("verify.target is {{ target }}; the rate window of CPU is at least four steps", async () => {
    const { source, verify } = config({
      errorRate: { preset: "istio" },
      target: "web-canary",
      interval: "30s",
    });
    const { client, calls } = fakeClient([]);
    await createPrometheusRolloutMetrics(source, verify, { client, stepSeconds: 15 }).measure(WEB, WINDOW);
    expect(calls.find((c) => c.query.includes("istio_requests_total"))?.query).toContain(
      'destination_workload="web-canary"',
    );
    expect(calls.find((c) => c.query.includes('resource="cpu"'))?.query).toContain("[60s])");
  });

  it("source.prometheus.selector reaches every query sent, the presets' included", async () => {
    const c = config({ errorRate: { preset: "ingress-nginx" }, latency: { preset: "istio" } });
    const source = { ...c.source, selector: 'cluster="prod"' };
    const { client, calls } = fakeClient([]);
    await createPrometheusRolloutMetrics(source, c.verify, { client }).measure(WEB, WINDOW);
    expect(calls).toHaveLength(8);
    for (const { query } of calls) {
      // Each metric selector (a name then `{`; the pod regex's `{5,10}` follows a `]`) holds the matchers.
      const selectors = query.match(/[A-Za-z0-9_:]\{/g) ?? [];
      expect(selectors.length).toBeGreaterThan(0);
      expect(query.match(/cluster="prod"\}/g)).toHaveLength(selectors.length);
    }
  });

  it("a query Prometheus refuses is a config error at its kopt.yaml field, quoting Prometheus", async () => {
    const { source, verify } = config({ errorRate: { query: "sum(rate(x[{{ interval }}])" } });
    const refused = new KoptError(
      "prometheus",
      "Prometheus at http://prom.invalid:9090 failed: bad_data: 1:23: parse error: unclosed left parenthesis (HTTP 400)\n  query: sum(rate(x[1m])",
      { hint: "check source.prometheus.metrics and selector in kopt.yaml" },
    );
    const { client } = fakeClient([[/rate\(x/, refused]]);
    const error = await createPrometheusRolloutMetrics(source, verify, { client })
      .measure(WEB, WINDOW)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KoptError);
    const k = error as KoptError;
    expect(k.edge).toBe("config");
    expect(k.where).toEqual({ file: "kopt.yaml", field: "verify.errorRate.query" });
    expect(k.message).toContain("bad_data: 1:23: parse error: unclosed left parenthesis (HTTP 400)");
    expect(k.message).toContain("query: sum(rate(x[1m])");
  });

  it("an unreachable Prometheus stays the client's error (not blamed on the query)", async () => {
    const { source, verify } = config({ errorRate: { preset: "istio" } });
    const down = new KoptError(
      "prometheus",
      "Prometheus at http://prom.invalid:9090 failed: cannot connect (ECONNREFUSED)",
    );
    const { client } = fakeClient([[/./, down]]);
    await expect(
      createPrometheusRolloutMetrics(source, verify, { client }).measure(WEB, WINDOW),
    ).rejects.toBe(down);
  });

  it("an unknown placeholder fails when the port is made, before any query", () => {
    const { source, verify } = config({ latency: { query: "x{a='{{ pod }}'}" } });
    const { client, calls } = fakeClient([]);
    expect(() => createPrometheusRolloutMetrics(source, verify, { client })).toThrow(/unknown placeholder/);
    const error = (() => {
      try {
        createPrometheusRolloutMetrics(source, verify, { client, configFile: "clusters/prod/kopt.yaml" });
      } catch (e) {
        return e;
      }
    })();
    expect((error as KoptError).where).toEqual({
      file: "clusters/prod/kopt.yaml",
      field: "verify.latency.query",
    });
    expect(calls).toHaveLength(0);
  });

  it("range points end at the window's end, even off the step grid", async () => {
    const { source, verify } = config({});
    const { client, calls } = fakeClient([]);
    const end = new Date(WINDOW.start.getTime() + 100_000);
    await createPrometheusRolloutMetrics(source, verify, { client, stepSeconds: 30 }).measure(WEB, {
      start: WINDOW.start,
      end,
    });
    for (const c of calls.filter((c) => c.step !== undefined))
      expect(c).toMatchObject({ start: T0 + 10, end: T0 + 100 });
  });

  it("a window shorter than a step is measured at its end", async () => {
    const { source, verify } = config({});
    const { client, calls } = fakeClient([]);
    const end = new Date(WINDOW.start.getTime() + 10_000);
    await createPrometheusRolloutMetrics(source, verify, { client, stepSeconds: 30 }).measure(WEB, {
      start: WINDOW.start,
      end,
    });
    for (const c of calls.filter((c) => c.step !== undefined)) expect(c.start).toBe(c.end);
  });
});
