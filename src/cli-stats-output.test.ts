import { describe, expect, it } from "vitest";
import { statsText } from "./cli-stats-output.ts";
import type { StatsOutcome } from "./workflows/stats.ts";

const DAY = 86400;
const UNTIL = Date.parse("2026-12-04T00:00:00Z") / 1000;

function outcome(over: Partial<StatsOutcome> = {}): StatsOutcome {
  return {
    cluster: "demo",
    sinceText: "30d",
    unreadable: [],
    since: UNTIL - 30 * DAY,
    until: UNTIL,
    proposals: { merged: 2, rejected: 1 },
    acceptanceRate: 2 / 3,
    timeToMergeHours: { count: 2, median: 2.03, p90: 2.03 },
    outcomes: [
      {
        kind: "rightsize",
        tier: "medium",
        merged: 2,
        validated: 1,
        regressed: 1,
        rolledBack: 1,
        regressionRate: 0.5,
        rollbackRate: 0.5,
      },
    ],
    savings: { currency: "USD", proposedMonthly: -120.18, realizedMonthly: -87.78, validated: 1 },
    incidents: {
      count: 3,
      mttdMinutes: { count: 3, median: 19787.77, p90: 22384.35 },
      mttrMinutes: { count: 2, median: 42, p90: 312 },
    },
    notes: [],
    ...over,
  };
}

describe("statsText", () => {
  it("prints the figures, spans in the unit a person reads, and the table per kind and tier", () => {
    expect(statsText(outcome()).split("\n")).toEqual([
      "kopt stats · cluster demo · last 30d (2026-11-04 → 2026-12-04)",
      "",
      "Acceptance rate:  66.7% (2 merged, 1 rejected)",
      "Time to merge:    median 2.03 h, p90 2.03 h (2)",
      "Savings:          −$87.78/month realized (1 validated) of −$120.18/month proposed",
      "MTTD:             median 13.7 d, p90 15.5 d (3)",
      "MTTR:             median 42 min, p90 5.2 h (2) · 3 incident issue(s)",
      "",
      "| Kind | Tier | Merged | Validated | Regressed | Rolled back | Regression rate | Rollback rate |",
      "|---|---|---|---|---|---|---|---|",
      "| rightsize | medium | 2 | 1 | 1 | 1 | 50% | 50% |",
    ]);
  });

  it("says n/a and why where there is no data", () => {
    const text = statsText(
      outcome({
        proposals: { merged: 0, rejected: 0 },
        acceptanceRate: null,
        timeToMergeHours: null,
        outcomes: [],
        incidents: { count: 0, mttdMinutes: null, mttrMinutes: null },
        notes: ["MTTD / MTTR: no incident issue in the range"],
      }),
    );
    expect(text).toContain("Acceptance rate:  n/a (0 merged, 0 rejected)");
    expect(text).toContain("MTTD:             n/a");
    expect(text).not.toContain("| Kind |");
    expect(text.endsWith("Not computed or partial:\n  - MTTD / MTTR: no incident issue in the range")).toBe(
      true,
    );
  });
});
