// Horizontal scaling: when to give a workload an HPA, and how to tune the HPA it has, from CPU usage and
// replica history. Pure: "now" is state.observedAt, and the same inputs always give the same result.
//
// Utilization follows the HPA's own arithmetic: at each step, the CPU used by the pods present divided by
// their CPU requests (a pod's request is the sum of its containers'). "Is it hot" is judged against the
// current request, because that is what the HPA sees; new replica counts are sized against
// opts.cpuRequest (e.g. what right-sizing recommends), because that is what will run once both merge.
//
// Steps are the sample times of the workload's CPU series. They are assumed to be aligned across pods,
// as a Prometheus range query returns them; a sample covers the step before it.
//
// An HPA's max is also raised ahead of need: the hourly peaks of the workload's total CPU demand are
// forecast a week ahead (Holt-Winters, ./forecast.ts), and a forecast peak that would need more replicas
// at the HPA's target than its max allows raises the max before the HPA gets pinned there.

import { formatCores, formatPercent, formatReplicas } from "../model/format.ts";
import { above, atLeast, atMost, below, floorHours, roundHours } from "../model/numbers.ts";
import type { HpaPolicy } from "../model/policy.ts";
import type {
  ClusterState,
  ContainerUsage,
  HpaHistory,
  HpaState,
  SeriesUsage,
  UsageHistory,
  Workload,
  WorkloadRef,
} from "../model/types.ts";
import { workloadKey } from "../model/types.ts";
import { daysUntil, type Forecast, forecastHourly, forecastPeak, hourly } from "./forecast.ts";
import { groupBy } from "./group-by.ts";
import { percentileOf } from "./stats.ts";
import { sumByTime } from "./time-sums.ts";
import { bucketP95 } from "./usage-profile.ts";

export type HpaChange =
  | { kind: "enable-hpa"; minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage: number }
  | { kind: "raise-max"; from: number; to: number }
  | { kind: "stabilize-scale-down"; stabilizationWindowSeconds: number }
  | { kind: "lower-min"; from: number; to: number };

export interface HpaRecommendation {
  workload: WorkloadRef;
  change: HpaChange;
  /** Numbers a reviewer checks: e.g. episodes, hours at max, peak cores, utilization p95, changes/hour, window. */
  evidence: Record<string, number | string>;
  /** One sentence: why, in numbers. */
  reason: string;
  /**
   * Replicas the workload's CPU demand needs at the HPA's target (with the sizing request), as the p95 per
   * bucket of the window (usage-profile.ts): the picture behind the change. Not recorded in PHRs.
   */
  profile?: ReplicaProfile;
}

export interface ReplicaProfile {
  /** Unix s where the first bucket starts; the last one ends at the window's end. */
  start: number;
  bucketHours: number;
  /** Null where a bucket has no steps. */
  replicasNeeded: (number | null)[];
}

export interface HpaResult {
  /** Ordered by workload key, then enable-hpa, raise-max, stabilize-scale-down, lower-min. */
  recommendations: HpaRecommendation[];
  /** Workloads not analyzed, or a change found but not proposed, with why; ordered by workload key. */
  skipped: { workload: WorkloadRef; reason: string }[];
}

const DEFAULT_WINDOW_HOURS = 168;
/** "Sits at minReplicas most of the time": the share of steps at (or below) the minimum. */
const AT_MIN_SHARE = 0.9;
const HOUR = 3600;
const DAY = 86_400;
/** Hours forecast ahead for the HPA's max: a week, so a weekly peak is seen before it arrives. */
const FORECAST_HOURS = 168;
/** Hours with CPU samples needed before the max is raised from a forecast: two days, two daily cycles. */
const FORECAST_MIN_HOURS = 48;

