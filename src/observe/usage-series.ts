// Usage history in memory: each series' times and values in two Float64Arrays (16 bytes a sample) instead
// of Prometheus's JSON tuples (over 100 bytes a sample once parsed). A live read of 14 days of a large
// cluster is millions of samples; tuples exist only while one answer is parsed, or in a snapshot file.

import { type PromMatrix, type SnapshotUsage, USAGE_KINDS, type UsageKind } from "../formats/snapshot.ts";
import type { BoundedResource } from "../model/bounds.ts";
import { containerValueProblem } from "../model/bounds.ts";

export interface LabeledSeries {
  metric: Record<string, string>;
  /** Unix seconds, ascending. */
  times: Float64Array;
  values: Float64Array;
}

/** Every kind of usage kopt reads (see SnapshotUsage), as compact series; `source` says where it came from. */
export interface UsageSeries {
  cpu: LabeledSeries[];
  memory: LabeledSeries[];
  cpuThrottling?: LabeledSeries[];
  restarts?: LabeledSeries[];
  oomKills?: LabeledSeries[];
  hpaReplicas?: LabeledSeries[];
  httpRequests?: LabeledSeries[];
  httpErrors?: LabeledSeries[];
  source?: SnapshotUsage["source"];
}

/** A Prometheus sample string as a number; Prometheus prints infinities as +Inf / -Inf, which Number() reads as NaN. */
export function sampleNumber(v: string): number {
  if (v === "+Inf" || v === "Inf") return Number.POSITIVE_INFINITY;
  if (v === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(v);
}

/** A number as Prometheus prints a sample. */
export function sampleText(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/** A series' first sample past model/bounds.ts, with how many more it has. */
export interface OutOfBounds {
  metric: Record<string, string>;
  time: number;
  value: number;
  problem: string;
  more: number;
}

/** Each CPU (cores) or memory (bytes) series that holds a value no container can have: negative, non-finite, huge. */
export function outOfBounds(resource: BoundedResource, series: readonly LabeledSeries[]): OutOfBounds[] {
  const out: OutOfBounds[] = [];
  const what = resource === "cpu" ? "CPU usage" : "memory usage";
  for (const s of series) {
    let first: OutOfBounds | undefined;
    s.values.forEach((value, i) => {
      const problem = containerValueProblem(resource, value, what);
      if (!problem) return;
      if (first) first.more++;
      else first = { metric: s.metric, time: s.times[i] as number, value, problem, more: 0 };
    });
    if (first) out.push(first);
  }
  return out;
}

export function fromPromMatrix(m: PromMatrix): LabeledSeries[] {
  return m.result.map((s) => {
    const times = new Float64Array(s.values.length);
    const values = new Float64Array(s.values.length);
    s.values.forEach(([t, v], i) => {
      times[i] = t;
      values[i] = sampleNumber(v);
    });
    return { metric: s.metric, times, values };
  });
}

export function toPromMatrix(series: readonly LabeledSeries[]): PromMatrix {
  return {
    resultType: "matrix",
    result: series.map((s) => ({
      metric: s.metric,
      values: Array.from(s.times, (t, i) => [t, sampleText(s.values[i] as number)] as [number, string]),
    })),
  };
}

function seriesKey(metric: Record<string, string>): string {
  return JSON.stringify(Object.entries(metric).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The series of several answers (namespaces, pieces of a long range) joined by their labels: time
 * ascending, each timestamp once, series sorted by labels so the output does not depend on timing.
 */
export function mergeSeries(parts: readonly (readonly LabeledSeries[])[]): LabeledSeries[] {
  const byKey = new Map<string, LabeledSeries[]>();
  for (const part of parts) {
    for (const s of part) {
      const key = seriesKey(s.metric);
      byKey.set(key, [...(byKey.get(key) ?? []), s]);
    }
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, pieces]) => joinPieces(pieces));
}

/** Pieces of one series from consecutive time ranges, end to end; a point repeated at a boundary once. */
function joinPieces(pieces: LabeledSeries[]): LabeledSeries {
  const first = pieces[0] as LabeledSeries;
  if (pieces.length === 1) return first;
  const inOrder = [...pieces].sort((a, b) => (a.times[0] ?? 0) - (b.times[0] ?? 0));
  const size = pieces.reduce((n, p) => n + p.times.length, 0);
  const times = new Float64Array(size);
  const values = new Float64Array(size);
  let n = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const p of inOrder) {
    p.times.forEach((t, i) => {
      if (t <= last) return;
      times[n] = t;
      values[n] = p.values[i] as number;
      last = t;
      n++;
    });
  }
  return { metric: first.metric, times: times.slice(0, n), values: values.slice(0, n) };
}

const OPTIONAL_KINDS = USAGE_KINDS.filter((k) => k !== "cpu" && k !== "memory") as Exclude<
  UsageKind,
  "cpu" | "memory"
>[];

/** A snapshot's usage as compact series. */
export function usageFromSnapshot(u: SnapshotUsage): UsageSeries {
  const out: UsageSeries = { cpu: fromPromMatrix(u.cpu), memory: fromPromMatrix(u.memory) };
  for (const kind of OPTIONAL_KINDS) {
    const m = u[kind];
    if (m) out[kind] = fromPromMatrix(m);
  }
  if (u.source) out.source = u.source;
  return out;
}

/** Compact series as a snapshot's usage (for a file); kinds that were not read are left out. */
export function usageToSnapshot(u: UsageSeries): SnapshotUsage {
  const out: SnapshotUsage = { cpu: toPromMatrix(u.cpu), memory: toPromMatrix(u.memory) };
  for (const kind of OPTIONAL_KINDS) {
    const s = u[kind];
    if (s) out[kind] = toPromMatrix(s);
  }
  if (u.source) out.source = u.source;
  return out;
}
