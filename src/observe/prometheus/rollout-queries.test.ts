import { describe, expect, it } from "vitest";
import { KoptError } from "../../errors.ts";
import { ClusterConfigSchema, PROMETHEUS_METRIC_DEFAULTS, type VerifyConfig } from "../../formats/config.ts";
import type { WorkloadRef } from "../../model/types.ts";
import { podNameRegex } from "../cluster-model.ts";
import {
  configuredQuery,
  fillPlaceholders,
  rolloutQueries,
  selectorSuffix,
  unscopedQueryWarnings,
} from "./rollout-queries.ts";

function verify(v: unknown): VerifyConfig {
  return ClusterConfigSchema.parse({
    apiVersion: "kopt.dev/v1alpha1",
    kind: "ClusterConfig",
    cluster: "t",
    source: { snapshot: "s.json" },
    verify: v,
  }).verify;
}

const SPEC = {
  metrics: PROMETHEUS_METRIC_DEFAULTS,
  lastTerminatedReason: PROMETHEUS_METRIC_DEFAULTS.lastTerminatedReason,
  stepSeconds: 30,
  windowSeconds: 120,
  rateWindowSeconds: 120,
};

/** Prometheus anchors regex matchers; RE2 and JavaScript agree on these patterns. */
function matches(ref: WorkloadRef, pod: string): boolean {
  return new RegExp(`^(?:${podNameRegex(ref)})$`).test(pod);
}

describe("podNameRegex", () => {
  it.each([
    ["Deployment", "api", "api-7f9c6d5b8-x2x9q", true],
    ["Deployment", "api", "api-worker-7f9c6d5b8-x2x9q", false],
    ["Deployment", "api", "api-x2x9q", false],
    ["StatefulSet", "db", "db-0", true],
    ["StatefulSet", "db", "db-12", true],
    ["StatefulSet", "db", "db-proxy-7f9c6d5b8-zq2xw", false],
    ["DaemonSet", "agent", "agent-x7k2p", true],
    ["DaemonSet", "agent", "agent-7f9c6d5b8-x7k2p", false],
  ] as const)("%s %s: %s -> %s", (kind, name, pod, expected) => {
    expect(matches({ namespace: "n", kind, name }, pod)).toBe(expected);
  });

  it("escapes the workload's name: a dot is a dot", () => {
    const ref: WorkloadRef = { namespace: "n", kind: "StatefulSet", name: "web.v2" };
    expect(podNameRegex(ref)).toBe("web\\.v2-[0-9]+");
    expect(matches(ref, "web.v2-0")).toBe(true);
    expect(matches(ref, "webxv2-0")).toBe(false);
  });
});

describe("rolloutQueries", () => {
  const ref: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "web.api" };

  it("every query selects the namespace, the workload's pods (as a PromQL string) and the selector", () => {
    const q = rolloutQueries(ref, { ...SPEC, selector: 'cluster="prod",' });
    for (const query of Object.values(q)) {
      expect(query).toContain('namespace="shop"');
      // The regex's backslash is itself escaped inside the PromQL string.
      expect(query).toContain('pod=~"web\\\\.api-[a-z0-9]{5,10}-[a-z0-9]{5}"');
      expect(query).toContain('cluster="prod"');
      expect(query).not.toContain(",}");
    }
  });

  it("uses the configured metric names, the step as offset and the window as range", () => {
    const metrics = {
      ...PROMETHEUS_METRIC_DEFAULTS,
      restarts: "ksm_restarts_total",
      cpu: "cpu_seconds_total",
    };
    const q = rolloutQueries(ref, { ...SPEC, metrics, lastTerminatedReason: "ksm_reason" });
    expect(q.restarts).toMatch(
      /^sum\(clamp_min\(ksm_restarts_total\{.*\} - ksm_restarts_total\{.*\} offset 30s, 0\)\)$/,
    );
    expect(q.oomKills).toContain('ksm_reason{namespace="shop"');
    expect(q.oomKills).toContain('reason="OOMKilled"');
    expect(q.cpuUsageOverRequest).toContain("rate(cpu_seconds_total{");
    expect(q.cpuUsageOverRequest).toContain("[120s:30s]");
    expect(q.cpuUsageOverRequest).toContain('resource="cpu"');
    expect(q.memoryUsageOverRequest).toContain('resource="memory"');
    expect(q.cpuThrottledShare).toContain("increase(container_cpu_cfs_throttled_periods_total{");
    expect(q.cpuThrottledShare).toContain("[120s]");
    expect(q.unreadyPods).toContain('kube_pod_status_ready{namespace="shop"');
    expect(q.unreadyPods).toContain('condition!="true"');
  });

  it("escapes a namespace in its PromQL string", () => {
    const q = rolloutQueries({ ...ref, namespace: 'a"b\\c' }, SPEC);
    expect(q.unreadyPods).toContain('namespace="a\\"b\\\\c"');
  });
});