export function analyzeHpa(
  state: ClusterState,
  usage: UsageHistory,
  policy: HpaPolicy,
  opts: {
    /** CPU request per container to size against (e.g. the one right-sizing recommends); default the current request. */
    cpuRequest?: (workload: WorkloadRef, container: string) => number | undefined;
    /** Whether a namespace is production (HA floor applies); default: none is. */
    isProduction?: (namespace: string) => boolean;
    /** History window in hours (default 168). */
    windowHours?: number;
  } = {},
): HpaResult {
  const hours = opts.windowHours ?? DEFAULT_WINDOW_HOURS;
  const window: Window = { start: state.observedAt - hours * HOUR, end: state.observedAt, hours };
  const cpuUsage = groupBy(usage.containers, (e) => workloadKey(e.workload));
  const hpaHistory = groupBy(usage.hpa ?? [], (h) => workloadKey(h.workload));
  const recommendations: HpaRecommendation[] = [];
  const skipped: HpaResult["skipped"] = [];
  const workloads = [...state.workloads].sort((a, b) => compare(workloadKey(a.ref), workloadKey(b.ref)));
  for (const workload of workloads) {
    // DaemonSets run one pod per node: there is no replica count to scale.
    if (workload.ref.kind === "DaemonSet" || workload.replicas === null) continue;
    const key = workloadKey(workload.ref);
    const outcomes = analyzeWorkload(workload, cpuUsage.get(key) ?? [], hpaHistory.get(key) ?? [], window, {
      policy,
      cpuRequest: opts.cpuRequest,
      production: opts.isProduction?.(workload.ref.namespace) ?? false,
    });
    for (const outcome of outcomes) {
      if (typeof outcome === "string") skipped.push({ workload: workload.ref, reason: outcome });
      else recommendations.push(outcome);
    }
  }
  return { recommendations, skipped };
}

interface Window {
  start: number;
  end: number;
  hours: number;
}

interface Context {
  policy: HpaPolicy;
  cpuRequest: ((workload: WorkloadRef, container: string) => number | undefined) | undefined;
  production: boolean;
}

/** One step of a workload: when, the CPU (cores) its pods used, and how many pods reported. */
interface Step {
  t: number;
  demand: number;
  pods: number;
}

/** What the checks share about one workload. */
interface Profile {
  workload: Workload;
  steps: Step[];
  /** Seconds one step covers. */
  stepSeconds: number;
  /** Utilization per step against the current request (what the HPA sees). */
  utilization: number[];
  peakDemand: number;
  currentPodRequest: number;
  sizingPodRequest: number;
  window: Window;
}

/** Recommendations, and skip reasons as strings. */
type Outcome = HpaRecommendation | string;

function analyzeWorkload(
  workload: Workload,
  usage: readonly ContainerUsage[],
  history: readonly HpaHistory[],
  window: Window,
  ctx: Context,
): Outcome[] {
  // An HPA on CPU divides usage by the request: without a request it has nothing to compute.
  const unrequested = workload.containers.filter((c) => !isPositive(c.resources.requests.cpu));
  if (unrequested.length > 0) {
    const names = unrequested.map((c) => `"${c.name}"`).join(", ");
    return [`no CPU request on container ${names}; CPU autoscaling needs one`];
  }
  if (workload.containers.length === 0) return ["no containers"];

  const names = new Set(workload.containers.map((c) => c.name));
  const steps = cpuSteps(
    usage.filter((e) => names.has(e.container)).flatMap((e) => e.cpu),
    window,
  );
  const first = steps[0];
  const last = steps[steps.length - 1];
  if (!first || !last) return ["no CPU usage data"];
  const spanHours = (last.t - first.t) / HOUR;
  if (spanHours < ctx.policy.minHistoryHours) {
    return [
      `only ${floorHours(spanHours)}h of usage history; at least ${roundHours(ctx.policy.minHistoryHours)}h needed`,
    ];
  }

  const currentPodRequest = sum(workload.containers.map((c) => c.resources.requests.cpu ?? 0));
  const sizingPodRequest = sum(
    workload.containers.map((c) => {
      const override = ctx.cpuRequest?.(workload.ref, c.name);
      return override !== undefined && isPositive(override) ? override : (c.resources.requests.cpu ?? 0);
    }),
  );
  const profile: Profile = {
    workload,
    steps,
    stepSeconds: stepOf(steps),
    utilization: steps.map((s) => s.demand / (s.pods * currentPodRequest)),
    peakDemand: steps.reduce((peak, s) => Math.max(peak, s.demand), 0),
    currentPodRequest,
    sizingPodRequest,
    window,
  };

  const hpa = workload.hpa;
  if (hpa === null) {
    const outcome = enableHpa(profile, ctx.policy);
    return outcome ? [withProfile(outcome, profile, ctx.policy.targetUtilization)] : [];
  }
  const replicas = replicaCounts(profile, historyFor(hpa, history));
  return [
    raiseMax(profile, hpa, replicas, ctx.policy),
    stabilizeScaleDown(profile, replicas, historyFor(hpa, history), ctx.policy),
    lowerMin(profile, hpa, replicas, ctx),
  ]
    .filter((o): o is Outcome => o !== null)
    .map((o) => withProfile(o, profile, hpaTarget(hpa, ctx.policy)));
}

