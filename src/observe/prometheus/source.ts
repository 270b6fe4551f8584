// Usage history from Prometheus for the namespaces kopt looks at: a fixed set of range queries per
// namespace (split where a range would pass Prometheus's points limit), run a few at a time, and merged
// into the snapshot's `usage`. Requests: O(namespaces), whatever the number of containers.
import type { PromMatrix, SnapshotUsage } from "../../formats/snapshot.ts";
import type { PrometheusClient } from "./client.ts";
import { namespaceQueries, type QuerySpec, splitRange, type UsageKind } from "./queries.ts";

export interface UsageReadOptions extends QuerySpec {
  client: Pick<PrometheusClient, "queryRange" | "displayUrl">;
  namespaces: readonly string[];
  /** The last evaluation time (Unix seconds, on the step grid). */
  end: number;
  historySeconds: number;
  concurrency: number;
}

interface Job {
  kind: UsageKind;
  query: string;
  start: number;
  end: number;
}

/** Runs at most `limit` tasks at once; results in input order. */
async function pooled<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

function seriesKey(metric: Record<string, string>): string {
  return JSON.stringify(Object.entries(metric).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Series of several answers joined by their labels; time ascending, each timestamp once; sorted by labels. */
export function mergeMatrices(parts: readonly PromMatrix[]): PromMatrix {
  const byKey = new Map<string, { metric: Record<string, string>; values: [number, string][] }>();
  for (const part of parts) {
    for (const s of part.result) {
      const key = seriesKey(s.metric);
      const entry = byKey.get(key);
      if (entry) entry.values.push(...s.values);
      else byKey.set(key, { metric: s.metric, values: [...s.values] });
    }
  }
  const result = [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, s]) => {
      s.values.sort((a, b) => a[0] - b[0]);
      const values = s.values.filter((v, i, all) => i === 0 || v[0] !== (all[i - 1] as [number, string])[0]);
      return { metric: s.metric, values };
    });
  return { resultType: "matrix", result };
}

export async function readUsage(opts: UsageReadOptions): Promise<SnapshotUsage> {
  const start = opts.end - Math.floor(opts.historySeconds / opts.stepSeconds) * opts.stepSeconds;
  const ranges = splitRange(start, opts.end, opts.stepSeconds);
  const jobs: Job[] = [];
  for (const ns of [...new Set(opts.namespaces)].sort()) {
    for (const [kind, query] of Object.entries(namespaceQueries(ns, opts))) {
      for (const r of ranges) jobs.push({ kind: kind as UsageKind, query, ...r });
    }
  }
  const answers = await pooled(
    jobs.map((j) => () => opts.client.queryRange(j.query, j.start, j.end, opts.stepSeconds)),
    opts.concurrency,
  );
  const byKind = new Map<UsageKind, PromMatrix[]>();
  jobs.forEach((j, i) => {
    byKind.set(j.kind, [...(byKind.get(j.kind) ?? []), answers[i] as PromMatrix]);
  });
  const matrix = (kind: UsageKind) => {
    const parts = byKind.get(kind);
    return parts ? mergeMatrices(parts) : undefined;
  };
  const example = namespaceQueries([...opts.namespaces].sort()[0] ?? "default", opts);
  return {
    cpu: matrix("cpu") ?? { resultType: "matrix", result: [] },
    memory: matrix("memory") ?? { resultType: "matrix", result: [] },
    cpuThrottling: matrix("cpuThrottling"),
    restarts: matrix("restarts"),
    oomKills: matrix("oomKills"),
    hpaReplicas: matrix("hpaReplicas"),
    httpRequests: matrix("httpRequests"),
    httpErrors: matrix("httpErrors"),
    source: {
      url: opts.client.displayUrl,
      start,
      end: opts.end,
      step: opts.stepSeconds,
      rateWindow: opts.rateWindowSeconds,
      queries: example as Record<string, string>,
    },
  };
}