describe("configuredQuery", () => {
  it("is null without a query or preset", () => {
    expect(configuredQuery(verify({}), "errorRate")).toBeNull();
    expect(configuredQuery(verify({}), "latency")).toBeNull();
  });

  it("takes the preset, and the query over the preset", () => {
    const preset = configuredQuery(verify({ errorRate: { preset: "istio" } }), "errorRate");
    expect(preset?.field).toBe("verify.errorRate.preset");
    expect(preset?.template).toContain("istio_requests_total");
    const query = configuredQuery(
      verify({ latency: { preset: "istio", query: "my_p99{ns='{{ namespace }}'}" } }),
      "latency",
    );
    expect(query).toEqual({ template: "my_p99{ns='{{ namespace }}'}", field: "verify.latency.query" });
  });

  it("an unknown placeholder is a KoptError at the field", () => {
    const run = () => configuredQuery(verify({ errorRate: { query: "x{a='{{ service }}'}" } }), "errorRate");
    expect(run).toThrow(KoptError);
    expect(run).toThrow(/unknown placeholder \{\{ service \}\}/);
    try {
      run();
    } catch (e) {
      expect((e as KoptError).where).toEqual({ file: "kopt.yaml", field: "verify.errorRate.query" });
    }
  });
});

describe("fillPlaceholders", () => {
  it("fills namespace, target and interval, with or without spaces inside the braces", () => {
    const q = fillPlaceholders('r{namespace="{{ namespace }}",ingress="{{target}}"}[{{  interval }}]', {
      namespace: "shop",
      target: "web",
      interval: "1m",
    });
    expect(q).toBe('r{namespace="shop",ingress="web"}[1m]');
  });

  it("escapes names for the PromQL string they stand in", () => {
    const q = fillPlaceholders('r{ingress="{{ target }}"}', {
      namespace: "n",
      target: 'we"b\\x',
      interval: "1m",
    });
    expect(q).toBe('r{ingress="we\\"b\\\\x"}');
  });

  it("fills every preset completely", () => {
    for (const which of ["errorRate", "latency"] as const) {
      for (const preset of ["ingress-nginx", "istio"]) {
        const q = configuredQuery(verify({ [which]: { preset } }), which);
        const filled = fillPlaceholders(q?.template ?? "", {
          namespace: "shop",
          target: "web",
          interval: "2m",
        });
        expect(filled).not.toContain("{{");
        expect(filled).toContain('"shop"');
        expect(filled).toContain('"web"');
        expect(filled).toContain("[2m]");
      }
    }
  });
});

// The presets as they were before {{ selector }}: without a selector the filled queries must not change.
const PRESETS_BEFORE_SELECTOR = {
  errorRate: {
    "ingress-nginx":
      '(sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",ingress="{{ target }}",status=~"5.."}[{{ interval }}])) or vector(0)) / sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",ingress="{{ target }}"}[{{ interval }}]))',
    istio:
      '(sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}",response_code=~"5.."}[{{ interval }}])) or vector(0)) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}"}[{{ interval }}]))',
  },
  latency: {
    "ingress-nginx":
      'histogram_quantile(0.99, sum(rate(nginx_ingress_controller_request_duration_seconds_bucket{namespace="{{ namespace }}",ingress="{{ target }}"}[{{ interval }}])) by (le))',
    istio:
      'histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}"}[{{ interval }}])) by (le)) / 1000',
  },
} as const;

const PRESETS = (["errorRate", "latency"] as const).flatMap((which) =>
  (["ingress-nginx", "istio"] as const).map((preset) => [which, preset] as const),
);
const NAMES = { namespace: "shop", target: "web", interval: "1m" };

function filledPreset(which: "errorRate" | "latency", preset: string, selector?: string): string {
  const q = configuredQuery(verify({ [which]: { preset } }), which);
  return fillPlaceholders(q?.template ?? "", { ...NAMES, selector });
}

/** The insides of every `{...}` label-matcher list of a filled query. */
function metricSelectors(query: string): string[] {
  return [...query.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] as string);
}

