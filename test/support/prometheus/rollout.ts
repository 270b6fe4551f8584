// Series a rollout is judged by, as the exporters expose them, for backfilling a real Prometheus: ingress-nginx
// and Istio request counters and duration histograms, kube-state-metrics restarts, last terminated reason,
// pod readiness and resource requests, and cAdvisor CPU, memory and CFS throttling. Values are functions of
// time, so a test says "error rate 1% before, 8% from T on" as `stepAt(T, 0.01, 0.08)`.
//
// Each counter's increase over the scrape interval (t - scrape, t] is the rate summed over its seconds: a
// change at a scrape time T shows first in the sample at T + scrape, and a window ending at T sees none of
// it. Gauges take their value at the scrape time. Counters are fractional
// (exact rates); Prometheus does not care.
import { uuid } from "../snapshot-builder.ts";
import type { MetricSeries } from "./openmetrics.ts";

/** A value over time (unix seconds). */
export type Signal = (t: number) => number;

/** `before` until `at`, `after` from then on. */
export function stepAt(at: number, before: number, after: number): Signal {
  return (t) => (t < at ? before : after);
}

export const constant =
  (v: number): Signal =>
  () =>
    v;

/** Default scrape interval of these series (seconds). */
export const ROLLOUT_SCRAPE_SECONDS = 15;

export interface Span {
  /** First and last scrape time (unix seconds); scrapes every `scrapeSeconds` from `start`. */
  start: number;
  end: number;
  scrapeSeconds?: number;
}

/** Scrape times of a span. */
export function scrapeTimes(span: Span): number[] {
  const every = span.scrapeSeconds ?? ROLLOUT_SCRAPE_SECONDS;
  const out: number[] = [];
  for (let t = span.start; t <= span.end; t += every) out.push(t);
  return out;
}

/**
 * A counter starting at 0 whose increase over each scrape interval (t - scrape, t] is perSecond summed over
 * that interval's seconds, so a change between two scrapes is split between the intervals it touches.
 */
function counterSamples(span: Span, perSecond: Signal): Array<[number, number]> {
  const every = span.scrapeSeconds ?? ROLLOUT_SCRAPE_SECONDS;
  let total = 0;
  return scrapeTimes(span).map((t, i) => {
    if (i > 0) for (let u = t - every; u < t; u++) total += perSecond(u) * Math.min(1, t - u);
    return [t, total];
  });
}

function gaugeSamples(span: Span, value: Signal): Array<[number, number]> {
  return scrapeTimes(span).map((t) => [t, value(t)]);
}

/** Histogram bucket bounds (ingress-nginx's defaults, Prometheus client's default buckets). */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Cumulative bucket shares for requests whose p99 is about `p99`: 90% at p99/10, 10% spread up to p99, so
 * histogram_quantile(0.99) lands in the bucket holding p99.
 */
function bucketShares(p99: number, bounds: readonly number[]): number[] {
  const fast = p99 / 10;
  return bounds.map((le) => (le >= p99 ? 1 : le >= fast ? 0.9 : 0));
}

export interface TrafficSpec extends Span {
  namespace: string;
  /** Requests per second. */
  rps: Signal;
  /** Share of requests answered 5xx (0..1). */
  errorRate: Signal;
  /** p99 latency, seconds; no histogram without it. */
  p99Seconds?: Signal;
}

interface HttpShape {
  requests: string;
  type: MetricSeries["type"];
  labels: Record<string, string>;
  statusLabel: string;
  histogram: string;
  histogramLabels: Record<string, string>;
  /** Histogram unit per second (1 for seconds, 1000 for milliseconds). */
  unit: number;
}

