import type { Resources, WorkloadRef } from "./types.ts";

export type ResourceField = "requests.cpu" | "requests.memory" | "limits.cpu" | "limits.memory";

export const RESOURCE_FIELDS: readonly ResourceField[] = [
  "requests.cpu",
  "requests.memory",
  "limits.cpu",
  "limits.memory",
];

export interface UsageStats {
  samples: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** How one resource's request (and for memory, limit) was derived from its usage. */
export interface ResourceSizing {
  /**
   * "percentile": request = percentile of the window x (1 + margin) (under 3 days of history);
   * "forecast": request = percentile of usage brought to the level expected ahead x (1 + margin).
   */
  method: "percentile" | "forecast";
  /** The level model behind "forecast" ("flat" for "percentile"). */
  level: "flat" | "trend" | "shift";
  percentile: number;
  /** The percentile's value, before the margin (level-adjusted for "forecast"); the request's base. */
  base: number;
  /** As a fraction: request = base x (1 + margin), then the floor and rounding. */
  margin: number;
  /** "forecast": relative error of the hourly level model the margin is scaled from. */
  levelError?: number;
  /** trend: growth per day as a fraction (0.03 = +3%/day). */
  growthPerDay?: number;
  /** shift: when the level changed (Unix s), and level after / before. */
  changeAt?: number;
  shiftFactor?: number;
  /** memory: the highest usage brought to the level expected at the end of the horizon (the limit's base). */
  projectedMax?: number;
}

/**
 * Usage over the window in at most 48 equal buckets of whole hours (7 days: 42 of 4 h): the p95 of each
 * bucket's samples, null where a bucket has none. For charts and sparklines; not recorded in PHRs.
 */
export interface UsageProfile {
  /** Unix s where the first bucket starts; the last one ends at the window's end. */
  start: number;
  bucketHours: number;
  cpu: (number | null)[];
  memory: (number | null)[];
}

export interface Evidence {
  window: { start: number; end: number; hours: number };
  /** Number of distinct pods whose series contributed. */
  pods: number;
  cpu: UsageStats;
  memory: UsageStats;
  /** The rule behind the recommended requests (set by rightsize; absent in older data). */
  sizing?: { cpu: ResourceSizing; memory: ResourceSizing };
  /** The usage profile behind charts and sparklines (set by rightsize; absent in older data). */
  profile?: UsageProfile;
}

/** A field whose recommended value differs enough from the current one to be worth a change. */
export interface FieldChange {
  field: ResourceField;
  from: number | null;
  to: number | null;
}

export interface Recommendation {
  workload: WorkloadRef;
  container: string;
  current: Resources;
  recommended: Resources;
  /** Fields that pass the minimum-change rule; empty means "leave as is". */
  changes: FieldChange[];
  /** 0..1, grows with history length. */
  confidence: number;
  evidence: Evidence;
}

export interface Skipped {
  workload: WorkloadRef;
  container: string;
  reason: string;
  /** How to make it work, when the user can (e.g. give the workload its own values block). */
  fix?: string;
}

export interface RightsizeResult {
  recommendations: Recommendation[];
  skipped: Skipped[];
}
