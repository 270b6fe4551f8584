// Usage history from Prometheus for the namespaces kopt looks at: a fixed set of range queries per
// namespace (split where a range would pass Prometheus's points limit), run a few at a time, and merged
// into the snapshot's `usage`. Requests: O(namespaces), whatever the number of containers.

import { KoptError } from "../../errors.ts";
import type { UsageKind } from "../../formats/snapshot.ts";
import { MAX_CONTAINER_CPU_CORES, MAX_CONTAINER_MEMORY_BYTES } from "../../model/bounds.ts";
import { progress } from "../../progress.ts";
import { limiter } from "../limit.ts";
import {
  fromPromMatrix,
  type LabeledSeries,
  mergeSeries,
  outOfBounds,
  sampleText,
  type UsageSeries,
} from "../usage-series.ts";
import type { PrometheusClient } from "./client.ts";
import { namespaceQueries, type QuerySpec, splitRange } from "./queries.ts";

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

/** CPU and memory usage must be believable for one container (model/bounds.ts), or the run stops here. */
function checkBounds(
  resource: "cpu" | "memory",
  series: readonly LabeledSeries[],
  query: string,
  opts: UsageReadOptions,
): void {
  const bad = outOfBounds(resource, series);
  if (bad.length === 0) return;
  const metric = resource === "cpu" ? opts.metrics.cpu : opts.metrics.memory;
  const problems = bad.map((b) => {
    const labels = Object.entries(b.metric).map(([k, v]) => `${k}="${v}"`);
    const at = new Date(b.time * 1000).toISOString().replace(".000Z", "Z");
    const more = b.more > 0 ? ` and ${b.more} more sample(s) of this series` : "";
    return {
      where: { file: `Prometheus at ${opts.client.displayUrl}`, field: `${resource}{${labels.join(", ")}}` },
      message: `${b.problem} (got ${sampleText(b.value)} at ${at}${more})`,
    };
  });
  throw KoptError.of(
    "prometheus",
    problems,
    `kopt reads ${resource === "cpu" ? "CPU in cores (the rate of a seconds counter)" : "memory in bytes"} per container, at most ${resource === "cpu" ? `${MAX_CONTAINER_CPU_CORES} cores` : `${MAX_CONTAINER_MEMORY_BYTES / 2 ** 40}Ti`}: check source.prometheus.metrics.${resource} (${metric}) and its exporter; query: ${query}`,
  );
}

export async function readUsage(opts: UsageReadOptions): Promise<UsageSeries> {
  const start = opts.end - Math.floor(opts.historySeconds / opts.stepSeconds) * opts.stepSeconds;
  const ranges = splitRange(start, opts.end, opts.stepSeconds);
  const jobs: Job[] = [];
  for (const ns of [...new Set(opts.namespaces)].sort()) {
    for (const [kind, query] of Object.entries(namespaceQueries(ns, opts))) {
      for (const r of ranges) jobs.push({ kind: kind as UsageKind, query, ...r });
    }
  }
  // Each answer becomes compact series at once, so only the answers in flight exist as parsed JSON.
  const limit = limiter(opts.concurrency);
  let answered = 0;
  const said = progress();
  said.step(`Prometheus: 0 of ${jobs.length} queries`);
  const answers = await Promise.all(
    jobs.map((j) =>
      limit(async () => {
        const series = fromPromMatrix(
          await opts.client.queryRange(j.query, j.start, j.end, opts.stepSeconds),
        );
        if (j.kind === "cpu" || j.kind === "memory") checkBounds(j.kind, series, j.query, opts);
        said.step(`Prometheus: ${++answered} of ${jobs.length} queries`);
        return series;
      }),
    ),
  ).finally(() => said.done());
  const byKind = new Map<UsageKind, LabeledSeries[][]>();
  jobs.forEach((j, i) => {
    byKind.set(j.kind, [...(byKind.get(j.kind) ?? []), answers[i] as LabeledSeries[]]);
  });
  const matrix = (kind: UsageKind) => {
    const parts = byKind.get(kind);
    return parts ? mergeSeries(parts) : undefined;
  };
  const example = namespaceQueries([...opts.namespaces].sort()[0] ?? "default", opts);
  return {
    cpu: matrix("cpu") ?? [],
    memory: matrix("memory") ?? [],
    cpuThrottling: matrix("cpuThrottling"),
    restarts: matrix("restarts"),
    oomKills: matrix("oomKills"),
    // Tagged current/desired by kopt, since the metric names are configurable.
    hpaReplicas: matrix("hpaReplicas")?.map((x) => ({
      ...x,
      metric: {
        ...x.metric,
        replicas: x.metric.__name__ === opts.metrics.hpaCurrentReplicas ? "current" : "desired",
      },
    })),
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
