import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, DEFAULT_RIGHTSIZE_POLICY } from "../model/policy.ts";
import type { WorkloadRef } from "../model/types.ts";
import {
  learnedCooldown,
  learnedFor,
  learnedRightsizePolicy,
  learnFromOutcomes,
  type PastProposal,
} from "./outcomes.ts";

const API: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "api" };
const WEB: WorkloadRef = { namespace: "shop", kind: "Deployment", name: "web" };
const NOW = Date.parse("2026-12-01T00:00:00Z") / 1000;

function sizingEvidence(margin: number) {
  const rule = { method: "forecast", level: "flat", percentile: 95.5, base: 1, margin };
  return [{ workload: "shop/api", container: "api", sizing: { cpu: rule, memory: rule } }];
}

function rolledBack(over: Partial<PastProposal> = {}): PastProposal {
  return {
    kind: "rightsize",
    tier: "low",
    status: "rolled-back",
    workloads: [API],
    createdAt: "2026-11-20T00:00:00Z",
    merge: { pullRequest: 123, at: "2026-11-20T01:00:00Z" },
    validation: { outcome: "regressed", checkedAt: "2026-11-20T02:00:00Z", reasons: ["3 OOM kills"] },
    evidence: sizingEvidence(0.08),
    ...over,
  };
}

function rejected(over: Partial<PastProposal> = {}): PastProposal {
  return {
    kind: "rightsize",
    tier: "low",
    status: "rejected",
    workloads: [WEB],
    createdAt: "2026-11-25T00:00:00Z",
    rejection: { pullRequest: 45, closedAt: "2026-11-26T10:00:00Z", closedBy: "alice" },
    ...over,
  };
}

describe("learnFromOutcomes", () => {
  it("raises a rolled-back right-sizing's margin, cooldown and tier, naming the pull request and the cause", () => {
    const learned = learnedFor(learnFromOutcomes([rolledBack()], DEFAULT_POLICY, NOW), API, "rightsize");
    // At least the full requestMargin (30%), and at least 8% + 10 points.
    expect(learned?.minMargin).toBe(0.3);
    expect(learned?.cooldownSeconds).toBe(14 * 86400);
    expect(learned?.minTier).toBe("medium");
    expect(learned?.reasons).toEqual([
      "margin 30% instead of 8%: #123 (merged 2026-11-20) was rolled back (3 OOM kills)",
      "cooldown 14 days instead of 7 days: #123 (merged 2026-11-20) was rolled back (3 OOM kills)",
      "tier at least medium: #123 (merged 2026-11-20) was rolled back (3 OOM kills)",
    ]);
  });

  it("widens past the full margin when the failed change already used it, and compounds failures", () => {
    const a = rolledBack({ evidence: sizingEvidence(0.3) });
    const b = rolledBack({
      status: "regressed",
      merge: { pullRequest: 130, at: "2026-11-22T00:00:00Z" },
      validation: {
        outcome: "regressed",
        checkedAt: "2026-11-22T01:00:00Z",
        reasons: ["error rate 8.2% > 5%"],
      },
      tier: "medium",
      evidence: sizingEvidence(0.3),
    });
    const learned = learnedFor(learnFromOutcomes([b, a], DEFAULT_POLICY, NOW), API, "rightsize");
    expect(learned?.minMargin).toBe(0.5);
    expect(learned?.cooldownSeconds).toBe(28 * 86400);
    expect(learned?.minTier).toBe("critical");
    expect(learned?.reasons[0]).toBe(
      "margin 50% instead of 30%: #123 (merged 2026-11-20) was rolled back (3 OOM kills); #130 (merged 2026-11-22) regressed (error rate 8.2% > 5%)",
    );
  });

  it("a regressed HPA change lengthens the cooldown and raises the tier, but sets no margin", () => {
    const learned = learnedFor(
      learnFromOutcomes([rolledBack({ kind: "hpa", evidence: [] })], DEFAULT_POLICY, NOW),
      API,
      "hpa",
    );
    expect(learned?.minMargin).toBeUndefined();
    expect(learned?.minTier).toBe("medium");
    expect(
      learnedCooldown(learnFromOutcomes([rolledBack({ kind: "hpa" })], DEFAULT_POLICY, NOW), API)?.seconds,
    ).toBe(14 * 86400);
  });

  it("a person's close doubles the minimum change, naming the pull request and who closed it", () => {
    const learned = learnedFor(learnFromOutcomes([rejected()], DEFAULT_POLICY, NOW), WEB, "rightsize");
    expect(learned).toEqual({
      minChangeFraction: 0.2,
      reasons: [
        "changes under 20% not proposed (instead of 10%): #45 was closed unmerged by alice on 2026-11-26",
      ],
    });
  });

  it("learns nothing from validated changes: the workload keeps the tight margin", () => {
    const validated = rolledBack({
      status: "validated",
      validation: { outcome: "validated", checkedAt: "2026-11-20T02:00:00Z", reasons: [] },
    });
    expect(learnFromOutcomes([validated, { ...validated, status: "approved" }], DEFAULT_POLICY, NOW)).toEqual(
      [],
    );
    const policy = learnedRightsizePolicy(DEFAULT_RIGHTSIZE_POLICY, undefined);
    expect(policy).toBe(DEFAULT_RIGHTSIZE_POLICY);
  });

  it("forgets outcomes older than the horizon, and ignores those after the observation", () => {
    const old = rolledBack({
      validation: { outcome: "regressed", checkedAt: "2026-08-01T00:00:00Z", reasons: [] },
    });
    const future = rejected({
      rejection: { pullRequest: 46, closedAt: "2026-12-02T00:00:00Z", closedBy: null },
    });
    expect(learnFromOutcomes([old, future], DEFAULT_POLICY, NOW)).toEqual([]);
    expect(learnFromOutcomes([old], DEFAULT_POLICY, Date.parse("2026-10-01T00:00:00Z") / 1000)).toHaveLength(
      1,
    );
  });

  it("learnedRightsizePolicy raises the margins and the minimum change, never lowers them", () => {
    const p = learnedRightsizePolicy(DEFAULT_RIGHTSIZE_POLICY, {
      minMargin: 0.4,
      minChangeFraction: 0.05,
      reasons: ["x"],
    });
    expect(p.requestMargin).toBe(0.4);
    expect(p.minMargin).toBe(0.4);
    expect(p.minChange.fraction).toBe(DEFAULT_RIGHTSIZE_POLICY.minChange.fraction);
  });
});
