// Where the health report's service figures come from (issue 17): Prometheus, with kopt.yaml's
// reports.health.services queries (presets for ingress-nginx and Istio), as instant queries at the window's
// end; else a snapshot's per-pod HTTP rates; else nothing, and the section says why.
import { dirname, resolve } from "node:path";
import {
  figuresFromPodRates,
  figuresFromTotals,
  type ServiceFigures,
  type ServiceTotals,
} from "../../analyze/health/cluster-services.ts";
import { KoptError } from "../../errors.ts";
import {
  DEFAULT_HEALTH_SERVICES,
  HEALTH_SERVICE_PRESETS,
  type HealthServicesConfig,
} from "../../formats/config.ts";
import { podNamePattern } from "../../observe/cluster-model.ts";
import { PrometheusClient, type PromVector } from "../../observe/prometheus/client.ts";
import { prometheusClientOptions } from "../../observe/prometheus/history.ts";
import { selectorSuffix } from "../../observe/prometheus/rollout-queries.ts";
import { redact } from "../../redact.ts";
import type { ReportContext } from "./context.ts";

export interface ServiceReading {
  /** Where the figures came from, in words: "Prometheus (ingress-nginx) at http://...", "the snapshot's HTTP rates". */
  source: string | null;
  /** Null when there was nothing to read them from (the notes say why). */
  services: ServiceFigures[] | null;
  notes: string[];
}

/** The queries one reading runs: the requests and 5xx counts and the latency template, and what names a service. */
export interface ServiceQueries {
  name: string;
  requests: string;
  errors: string | null;
  latency: string | null;
  serviceLabels: readonly string[];
}

const QUANTILES = { p50: 0.5, p95: 0.95, p99: 0.99 } as const;

/** {{ range }}, {{ quantile }} and {{ selector }} filled in (as verify's fillPlaceholders does its own). */
export function fillServiceQuery(
  template: string,
  values: { rangeSeconds: number; quantile?: number; selector?: string },
): string {
  return template.replace(/\{\{\s*([A-Za-z_]+)\s*\}\}/g, (whole, name: string) => {
    if (name === "range") return `${Math.max(1, Math.round(values.rangeSeconds))}s`;
    if (name === "quantile" && values.quantile !== undefined) return String(values.quantile);
    if (name === "selector") return selectorSuffix(values.selector);
    return whole;
  });
}

/** The configured queries to try, in order: the user's own, else the preset's, else (auto) both presets. */
export function serviceQueries(cfg: HealthServicesConfig): ServiceQueries[] {
  const presets =
    cfg.preset === "auto" ? (["ingress-nginx", "istio"] as const) : cfg.preset === "none" ? [] : [cfg.preset];
  if (cfg.requests && (cfg.preset === "auto" || cfg.preset === "none")) {
    return [
      {
        name: "kopt.yaml's queries",
        requests: cfg.requests,
        errors: cfg.errors ?? null,
        latency: cfg.latency ?? null,
        serviceLabels: cfg.serviceLabels ?? [],
      },
    ];
  }
  return presets.map((p) => {
    const preset = HEALTH_SERVICE_PRESETS[p];
    return {
      name: p,
      requests: cfg.requests ?? preset.requests,
      errors: cfg.errors ?? preset.errors,
      latency: cfg.latency ?? preset.latency,
      serviceLabels: cfg.serviceLabels ?? preset.serviceLabels,
    };
  });
}

type Query = (promql: string, time: number) => Promise<PromVector>;

function byService(v: PromVector, labels: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of v.result) {
    const value = Number(s.value[1]);
    if (!Number.isFinite(value)) continue;
    const name = labels.map((l) => s.metric[l] ?? "").join("/");
    out.set(name, (out.get(name) ?? 0) + value);
  }
  return out;
}

