// The pure parts of `npm run bench:agent` (test/bench/agent.bench.ts): percentiles, the memory trend and the
// verdict, the matching of log lines and pull requests to incidents, and the pod changes it applies.
import { describe, expect, it } from "vitest";
import { Churn, incidentTargets, type Obj, oomKilled } from "./bench/agent/cluster.ts";
import { isFinding, isTrigger, mentions } from "./bench/agent/observe.ts";
import {
  markdownTable,
  percentile,
  type RssSample,
  rows,
  rssTrend,
  slope,
  summarize,
  TARGETS,
} from "./bench/agent/stats.ts";

const MIB = 2 ** 20;

describe("percentile", () => {
  it("interpolates between closest ranks, whatever the input order", () => {
    const xs = [5, 1, 4, 2, 3];
    expect(percentile(xs, 50)).toBe(3);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile(xs, 100)).toBe(5);
    expect(percentile(xs, 95)).toBeCloseTo(4.8);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(xs).toEqual([5, 1, 4, 2, 3]);
  });

  it("is NaN for no values, and the value itself for one", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([7], 95)).toBe(7);
  });

  it("summarizes 1..100 as median 50.5, p95 95.05, max 100", () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(s).toEqual({ count: 100, median: 50.5, p95: expect.closeTo(95.05, 6), max: 100 });
  });
});

const series = (seconds: number, rss: (t: number) => number): RssSample[] =>
  Array.from({ length: seconds / 2 + 1 }, (_, i) => ({ t: i * 2, rss: rss(i * 2) }));

describe("rssTrend", () => {
  it("finds the slope of a straight line", () => {
    expect(slope(series(100, (t) => 200 * MIB + t * 1000))).toBeCloseTo(1000, 6);
    expect(slope([{ t: 1, rss: 5 }])).toBe(0);
  });

  it("calls a steady leak an upward trend", () => {
    // 200 MiB growing by 0.1 MiB/s: +60 MiB over 10 minutes.
    const trend = rssTrend(
      series(660, (t) => 200 * MIB + t * 0.1 * MIB),
      60,
    );
    expect(trend?.upward).toBe(true);
    expect(trend?.fifthsGrowth).toBeGreaterThan(0.05);
    expect(trend?.slope).toBeCloseTo(0.1 * MIB, 0);
  });

  it("does not call a flat sawtooth (garbage collection) or a falling line a trend", () => {
    const sawtooth = rssTrend(
      series(660, (t) => 200 * MIB + ((t % 30) / 30) * 20 * MIB),
      60,
    );
    expect(sawtooth?.upward).toBe(false);
    const falling = rssTrend(
      series(660, (t) => 300 * MIB - t * 0.05 * MIB),
      60,
    );
    expect(falling?.upward).toBe(false);
    expect(falling?.slope).toBeLessThan(0);
  });

  it("leaves out the warm-up: a rise in the first minute is not a trend", () => {
    const warm = series(660, (t) => (t < 60 ? 100 * MIB + t * 2 * MIB : 220 * MIB));
    expect(rssTrend(warm, 0)?.upward).toBe(true);
    const trend = rssTrend(warm, 60);
    expect(trend?.upward).toBe(false);
    expect(trend?.firstFifthMean).toBe(220 * MIB);
  });

  it("needs 10 samples after the warm-up to tell", () => {
    expect(
      rssTrend(
        series(70, () => MIB),
        60,
      ),
    ).toBeUndefined();
    expect(
      rssTrend(
        series(80, () => MIB),
        60,
      ),
    ).toBeDefined();
  });
});

describe("the verdict", () => {
  const base = {
    incidents: 50,
    finding: summarize(Array(50).fill(0.6)),
    pullRequest: summarize(Array(50).fill(4)),
    peakRss: 300 * MIB,
    trend: rssTrend(
      series(660, () => 300 * MIB),
      60,
    ),
  };

  it("meets every target with good figures", () => {
    const rs = rows(base);
    expect(rs.filter((r) => r.target !== "" && !r.met)).toEqual([]);
    const table = markdownTable(rs);
    expect(table).toContain("| pod change -> finding, median | 0.60 s | < 1 s | yes |");
    expect(table).not.toContain("**no**");
  });

  it("misses a target for a slow median, a big RSS, a trend, a missed incident or too few incidents", () => {
    const missed = (f: typeof base) =>
      rows(f)
        .filter((r) => r.target !== "" && !r.met)
        .map((r) => r.figure);
    expect(missed({ ...base, finding: summarize(Array(50).fill(1.2)) })).toEqual([
      "pod change -> finding, median",
    ]);
    expect(missed({ ...base, pullRequest: summarize(Array(50).fill(10)) })).toEqual([
      "pod change -> pull request, median",
    ]);
    expect(missed({ ...base, peakRss: TARGETS.rssBytes })).toEqual(["agent RSS, peak"]);
    expect(
      missed({
        ...base,
        trend: rssTrend(
          series(660, (t) => 200 * MIB + t * MIB),
          60,
        ),
      }),
    ).toEqual(["agent RSS trend under churn (after the warm-up minute)"]);
    expect(missed({ ...base, trend: undefined })).toEqual([
      "agent RSS trend under churn (after the warm-up minute)",
    ]);
    expect(missed({ ...base, pullRequest: summarize(Array(49).fill(4)) })).toEqual([
      "incidents (OOMKilled, one Deployment each)",
    ]);
    expect(
      missed({
        ...base,
        incidents: 10,
        finding: summarize(Array(10).fill(0.5)),
        pullRequest: summarize(Array(10).fill(4)),
      }),
    ).toEqual(["incidents (OOMKilled, one Deployment each)"]);
  });
});

