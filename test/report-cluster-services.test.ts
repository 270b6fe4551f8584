// The health report's services section against a real Prometheus (issue 17): a week of ingress-nginx and Istio
// traffic is backfilled with promtool, and the section must read back each service's request rate, 5xx share
// and p50/p95/p99 through the presets (auto finds ingress-nginx, istio on request), kopt.yaml's own queries,
// and source.prometheus.selector; a Prometheus that cannot be reached leaves a note, not a failed report.
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoadedConfig } from "../src/config/load.ts";
import { ClusterConfigSchema, policyFromConfig } from "../src/formats/config.ts";
import type { ReportSection } from "../src/model/report.ts";
import { type PipelineResult, runPipeline } from "../src/workflows/pipeline.ts";
import { servicesSection } from "../src/workflows/report/cluster-sections.ts";
import {
  constant,
  ingressNginxSeries,
  istioSeries,
  type MetricSeries,
  type StartedPrometheus,
  skipWithoutPrometheus,
  startPrometheus,
} from "./support/prometheus/index.ts";
import { PROJECT_ROOT } from "./support/repo.ts";

/** The demo snapshot's capture time: the report's window is the 7 days before it. */
const END = Date.parse("2026-11-20T12:00:00Z") / 1000;
const WEEK = 7 * 86400;
const WINDOW = { start: END - WEEK, end: END };
/** A scrape every 5 minutes from an hour before the window to its end: increase() over the week sees all of it. */
const SPAN = { start: END - WEEK - 3600, end: END, scrapeSeconds: 300 };

function traffic(): MetricSeries[] {
  return [
    ...ingressNginxSeries({
      ...SPAN,
      namespace: "shop",
      ingress: "web",
      rps: constant(10),
      errorRate: constant(0.02),
      p99Seconds: constant(0.2),
    }),
    ...ingressNginxSeries({
      ...SPAN,
      namespace: "shop",
      ingress: "api",
      rps: constant(4),
      errorRate: constant(0.25),
      p99Seconds: constant(2),
    }),
    ...istioSeries({
      ...SPAN,
      namespace: "mesh",
      workload: "reviews",
      rps: constant(8),
      errorRate: constant(0),
      p99Seconds: constant(0.2),
    }),
  ];
}

/*
 * The harness's histograms put 90% of requests at or under p99/10 and all at or under p99, so with p99 = 0.2 s
 * (buckets 0.01, 0.025, ..., 0.1, 0.25): p50 = 0.01 + 0.015 x 0.5/0.9, p95 = 0.1 + 0.15 x 0.5, p99 = 0.1 + 0.15 x 0.9.
 */
const FAST = { p50: 0.01 + 0.015 * (0.5 / 0.9), p95: 0.175, p99: 0.235 };
/* p99 = 2 s (buckets 0.1, 0.25, 1, 2.5): p50 = 0.1 + 0.15 x 0.5/0.9, p95 = 1 + 1.5 x 0.5, p99 = 1 + 1.5 x 0.9. */
const SLOW = { p50: 0.1 + 0.15 * (0.5 / 0.9), p95: 1.75, p99: 2.35 };

/** The URL of a port nothing listens on (taken from the OS, then released). */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