/** One set of queries at the window's end: per service, requests, 5xx and the three percentiles. */
export async function readServiceTotals(
  query: Query,
  q: ServiceQueries,
  window: { start: number; end: number },
  selector?: string,
): Promise<ServiceTotals[]> {
  const rangeSeconds = window.end - window.start;
  const fill = (t: string, quantile?: number) => fillServiceQuery(t, { rangeSeconds, quantile, selector });
  const requests = byService(await query(fill(q.requests), window.end), q.serviceLabels);
  const errors = q.errors ? byService(await query(fill(q.errors), window.end), q.serviceLabels) : new Map();
  const latency: Partial<Record<keyof typeof QUANTILES, Map<string, number>>> = {};
  if (q.latency) {
    for (const [k, quantile] of Object.entries(QUANTILES) as [keyof typeof QUANTILES, number][]) {
      latency[k] = byService(await query(fill(q.latency, quantile), window.end), q.serviceLabels);
    }
  }
  return [...requests]
    .filter(([, n]) => n > 0)
    .map(([service, n]) => ({
      service,
      requests: n,
      errors: errors.get(service) ?? 0,
      ...(q.latency
        ? {
            latency: {
              p50: latency.p50?.get(service) ?? null,
              p95: latency.p95?.get(service) ?? null,
              p99: latency.p99?.get(service) ?? null,
            },
          }
        : {}),
    }));
}

/** The report's services from Prometheus, a snapshot's HTTP rates, or nothing (with why). */
export async function readServices(
  ctx: ReportContext,
  window: { start: number; end: number },
): Promise<ServiceReading> {
  const cfg = ctx.loaded?.config.reports?.health.services ?? DEFAULT_HEALTH_SERVICES;
  const prometheus = ctx.loaded?.config.source.prometheus;
  if (cfg.preset === "none" && !cfg.requests) {
    return {
      source: null,
      services: null,
      notes: ["reports.health.services.preset is none: no service figures"],
    };
  }
  if (ctx.loaded && prometheus) {
    const root = ctx.repo?.root ?? resolve(dirname(ctx.loaded.file), "..", "..");
    const client = new PrometheusClient(
      await prometheusClientOptions(root, ctx.loaded, prometheus, undefined, ctx.env),
    );
    return fromPrometheus((q, t) => client.query(q, t), client.displayUrl, cfg, window, prometheus.selector);
  }
  return fromSnapshot(ctx, window);
}

export async function fromPrometheus(
  query: Query,
  url: string,
  cfg: HealthServicesConfig,
  window: { start: number; end: number },
  selector?: string,
): Promise<ServiceReading> {
  const tried: string[] = [];
  try {
    for (const q of serviceQueries(cfg)) {
      tried.push(q.name);
      const totals = await readServiceTotals(query, q, window, selector);
      if (totals.length > 0) {
        return {
          source: `Prometheus (${q.name}) at ${url}`,
          services: figuresFromTotals(totals, window.end - window.start),
          notes: q.latency ? [] : ["no latency query: set reports.health.services.latency in kopt.yaml"],
        };
      }
    }
  } catch (err) {
    if (!(err instanceof KoptError)) throw err;
    return {
      source: null,
      services: null,
      notes: [`cannot read the services from Prometheus: ${redact(err.message)}`],
    };
  }
  return {
    source: `Prometheus at ${url}`,
    services: [],
    notes: [
      `no requests in the week from ${tried.join(" or ")}: set reports.health.services (preset, or requests/errors/latency and serviceLabels) in kopt.yaml`,
    ],
  };
}

/** A snapshot's per-pod HTTP rates, attributed to the workloads by pod name; no latency there. */
function fromSnapshot(ctx: ReportContext, window: { start: number; end: number }): ServiceReading {
  const { httpRequests, httpErrors } = ctx.run.observation.raw.usage;
  if (!httpRequests || httpRequests.length === 0) {
    return {
      source: null,
      services: null,
      notes: [
        "no Prometheus and no HTTP series in the snapshot: latency and error rates need source.prometheus in kopt.yaml (reports.health.services picks the queries)",
      ],
    };
  }
  const patterns = ctx.run.observation.state.workloads.map((w) => ({
    ns: w.ref.namespace,
    name: `${w.ref.namespace}/${w.ref.name}`,
    re: podNamePattern(w.ref),
  }));
  const serviceOf = (ns: string, pod: string) =>
    patterns.find((p) => p.ns === ns && p.re.test(pod))?.name ?? null;
  return {
    source: "the snapshot's HTTP request rates",
    services: figuresFromPodRates(httpRequests, httpErrors ?? [], serviceOf, window),
    notes: ["the snapshot has request and error rates but no latency histogram: no percentiles"],
  };
}