/** A recommendation with the replicas its workload's demand needs at `target`, bucket by bucket. */
function withProfile(o: Outcome, p: Profile, target: number): Outcome {
  if (typeof o === "string") return o;
  const perReplica = p.sizingPodRequest * target;
  const b = bucketP95(
    p.steps.map((s) => s.t),
    p.steps.map((s) => s.demand / perReplica),
    p.window,
  );
  return { ...o, profile: { start: b.start, bucketHours: b.bucketHours, replicasNeeded: b.values } };
}

// --- enable-hpa ---------------------------------------------------------------------------------------

function enableHpa(p: Profile, policy: HpaPolicy): Outcome | null {
  const target = policy.targetUtilization;
  const episodes = hotEpisodes(p, target, policy.hotMinutes * 60);
  const days = new Set(episodes.map((e) => Math.floor(e.start / DAY)));
  if (days.size < policy.minEpisodes) return null;

  const replicas = p.workload.replicas ?? 0;
  // Scaled to zero on purpose (or being retired): an HPA would bring it back.
  if (replicas < 1) return `hot on ${days.size} days, but scaled to 0 replicas; not proposing an HPA`;
  const needed = replicasFor(p.peakDemand, p.sizingPodRequest, target);
  const max = Math.min(policy.maxReplicasCap, Math.max(replicas + 1, needed));
  if (max <= replicas) {
    return `hot on ${days.size} days, but its ${replicas} replicas already reach maxReplicasCap (${policy.maxReplicasCap})`;
  }
  const percent = Math.round(target * 100);
  const longest = Math.max(...episodes.map((e) => e.end - e.start));
  return {
    workload: p.workload.ref,
    change: {
      kind: "enable-hpa",
      minReplicas: replicas,
      maxReplicas: max,
      targetCPUUtilizationPercentage: percent,
    },
    evidence: {
      windowHours: p.window.hours,
      stepSeconds: p.stepSeconds,
      replicas,
      episodes: episodes.length,
      hotDays: days.size,
      longestEpisodeMinutes: round(longest / 60, 1),
      utilizationP95: round(percentileOf(p.utilization, 95), 3),
      peakCores: round(p.peakDemand, 3),
      requestCoresPerPod: round(p.currentPodRequest, 3),
      sizingCoresPerPod: round(p.sizingPodRequest, 3),
      replicasNeededAtPeak: needed,
    },
    reason:
      `CPU was at or above ${percent}% of request for ${policy.hotMinutes}+ minutes ${episodes.length} times on ` +
      `${days.size} days of the last ${p.window.hours}h (peak ${formatCores(p.peakDemand)}), so an HPA from ` +
      `${replicas} to ${max} replicas at ${percent}% would absorb the peaks.`,
  };
}

interface Episode {
  /** Start of the time the first hot sample covers (one step before it). */
  start: number;
  /** Time of the last hot sample. */
  end: number;
}

/** Maximal runs of consecutive hot steps (no gap wider than a step) lasting at least minSeconds. */
function hotEpisodes(p: Profile, target: number, minSeconds: number): Episode[] {
  const episodes: Episode[] = [];
  let first: number | null = null;
  let last: number | null = null;
  const close = () => {
    if (first === null || last === null) return;
    const start = first - p.stepSeconds;
    if (atLeast(last - start, minSeconds)) episodes.push({ start, end: last });
  };
  p.steps.forEach((step, i) => {
    const hot = atLeast(p.utilization[i] as number, target);
    if (hot && last !== null && atMost(step.t - last, p.stepSeconds)) {
      last = step.t;
      return;
    }
    close();
    first = hot ? step.t : null;
    last = first;
  });
  close();
  return episodes;
}

// --- raise-max ----------------------------------------------------------------------------------------

