import { describe, expect, it } from "vitest";
import type { WorkloadRef } from "../model/types.ts";
import { outcomeStats, type StatsIncident, type StatsPhr } from "./outcome-stats.ts";

const API: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "api" };
const t = (iso: string) => Date.parse(iso) / 1000;
const RANGE = { since: t("2026-11-01T00:00:00Z"), until: t("2026-12-01T00:00:00Z") };

function merged(status: string, hoursToMerge: number, over: Partial<StatsPhr> = {}): StatsPhr {
  const at = Date.parse("2026-11-10T00:00:00Z");
  return {
    kind: "rightsize",
    tier: "low",
    status,
    workloads: [API],
    createdAt: "2026-11-09T00:00:00Z",
    merge: {
      pullRequest: 1,
      at: new Date(at).toISOString(),
      openedAt: new Date(at - hoursToMerge * 3_600_000).toISOString(),
    },
    cost: { currency: "USD", monthlyDelta: -10 },
    ...over,
  };
}

const REJECTED: StatsPhr = {
  kind: "rightsize",
  tier: "low",
  status: "rejected",
  workloads: [API],
  createdAt: "2026-11-12T00:00:00Z",
  rejection: { pullRequest: 9, closedAt: "2026-11-13T00:00:00Z", closedBy: "alice" },
  cost: { currency: "USD", monthlyDelta: -5 },
};

describe("outcomeStats", () => {
  it("computes acceptance, time to merge, outcome rates per kind and tier, and savings", () => {
    const s = outcomeStats(
      [
        merged("validated", 1),
        merged("validated", 2),
        merged("rolled-back", 3),
        merged("regressed", 4, { kind: "hpa", tier: "medium", cost: { currency: "USD", monthlyDelta: 20 } }),
        REJECTED,
        // Outside the range, and a kind stats does not count.
        merged("validated", 1, { merge: { pullRequest: 2, at: "2026-10-01T00:00:00Z" } }),
        merged("approved", 1, { kind: "rollback" }),
      ],
      [],
      RANGE,
    );
    expect(s.proposals).toEqual({ merged: 4, rejected: 1 });
    expect(s.acceptanceRate).toBe(0.8);
    expect(s.timeToMergeHours).toEqual({ count: 4, median: 2.5, p90: 3.7 });
    expect(s.outcomes).toEqual([
      {
        kind: "hpa",
        tier: "medium",
        merged: 1,
        validated: 0,
        regressed: 1,
        rolledBack: 0,
        regressionRate: 1,
        rollbackRate: 0,
      },
      {
        kind: "rightsize",
        tier: "low",
        merged: 3,
        validated: 2,
        regressed: 1,
        rolledBack: 1,
        regressionRate: 0.333,
        rollbackRate: 0.333,
      },
    ]);
    expect(s.savings).toEqual({ currency: "USD", proposedMonthly: -15, realizedMonthly: -20, validated: 2 });
    expect(s.notes).toEqual(["MTTD / MTTR: no incident issue in the range"]);
  });

  it("counts the security fix pull requests (kind security) like any other proposal", () => {
    const s = outcomeStats(
      [merged("validated", 6, { kind: "security", tier: "critical", cost: undefined }), REJECTED],
      [],
      RANGE,
    );
    expect(s.proposals).toEqual({ merged: 1, rejected: 1 });
    expect(s.outcomes.map((o) => [o.kind, o.tier, o.merged])).toEqual([["security", "critical", 1]]);
  });

  it("says what it cannot compute instead of inventing a figure", () => {
    const s = outcomeStats(
      [merged("approved", 1, { merge: { pullRequest: 3, at: "2026-11-10T00:00:00Z" } })],
      [],
      RANGE,
    );
    expect(s.acceptanceRate).toBe(1);
    expect(s.timeToMergeHours).toBeNull();
    expect(s.notes).toEqual([
      "time to merge: 1 merged PHR(s) do not record when the pull request opened",
      "regression rates: 1 of 1 merged change(s) have no outcome yet (not verified): counted as not regressed",
      "savings realized: no merged change has been validated yet (kopt verify)",
      "MTTD / MTTR: no incident issue in the range",
    ]);
    const none = outcomeStats([], [], RANGE);
    expect(none.acceptanceRate).toBeNull();
    expect(none.notes[0]).toBe("acceptance rate: no kopt pull request was merged or rejected in the range");
  });

  it("MTTD is detection minus first failure, MTTR resolution minus detection; open issues are left out of MTTR", () => {
    const incidents: StatsIncident[] = [
      {
        number: 1,
        firstFailure: t("2026-11-05T10:00:00Z"),
        detectedAt: t("2026-11-05T10:05:00Z"),
        resolvedAt: t("2026-11-05T11:05:00Z"),
      },
      {
        number: 2,
        firstFailure: t("2026-11-06T10:00:00Z"),
        detectedAt: t("2026-11-06T10:15:00Z"),
        resolvedAt: null,
      },
      {
        number: 3,
        firstFailure: null,
        detectedAt: t("2026-11-07T00:00:00Z"),
        resolvedAt: t("2026-11-07T00:30:00Z"),
      },
    ];
    const s = outcomeStats([], incidents, RANGE);
    expect(s.incidents).toEqual({
      count: 3,
      mttdMinutes: { count: 2, median: 10, p90: 14 },
      mttrMinutes: { count: 2, median: 45, p90: 57 },
    });
    expect(s.notes).toContain(
      "MTTD: 1 incident issue(s) do not say when the failure was first seen or opened",
    );
    expect(s.notes).toContain("MTTR: 1 incident issue(s) still open (not resolved): left out");
  });
});