function trafficSeries(spec: TrafficSpec, shape: HttpShape): MetricSeries[] {
  const out: MetricSeries[] = [];
  for (const [status, share] of [
    ["200", (t: number) => 1 - spec.errorRate(t)],
    ["503", (t: number) => spec.errorRate(t)],
  ] as const) {
    // As the exporters do, a status's series exists from its first request on: no 5xx series before an error.
    const samples = counterSamples(spec, (t) => spec.rps(t) * share(t));
    const first = samples.findIndex(([, v]) => v > 0);
    if (first < 0) continue;
    out.push({
      name: shape.requests,
      type: shape.type,
      labels: { ...shape.labels, [shape.statusLabel]: status },
      samples: samples.slice(first),
    });
  }
  const p99 = spec.p99Seconds;
  if (p99) {
    const bounds = [...LATENCY_BUCKETS_SECONDS.map((b) => b * shape.unit), Number.POSITIVE_INFINITY];
    bounds.forEach((le, i) => {
      out.push({
        name: shape.histogram,
        // Bucket series have no family type the writer knows: as gauges they are stored the same.
        type: "gauge",
        labels: { ...shape.histogramLabels, le: Number.isFinite(le) ? String(le) : "+Inf" },
        samples: counterSamples(
          spec,
          (t) => spec.rps(t) * (bucketShares(p99(t) * shape.unit, bounds)[i] as number),
        ),
      });
    });
  }
  return out;
}

/**
 * ingress-nginx's `nginx_ingress_controller_requests` (a counter without `_total`, so written as a gauge:
 * Prometheus stores both alike) by status, and `nginx_ingress_controller_request_duration_seconds_bucket`.
 */
export function ingressNginxSeries(
  spec: TrafficSpec & { ingress: string; service?: string },
): MetricSeries[] {
  const base = {
    controller_class: "k8s.io/ingress-nginx",
    controller_namespace: "ingress-nginx",
    controller_pod: "ingress-nginx-controller-7d9f8c6b5-x2x9q",
    namespace: spec.namespace,
    ingress: spec.ingress,
    service: spec.service ?? spec.ingress,
  };
  return trafficSeries(spec, {
    requests: "nginx_ingress_controller_requests",
    type: "gauge",
    labels: { ...base, method: "GET", path: "/" },
    statusLabel: "status",
    histogram: "nginx_ingress_controller_request_duration_seconds_bucket",
    histogramLabels: { ...base, method: "GET", path: "/" },
    unit: 1,
  });
}

/** Istio's `istio_requests_total` by response_code and `istio_request_duration_milliseconds_bucket`. */
export function istioSeries(spec: TrafficSpec & { workload: string }): MetricSeries[] {
  const base = {
    reporter: "destination",
    destination_workload: spec.workload,
    destination_workload_namespace: spec.namespace,
    destination_service: `${spec.workload}.${spec.namespace}.svc.cluster.local`,
    source_workload: "istio-ingressgateway",
    source_workload_namespace: "istio-system",
  };
  return trafficSeries(spec, {
    requests: "istio_requests_total",
    type: "counter",
    labels: base,
    statusLabel: "response_code",
    histogram: "istio_request_duration_milliseconds_bucket",
    histogramLabels: base,
    unit: 1000,
  });
}

export interface ContainerSpec {
  name: string;
  /** Requests (cores, bytes); no kube_pod_container_resource_requests series when absent. */
  cpuRequest?: number;
  memoryRequest?: number;
  /** CPU usage, cores. */
  cpu?: Signal;
  /** Working set, bytes. */
  memory?: Signal;
  /** Share of CFS periods throttled (0..1); a runnable container accrues 10 periods per second. */
  throttled?: Signal;
  /** Restarts: when, and why the previous instance ended. */
  restarts?: Array<{ at: number; reason: "OOMKilled" | "Error" | (string & {}) }>;
}

export interface PodSpec extends Span {
  namespace: string;
  /** The pod's name, e.g. `api-7f9c6d5b8-x2x9q` (the workload is found by this pattern). */
  name: string;
  containers: ContainerSpec[];
  /** Ready at t (default always). */
  ready?: (t: number) => boolean;
  node?: string;
}

function ksmPodLabels(pod: PodSpec): Record<string, string> {
  return {
    job: "kube-state-metrics",
    namespace: pod.namespace,
    pod: pod.name,
    uid: uuid(`pod:${pod.namespace}/${pod.name}`),
  };
}