/** The forecast rule's finding: the max the forecast peak needs, and when demand is first forecast past it. */
interface ForecastNeed {
  forecast: Forecast;
  /** Forecast peak of the hourly peak demand over the next FORECAST_HOURS, with its error band (cores). */
  peak: number;
  /** Replicas that hold the forecast peak at target with the sizing request. */
  needed: number;
  /** Hours from now to the first forecast hour whose demand (with the band) reaches what the max holds. */
  hours: number;
}

/**
 * Two rules, one proposal. Pinned: at max and above target for pinnedShare of the steps, the max goes to what
 * the observed peak needs. Forecast: when the forecast peak of the next week's hourly demand needs more
 * replicas at target than the max allows, the max goes to that, pinned or not yet. Both: the larger.
 */
function raiseMax(p: Profile, hpa: HpaState, replicas: ReplicaCounts, policy: HpaPolicy): Outcome | null {
  const target = hpaTarget(hpa, policy);
  const from = hpa.maxReplicas;
  // At max and still above target: the HPA wants more replicas than it may have.
  const pinned = p.steps.filter(
    (_, i) => (replicas.counts[i] as number) >= from && above(p.utilization[i] as number, target),
  ).length;
  const share = pinned / p.steps.length;
  const isPinned = atLeast(share, policy.pinnedShare);
  const ahead = forecastNeed(p, from, target);
  if (!isPinned && !ahead) return null;

  const neededAtPeak = replicasFor(p.peakDemand, p.sizingPodRequest, target);
  const needed = Math.max(isPinned ? neededAtPeak : 0, ahead?.needed ?? 0);
  const to = Math.min(policy.maxReplicasCap, Math.max(from + 1, needed));
  const percent = formatPercent(target);
  const forecastClause = ahead
    ? `forecast to need ${formatReplicas(ahead.needed)} at ${percent} within ${ahead.hours}h (forecast peak ` +
      `${formatCores(ahead.peak)} in the next ${FORECAST_HOURS}h)`
    : "";
  if (to <= from) {
    return isPinned
      ? `pinned at maxReplicas ${from} for ${formatPercent(share)} of the window, but maxReplicasCap is ${policy.maxReplicasCap}`
      : `${forecastClause}, above maxReplicas ${from}, but maxReplicasCap is ${policy.maxReplicasCap}`;
  }
  const hoursAtMax = round((pinned * p.stepSeconds) / HOUR, 1);
  const pinnedClause =
    `The HPA sat at its maximum of ${formatReplicas(from)} above its ${percent} target for ${hoursAtMax}h ` +
    `(${formatPercent(share)} of the last ${p.window.hours}h, peak ${formatCores(p.peakDemand)})`;
  let reason: string;
  if (isPinned && ahead) reason = `${pinnedClause} and is ${forecastClause}, so the max goes to ${to}.`;
  else if (isPinned) reason = `${pinnedClause}, so the max goes to ${to}.`;
  else {
    reason =
      `The HPA is ${forecastClause}, more than its maximum of ${formatReplicas(from)} allows, ` +
      `so the max goes to ${to}.`;
  }
  return {
    workload: p.workload.ref,
    change: { kind: "raise-max", from, to },
    evidence: {
      windowHours: p.window.hours,
      stepSeconds: p.stepSeconds,
      replicasFrom: replicas.source,
      steps: p.steps.length,
      pinnedSteps: pinned,
      pinnedShare: round(share, 3),
      hoursAtMax,
      targetUtilization: target,
      peakCores: round(p.peakDemand, 3),
      sizingCoresPerPod: round(p.sizingPodRequest, 3),
      replicasNeededAtPeak: neededAtPeak,
      ...(ahead
        ? {
            forecastPeakCores: round(ahead.peak, 3),
            forecastMethod: ahead.forecast.method,
            forecastFitMape: round(ahead.forecast.fitMape, 1),
            replicasNeededAtForecastPeak: ahead.needed,
            hoursUntilPeakNeedsMore: ahead.hours,
          }
        : {}),
    },
    reason,
  };
}

/**
 * The forecast rule: hourly peaks of the total demand over the window (the highest step in each UTC hour),
 * forecast FORECAST_HOURS ahead; its peak, with forecastPeak's error band, sized at target with the sizing
 * request. Null with fewer than FORECAST_MIN_HOURS hours of samples, or when the peak fits within `max`.
 */
