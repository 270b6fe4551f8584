// Policy as the analyzers and deciders see it: plain numbers in base units (cores, bytes, hours, seconds,
// fractions). The config file speaks quantities, durations and percentages; src/formats/config.ts turns its
// policy section into one `Policy` at the edge (`policyFromConfig`), and every stage takes that (or a slice).
// Each schema here is the type and its defaults at once: DEFAULT_* is the schema parsed from nothing.
import { z } from "zod";
import { PLAN_KINDS, TIERS } from "./tier.ts";

const fraction = z.number().min(0);

const cpuLimit = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("keep") }),
  z.object({ mode: z.literal("none") }),
  z.object({ mode: z.literal("ratio"), ratio: z.number() }),
]);
export type CpuLimitPolicy = z.output<typeof cpuLimit>;

export const RightsizePolicySchema = z.object({
  /** How far back usage is read. */
  historyWindowHours: z.number().default(7 * 24),
  /** Below this much history, no recommendation is made. */
  minHistoryHours: z.number().default(24),
  /** Confidence reaches 1 at this much history. */
  fullConfidenceHours: z.number().default(7 * 24),
  /** Percentile of usage the request is based on (0..100). */
  requestPercentile: z.number().default(95),
  /** Safety margin over the percentile, as a fraction (0.3 = +30%). */
  requestMargin: fraction.default(0.3),
  /** The memory limit is at least the request times (1 + this). */
  memoryLimitBuffer: fraction.default(0.2),
  /** The memory limit is never below the observed maximum times this. */
  memoryLimitOverMax: z.number().default(1.15),
  cpuLimit: cpuLimit.default({ mode: "keep" }),
  /** A change smaller than any of these is not proposed. */
  minChange: z
    .object({ fraction, cpu: z.number(), memory: z.number() })
    .default({ fraction: 0.1, cpu: 0.01, memory: 16 * 1024 * 1024 }),
  /** Recommendations never go below these. */
  floor: z.object({ cpu: z.number(), memory: z.number() }).default({ cpu: 0.01, memory: 32 * 1024 * 1024 }),
  /**
   * With at least 3 days of history (src/analyze/sizing-level.ts MIN_MODEL_HOURS) requests come from the
   * forecast rule: this percentile of usage brought to the level expected over the next `horizonHours`
   * (rising trend, level shift up), times (1 + margin), the margin being `marginZ` x the relative error of
   * the hourly level model, at least `minMargin` and at most `requestMargin`. Shorter histories keep the
   * plain rule, requestPercentile x (1 + requestMargin).
   */
  forecastPercentile: z.number().default(95.5),
  /** The smallest margin of the forecast rule (never above requestMargin). */
  minMargin: fraction.default(0.05),
  /** Margin = this x the relative error of the hourly level (1.64: one-sided 95% under normal errors). */
  marginZ: z.number().default(1.64),
  /** The period a recommendation serves: requests are sized for its middle, the memory limit for its end. */
  horizonHours: z.number().default(7 * 24),
});
export type RightsizePolicy = z.output<typeof RightsizePolicySchema>;
export const DEFAULT_RIGHTSIZE_POLICY: RightsizePolicy = RightsizePolicySchema.parse({});

/** The OOM fast path: how far the memory limit of an OOM-killed container is raised at once. */
export const OomPolicySchema = z.object({
  /** Usage history read for the p99 rule. */
  historyWindowHours: z.number().default(7 * 24),
  /** At least this much over the current limit (0.2 = +20%) ... */
  raiseFraction: fraction.default(0.2),
  /** ... and at least this many bytes over it ... */
  raiseMin: z.number().default(100 * 1024 * 1024),
  /** ... and never below p99 of usage times this, where there is history. */
  overP99: z.number().default(1.3),
});
export type OomPolicy = z.output<typeof OomPolicySchema>;
export const DEFAULT_OOM_POLICY: OomPolicy = OomPolicySchema.parse({});

