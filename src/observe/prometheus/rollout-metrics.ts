// The rollout's figures from Prometheus (issue 16): RolloutMetricsPort.measure() for one workload over one
// window, through the same client as the usage history (auth, TLS, retries, redaction). Error rate and
// latency come from kopt.yaml's verify queries (or presets); the rest from kube-state-metrics and cAdvisor
// series named in source.prometheus.metrics (src/observe/prometheus/rollout-queries.ts). All of them carry
// source.prometheus.selector: a shared Prometheus serves other clusters' pods of the same names too.
import type { LoadedConfig } from "../../config/load.ts";
import { KoptError } from "../../errors.ts";
import { durationSeconds, type PrometheusSource, type VerifyConfig } from "../../formats/config.ts";
import type { PromMatrix } from "../../formats/snapshot.ts";
import { rfc3339 } from "../../model/format.ts";
import type { WorkloadRef } from "../../model/types.ts";
import type { RolloutMetrics } from "../../model/verify.ts";
import type { RolloutMetricsPort } from "../../workflows/verify/ports.ts";
import { limiter } from "../limit.ts";
import { PrometheusClient, type PrometheusClientOptions, type PromVector } from "./client.ts";
import { type Env, prometheusClientOptions } from "./history.ts";
import {
  type ConfiguredQuery,
  configuredQuery,
  fillPlaceholders,
  PLACEHOLDER_HINT,
  rolloutQueries,
} from "./rollout-queries.ts";

/** The part of PrometheusClient measure() uses. */
export type RolloutMetricsClient = Pick<PrometheusClient, "query" | "queryRange" | "displayUrl">;

export interface RolloutMetricsOptions {
  /** A client to use as it is (tests, or one shared with the usage read); else one is built from the source. */
  client?: RolloutMetricsClient;
  /** Resolved secrets and CA for the client built from the source (see rolloutMetricsFromConfig). */
  clientOptions?: Partial<PrometheusClientOptions>;
  /**
   * Seconds between evaluation points; about the scrape interval (default 30 s, kube-prometheus-stack's).
   * Finer steps see no more scrapes; coarser ones can miss a short spike.
   */
  stepSeconds?: number;
  /** The configuration file named in error messages (default kopt.yaml). */
  configFile?: string;
}

export const DEFAULT_STEP_SECONDS = 30;

/** Points of a range answer's series, with NaN and infinities (no traffic: 0/0) left out. */
function finitePoints(m: PromMatrix): number[] {
  return m.result.flatMap((s) => s.values.map(([, v]) => Number(v)).filter(Number.isFinite));
}

function firstValue(v: PromVector): number | null {
  const values = v.result.map((r) => Number(r.value[1])).filter(Number.isFinite);
  return values.length === 0 ? null : Math.max(...values);
}

const max = (xs: number[]) => (xs.length === 0 ? null : Math.max(...xs));
const sum = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0));
const mean = (xs: number[]) => (xs.length === 0 ? null : (sum(xs) as number) / xs.length);

/** A query of kopt.yaml that Prometheus refuses is the user's to fix there: say which field, quote Prometheus. */
function configuredQueryError(err: unknown, q: ConfiguredQuery, query: string, file: string): unknown {
  if (!(err instanceof KoptError) || !/bad_data|\(HTTP 4(00|22)\)/.test(err.message)) return err;
  const said = /failed[^:]*: (.*)/.exec(err.message.split("\n")[0] ?? "")?.[1] ?? err.message;
  return new KoptError("config", `Prometheus refuses the query: ${said}\n  query: ${query}`, {
    where: { file, field: q.field },
    hint: `write PromQL that Prometheus accepts (try it in its expression browser); ${PLACEHOLDER_HINT}`,
  });
}