function forecastNeed(p: Profile, max: number, target: number): ForecastNeed | null {
  const peaks = hourly(
    Float64Array.from(p.steps, (s) => s.t),
    Float64Array.from(p.steps, (s) => s.demand),
    p.window.start,
    p.window.end,
    "max",
  );
  if (peaks.filter(Number.isFinite).length < FORECAST_MIN_HOURS) return null;
  const forecast = forecastHourly(peaks, FORECAST_HOURS);
  const peak = forecastPeak(forecast, peaks);
  if (!Number.isFinite(peak)) return null;
  const needed = replicasFor(peak, p.sizingPodRequest, target);
  if (needed <= max) return null;
  // The first hour past what `max` replicas hold at target, judged like the peak: forecast plus its band.
  const values = [...forecast.values].filter(Number.isFinite);
  const band = peak - Math.max(...values);
  const days = daysUntil(forecast, max * p.sizingPodRequest * target - band);
  // Float noise aside, the hour of the peak itself is past it.
  const hours = days !== null ? Math.round(days * 24) : forecast.values.indexOf(Math.max(...values)) + 1;
  return { forecast, peak, needed, hours };
}

// --- stabilize-scale-down -----------------------------------------------------------------------------

function stabilizeScaleDown(
  p: Profile,
  replicas: ReplicaCounts,
  history: HpaHistory | undefined,
  policy: HpaPolicy,
): Outcome | null {
  // The HPA's own status is the better record: pod counts also move during rollouts (surge pods).
  const series = replicas.source === "hpa-history" && history ? inWindow(history.current, p.window) : null;
  const times = series?.times ?? p.steps.map((s) => s.t);
  const values = series?.values ?? p.steps.map((s) => s.pods);

  let changes = 0;
  let flaps = 0;
  const flapHours = new Set<number>();
  let direction = 0;
  for (let i = 1; i < values.length; i++) {
    const delta = (values[i] as number) - (values[i - 1] as number);
    if (delta === 0) continue;
    changes++;
    const next = Math.sign(delta);
    if (direction !== 0 && next !== direction) {
      flaps++;
      flapHours.add(Math.floor((times[i] as number) / HOUR));
    }
    direction = next;
  }
  const rate = flapHours.size > 0 ? flaps / flapHours.size : 0;
  if (!above(rate, policy.flapChangesPerHour)) return null;

  return {
    workload: p.workload.ref,
    change: { kind: "stabilize-scale-down", stabilizationWindowSeconds: policy.stabilizationSeconds },
    evidence: {
      windowHours: p.window.hours,
      replicasFrom: replicas.source,
      replicaChanges: changes,
      reversals: flaps,
      hoursWithReversals: flapHours.size,
      reversalsPerHour: round(rate, 2),
    },
    reason:
      `The replica count reversed direction ${flaps} times in ${flapHours.size} hours of the last ` +
      `${p.window.hours}h (${round(rate, 2)} per hour, above ${policy.flapChangesPerHour}), so scale-downs ` +
      `wait ${policy.stabilizationSeconds}s for the load to settle.`,
  };
}

// --- lower-min ----------------------------------------------------------------------------------------

function lowerMin(p: Profile, hpa: HpaState, replicas: ReplicaCounts, ctx: Context): Outcome | null {
  const { policy } = ctx;
  const target = hpaTarget(hpa, policy);
  // Below the minimum counts as at it: pods starting up or not yet reporting.
  const atMin = p.steps.map((_, i) => i).filter((i) => (replicas.counts[i] as number) <= hpa.minReplicas);
  const share = atMin.length / p.steps.length;
  if (atMin.length === 0 || !atLeast(share, AT_MIN_SHARE)) return null;

  const utilizationP95 = percentileOf(
    atMin.map((i) => p.utilization[i] as number),
    95,
  );
  const idleBelow = policy.idleUtilization * target;
  if (!below(utilizationP95, idleBelow)) return null;

  // As many replicas as keep the p95 demand at or below target; the HPA adds more when it rises.
  const demandP95 = percentileOf(
    atMin.map((i) => (p.steps[i] as Step).demand),
    95,
  );
  const floor = ctx.production ? policy.haFloor : 1;
  const from = hpa.minReplicas;
  const needed = replicasFor(demandP95, p.sizingPodRequest, target);
  const to = Math.max(floor, needed);
  if (to >= from) return null;

  return {
    workload: p.workload.ref,
    change: { kind: "lower-min", from, to },
    evidence: {
      windowHours: p.window.hours,
      replicasFrom: replicas.source,
      shareAtMin: round(share, 3),
      utilizationP95AtMin: round(utilizationP95, 3),
      idleBelow: round(idleBelow, 3),
      demandP95CoresAtMin: round(demandP95, 3),
      sizingCoresPerPod: round(p.sizingPodRequest, 3),
      floor,
    },
    reason:
      `The HPA sat at its minimum of ${from} replicas ${formatPercent(share)} of the last ${p.window.hours}h at ` +
      `p95 utilization ${formatPercent(utilizationP95)} (idle below ${formatPercent(idleBelow)}); ${formatReplicas(to)} ` +
      `${to === 1 ? "keeps" : "keep"} its p95 demand of ${formatCores(demandP95)} within the ${formatPercent(target)} ` +
      `target${needed < floor && ctx.production ? ", the HA floor for production." : "."}`,
  };
}