/** Horizontal scaling (src/analyze/hpa.ts). */
export const HpaPolicySchema = z.object({
  /** Target CPU utilization (share of request) of a proposed HPA, and "hot" for fixed-replica workloads. */
  targetUtilization: fraction.default(0.7),
  /** An episode is a run of steps at or above the target lasting at least this many minutes. */
  hotMinutes: z.number().default(5),
  /** "Repeatedly": episodes on at least this many distinct UTC days. */
  minEpisodes: z.number().default(3),
  /** Share of steps at maxReplicas and above the HPA's target at (or above) which the max is too low. */
  pinnedShare: fraction.default(0.1),
  /**
   * Flaps per hour above which an HPA flaps. A flap is a replica change that reverses the previous
   * change (up after down, down after up); the rate is averaged over the UTC clock hours with any flap.
   * A daily ramp, however steep, reverses once at its peak and once at its trough, so it stays near 1.
   */
  flapChangesPerHour: z.number().default(4),
  /** Proposed scale-down stabilization window for a flapping HPA, in seconds. */
  stabilizationSeconds: z.number().default(600),
  /** An HPA's minimum is idle when p95 utilization while at minReplicas is below this share of its target. */
  idleUtilization: fraction.default(0.5),
  /** Lowest minReplicas proposed in production namespaces (elsewhere the floor is 1). */
  haFloor: z.number().default(2),
  /** Workloads with less CPU history than this (first to last sample in the window) are skipped. */
  minHistoryHours: z.number().default(24),
  /** Never propose a maxReplicas above this. */
  maxReplicasCap: z.number().default(50),
});
export type HpaPolicy = z.output<typeof HpaPolicySchema>;
export const DEFAULT_HPA_POLICY: HpaPolicy = HpaPolicySchema.parse({});

/** Inclusive; either end may be left open. Base units: cores, bytes, replicas. */
const range = z.object({ min: z.number().optional(), max: z.number().optional() });
export type Range = z.output<typeof range>;

const workloadBounds = z.object({
  cpu: range.optional(),
  memory: range.optional(),
  /**
   * For replica counts: HPA proposals' minReplicas and maxReplicas settings are clamped into it. Right-sizing
   * and OOM change no replica count.
   */
  replicas: range.optional(),
});
export type WorkloadBounds = z.output<typeof workloadBounds>;

/** What may be proposed in one run (src/decide/guardrails.ts). */
export const GuardrailPolicySchema = z.object({
  /** Global kill switch: hold back everything. */
  paused: z.boolean().default(false),
  maxProposalsPerRun: z.number().default(10),
  /** 0.5: a value may drop by at most 50% of its current value in one change. */
  maxCutFraction: fraction.default(0.5),
  cooldownSeconds: z.number().default(7 * 86400),
  /** Workloads opted out by config: "namespace/name", or "namespace/*" for a whole namespace. */
  ignore: z.array(z.string()).default([]),
  /**
   * Per "namespace/name" or "namespace/*". Entries are merged end by end (min, max) in list order,
   * namespace entries before workload entries, so a workload entry overrides its namespace's.
   */
  bounds: z.array(z.object({ workload: z.string(), bounds: workloadBounds })).default([]),
});
export type GuardrailPolicy = z.output<typeof GuardrailPolicySchema>;
export const DEFAULT_GUARDRAILS: GuardrailPolicy = GuardrailPolicySchema.parse({});

const tier = z.enum(TIERS);

/** How tiers are assigned (src/decide/tier.ts). */
export const TierPolicySchema = z.object({
  /** A right-sizing cut of more than this share of a value is a big cut: critical. */
  criticalCut: fraction.default(0.5),
  /** An OOM raise up to this share is low; above it, medium. */
  oomLowRaise: fraction.default(0.5),
  /** Every change in these namespaces is critical (two people). */
  criticalNamespaces: z.array(z.string()).default([]),
  /** A fixed tier per kind, instead of the size rules (security fixes are always critical: not configurable). */
  kinds: z.partialRecord(z.enum(PLAN_KINDS), tier).default({}),
});
export type TierPolicy = z.output<typeof TierPolicySchema>;
export const DEFAULT_TIER_POLICY: TierPolicy = TierPolicySchema.parse({});

