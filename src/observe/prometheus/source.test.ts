import { describe, expect, it } from "vitest";
import { KoptError } from "../../errors.ts";
import { PROMETHEUS_METRIC_DEFAULTS } from "../../formats/config.ts";
import type { PromMatrix } from "../../formats/snapshot.ts";
import { streamProgress, useProgress } from "../../progress.ts";
import { readUsage } from "./source.ts";

const END = 1_795_176_000; // 2026-11-20T12:00:00Z
const STEP = 300;
const BACKEND = { namespace: "todo", pod: "backend-f99499vjhc-9px7w", container: "backend" };

/** A query_range answer as Prometheus sends it: one series, the given sample strings ending at END. */
function answer(values: string[]): PromMatrix {
  return {
    resultType: "matrix",
    result: [{ metric: BACKEND, values: values.map((v, i) => [END - (values.length - 1 - i) * STEP, v]) }],
  };
}

/** readUsage against a Prometheus that answers CPU queries with `cpu`, memory ones with `memory`. */
function read(cpu: string[], memory: string[]) {
  const client = {
    displayUrl: "http://prometheus:9090",
    queryRange: async (query: string) =>
      query.includes(PROMETHEUS_METRIC_DEFAULTS.cpu) && !query.includes("throttled")
        ? answer(cpu)
        : query.includes(PROMETHEUS_METRIC_DEFAULTS.memory)
          ? answer(memory)
          : { resultType: "matrix" as const, result: [] },
  };
  return readUsage({
    client,
    namespaces: ["todo"],
    end: END,
    historySeconds: 3 * STEP,
    stepSeconds: STEP,
    rateWindowSeconds: STEP,
    metrics: PROMETHEUS_METRIC_DEFAULTS,
    concurrency: 1,
  });
}

async function rejection(p: Promise<unknown>): Promise<KoptError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof KoptError)) throw new Error(`expected a KoptError, got ${String(err)}`);
  return err;
}

describe("readUsage: usage no container can have is bad input", () => {
  it("reads believable CPU and memory", async () => {
    const usage = await read(["0.25", "0.3", "0.2", "0.25"], ["4.2e8", "4.3e8", "4.1e8", "4.2e8"]);
    expect(Array.from(usage.cpu[0]?.values ?? [])).toEqual([0.25, 0.3, 0.2, 0.25]);
  });

  it("rejects negative CPU, naming the series, the time and the query", async () => {
    const err = await rejection(read(["0.25", "-0.5", "-0.1", "0.25"], ["4.2e8", "4.3e8", "4.1e8", "4.2e8"]));
    expect(err.edge).toBe("prometheus");
    expect(err.format().split("\n")[0]).toBe(
      'Prometheus at http://prometheus:9090: cpu{namespace="todo", pod="backend-f99499vjhc-9px7w", container="backend"}: CPU usage is negative (got -0.5 at 2026-11-20T11:50:00Z and 1 more sample(s) of this series)',
    );
    expect(err.hint).toMatch(
      /^kopt reads CPU in cores .* at most 1000 cores: check source\.prometheus\.metrics\.cpu \(container_cpu_usage_seconds_total\) and its exporter; query: sum by/,
    );
  });

  it("rejects 1e30 cores, an infinite memory sample and memory past 64Ti", async () => {
    const cpu = await rejection(read(["1e30", "0.3", "0.2", "0.25"], ["4.2e8", "4.3e8", "4.1e8", "4.2e8"]));
    expect(cpu.message).toBe(
      "CPU usage is above 1000 cores, kopt's bound for one container (got 1e+30 at 2026-11-20T11:45:00Z)",
    );
    const inf = await rejection(read(["0.25", "0.3", "0.2", "0.25"], ["4.2e8", "+Inf", "4.1e8", "4.2e8"]));
    expect(inf.message).toBe("memory usage is not a finite number (got +Inf at 2026-11-20T11:50:00Z)");
    const huge = await rejection(read(["0.25", "0.3", "0.2", "0.25"], ["4.2e8", "4.3e8", "1e15", "4.2e8"]));
    expect(huge.message).toMatch(/^memory usage is above 64Ti, kopt's bound for one container/);
  });
});

describe("readUsage progress", () => {
  it("says on a terminal how many of its queries are answered, and clears the line at the end", async () => {
    const chunks: string[] = [];
    const restore = useProgress(streamProgress({ isTTY: true, columns: 80, write: (s) => chunks.push(s) }));
    try {
      await read(["0.1", "0.2", "0.3"], ["1", "2", "3"]);
    } finally {
      restore();
    }
    const steps = chunks.map((c) => c.replace("\r\x1b[2K", ""));
    const total = Number(/of (\d+) queries/.exec(steps[0] ?? "")?.[1]);
    expect(total).toBeGreaterThan(1);
    expect(steps).toEqual([
      ...Array.from({ length: total + 1 }, (_, i) => `Prometheus: ${i} of ${total} queries`),
      "",
    ]);
  });

  it("says nothing of its queries when stderr is not a terminal", async () => {
    const chunks: string[] = [];
    const restore = useProgress(streamProgress({ isTTY: false, write: (s) => chunks.push(s) }));
    try {
      await read(["0.1", "0.2", "0.3"], ["1", "2", "3"]);
    } finally {
      restore();
    }
    expect(chunks).toEqual([]);
  });
});
