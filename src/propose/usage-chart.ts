// The charts of a right-sizing or HPA pull request (issue 18). Right-sizing: per container and per request
// that changes, the window's p95 usage per bucket as a line, with today's and the proposed request as flat
// lines, so a reviewer sees at a glance how the new request sits over the usage. HPA: the replicas the
// workload's demand needs at the target, with today's and the proposed replica bound. One chart per changed
// value keeps the body short; the numbers stay in the tables under the charts (GitHub's Mermaid may lag).
import type { HpaRecommendation } from "../analyze/hpa.ts";
import type { PlannedChange } from "../decide/drift.ts";
import { parseQuantity } from "../model/quantity.ts";
import type { Recommendation } from "../model/recommendation.ts";
import { lineChart, mermaidLabel } from "./report/mermaid.ts";

const DAY = 86_400;

interface Unit {
  name: string;
  /** Base units (cores, bytes, replicas) per unit shown. */
  per: number;
}

/** Millicores up to 4 cores, then cores; MiB up to 8 GiB, then GiB: axis numbers a reader takes in. */
function unitFor(resource: "cpu" | "memory", largest: number): Unit {
  if (resource === "cpu") return largest < 4 ? { name: "millicores", per: 0.001 } : { name: "cores", per: 1 };
  return largest < 8 * 2 ** 30 ? { name: "MiB", per: 2 ** 20 } : { name: "GiB", per: 2 ** 30 };
}

/**
 * The profile's points from the first bucket with samples on (a shorter history starts later); a gap
 * further on holds the value before it, so the line has a point for every bucket. Null when no bucket has samples.
 */
export function profilePoints(
  values: readonly (number | null)[],
): { first: number; points: number[] } | null {
  const first = values.findIndex((v) => v !== null);
  if (first < 0) return null;
  const points: number[] = [];
  let last = values[first] as number;
  for (const v of values.slice(first)) {
    if (v !== null) last = v;
    points.push(last);
  }
  return { first, points };
}

interface ProfileChart {
  title: string;
  /** Buckets of bucketHours from `start` (Unix s); the window starts at windowStart and lasts windowHours. */
  start: number;
  bucketHours: number;
  values: readonly (number | null)[];
  windowStart: number;
  windowHours: number;
  unit: Unit;
  /** Flat lines drawn over the profile: today's value (when set), then the proposed one. */
  levels: readonly number[];
}

/** A profile and its flat levels as a line chart over the days of the window; null when it has no sample. */
function profileChart(c: ProfileChart): string | null {
  const usage = profilePoints(c.values);
  if (usage === null) return null;
  // One decimal: the chart shows a shape, the table beneath the exact numbers.
  const scaled = (v: number) => Math.round((v / c.unit.per) * 10) / 10;
  // Each point is plotted where its bucket ends, in days since the window's start.
  const dayOf = (bucket: number) => (c.start + (bucket + 1) * c.bucketHours * 3600 - c.windowStart) / DAY;
  return lineChart({
    title: c.title,
    xLabel: `day of the ${Math.round((c.windowHours / 24) * 10) / 10}-day window`,
    xMin: Math.max(0, dayOf(usage.first)),
    xMax: dayOf(c.values.length - 1),
    yLabel: c.unit.name,
    lines: [usage.points.map(scaled), ...c.levels.map((l) => usage.points.map(() => scaled(l)))],
  });
}

const quantityOf = (v: PlannedChange["from"]): number | undefined =>
  v === undefined || v === null || typeof v === "boolean" ? undefined : parseQuantity(v);

/** One chart: the usage of one resource of one container, with the request now and the proposed one. */
function requestChart(rec: Recommendation, resource: "cpu" | "memory", change: PlannedChange): string | null {
  const profile = rec.evidence.profile;
  const to = quantityOf(change.to);
  if (profile === undefined || to === undefined) return null;
  const from = quantityOf(change.from);
  const largest = Math.max(to, from ?? 0, ...profile[resource].map((v) => v ?? 0));
  const requestText = `${change.from === undefined || change.from === null ? "unset" : String(change.from)} → ${String(change.to)}`;
  return profileChart({
    // The title says which line is which (xychart-beta has no legend); the container goes last, as a long
    // name is cut at 60 characters.
    title: `${resource === "cpu" ? "CPU" : "Memory"} request ${requestText} over p95 per ${profile.bucketHours} h · ${mermaidLabel(rec.container)}`,
    start: profile.start,
    bucketHours: profile.bucketHours,
    values: profile[resource],
    windowStart: rec.evidence.window.start,
    windowHours: rec.evidence.window.hours,
    unit: unitFor(resource, largest),
    levels: from === undefined ? [to] : [from, to],
  });
}

/** At most this many charts in one body (two containers' CPU and memory): the body stays about one screen. */
export const MAX_USAGE_CHARTS = 4;

/**
 * The charts of a right-sizing proposal, as Markdown: one per container and changed request, in the order
 * of the changes, at most MAX_USAGE_CHARTS and then a line saying how many were left out. Empty when no
 * recommendation carries a usage profile.
 */
export function usageCharts(recs: readonly Recommendation[], changes: readonly PlannedChange[]): string[] {
  const charts: string[] = [];
  for (const c of changes) {
    const resource =
      c.field === "requests.cpu" ? "cpu" : c.field === "requests.memory" ? "memory" : undefined;
    const rec = recs.find((r) => r.container === c.container);
    if (resource === undefined || rec === undefined) continue;
    const chart = requestChart(rec, resource, c);
    if (chart !== null) charts.push(chart);
  }
  if (charts.length <= MAX_USAGE_CHARTS) return charts;
  return [
    ...charts.slice(0, MAX_USAGE_CHARTS),
    `_Charts of the first ${MAX_USAGE_CHARTS} of ${charts.length} changed requests; the table below has every container's numbers._`,
  ];
}

/** The replica bound a change moves, today's value first; null for a change of no replica count. */
function replicaLevels(rec: HpaRecommendation): { what: string; from: number; to: number } | null {
  const c = rec.change;
  switch (c.kind) {
    case "enable-hpa": {
      return {
        what: `Fixed ${c.minReplicas} → HPA max ${c.maxReplicas}`,
        from: c.minReplicas,
        to: c.maxReplicas,
      };
    }
    case "raise-max":
      return { what: `maxReplicas ${c.from} → ${c.to}`, from: c.from, to: c.to };
    case "lower-min":
      return { what: `minReplicas ${c.from} → ${c.to}`, from: c.from, to: c.to };
    case "stabilize-scale-down":
      return null;
  }
}

/** The chart of an HPA recommendation: replicas needed at the target per bucket, today's and the new bound. */
export function replicaChart(rec: HpaRecommendation): string | null {
  const levels = replicaLevels(rec);
  const profile = rec.profile;
  if (levels === null || profile === undefined) return null;
  const hours = profile.replicasNeeded.length * profile.bucketHours;
  const end = profile.start + hours * 3600;
  const windowHours = typeof rec.evidence.windowHours === "number" ? rec.evidence.windowHours : hours;
  return profileChart({
    title: `${levels.what} over replicas needed, p95/${profile.bucketHours} h`,
    start: profile.start,
    bucketHours: profile.bucketHours,
    values: profile.replicasNeeded,
    windowStart: end - windowHours * 3600,
    windowHours,
    unit: { name: "replicas", per: 1 },
    levels: [levels.from, levels.to],
  });
}
