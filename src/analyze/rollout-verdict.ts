// Is a rollout a regression? The figures after the apply against the policy and the baseline before the
// merge. Two phases: the safety gate (the first minutes after the new pods start) and the stability window
// (an hour). A breach is a regression at once, in either phase, however little of the window has passed:
// Flagger and Argo Rollouts also abort on the first failed check of a hard limit. Pure.
import { formatDecimal, formatPercent } from "../model/format.ts";
import { above } from "../model/numbers.ts";
import type { RolloutMetrics, RolloutVerdict, VerifyPolicy } from "../model/verify.ts";

export interface RolloutJudgement {
  phase: "gate" | "window";
  policy: Pick<VerifyPolicy, "errorRateMax" | "latencyMaxIncrease">;
  /** The window before the merge; null when Prometheus had nothing for it. */
  baseline: RolloutMetrics | null;
  /** From the apply (the new pods' start) to now, or to the phase's end. */
  after: RolloutMetrics;
  /** The phase's whole window lies in the past (now >= its end). */
  complete: boolean;
}

/**
 * Throttling is a regression when the share of throttled CPU periods rose by this much (20 points) over the
 * baseline: a CPU cut that starves the container shows here before it shows as errors.
 */
export const THROTTLING_RISE = 0.2;

/** Restarts beyond the baseline's rate, scaled to the window, plus this many, are a regression. */
export const RESTART_ALLOWANCE = 1;

export function judgeRollout(j: RolloutJudgement): RolloutVerdict {
  const reasons = [
    ...errorRateBreach(j),
    ...oomBreach(j.after),
    ...restartBreach(j),
    ...latencyBreach(j),
    ...(j.phase === "window" ? throttlingBreach(j) : []),
  ];
  if (reasons.length > 0) return { verdict: "regression", reasons };
  if (!j.complete) return { verdict: "wait", reasons: [] };
  return { verdict: "pass", reasons: j.after.samples === 0 ? [NO_DATA] : [] };
}

const NO_DATA = "Prometheus had no figures for the workload over the window: judged on the rollout alone";

/** Above the limit, and above what the workload already did before the change (not a pre-existing fault). */
function errorRateBreach({ policy, baseline, after }: RolloutJudgement): string[] {
  const rate = after.errorRate;
  if (rate === null || !above(rate, policy.errorRateMax)) return [];
  const before = baseline?.errorRateMean ?? null;
  if (before !== null && !above(rate, before)) return [];
  const was = before === null ? "" : ` (${formatPercent(before)} before the change)`;
  return [`error rate ${formatPercent(rate)} > ${formatPercent(policy.errorRateMax)}${was}`];
}

function oomBreach(after: RolloutMetrics): string[] {
  const kills = after.oomKills ?? 0;
  return kills > 0 ? [`${kills} OOM kill${kills === 1 ? "" : "s"}`] : [];
}

/** More restarts than the baseline's rate predicts for the window, plus an allowance of one. */
function restartBreach({ baseline, after }: RolloutJudgement): string[] {
  const restarts = after.restarts;
  if (restarts === null || restarts === 0) return [];
  const hours = spanHours(after);
  const rate = baseline?.restarts != null ? baseline.restarts / Math.max(spanHours(baseline), 1 / 60) : 0;
  const expected = Math.ceil(rate * hours);
  if (restarts <= expected + RESTART_ALLOWANCE) return [];
  const was = rate > 0 ? ` (baseline ${formatDecimal(rate, 1)} per hour)` : " (none before the change)";
  return [`${restarts} container restarts${was}`];
}

function latencyBreach({ policy, baseline, after }: RolloutJudgement): string[] {
  const now = after.p99LatencySeconds;
  const before = baseline?.p99LatencySeconds ?? null;
  if (now === null || before === null || before <= 0) return [];
  if (!above(now, before * (1 + policy.latencyMaxIncrease))) return [];
  return [
    `p99 latency ${formatDecimal(now, 2)} s, ${formatDecimal(now / before, 1)}x the baseline ${formatDecimal(before, 2)} s (limit +${formatPercent(policy.latencyMaxIncrease)})`,
  ];
}

function throttlingBreach({ baseline, after }: RolloutJudgement): string[] {
  const now = after.cpuThrottledShare;
  if (now === null) return [];
  const before = baseline?.cpuThrottledShare ?? 0;
  if (above(THROTTLING_RISE, now - before)) return [];
  return [`CPU throttled in ${formatPercent(now)} of periods (${formatPercent(before)} before the change)`];
}

function spanHours(m: RolloutMetrics): number {
  return Math.max(0, Date.parse(m.end) - Date.parse(m.start)) / 3_600_000;
}
