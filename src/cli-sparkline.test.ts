// The sparklines of `kopt recommend` (issue 18): block characters for a usage profile, and when a terminal
// gets them; then the table with and without them.
import { describe, expect, it } from "vitest";
import { recommendTable } from "./cli-output.ts";
import { SPARKLINE_WIDTH, showSparklines, sparkline } from "./cli-sparkline.ts";
import type { Recommendation } from "./model/recommendation.ts";
import type { RecommendOutcome } from "./workflows/recommend.ts";

describe("sparkline", () => {
  it("draws the lowest value as ▁, the highest as █ and the rest in between", () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe("▁▂▃▄▅▆▇█");
    expect(sparkline([10, 17, 10])).toBe("▁█▁");
    expect(sparkline([0.2, 0.25, 0.3])).toBe("▁▅█");
  });

  it("is at most SPARKLINE_WIDTH characters: a week of 42 buckets becomes 21 pairs, each their mean", () => {
    const week = Array.from({ length: 42 }, (_, i) => (i % 6 < 3 ? 1 : 3));
    const line = sparkline(week);
    expect(line).toHaveLength(21);
    expect(line.length).toBeLessThanOrEqual(SPARKLINE_WIDTH);
    // Pairs (1,1) (1,3) (3,3): low, middle, high, three a day.
    expect(line.slice(0, 6)).toBe("▁▅█▁▅█");
    expect(
      sparkline(
        Array.from({ length: 100 }, (_, i) => i),
        10,
      ),
    ).toBe("▁▂▃▃▄▅▆▆▇█");
  });

  it("shows no data as a space, a flat series as ▁ throughout, nothing for nothing", () => {
    expect(sparkline([null, null, 1, 3])).toBe("  ▁█");
    expect(sparkline([5, 5, 5])).toBe("▁▁▁");
    expect(sparkline([0.1 + 0.2, 0.3, 0.3])).toBe("▁▁▁");
    expect(sparkline([null, null])).toBe("");
    expect(sparkline([])).toBe("");
  });
});

describe("showSparklines", () => {
  const tty = { isTTY: true };
  it("shows them in a UTF-8 terminal", () => {
    expect(showSparklines({ LANG: "en_US.UTF-8" }, tty)).toBe(true);
    expect(showSparklines({ LC_ALL: "C.utf8", LANG: "C" }, tty)).toBe(true);
  });

  it("leaves them out in a pipe, with NO_COLOR, TERM=dumb or a locale that is not UTF-8", () => {
    expect(showSparklines({ LANG: "en_US.UTF-8" }, { isTTY: false })).toBe(false);
    expect(showSparklines({ LANG: "en_US.UTF-8" }, {})).toBe(false);
    expect(showSparklines({ LANG: "en_US.UTF-8", NO_COLOR: "1" }, tty)).toBe(false);
    expect(showSparklines({ LANG: "en_US.UTF-8", TERM: "dumb" }, tty)).toBe(false);
    expect(showSparklines({ LANG: "C" }, tty)).toBe(false);
    expect(showSparklines({}, tty)).toBe(false);
    // LC_ALL overrides LANG.
    expect(showSparklines({ LC_ALL: "POSIX", LANG: "en_US.UTF-8" }, tty)).toBe(false);
    // An empty NO_COLOR does not count (no-color.org).
    expect(showSparklines({ LANG: "en_US.UTF-8", NO_COLOR: "" }, tty)).toBe(true);
  });
});

describe("recommendTable with sparklines", () => {
  const END = Date.parse("2026-11-20T12:00:00Z") / 1000;
  const rec: Recommendation = {
    workload: { namespace: "shop", kind: "Deployment", name: "web" },
    container: "web",
    current: { requests: { cpu: 1, memory: 2 ** 30 }, limits: { cpu: null, memory: null } },
    recommended: { requests: { cpu: 0.3, memory: 2 ** 30 }, limits: { cpu: null, memory: null } },
    changes: [{ field: "requests.cpu", from: 1, to: 0.3 }],
    confidence: 1,
    evidence: {
      window: { start: END - 168 * 3600, end: END, hours: 168 },
      pods: 2,
      cpu: { samples: 4000, p50: 0.15, p95: 0.23, p99: 0.25, max: 0.27 },
      memory: {
        samples: 4000,
        p50: 400 * 2 ** 20,
        p95: 440 * 2 ** 20,
        p99: 446 * 2 ** 20,
        max: 452 * 2 ** 20,
      },
      profile: {
        start: END - 168 * 3600,
        bucketHours: 4,
        cpu: Array.from({ length: 42 }, (_, i) => (i % 6 < 3 ? 0.1 : 0.2)),
        memory: Array.from({ length: 42 }, (_, i) => (i < 21 ? null : 400 * 2 ** 20 + i)),
      },
    },
  };
  const out: RecommendOutcome = {
    cluster: "prod",
    observedAt: END,
    source: "kubernetes:prod",
    warnings: [],
    capacity: [],
    oom: [],
    hpa: [],
    recommendations: [rec],
    skipped: [],
  };

  it("adds a CPU and a memory column of the window's usage", () => {
    const [header, row] = recommendTable(out, { sparklines: true }).split("\n").slice(2, 4) as [
      string,
      string,
    ];
    expect(header).toMatch(/P95 MEM {2}CPU 7D {17}MEM 7D$/);
    expect(row).toContain("▁▅█▁▅█▁▅█▁▅█▁▅█▁▅█▁▅█");
    // Memory: no data for the first half-week, then a steady climb.
    expect(row.endsWith("          ▁▂▂▃▄▄▅▆▇▇█")).toBe(true);
  });

  it("is the plain table without them (a pipe, NO_COLOR, --output json never gets here)", () => {
    const plain = recommendTable(out);
    expect(plain).not.toMatch(/[▁-█]/);
    expect(plain.split("\n")[2]).toMatch(/P95 MEM$/);
    expect(recommendTable(out, { sparklines: false })).toBe(plain);
  });
});
