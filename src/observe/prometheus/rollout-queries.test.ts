import { describe, expect, it } from "vitest";
import { KoptError } from "../../errors.ts";
import { ClusterConfigSchema, PROMETHEUS_METRIC_DEFAULTS, type VerifyConfig } from "../../formats/config.ts";
import type { WorkloadRef } from "../../model/types.ts";
import { podNameRegex } from "../cluster-model.ts";
import { configuredQuery, fillPlaceholders, rolloutQueries } from "./rollout-queries.ts";

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
