// The PromQL kopt sends, and the arithmetic of time ranges. Pure.
//
// Every query covers one namespace and groups `by (namespace, pod, container)`, so the number of requests
// grows with namespaces, never with containers. Each is reduced on the server to one point per step:
// CPU as rate(), memory as the peak within the step (max_over_time, so spikes between steps are not lost),
// restarts and OOM kills as counts per step, where they happened.

import type { UsageKind } from "../../formats/snapshot.ts";

/** Prometheus refuses a range query of more than 11,000 points per series. */
export const MAX_POINTS_PER_SERIES = 11_000;

export interface MetricNames {
  cpu: string;
  memory: string;
  cpuPeriods: string;
  cpuThrottledPeriods: string;
  restarts: string;
  lastTerminatedReason: string;
  hpaCurrentReplicas: string;
  hpaDesiredReplicas: string;
  http?: { requests: string; errors: string };
}

export interface QuerySpec {
  metrics: MetricNames;
  /** Extra matchers added to every selector, e.g. `cluster="prod"`. */
  selector?: string;
  stepSeconds: number;
  rateWindowSeconds: number;
}

/** A PromQL string literal. */
export function promString(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`;
}

function matchers(...parts: (string | undefined)[]): string {
  return `{${parts
    .map((p) => p?.trim().replace(/,$/, ""))
    .filter(Boolean)
    .join(", ")}}`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The queries for one namespace, by what they read. HTTP rates only when an HTTP metric is configured. */
export function namespaceQueries(namespace: string, spec: QuerySpec): Partial<Record<UsageKind, string>> {
  const m = spec.metrics;
  const ns = `namespace=${promString(namespace)}`;
  // container="" is the pod's own cgroup and "POD" the pause container: neither is a container of the spec.
  const containers = matchers(ns, 'container!=""', 'container!="POD"', spec.selector);
  const plain = matchers(ns, spec.selector);
  const rw = `${spec.rateWindowSeconds}s`;
  const step = `${spec.stepSeconds}s`;
  const by = "by (namespace, pod, container)";
  const restartsInStep = `(${m.restarts}${containers} - ${m.restarts}${containers} offset ${step})`;
  const oomReason = matchers(ns, 'container!=""', 'reason="OOMKilled"', spec.selector);
  const queries: Partial<Record<UsageKind, string>> = {
    cpu: `sum ${by} (rate(${m.cpu}${containers}[${rw}]))`,
    memory: `max ${by} (max_over_time(${m.memory}${containers}[${step}]))`,
    cpuThrottling: `sum ${by} (increase(${m.cpuThrottledPeriods}${containers}[${rw}])) / sum ${by} (increase(${m.cpuPeriods}${containers}[${rw}])) > 0`,
    restarts: `sum ${by} (${restartsInStep}) > 0`,
    oomKills: `sum ${by} ((${restartsInStep} > 0) and on (namespace, pod, container) (${m.lastTerminatedReason}${oomReason} == 1))`,
    hpaReplicas: `max by (__name__, namespace, horizontalpodautoscaler) (${matchers(
      `__name__=~${promString(`${escapeRegex(m.hpaCurrentReplicas)}|${escapeRegex(m.hpaDesiredReplicas)}`)}`,
      ns,
      spec.selector,
    )})`,
  };
  if (m.http) {
    queries.httpRequests = `sum by (namespace, pod) (rate(${m.http.requests}${plain}[${rw}]))`;
    queries.httpErrors = `sum by (namespace, pod) (rate(${m.http.requests}${matchers(ns, m.http.errors, spec.selector)}[${rw}]))`;
  }
  return queries;
}

/** t rounded down to a multiple of step, so runs within one step ask the same question. */
export function alignDown(t: number, step: number): number {
  return Math.floor(t / step) * step;
}

export interface TimeRange {
  start: number;
  end: number;
}

/**
 * [start, end] at `step` cut into consecutive ranges of at most maxPoints evaluation points each; the pieces
 * share no point, and their points together are exactly the points of the whole range.
 */
export function splitRange(
  start: number,
  end: number,
  step: number,
  maxPoints: number = MAX_POINTS_PER_SERIES,
): TimeRange[] {
  if (!(step > 0) || !(maxPoints >= 1)) throw new RangeError("step and maxPoints must be positive");
  if (end < start) return [];
  const ranges: TimeRange[] = [];
  const points = Math.floor((end - start) / step) + 1;
  for (let first = 0; first < points; first += maxPoints) {
    const last = Math.min(first + maxPoints, points) - 1;
    ranges.push({ start: start + first * step, end: start + last * step });
  }
  return ranges;
}
