import { describe, expect, it } from "vitest";
import { BUDGET_WINDOW_MS, budgetAt, EMPTY_LEDGER, recordSpent, spentBy } from "./agent-budget.ts";

const LIMITS = { pullRequestsPerHour: 2, issuesPerHour: 3 };
const T0 = Date.UTC(2026, 11, 3, 12);

describe("the agent's hourly budget", () => {
  it("is the whole limit when nothing was opened", () => {
    expect(budgetAt(EMPTY_LEDGER, LIMITS, T0)).toEqual({ pullRequests: 2, issues: 3 });
  });

  it("counts created pull requests and opened or reopened issues, not updates", () => {
    const spent = spentBy({
      pullRequests: [{ status: "created" }, { status: "updated" }, { status: "unchanged" }],
      issues: [{ action: "opened" }, { action: "reopened" }, { action: "updated" }, { action: "closed" }],
    });
    expect(spent).toEqual({ pullRequests: 1, issues: 2 });
    expect(budgetAt(recordSpent(EMPTY_LEDGER, spent, T0), LIMITS, T0 + 1000)).toEqual({
      pullRequests: 1,
      issues: 1,
    });
  });

  it("never goes below zero", () => {
    const ledger = recordSpent(EMPTY_LEDGER, { pullRequests: 5, issues: 9 }, T0);
    expect(budgetAt(ledger, LIMITS, T0)).toEqual({ pullRequests: 0, issues: 0 });
  });

  it("slides: what was opened an hour ago is given back, what was opened since is not", () => {
    let ledger = recordSpent(EMPTY_LEDGER, { pullRequests: 1, issues: 0 }, T0);
    ledger = recordSpent(ledger, { pullRequests: 1, issues: 0 }, T0 + 30 * 60_000);
    expect(budgetAt(ledger, LIMITS, T0 + BUDGET_WINDOW_MS - 1).pullRequests).toBe(0);
    expect(budgetAt(ledger, LIMITS, T0 + BUDGET_WINDOW_MS).pullRequests).toBe(1);
    expect(budgetAt(ledger, LIMITS, T0 + 30 * 60_000 + BUDGET_WINDOW_MS).pullRequests).toBe(2);
  });
});
