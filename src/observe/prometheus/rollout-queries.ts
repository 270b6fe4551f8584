// The PromQL behind a rollout's figures (issue 16): one workload's pods over one window. Pure.
//
// The workload's pods are those whose name fits the controller's pattern (Deployment `<name>-<hash>-<id>`,
// StatefulSet `<name>-<n>`, DaemonSet `<name>-<id>`, as src/observe/cluster-model.ts attributes usage), so
// pods already replaced by the rollout still count. Range queries are evaluated one step apart, ending at
// the window's end, after its start (each point covers the step before it); instant ones at the window's
// end over the whole window.
import { KoptError } from "../../errors.ts";
import { ERROR_RATE_PRESETS, LATENCY_PRESETS, type VerifyConfig } from "../../formats/config.ts";
import type { WorkloadRef } from "../../model/types.ts";
import { podNameRegex } from "../cluster-model.ts";
import { type MetricNames, promString } from "./queries.ts";

// kube-state-metrics names not in source.prometheus.metrics (they have had these names since v2.0).
export const KSM_POD_READY = "kube_pod_status_ready";
export const KSM_REQUESTS = "kube_pod_container_resource_requests";

export interface RolloutQuerySpec {
  metrics: Pick<MetricNames, "cpu" | "memory" | "cpuPeriods" | "cpuThrottledPeriods" | "restarts">;
  lastTerminatedReason: string;
  /** Extra matchers of source.prometheus.selector, e.g. `cluster="prod"`. */
  selector?: string;
  /** Seconds between evaluation points (about the scrape interval). */
  stepSeconds: number;
  /** The window's length, seconds. */
  windowSeconds: number;
  /** rate() window of CPU usage: several scrapes long. */
  rateWindowSeconds: number;
}

/** The queries of the figures kopt computes itself; error rate and latency come from kopt.yaml. */
export interface RolloutQueries {
  /** Range: restarts per step (counter increases, resets clamped), summed over the workload's containers. */
  restarts: string;
  /** Range: restarts per step of containers whose last termination was OOMKilled; 0 while there are none. */
  oomKills: string;
  /** Range: pods not ready at each point. */
  unreadyPods: string;
  /** Instant at the end: throttled periods / periods over the window. */
  cpuThrottledShare: string;
  /** Instant at the end: the highest pod's p95 CPU usage over the window / its CPU request. */
  cpuUsageOverRequest: string;
  /** Instant at the end: the highest pod's p95 memory working set / its memory request. */
  memoryUsageOverRequest: string;
}

function matchers(...parts: (string | undefined)[]): string {
  return `{${parts
    .map((p) => p?.trim().replace(/,$/, ""))
    .filter(Boolean)
    .join(", ")}}`;
}

export function rolloutQueries(ref: WorkloadRef, spec: RolloutQuerySpec): RolloutQueries {
  const m = spec.metrics;
  const ns = `namespace=${promString(ref.namespace)}`;
  const pods = `pod=~${promString(podNameRegex(ref))}`;
  // container="" is the pod's own cgroup and "POD" the pause container: neither is a container of the spec.
  const containers = matchers(ns, pods, 'container!=""', 'container!="POD"', spec.selector);
  const window = `${Math.max(1, Math.round(spec.windowSeconds))}s`;
  const step = `${spec.stepSeconds}s`;
  const by = "by (namespace, pod, container)";
  const restartsInStep = `clamp_min(${m.restarts}${containers} - ${m.restarts}${containers} offset ${step}, 0)`;
  const oom = matchers(ns, pods, 'container!=""', 'reason="OOMKilled"', spec.selector);
  const overRequest = (usage: string, resource: "cpu" | "memory") => {
    const request = matchers(ns, pods, 'container!=""', `resource="${resource}"`, spec.selector);
    return `max(quantile_over_time(0.95, (${usage})[${window}:${step}]) / on (namespace, pod, container) (max ${by} (max_over_time(${KSM_REQUESTS}${request}[${window}])) > 0))`;
  };
  return {
    restarts: `sum(${restartsInStep})`,
    oomKills: `sum(${restartsInStep} and on (namespace, pod, container) (${spec.lastTerminatedReason}${oom} == 1)) or (0 * sum(${m.restarts}${containers}))`,
    unreadyPods: `sum(${KSM_POD_READY}${matchers(ns, pods, 'condition!="true"', spec.selector)})`,
    cpuThrottledShare: `sum(increase(${m.cpuThrottledPeriods}${containers}[${window}])) / sum(increase(${m.cpuPeriods}${containers}[${window}]))`,
    cpuUsageOverRequest: overRequest(
      `sum ${by} (rate(${m.cpu}${containers}[${spec.rateWindowSeconds}s]))`,
      "cpu",
    ),
    memoryUsageOverRequest: overRequest(`max ${by} (${m.memory}${containers})`, "memory"),
  };
}