const approverGroup = z.union([z.object({ team: z.string() }), z.object({ users: z.array(z.string()) })]);
const reviewRequest = z.object({ users: z.array(z.string()), teams: z.array(z.string()) });

/** Who approves and how fast (the gate, the SLA). */
export const ApprovalPolicySchema = z.object({
  architects: approverGroup.default({ team: "architects" }),
  security: approverGroup.default({ team: "security" }),
  /** Asked to review each new pull request, per tier. */
  reviewers: z.partialRecord(tier, reviewRequest).default({}),
  /** How long a pull request may wait for its approvals, per tier, before kopt escalates. */
  slaSeconds: z
    .object({ low: z.number(), medium: z.number(), critical: z.number() })
    .default({ low: 300, medium: 1800, critical: 7200 }),
  escalate: approverGroup.optional(),
  criticalPaths: z.array(z.string()).default([]),
});
export type ApprovalPolicy = z.output<typeof ApprovalPolicySchema>;

export const PriceModelSchema = z.object({
  currency: z.string().default("USD"),
  /** Price of one vCPU for one hour. */
  cpuHour: z.number().default(0.031611),
  /** Price of one GiB of memory for one hour. */
  memoryGiBHour: z.number().default(0.004237),
});
export type PriceModel = z.output<typeof PriceModelSchema>;
// Kubecost's default on-demand list prices (its documented fallback); override in kopt.yaml.
export const DEFAULT_PRICES: PriceModel = PriceModelSchema.parse({});

/**
 * The learning loop (src/analyze/outcomes.ts): how past outcomes of a workload's changes adjust its next
 * proposal. Only outcomes within `horizonDays` of the observation count, so old lessons fade.
 */
export const LearningPolicySchema = z.object({
  horizonDays: z.number().default(90),
  /**
   * After a regression or rollback, the next right-sizing's margin is at least the full requestMargin and at
   * least this many points over the margin the failed change used (per failure, capped at maxMargin).
   */
  marginStep: fraction.default(0.1),
  maxMargin: fraction.default(1),
  /** The cooldown after the next change is the guardrails' cooldown times this, per failure (capped at 4 failures). */
  cooldownFactor: z.number().min(1).default(2),
  /** After a person closed a proposal unmerged, a change must be this many times minChange.fraction. */
  rejectionFactor: z.number().min(1).default(2),
});
export type LearningPolicy = z.output<typeof LearningPolicySchema>;
export const DEFAULT_LEARNING: LearningPolicy = LearningPolicySchema.parse({});

/** Everything a run decides by, built once from kopt.yaml (or its defaults). */
export const PolicySchema = z.object({
  rightsize: RightsizePolicySchema.default(DEFAULT_RIGHTSIZE_POLICY),
  oom: OomPolicySchema.default(DEFAULT_OOM_POLICY),
  hpa: HpaPolicySchema.extend({
    /** Production namespaces besides those labelled environment: production (the HA floor applies). */
    productionNamespaces: z.array(z.string()).default([]),
  }).default({ ...DEFAULT_HPA_POLICY, productionNamespaces: [] }),
  guardrails: GuardrailPolicySchema.default(DEFAULT_GUARDRAILS),
  tiers: TierPolicySchema.default(DEFAULT_TIER_POLICY),
  approval: ApprovalPolicySchema.default(ApprovalPolicySchema.parse({})),
  pricing: PriceModelSchema.default(DEFAULT_PRICES),
  learning: LearningPolicySchema.default(DEFAULT_LEARNING),
});
export type Policy = z.output<typeof PolicySchema>;
export const DEFAULT_POLICY: Policy = PolicySchema.parse({});
