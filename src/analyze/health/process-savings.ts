// The health report's savings section: the monthly savings kopt's merged and validated changes realized, the
// savings waiting in its open pull requests (their PHRs' cost.monthlyDelta), and progress toward the
// specification's goal of at least 20% cost saving.
//
// The goal's measure: realized / baseline, where realized is the monthly saving of every validated kopt
// change up to the week's end (as kopt stats sums it: -cost.monthlyDelta), and the baseline is the monthly
// cost of requests before kopt's changes: the cost of the requests running now plus what the validated
// changes saved (what the cluster would cost had they not been made). Regressed, rolled-back and unverified
// changes count for nothing. Pure.

import type { PriceModel } from "../../model/policy.ts";
import type { ClusterState } from "../../model/types.ts";
import { monthlyCost } from "../cost.ts";
import { outcomeStats } from "../outcome-stats.ts";
import {
  headline,
  type PreviousHeadlines,
  round2,
  type SectionFigures,
  type WeekRange,
} from "./process-common.ts";
import type { ReportPhr } from "./process-pulls.ts";

/** The specification's goal: at least 20% cost saving. */
export const SAVING_GOAL = 0.2;

/** An open pull request's PHR cost, read from its branch. */
export interface WaitingSaving {
  pr: number;
  title: string;
  url: string;
  tier: string;
  currency: string;
  monthlyDelta: number;
}

export interface SavingsData {
  currency: string;
  /** Monthly cost of the requests running now. */
  monthlyRequestsNow: number;
  /** Monthly savings (positive: cheaper) of the validated changes: all up to the week's end, and merged this week. */
  realizedMonthly: number | null;
  realizedThisWeekMonthly: number | null;
  validatedChanges: number | null;
  /** Net monthly saving of the open pull requests' PHRs. */
  waitingMonthly: number | null;
  waiting: WaitingSaving[];
  /** monthlyRequestsNow + realizedMonthly. */
  baselineMonthly: number | null;
  /** realizedMonthly / baselineMonthly, against SAVING_GOAL. */
  goalProgress: number | null;
  goal: number;
}

export interface SavingsInput {
  range: WeekRange;
  state: Pick<ClusterState, "workloads" | "pods">;
  prices: PriceModel;
  phrs: readonly ReportPhr[] | null;
  waiting: readonly WaitingSaving[] | null;
  previous: PreviousHeadlines;
  notes?: readonly string[];
}

/** The monthly cost of the requests of every workload, at its running replicas (pods, for a DaemonSet). */
export function monthlyRequestsCost(
  state: Pick<ClusterState, "workloads" | "pods">,
  prices: PriceModel,
): number {
  let total = 0;
  for (const w of state.workloads) {
    const pods = state.pods.filter(
      (p) =>
        p.owner?.namespace === w.ref.namespace && p.owner.kind === w.ref.kind && p.owner.name === w.ref.name,
    ).length;
    const replicas = w.hpa?.currentReplicas ?? w.replicas ?? pods;
    total += monthlyCost(
      w.containers.map((c) => c.resources),
      replicas,
      prices,
    );
  }
  return round2(total);
}

export function savingsFigures(input: SavingsInput): SectionFigures<SavingsData> {
  const { range, phrs, waiting, previous, prices } = input;
  const notes = [...(input.notes ?? [])];
  const now = monthlyRequestsCost(input.state, prices);
  const upToEnd = phrs && outcomeStats(phrs, [], { since: 0, until: range.until - 1 }).savings;
  const thisWeek = phrs && outcomeStats(phrs, [], { since: range.since, until: range.until - 1 }).savings;
  const realized = upToEnd ? saved(upToEnd.realizedMonthly) : null;
  const baseline = realized === null ? null : round2(now + realized);
  const progress = realized === null || !baseline ? null : Math.round((realized / baseline) * 1000) / 1000;
  const waitingMonthly = waiting ? saved(waiting.reduce((s, w) => s + w.monthlyDelta, 0)) : null;
  if (phrs === null || waiting === null) {
    notes.push(
      "Savings realized and waiting need the repository's PHRs and the forge: run with --cluster in the repository, not a bare --snapshot",
    );
  }
  const currencies = new Set([
    ...(upToEnd?.currency ? [upToEnd.currency] : []),
    ...(waiting ?? []).map((w) => w.currency),
  ]);
  currencies.delete(prices.currency);
  if (currencies.size > 0) {
    notes.push(
      `PHRs record costs in ${[...currencies].join(", ")} but the price model is in ${prices.currency}: summed as they are`,
    );
  }
  const money = (id: string, label: string, value: number | null, better: "higher" | "neither") =>
    headline(previous, { id, label, value, unit: "money", better });
  return {
    id: "savings",
    title: "Savings",
    data: {
      currency: prices.currency,
      monthlyRequestsNow: now,
      realizedMonthly: realized,
      realizedThisWeekMonthly: thisWeek ? saved(thisWeek.realizedMonthly) : null,
      validatedChanges: upToEnd?.validated ?? null,
      waitingMonthly,
      waiting: [...(waiting ?? [])],
      baselineMonthly: baseline,
      goalProgress: progress,
      goal: SAVING_GOAL,
    },
    headlines: [
      money("savings.realizedMonthly", `Savings realized (${prices.currency}/month)`, realized, "higher"),
      money(
        "savings.waitingMonthly",
        `Savings waiting in open pull requests (${prices.currency}/month)`,
        waitingMonthly,
        "neither",
      ),
      headline(previous, {
        id: "savings.goalProgress",
        label: `Progress toward the ${SAVING_GOAL * 100}% saving goal`,
        value: progress,
        unit: "share",
        better: "higher",
      }),
    ],
    flags: [],
    notes,
  };
}

/** A monthly cost delta as a saving (positive: cheaper), rounded; never -0. */
function saved(delta: number): number {
  return round2(-delta) || 0;
}