interface Figures {
  service: string;
  requestsPerSecond: number;
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

function expectFigures(actual: Figures[], expected: Figures[]): void {
  expect(actual.map((f) => f.service)).toEqual(expected.map((f) => f.service));
  actual.forEach((a, i) => {
    const e = expected[i] as Figures;
    // increase() extrapolates to the window's edges: within a part in a thousand of the true counts.
    expect(a.requestsPerSecond).toBeCloseTo(e.requestsPerSecond, 1);
    for (const k of ["errorRate", "p50", "p95", "p99"] as const) {
      if (e[k] === null) expect(a[k]).toBeNull();
      else expect(a[k]).toBeCloseTo(e[k] as number, 4);
    }
  });
}

describe.skipIf(skipWithoutPrometheus())("the services section from a real Prometheus", () => {
  let prom: StartedPrometheus;
  let run: PipelineResult;

  beforeAll(async () => {
    prom = await startPrometheus({ series: traffic(), blockHours: 54 });
    run = await runPipeline({
      root: undefined,
      snapshot: join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"),
      loaded: undefined,
      env: {},
    });
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
  });

  function loaded(url: string, services: unknown, prometheus: Record<string, unknown> = {}): LoadedConfig {
    const config = ClusterConfigSchema.parse({
      apiVersion: "kopt.dev/v1alpha1",
      kind: "ClusterConfig",
      cluster: "demo",
      source: { snapshot: "clusters/demo/snapshot.json.gz", prometheus: { url, retries: 0, ...prometheus } },
      ...(services === undefined ? {} : { reports: { health: { services } } }),
    });
    return {
      config,
      policy: policyFromConfig(config),
      file: join(PROJECT_ROOT, "clusters/demo/kopt.yaml"),
      text: "",
    };
  }

  const section = (l: LoadedConfig): Promise<ReportSection> =>
    servicesSection(
      {
        cluster: "demo",
        week: { id: "2026-W47", start: WINDOW.start, end: WINDOW.end },
        now: new Date(END * 1000),
        run,
        loaded: l,
        env: {},
        previous: { headlines: { "services.errorRate": 0.01 } },
      },
      WINDOW,
    );

  it("with no reports section (preset auto): ingress-nginx's ingresses, flagged over 5%", async () => {
    const s = await section(loaded(prom.url, undefined));
    const data = s.data as { source: string; services: Figures[] };
    expect(data.source).toBe(`Prometheus (ingress-nginx) at ${prom.url}`);
    expectFigures(data.services, [
      { service: "shop/api", requestsPerSecond: 4, errorRate: 0.25, ...SLOW },
      { service: "shop/web", requestsPerSecond: 10, errorRate: 0.02, ...FAST },
    ]);
    expect(s.markdown).toContain("| shop/api | 4 | 25% | 183 ms | 1.75 s | 2.35 s |");
    expect(s.markdown).toContain("| shop/web | 10 | 2% | 18 ms | 175 ms | 235 ms |");
    // (4 x 0.25 + 10 x 0.02) / 14
    expect(s.headlines[0]).toMatchObject({ id: "services.errorRate", previous: 0.01 });
    expect(s.headlines[0]?.value).toBeCloseTo(1.2 / 14, 4);
    expect(s.headlines[1]).toMatchObject({ id: "services.overErrorRate", value: 1 });
    // The slowest service's p95: shop/api's.
    expect(s.headlines[2]).toMatchObject({ id: "services.slowestP95", unit: "seconds", better: "lower" });
    expect(s.headlines[2]?.value).toBeCloseTo(SLOW.p95, 4);
    expect(s.flags).toEqual([
      {
        severity: "high",
        subject: "Service shop/api",
        finding: "25.0% of requests failed (5xx) over the week, above 5.0%",
        recommendation:
          "read the failing pods' logs and the incidents of the week (`kopt diagnose`); roll back the change that raised it",
      },
    ]);
    expect(s.notes).toEqual([]);
  });

  it("preset istio: the mesh's workloads, latency from milliseconds; a higher maximum flags nothing", async () => {
    const s = await section(loaded(prom.url, { preset: "istio", errorRateMax: 30 }));
    const data = s.data as { source: string; services: Figures[] };
    expect(data.source).toBe(`Prometheus (istio) at ${prom.url}`);
    expectFigures(data.services, [{ service: "mesh/reviews", requestsPerSecond: 8, errorRate: 0, ...FAST }]);
    expect(s.flags).toEqual([]);
  });

  it("kopt.yaml's own queries, services named by its serviceLabels", async () => {
    const s = await section(
      loaded(prom.url, {
        requests:
          'sum by (service) (increase(nginx_ingress_controller_requests{path="/"{{ selector }}}[{{ range }}]))',
        errors:
          'sum by (service) (increase(nginx_ingress_controller_requests{status=~"5.."{{ selector }}}[{{ range }}]))',
        serviceLabels: ["service"],
      }),
    );
    const data = s.data as { source: string; services: Figures[] };
    expect(data.source).toBe(`Prometheus (kopt.yaml's queries) at ${prom.url}`);
    expectFigures(data.services, [
      { service: "api", requestsPerSecond: 4, errorRate: 0.25, p50: null, p95: null, p99: null },
      { service: "web", requestsPerSecond: 10, errorRate: 0.02, p50: null, p95: null, p99: null },
    ]);
    expect(s.notes).toEqual(["no latency query: set reports.health.services.latency in kopt.yaml"]);
  });

  it("source.prometheus.selector narrows the presets: a selector matching nothing finds no traffic", async () => {
    const s = await section(loaded(prom.url, { preset: "ingress-nginx" }, { selector: 'cluster="other"' }));
    expect((s.data as { services: Figures[] }).services).toEqual([]);
    expect(s.notes).toEqual([
      "no requests in the week from ingress-nginx: set reports.health.services (preset, or requests/errors/latency and serviceLabels) in kopt.yaml",
    ]);
    expect(s.headlines.map((h) => h.value)).toEqual([null, 0, null]);
  });

  it("preset none reads nothing and says so", async () => {
    const s = await section(loaded(prom.url, { preset: "none" }));
    expect(s.notes).toEqual(["reports.health.services.preset is none: no service figures"]);
    expect(s.headlines.map((h) => h.value)).toEqual([null, null, null]);
  });

  it("a Prometheus that cannot be reached leaves a note and null headlines", async () => {
    const s = await section(loaded(await closedPortUrl(), undefined, { timeout: "5s" }));
    expect(s.notes).toHaveLength(1);
    expect(s.notes[0]).toMatch(/^cannot read the services from Prometheus: /);
    expect(s.headlines.map((h) => h.value)).toEqual([null, null, null]);
    expect(s.markdown).toMatch(/^No service figures: cannot read the services from Prometheus/);
  });
});