function readinessSeries(pod: PodSpec): MetricSeries[] {
  const ready = pod.ready ?? (() => true);
  return (["true", "false", "unknown"] as const).map((condition) => ({
    name: "kube_pod_status_ready",
    type: "gauge",
    labels: { ...ksmPodLabels(pod), condition },
    samples: gaugeSamples(pod, (t) =>
      condition === "unknown" ? 0 : ready(t) === (condition === "true") ? 1 : 0,
    ),
  }));
}

function restartSeries(pod: PodSpec, c: ContainerSpec): MetricSeries[] {
  const labels = { ...ksmPodLabels(pod), container: c.name };
  const events = [...(c.restarts ?? [])].sort((a, b) => a.at - b.at);
  const times = scrapeTimes(pod);
  const seenAt = (t: number) => events.filter((e) => e.at <= t).length;
  const out: MetricSeries[] = [
    {
      name: "kube_pod_container_status_restarts_total",
      type: "counter",
      labels,
      samples: times.map((t) => [t, seenAt(t)]),
    },
  ];
  // Backfilled blocks hold no staleness markers: a reason seen before stays, as 0 (see cadvisor.ts).
  const reasons = [...new Set(events.map((e) => e.reason))];
  for (const reason of reasons) {
    const samples = times
      .filter((t) => events.some((e) => e.reason === reason && e.at <= t))
      .map((t) => [t, events[seenAt(t) - 1]?.reason === reason ? 1 : 0] as [number, number]);
    out.push({
      name: "kube_pod_container_status_last_terminated_reason",
      type: "gauge",
      labels: { ...labels, reason },
      samples,
    });
  }
  return out;
}

function requestSeries(pod: PodSpec, c: ContainerSpec): MetricSeries[] {
  const out: MetricSeries[] = [];
  const labels = { ...ksmPodLabels(pod), container: c.name, node: pod.node ?? "node-1" };
  if (c.cpuRequest !== undefined) {
    out.push({
      name: "kube_pod_container_resource_requests",
      type: "gauge",
      labels: { ...labels, resource: "cpu", unit: "core" },
      samples: gaugeSamples(pod, constant(c.cpuRequest)),
    });
  }
  if (c.memoryRequest !== undefined) {
    out.push({
      name: "kube_pod_container_resource_requests",
      type: "gauge",
      labels: { ...labels, resource: "memory", unit: "byte" },
      samples: gaugeSamples(pod, constant(c.memoryRequest)),
    });
  }
  return out;
}

function cadvisorContainerSeries(pod: PodSpec, c: ContainerSpec): MetricSeries[] {
  const labels = {
    job: "kubelet",
    metrics_path: "/metrics/cadvisor",
    namespace: pod.namespace,
    pod: pod.name,
    container: c.name,
    image: `registry.example/${c.name}:1`,
  };
  const out: MetricSeries[] = [];
  if (c.cpu) {
    out.push({
      name: "container_cpu_usage_seconds_total",
      type: "counter",
      labels,
      samples: counterSamples(pod, c.cpu),
    });
  }
  if (c.memory) {
    out.push({
      name: "container_memory_working_set_bytes",
      type: "gauge",
      labels,
      samples: gaugeSamples(pod, c.memory),
    });
  }
  if (c.throttled) {
    const throttled = c.throttled;
    out.push(
      {
        name: "container_cpu_cfs_periods_total",
        type: "counter",
        labels,
        samples: counterSamples(pod, constant(10)),
      },
      {
        name: "container_cpu_cfs_throttled_periods_total",
        type: "counter",
        labels,
        samples: counterSamples(pod, (t) => 10 * throttled(t)),
      },
    );
  }
  return out;
}

/** Every kube-state-metrics and cAdvisor series of one pod over its life (span). */
export function podSeries(pod: PodSpec): MetricSeries[] {
  return [
    ...readinessSeries(pod),
    ...pod.containers.flatMap((c) => [
      ...restartSeries(pod, c),
      ...requestSeries(pod, c),
      ...cadvisorContainerSeries(pod, c),
    ]),
  ];
}
