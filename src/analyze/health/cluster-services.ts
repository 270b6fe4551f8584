// The health report's services (issue 17): request rate, error rate and latency percentiles per service over
// the report's window, from Prometheus (ingress-nginx, Istio, or the user's PromQL) or from a snapshot's
// per-pod HTTP rates; flags for services erroring past the configured maximum. Pure.
import type { HealthFlag } from "../../model/report.ts";
import { compareText } from "../diagnose/read.ts";
import type { PodSeries } from "./cluster-nodes.ts";

export interface ServiceFigures {
  /** "namespace/name": the ingress, the Istio workload, or the workload owning the pods. */
  service: string;
  /** Mean requests per second over the window. */
  requestsPerSecond: number;
  /** 5xx share of the requests (0..1); null without requests. */
  errorRate: number | null;
  /** Seconds; null when the source has no latency (a snapshot's HTTP rates, a histogram without data). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** What Prometheus answered, per service: request and 5xx counts over the window, and the percentiles. */
export interface ServiceTotals {
  service: string;
  requests: number;
  errors: number;
  latency?: { p50: number | null; p95: number | null; p99: number | null };
}

export function figuresFromTotals(totals: readonly ServiceTotals[], windowSeconds: number): ServiceFigures[] {
  return totals
    .map((t) => ({
      service: t.service,
      requestsPerSecond: t.requests / windowSeconds,
      errorRate: t.requests > 0 ? t.errors / t.requests : null,
      p50: t.latency?.p50 ?? null,
      p95: t.latency?.p95 ?? null,
      p99: t.latency?.p99 ?? null,
    }))
    .sort((a, b) => compareText(a.service, b.service));
}

/**
 * From per-pod request and 5xx rates (a snapshot's usage.httpRequests / httpErrors): each service's mean
 * rate over the steps where it had traffic, and its error share. `serviceOf` names a pod's service, or null.
 */
export function figuresFromPodRates(
  requests: readonly PodSeries[],
  errors: readonly PodSeries[],
  serviceOf: (namespace: string, pod: string) => string | null,
  window: { start: number; end: number },
): ServiceFigures[] {
  const sum = (series: readonly PodSeries[]) => {
    const out = new Map<string, Map<number, number>>();
    for (const s of series) {
      const service = serviceOf(s.metric.namespace ?? "", s.metric.pod ?? "");
      if (!service) continue;
      const steps = out.get(service) ?? (out.set(service, new Map()).get(service) as Map<number, number>);
      s.times.forEach((t, i) => {
        const v = s.values[i] as number;
        if (t > window.start && t <= window.end && Number.isFinite(v)) steps.set(t, (steps.get(t) ?? 0) + v);
      });
    }
    return out;
  };
  const req = sum(requests);
  const err = sum(errors);
  const out: ServiceFigures[] = [];
  for (const [service, steps] of req) {
    if (steps.size === 0) continue;
    const total = [...steps.values()].reduce((a, b) => a + b, 0);
    const errorSteps = err.get(service) ?? new Map<number, number>();
    const failed = [...steps.keys()].reduce((n, t) => n + (errorSteps.get(t) ?? 0), 0);
    out.push({
      service,
      requestsPerSecond: total / steps.size,
      errorRate: total > 0 ? failed / total : null,
      p50: null,
      p95: null,
      p99: null,
    });
  }
  return out.sort((a, b) => compareText(a.service, b.service));
}

/** All services' requests together: the 5xx share weighted by traffic; null without traffic. */
export function overallErrorRate(services: readonly ServiceFigures[]): number | null {
  let requests = 0;
  let errors = 0;
  for (const s of services) {
    if (s.errorRate === null) continue;
    requests += s.requestsPerSecond;
    errors += s.requestsPerSecond * s.errorRate;
  }
  return requests > 0 ? errors / requests : null;
}

/** The highest p95 latency of any service (seconds): the week's worst tail; null when no service has one. */
export function slowestP95(services: readonly ServiceFigures[]): number | null {
  const p95s = services.flatMap((s) => (s.p95 === null ? [] : [s.p95]));
  return p95s.length > 0 ? Math.max(...p95s) : null;
}

/** Half the requests failing is an outage: critical. Past the configured maximum: high. */
const OUTAGE_ERROR_RATE = 0.5;

export function serviceFlags(services: readonly ServiceFigures[], errorRateMax: number): HealthFlag[] {
  return services
    .filter((s) => s.errorRate !== null && s.errorRate > errorRateMax)
    .map((s) => {
      const rate = s.errorRate as number;
      return {
        severity: rate >= OUTAGE_ERROR_RATE ? "critical" : "high",
        subject: `Service ${s.service}`,
        finding: `${(rate * 100).toFixed(1)}% of requests failed (5xx) over the week, above ${(errorRateMax * 100).toFixed(1)}%`,
        recommendation:
          "read the failing pods' logs and the incidents of the week (`kopt diagnose`); roll back the change that raised it",
      } satisfies HealthFlag;
    });
}
