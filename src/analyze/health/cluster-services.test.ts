import { describe, expect, it } from "vitest";
import {
  figuresFromPodRates,
  figuresFromTotals,
  overallErrorRate,
  serviceFlags,
} from "./cluster-services.ts";

const WEEK = 7 * 86400;
const END = Date.parse("2026-11-20T12:00:00Z") / 1000;
const WINDOW = { start: END - WEEK, end: END };

function rates(pod: string, samples: [number, number][]) {
  return {
    metric: { namespace: "todo", pod },
    times: Float64Array.from(samples, ([t]) => t),
    values: Float64Array.from(samples, ([, v]) => v),
  };
}

describe("service figures", () => {
  it("turns the week's request and 5xx counts into a rate and a share, sorted by service", () => {
    const out = figuresFromTotals(
      [
        {
          service: "shop/web",
          requests: WEEK * 10,
          errors: WEEK * 0.5,
          latency: { p50: 0.02, p95: 0.2, p99: null },
        },
        { service: "shop/api", requests: WEEK * 2, errors: 0 },
      ],
      WEEK,
    );
    expect(out).toEqual([
      { service: "shop/api", requestsPerSecond: 2, errorRate: 0, p50: null, p95: null, p99: null },
      { service: "shop/web", requestsPerSecond: 10, errorRate: 0.05, p50: 0.02, p95: 0.2, p99: null },
    ]);
    // Weighted by traffic: (10 x 0.05 + 2 x 0) / 12.
    expect(overallErrorRate(out)).toBeCloseTo(0.5 / 12, 12);
  });

  it("sums a snapshot's per-pod rates by service within the window", () => {
    const serviceOf = (ns: string, pod: string) => (pod.startsWith("api-") ? `${ns}/api` : null);
    const t1 = END - 600;
    const t2 = END - 300;
    const out = figuresFromPodRates(
      [
        rates("api-1", [
          [WINDOW.start, 1000], // at the window's start: before it
          [t1, 10],
          [t2, 20],
        ]),
        rates("api-2", [[t1, 10]]),
        rates("cron-1", [[t1, 99]]), // no service
      ],
      [rates("api-2", [[t1, 2]]), rates("api-1", [[t2, 3]])],
      serviceOf,
      WINDOW,
    );
    // Steps: t1 20 rps (2 errors), t2 20 rps (3 errors): mean 20 rps, 5 / 40 failed.
    expect(out).toEqual([
      { service: "todo/api", requestsPerSecond: 20, errorRate: 0.125, p50: null, p95: null, p99: null },
    ]);
  });

  it("flags a service over the maximum as high, at half its requests failing as critical", () => {
    const s = (service: string, errorRate: number | null) => ({
      service,
      requestsPerSecond: 1,
      errorRate,
      p50: null,
      p95: null,
      p99: null,
    });
    const flags = serviceFlags(
      [s("a/ok", 0.05), s("a/bad", 0.051), s("a/down", 0.5), s("a/idle", null)],
      0.05,
    );
    expect(flags.map((f) => [f.severity, f.subject, f.finding])).toEqual([
      ["high", "Service a/bad", "5.1% of requests failed (5xx) over the week, above 5.0%"],
      ["critical", "Service a/down", "50.0% of requests failed (5xx) over the week, above 5.0%"],
    ]);
    expect(overallErrorRate([s("a/idle", null)])).toBeNull();
  });
});