/** A query of kopt.yaml with its placeholders, and the field it came from (for error messages). */
export interface ConfiguredQuery {
  template: string;
  field: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;
const KNOWN = new Set(["namespace", "target", "interval", "selector"]);
export const PLACEHOLDER_HINT =
  'use {{ namespace }}, {{ target }} and {{ interval }}, and {{ selector }} last inside a metric selector\'s braces: {namespace="{{ namespace }}"{{ selector }}}';
/** {{ selector }} becomes `,<matchers>`: it must follow a matcher's closing quote, or the comma has nothing before it. */
const SELECTOR_AFTER_MATCHER = /["'`]\s*$/;

function placeholderError(message: string, found: ConfiguredQuery, file: string): KoptError {
  return new KoptError("config", message, { where: { file, field: found.field }, hint: PLACEHOLDER_HINT });
}

/** Unknown placeholders, and a {{ selector }} that would not expand to valid PromQL, are config errors. */
function checkPlaceholders(found: ConfiguredQuery, file: string): void {
  for (const m of found.template.matchAll(PLACEHOLDER)) {
    const name = m[1] as string;
    if (!KNOWN.has(name)) throw placeholderError(`unknown placeholder {{ ${name} }}`, found, file);
    if (name === "selector" && !SELECTOR_AFTER_MATCHER.test(found.template.slice(0, m.index))) {
      throw placeholderError(
        "{{ selector }} must follow a label matcher inside the braces (it adds `,` and source.prometheus.selector)",
        found,
        file,
      );
    }
  }
}

/** verify.errorRate / verify.latency as a template: the query when given, else the preset, else null. */
export function configuredQuery(
  verify: VerifyConfig,
  which: "errorRate" | "latency",
  file = "kopt.yaml",
): ConfiguredQuery | null {
  const section = verify[which];
  const presets = which === "errorRate" ? ERROR_RATE_PRESETS : LATENCY_PRESETS;
  let found: ConfiguredQuery | null = null;
  if (section.query) found = { template: section.query, field: `verify.${which}.query` };
  else if (section.preset !== "none") {
    found = { template: presets[section.preset], field: `verify.${which}.preset` };
  }
  if (found) checkPlaceholders(found, file);
  return found;
}

/**
 * Warnings for a shared Prometheus: with source.prometheus.selector set, a query of the user's own without
 * {{ selector }} counts every cluster's series of that name. kopt does not rewrite the query; it says so.
 */
export function unscopedQueryWarnings(verify: VerifyConfig, selector: string | undefined): string[] {
  if (!selector?.trim()) return [];
  return (["errorRate", "latency"] as const).flatMap((which) => {
    const query = verify[which].query;
    const scoped = [...(query ?? "").matchAll(PLACEHOLDER)].some((m) => m[1] === "selector");
    return query && !scoped
      ? [
          `verify.${which}.query has no {{ selector }}: source.prometheus.selector (${selector.trim()}) is not applied to it, so other clusters' series of the same names count; add {{ selector }} last inside its metric selectors' braces`,
        ]
      : [];
  });
}

/** source.prometheus.selector as {{ selector }} expands: `,` and the matchers, or nothing. */
export function selectorSuffix(selector: string | undefined): string {
  const matchers = selector?.trim().replace(/,$/, "").trim();
  return matchers ? `,${matchers}` : "";
}

/**
 * The template with {{ namespace }}, {{ target }}, {{ interval }} and {{ selector }} filled in. Namespace and
 * target go inside PromQL string literals (as in the presets: `ingress="{{ target }}"`), so they are escaped
 * for one; the interval is a duration (`1m`) and goes in as it is; the selector is matchers already checked
 * by kopt.yaml's schema.
 */
export function fillPlaceholders(
  template: string,
  values: { namespace: string; target: string; interval: string; selector?: string },
): string {
  const inString = (v: string) => promString(v).slice(1, -1);
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === "namespace") return inString(values.namespace);
    if (name === "target") return inString(values.target);
    if (name === "interval") return values.interval;
    if (name === "selector") return selectorSuffix(values.selector);
    return whole;
  });
}