describe("source.prometheus.selector in the presets", () => {
  it.each(PRESETS)("%s %s: every metric selector ends with the configured matchers", (which, preset) => {
    const query = filledPreset(which, preset, 'cluster="prod", region=~"eu-.*",');
    const selectors = metricSelectors(query);
    // Error rate: the 5xx and the all-requests selectors; latency: the histogram's.
    expect(selectors).toHaveLength(which === "errorRate" ? 2 : 1);
    for (const inside of selectors) {
      // The preset's own matchers stay, and the configured ones come last after one comma.
      expect(inside).toContain('="shop"');
      expect(inside).toContain('="web"');
      expect(inside).toMatch(/"[^"]*",cluster="prod", region=~"eu-\.\*"$/);
    }
    expect(query).not.toContain("{{");
  });

  it.each(PRESETS)("%s %s: without a selector the query is what it was before", (which, preset) => {
    const before = fillPlaceholders(PRESETS_BEFORE_SELECTOR[which][preset], NAMES);
    expect(filledPreset(which, preset)).toBe(before);
    expect(filledPreset(which, preset, "")).toBe(before);
    expect(filledPreset(which, preset, "  ")).toBe(before);
  });
});

describe("{{ selector }} in a query of the user's own", () => {
  const errorRate = (query: string) => configuredQuery(verify({ errorRate: { query } }), "errorRate");

  it("expands to `,` and the matchers, or to nothing", () => {
    const template =
      'sum(rate(http_requests_total{namespace="{{ namespace }}", code=~"5.."{{ selector }}}[{{ interval }}]))';
    const q = errorRate(template);
    expect(fillPlaceholders(q?.template ?? "", { ...NAMES, selector: 'cluster="prod"' })).toBe(
      'sum(rate(http_requests_total{namespace="shop", code=~"5..",cluster="prod"}[1m]))',
    );
    expect(fillPlaceholders(q?.template ?? "", NAMES)).toBe(
      'sum(rate(http_requests_total{namespace="shop", code=~"5.."}[1m]))',
    );
  });

  it("a query without {{ selector }} is left as written, selector or not", () => {
    const template = 'sum(rate(http_requests_total{namespace="{{ namespace }}"}[{{ interval }}]))';
    expect(fillPlaceholders(template, { ...NAMES, selector: 'cluster="prod"' })).toBe(
      'sum(rate(http_requests_total{namespace="shop"}[1m]))',
    );
  });

  it.each([
    ["first inside the braces", 'x{{{ selector }}namespace="{{ namespace }}"}'],
    ["after a comma", 'x{namespace="{{ namespace }}",{{ selector }}}'],
    ["outside any braces", 'sum(x{namespace="{{ namespace }}"}) {{ selector }}'],
  ])("{{ selector }} %s is a KoptError at the field, with the way to write it", (_, query) => {
    let error: unknown;
    try {
      errorRate(query);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KoptError);
    const k = error as KoptError;
    expect(k.message).toMatch(/\{\{ selector \}\} must follow a label matcher/);
    expect(k.where).toEqual({ file: "kopt.yaml", field: "verify.errorRate.query" });
    expect(k.hint).toContain('{namespace="{{ namespace }}"{{ selector }}}');
  });

  it("after a single-quoted matcher it is accepted", () => {
    expect(errorRate("x{ns='{{ namespace }}' {{ selector }}}")?.field).toBe("verify.errorRate.query");
  });

  it("selectorSuffix drops a trailing comma and blanks", () => {
    expect(selectorSuffix(' cluster="prod", ')).toBe(',cluster="prod"');
    expect(selectorSuffix(undefined)).toBe("");
  });
});

describe("unscopedQueryWarnings", () => {
  const own = 'sum(rate(x{namespace="{{ namespace }}"}[{{ interval }}]))';
  const scoped = 'sum(rate(x{namespace="{{ namespace }}"{{ selector }}}[{{ interval }}]))';

  it("names each query of the user's own without {{ selector }} when a selector is set", () => {
    const w = unscopedQueryWarnings(
      verify({ errorRate: { query: own }, latency: { query: own } }),
      'cluster="prod"',
    );
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/^verify\.errorRate\.query has no \{\{ selector \}\}: .*cluster="prod"/);
    expect(w[1]).toMatch(/^verify\.latency\.query has no/);
  });

  it("says nothing for presets, scoped queries, or without a selector", () => {
    expect(unscopedQueryWarnings(verify({ errorRate: { preset: "istio" } }), 'cluster="prod"')).toEqual([]);
    expect(unscopedQueryWarnings(verify({ errorRate: { query: scoped } }), 'cluster="prod"')).toEqual([]);
    expect(unscopedQueryWarnings(verify({ errorRate: { query: own } }), undefined)).toEqual([]);
  });
});

describe("kopt.yaml's description of the queries", () => {
  it("names {{ selector }} for both queries (what `kopt schema config` shows)", () => {
    const shape = ClusterConfigSchema.shape.verify.unwrap().shape;
    for (const section of [shape.errorRate, shape.latency]) {
      expect(section.unwrap().shape.query.description).toContain("{{ selector }}");
    }
  });
});
