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

export interface Evidence {
  window: { start: number; end: number; hours: number };
  /** Number of distinct pods whose series contributed. */
  pods: number;
  cpu: UsageStats;
  memory: UsageStats;
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
}

export interface RightsizeResult {
  recommendations: Recommendation[];
  skipped: Skipped[];
}