export function createPrometheusRolloutMetrics(
  source: PrometheusSource,
  verify: VerifyConfig,
  opts: RolloutMetricsOptions = {},
): RolloutMetricsPort {
  const client =
    opts.client ??
    new PrometheusClient({
      url: source.url,
      headers: source.headers,
      insecureSkipTLSVerify: source.insecureSkipTLSVerify,
      timeoutMs: durationSeconds(source.timeout) * 1000,
      retries: source.retries,
      ...opts.clientOptions,
    });
  const step = opts.stepSeconds ?? DEFAULT_STEP_SECONDS;
  const file = opts.configFile ?? "kopt.yaml";
  const interval = verify.interval;
  // Unknown placeholders are a configuration error before any query is sent.
  const errorRateQuery = configuredQuery(verify, "errorRate", file);
  const latencyQuery = configuredQuery(verify, "latency", file);
  const limit = limiter(source.concurrency);

  return {
    async measure(workload: WorkloadRef, window: { start: Date; end: Date }): Promise<RolloutMetrics> {
      const start = window.start.getTime() / 1000;
      const end = window.end.getTime() / 1000;
      // Points one step apart ending at the window's end (the latest data counts), all after its start.
      const first = end - (Math.max(1, Math.ceil((end - start) / step)) - 1) * step;
      const range = (query: string) => limit(() => client.queryRange(query, first, end, step));
      const instant = (query: string) => limit(() => client.query(query, end));
      const configured = async (q: ConfiguredQuery | null) => {
        if (!q) return null;
        const target = verify.target ?? workload.name;
        const query = fillPlaceholders(q.template, {
          namespace: workload.namespace,
          target,
          interval,
          selector: source.selector,
        });
        return range(query).catch((err: unknown) => {
          throw configuredQueryError(err, q, query, file);
        });
      };
      const queries = rolloutQueries(workload, {
        metrics: source.metrics,
        lastTerminatedReason: source.metrics.lastTerminatedReason,
        selector: source.selector,
        stepSeconds: step,
        windowSeconds: end - start,
        rateWindowSeconds: Math.max(durationSeconds(interval), 4 * step),
      });
      const [errors, latency, restarts, ooms, unready, throttled, cpu, memory] = await Promise.all([
        configured(errorRateQuery),
        configured(latencyQuery),
        range(queries.restarts),
        range(queries.oomKills),
        range(queries.unreadyPods),
        instant(queries.cpuThrottledShare),
        instant(queries.cpuUsageOverRequest),
        instant(queries.memoryUsageOverRequest),
      ]);
      const errorPoints = errors ? finitePoints(errors) : [];
      const ranges = [
        errorPoints,
        latency ? finitePoints(latency) : [],
        ...[restarts, ooms, unready].map(finitePoints),
      ];
      const instants = [throttled, cpu, memory].map((v) => v.result.length);
      return {
        errorRate: max(errorPoints),
        errorRateMean: mean(errorPoints),
        p99LatencySeconds: latency ? max(finitePoints(latency)) : null,
        restarts: sum(finitePoints(restarts)),
        oomKills: sum(finitePoints(ooms)),
        maxUnreadyPods: max(finitePoints(unready)),
        cpuThrottledShare: firstValue(throttled),
        cpuUsageOverRequest: firstValue(cpu),
        memoryUsageOverRequest: firstValue(memory),
        samples: [...ranges.map((r) => r.length), ...instants].reduce((a, b) => a + b, 0),
        start: rfc3339(window.start),
        end: rfc3339(window.end),
      };
    },
  };
}

/**
 * The port for a cluster's kopt.yaml: source.prometheus's client with its secrets read from their files or
 * variables (as the usage history reads them), the verify section's queries.
 */
export async function rolloutMetricsFromConfig(
  root: string,
  loaded: LoadedConfig,
  overrides: { prometheusUrl?: string; env: Env; stepSeconds?: number },
): Promise<RolloutMetricsPort> {
  const p = loaded.config.source.prometheus;
  if (!p) {
    throw new KoptError(
      "config",
      "kopt verify needs source.prometheus (the rollout's error rate and health)",
      {
        where: { file: loaded.file, field: "source.prometheus" },
        hint: "add source.prometheus: { url: http://prometheus.monitoring:9090 }",
      },
    );
  }
  const options = await prometheusClientOptions(root, loaded, p, overrides.prometheusUrl, overrides.env);
  return createPrometheusRolloutMetrics(p, loaded.config.verify, {
    client: new PrometheusClient(options),
    stepSeconds: overrides.stepSeconds,
    configFile: loaded.file,
  });
}
