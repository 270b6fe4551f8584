import { describe, expect, it } from "vitest";
import { PROMETHEUS_METRIC_DEFAULTS } from "../../formats/config.ts";
import { fromPromMatrix, mergeSeries, toPromMatrix } from "../usage-series.ts";
import { alignDown, MAX_POINTS_PER_SERIES, namespaceQueries, promString, splitRange } from "./queries.ts";

const SPEC = { metrics: PROMETHEUS_METRIC_DEFAULTS, stepSeconds: 300, rateWindowSeconds: 300 };

/** Every evaluation point of a range, as Prometheus steps through it. */
function points(r: { start: number; end: number }, step: number): number[] {
  const out: number[] = [];
  for (let t = r.start; t <= r.end; t += step) out.push(t);
  return out;
}

describe("splitRange", () => {
  it("keeps a range within the limit whole", () => {
    expect(splitRange(0, 7 * 86400, 300)).toEqual([{ start: 0, end: 7 * 86400 }]);
  });

  it.each([
    [0, 14 * 86400, 60],
    [1000, 1000 + 20_000 * 15, 15],
    [0, 86400, 1],
    [100, 100 + 11_000 * 60, 60],
  ])(
    "cuts [%d, %d] at step %d into pieces of at most 11,000 points that cover each point once",
    (s, e, step) => {
      const ranges = splitRange(s, e, step);
      expect(ranges.length).toBeGreaterThan(1);
      for (const r of ranges) expect(points(r, step).length).toBeLessThanOrEqual(MAX_POINTS_PER_SERIES);
      expect(ranges.flatMap((r) => points(r, step))).toEqual(points({ start: s, end: e }, step));
    },
  );

  it("a range of exactly 11,000 points is one piece, 11,001 are two", () => {
    expect(splitRange(0, 10_999 * 60, 60)).toHaveLength(1);
    expect(splitRange(0, 11_000 * 60, 60)).toEqual([
      { start: 0, end: 10_999 * 60 },
      { start: 11_000 * 60, end: 11_000 * 60 },
    ]);
  });

  it("an empty range has no pieces; a bad step throws", () => {
    expect(splitRange(10, 5, 1)).toEqual([]);
    expect(() => splitRange(0, 10, 0)).toThrow(RangeError);
  });
});

describe("alignDown", () => {
  it("rounds down to the step grid", () => {
    expect(alignDown(1_700_000_123, 300)).toBe(1_700_000_100);
    expect(alignDown(1_700_000_100, 300)).toBe(1_700_000_100);
  });
});

describe("namespaceQueries", () => {
  it("groups by namespace, pod and container and leaves out the pod cgroup and the pause container", () => {
    const q = namespaceQueries("shop", SPEC);
    expect(q.cpu).toBe(
      'sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{namespace="shop", container!="", container!="POD"}[300s]))',
    );
    expect(q.memory).toBe(
      'max by (namespace, pod, container) (max_over_time(container_memory_working_set_bytes{namespace="shop", container!="", container!="POD"}[300s]))',
    );
    expect(q.oomKills).toContain('reason="OOMKilled"');
    expect(q.restarts).toContain("offset 300s");
    expect(q.hpaReplicas).toBe(
      'max by (__name__, namespace, horizontalpodautoscaler) ({__name__=~"kube_horizontalpodautoscaler_status_current_replicas|kube_horizontalpodautoscaler_status_desired_replicas", namespace="shop"})',
    );
    expect(q.httpRequests).toBeUndefined();
  });

  it("adds the configured selector to every selector, and HTTP rates when an HTTP metric is configured", () => {
    const q = namespaceQueries("shop", {
      ...SPEC,
      rateWindowSeconds: 600,
      selector: 'cluster="prod",',
      metrics: {
        ...PROMETHEUS_METRIC_DEFAULTS,
        http: { requests: "http_requests_total", errors: 'code=~"5.."' },
      },
    });
    for (const query of Object.values(q)) {
      const selectors = query.match(/\{[^}]*\}/g) ?? [];
      expect(selectors.length).toBeGreaterThan(0);
      for (const sel of selectors) expect(sel).toContain('cluster="prod"');
    }
    expect(q.cpu).toContain("[600s]");
    expect(q.httpErrors).toBe(
      'sum by (namespace, pod) (rate(http_requests_total{namespace="shop", code=~"5..", cluster="prod"}[600s]))',
    );
  });

  it("quotes label values as PromQL strings", () => {
    expect(promString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});

/** mergeSeries on Prometheus answers, as tuples again. */
function mergeMatrices(parts: Parameters<typeof fromPromMatrix>[0][]) {
  return toPromMatrix(mergeSeries(parts.map(fromPromMatrix)));
}

describe("mergeSeries", () => {
  it("joins the pieces of each series in time order, each timestamp once, series sorted by labels", () => {
    const a = { namespace: "shop", pod: "api-1", container: "api" };
    const b = { namespace: "shop", pod: "api-0", container: "api" };
    const merged = mergeMatrices([
      {
        resultType: "matrix",
        result: [
          {
            metric: a,
            values: [
              [300, "1"],
              [600, "2"],
            ],
          },
        ],
      },
      {
        resultType: "matrix",
        result: [
          { metric: b, values: [[900, "5"]] },
          {
            metric: a,
            values: [
              [600, "2"],
              [900, "3"],
            ],
          },
        ],
      },
    ]);
    expect(merged.result).toEqual([
      { metric: b, values: [[900, "5"]] },
      {
        metric: a,
        values: [
          [300, "1"],
          [600, "2"],
          [900, "3"],
        ],
      },
    ]);
  });
});
