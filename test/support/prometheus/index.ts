// A real Prometheus for tests: OpenMetrics backfill, cAdvisor-shaped series built from kopt's usage
// matrices, the prometheus process itself, and a fault-injecting proxy in front of it.
export type { CadvisorExtras, ContainerRestarts, HpaReplicas } from "./cadvisor.ts";
export { BLOCK_SECONDS, cadvisorSeries, SCRAPE_SECONDS, shiftMatrix } from "./cadvisor.ts";
export type { Fault, FaultProxy, FaultProxyOptions, ProxiedRequest } from "./fault-proxy.ts";
export { startFaultProxy } from "./fault-proxy.ts";
export type { PrometheusBinaries, RealPrometheus, StartedPrometheus } from "./harness.ts";
export { findPrometheus, skipWithoutPrometheus, startPrometheus } from "./harness.ts";
export type { MetricSeries, WindowFile, WrittenOpenMetrics } from "./openmetrics.ts";
export { writeOpenMetrics, writeOpenMetricsWindows } from "./openmetrics.ts";
export type { ContainerSpec, PodSpec, Signal, Span, TrafficSpec } from "./rollout.ts";
export {
  constant,
  ingressNginxSeries,
  istioSeries,
  LATENCY_BUCKETS_SECONDS,
  podSeries,
  ROLLOUT_SCRAPE_SECONDS,
  scrapeTimes,
  stepAt,
} from "./rollout.ts";