// --- shared -------------------------------------------------------------------------------------------

interface ReplicaCounts {
  /** Replicas at each step of the profile. */
  counts: number[];
  source: "hpa-history" | "pods";
}

/**
 * The replica count at each step: the HPA's status.currentReplicas when its history covers the step (the
 * latest sample at or before it, at most one step old, as Prometheus' lookback reads it), else the
 * number of pods that reported CPU.
 */
function replicaCounts(p: Profile, history: HpaHistory | undefined): ReplicaCounts {
  const pods = p.steps.map((s) => s.pods);
  if (!history || inWindow(history.current, p.window).times.length === 0) {
    return { counts: pods, source: "pods" };
  }
  const { times, values } = history.current;
  const counts: number[] = [];
  let j = 0;
  p.steps.forEach((step, i) => {
    while (j < times.length && (times[j] as number) <= step.t) j++;
    const at = j - 1;
    const value = values[at];
    const fresh = at >= 0 && atMost(step.t - (times[at] as number), p.stepSeconds);
    counts.push(fresh && value !== undefined && Number.isFinite(value) ? value : (pods[i] as number));
  });
  return { counts, source: "hpa-history" };
}

/** The history of this HPA; a workload's other HPA records (e.g. a renamed one) only when none matches. */
function historyFor(hpa: HpaState, history: readonly HpaHistory[]): HpaHistory | undefined {
  return history.find((h) => h.hpa === hpa.name) ?? history[0];
}

/** The HPA's own target when it scales on CPU; otherwise the policy's. */
function hpaTarget(hpa: HpaState, policy: HpaPolicy): number {
  return hpa.targetCPUUtilizationPercentage !== null
    ? hpa.targetCPUUtilizationPercentage / 100
    : policy.targetUtilization;
}

/** Steps within (start, end]: per sample time, the summed CPU of all finite samples and the pods behind them. */
function cpuSteps(series: readonly SeriesUsage[], window: Window): Step[] {
  const { times, sums, pods } = sumByTime(series, window.start, window.end);
  const steps = new Array<Step>(times.length);
  for (let i = 0; i < times.length; i++) {
    steps[i] = { t: times[i] as number, demand: sums[i] as number, pods: pods[i] as number };
  }
  return steps;
}

/** The median gap between steps: the query's step, unmoved by the odd gap where no pod reported. */
function stepOf(steps: readonly Step[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < steps.length; i++) gaps.push((steps[i] as Step).t - (steps[i - 1] as Step).t);
  return gaps.length > 0 ? percentileOf(gaps, 50) : 0;
}

function inWindow(
  series: { times: Float64Array; values: Float64Array },
  window: Window,
): { times: number[]; values: number[] } {
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < series.times.length; i++) {
    const t = series.times[i] as number;
    const v = series.values[i] as number;
    if (t > window.start && t <= window.end && Number.isFinite(v)) {
      times.push(t);
      values.push(v);
    }
  }
  return { times, values };
}

/** Replicas that hold demand at or below target utilization of podRequest each. */
function replicasFor(demand: number, podRequest: number, target: number): number {
  // The epsilon keeps float noise (2.8 / 0.7 = 4.000000000000001) from adding a replica.
  return Math.max(0, Math.ceil(demand / (podRequest * target) - 1e-9));
}

function isPositive(value: number | null): value is number {
  return value !== null && Number.isFinite(value) && value > 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Code-unit order: the same everywhere, unlike localeCompare. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