describe("matching lines and pull requests to an incident", () => {
  it("names a workload only as a whole name", () => {
    expect(mentions('{"target":"team-3/Deployment/svc-153"}', "svc-153")).toBe(true);
    expect(mentions('{"target":"team-3/Deployment/svc-1530"}', "svc-153")).toBe(false);
    expect(mentions('{"target":"team-3/Deployment/svc-153"}', "svc-15")).toBe(false);
    expect(mentions("kopt/oom/team-3/svc-153", "svc-153")).toBe(true);
  });

  it("takes a diagnosis line with findings, and a queued trigger", () => {
    const line = (event: string, fields: Record<string, unknown>) => ({
      event,
      fields,
      text: JSON.stringify({ event, ...fields }),
    });
    const target = "team-3/Deployment/svc-153";
    expect(isFinding(line("reaction", { target, findings: [{ class: "oom" }] }), "svc-153")).toBe(true);
    expect(isFinding(line("reaction", { target, findings: [] }), "svc-153")).toBe(false);
    expect(isFinding(line("trigger", { target }), "svc-153")).toBe(false);
    expect(
      isFinding(line("reaction", { target: "team-3/Deployment/svc-15", findings: [1] }), "svc-153"),
    ).toBe(false);
    expect(isTrigger(line("trigger", { target, queued: true }), "svc-153")).toBe(true);
    expect(isTrigger(line("trigger", { target, queued: false }), "svc-153")).toBe(false);
  });
});

describe("the pod changes", () => {
  const pod = (name: string): Obj => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "team-1", uid: "u", resourceVersion: "7" },
    status: {
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [
        { name: "svc-1", restartCount: 0, state: { running: { startedAt: "2026-10-01T00:00:03Z" } } },
      ],
    },
  });

  it("an OOM kill: last state OOMKilled at the given time, running again, one more restart", () => {
    const at = new Date("2026-12-03T17:00:00.250Z");
    const before = pod("svc-1-abcdefghij-abcde");
    const after = oomKilled(before, "svc-1", at);
    const s = (after.status as { containerStatuses: Record<string, unknown>[] }).containerStatuses[0];
    expect(s).toMatchObject({
      restartCount: 1,
      state: { running: { startedAt: "2026-12-03T17:00:00Z" } },
      lastState: { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt: "2026-12-03T17:00:00Z" } },
    });
    expect(
      (before.status as { containerStatuses: { restartCount: number }[] }).containerStatuses[0]?.restartCount,
    ).toBe(0);
    expect(() => oomKilled(before, "other", at)).toThrow(/no container other/);
  });

  it("churn cycles delete, add under a new name, update; never touches the incident Deployments", () => {
    const objects = [
      "svc-1-abcdefghij-aaaaa",
      "svc-1-abcdefghij-bbbbb",
      "svc-7-abcdefghij-ccccc",
      "svc-2-abcdefghij-ddddd",
    ].map(pod);
    const churn = new Churn(objects, [{ namespace: "team-1", name: "svc-2" }]);
    const now = new Date("2026-12-03T17:00:00Z");
    const changes = Array.from({ length: 30 }, () => churn.next(now));
    const ops = changes.map((c) => (c.op === "remove" ? "remove" : c.what));
    expect(ops.slice(0, 6)).toEqual(["remove", "added", "updated", "remove", "added", "updated"]);
    const names = changes.map((c) => (c.op === "remove" ? c.name : c.object.metadata.name));
    // svc-7 crash-loops in the bench cluster and svc-2 is an incident's: neither is touched.
    expect(names.every((n) => n.startsWith("svc-1-"))).toBe(true);
    const added = changes.flatMap((c) =>
      c.op === "apply" && c.what === "added" ? [c.object.metadata.name] : [],
    );
    expect(added.every((n) => !["svc-1-abcdefghij-aaaaa", "svc-1-abcdefghij-bbbbb"].includes(n))).toBe(true);
    // Only live pods are removed: never one removed before and not added again.
    const live = new Set(["svc-1-abcdefghij-aaaaa", "svc-1-abcdefghij-bbbbb"]);
    for (const c of changes) {
      if (c.op === "remove") expect(live.delete(c.name)).toBe(true);
      else live.add(c.object.metadata.name);
    }
    expect(live.size).toBe(2);
  });

  it("incident targets are distinct, healthy Deployments of the bench cluster", () => {
    const targets = incidentTargets(60);
    expect(new Set(targets.map((t) => t.name)).size).toBe(60);
    for (const t of targets) {
      const i = Number(t.name.slice(4));
      expect(i % 50).not.toBe(7);
      expect(t.namespace).toBe(`team-${i % 50}`);
    }
  });
});
