// The agent's hourly limits (agent.limits in kopt.yaml): a one-hour sliding window of the pull requests it
// created and the issues it opened or reopened, and what is left of each. Pure: the time is passed in (ms).

export const BUDGET_WINDOW_MS = 3_600_000;

export interface AgentLimits {
  pullRequestsPerHour: number;
  issuesPerHour: number;
}

/** When each pull request was created and each issue opened or reopened, in ms since the epoch. */
export interface BudgetLedger {
  pullRequests: readonly number[];
  issues: readonly number[];
}

/** How many more may be opened now. */
export interface Budget {
  pullRequests: number;
  issues: number;
}

export const EMPTY_LEDGER: BudgetLedger = { pullRequests: [], issues: [] };

/** Pull-request statuses and issue actions that spend the budget; updates of existing ones are free. */
const SPENDING_PR_STATUSES = new Set(["created", "opened"]);
const SPENDING_ISSUE_ACTIONS = new Set(["opened", "reopened"]);

const within = (times: readonly number[], now: number) => times.filter((t) => now - t < BUDGET_WINDOW_MS);

/** The ledger without what left the window. */
export function pruneLedger(ledger: BudgetLedger, now: number): BudgetLedger {
  return { pullRequests: within(ledger.pullRequests, now), issues: within(ledger.issues, now) };
}

/** What is left of the limits at `now`. */
export function budgetAt(ledger: BudgetLedger, limits: AgentLimits, now: number): Budget {
  const pruned = pruneLedger(ledger, now);
  return {
    pullRequests: Math.max(0, limits.pullRequestsPerHour - pruned.pullRequests.length),
    issues: Math.max(0, limits.issuesPerHour - pruned.issues.length),
  };
}

/** What a reaction spent: pull requests created, issues opened or reopened. */
export function spentBy(outcome: {
  pullRequests: readonly { status: string }[];
  issues: readonly { action: string }[];
}): Budget {
  return {
    pullRequests: outcome.pullRequests.filter((p) => SPENDING_PR_STATUSES.has(p.status)).length,
    issues: outcome.issues.filter((i) => SPENDING_ISSUE_ACTIONS.has(i.action)).length,
  };
}

/** The ledger with a reaction's spending at `now` added (and what left the window dropped). */
export function recordSpent(ledger: BudgetLedger, spent: Budget, now: number): BudgetLedger {
  const pruned = pruneLedger(ledger, now);
  return {
    pullRequests: [...pruned.pullRequests, ...Array<number>(spent.pullRequests).fill(now)],
    issues: [...pruned.issues, ...Array<number>(spent.issues).fill(now)],
  };
}
