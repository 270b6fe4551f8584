import { describe, expect, it } from "vitest";
import type { ClusterSnapshot } from "../formats/snapshot.ts";
import { DEFAULT_DIAGNOSIS_POLICY } from "../model/finding.ts";
import { timeColumns } from "../model/types.ts";
import { containerHistories, diagnoseInputOf, redactStrings, safeLog } from "./diagnose-input.ts";
import type { LabeledSeries } from "./usage-series.ts";

const series = (metric: Record<string, string>, samples: [number, number][]): LabeledSeries => ({
  metric,
  times: Float64Array.from(samples.map((s) => s[0])),
  values: Float64Array.from(samples.map((s) => s[1])),
});

describe("safeLog: a container log as the classifier may see it", () => {
  it("redacts a password before anything else sees the line", () => {
    const out = safeLog(
      "starting\nconnecting to db with password=hunter2secret\nError: connect ECONNREFUSED\n",
    );
    expect(out).not.toContain("hunter2secret");
    expect(out).toContain("password=[redacted]");
    expect(out).toContain("Error: connect ECONNREFUSED");
  });

  it("keeps the last 1,000 lines of a longer log", () => {
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join("\n");
    const lines = safeLog(text).split("\n");
    expect(lines).toHaveLength(1000);
    expect(lines[0]).toBe("line 4000");
    expect(lines.at(-1)).toBe("line 4999");
  });

  it("cuts an enormous line to 2 KiB and never holds more than 256 KiB", () => {
    const huge = "x".repeat(5_000_000);
    const out = safeLog(`before\n${huge}\nafter\n`);
    expect(out.split("\n")).toEqual(["before", "x".repeat(2048), "after"]);
    const many = Array.from({ length: 900 }, () => "y".repeat(1000)).join("\n");
    expect(Buffer.byteLength(safeLog(many))).toBeLessThanOrEqual(256 * 1024);
  });

  it("replaces NUL and other control bytes with U+FFFD and keeps the line bounded", () => {
    const binary = `\u0000\u0001\u0002ELF\u0000${"\u0000".repeat(10_000)}`;
    const out = safeLog(`ok\n${binary}\n`);
    const [, second] = out.split("\n");
    expect([...(second ?? "")].some((ch) => ch.charCodeAt(0) < 9)).toBe(false);
    expect(second?.startsWith("\uFFFD\uFFFD\uFFFDELF\uFFFD")).toBe(true);
    expect(Buffer.byteLength(second ?? "")).toBeLessThanOrEqual(2048 * 3);
  });

  it("bytes that are not UTF-8 arrive as U+FFFD (decoded with replacement) and pass through", () => {
    const decoded = Buffer.from([0x6f, 0x6b, 0x20, 0xff, 0xfe, 0x20, 0xc3, 0x0a]).toString("utf8");
    expect(safeLog(decoded)).toBe("ok \uFFFD\uFFFD \uFFFD");
  });
});

describe("containerHistories: memory, restarts and OOM kills per container", () => {
  it("groups the series of one namespace/pod/container, and drops series without those labels", () => {
    const c = { namespace: "todo", pod: "api-1", container: "api" };
    const history = containerHistories({
      cpu: [],
      memory: [
        series(c, [
          [100, 1e8],
          [160, 2e8],
        ]),
        series({ namespace: "todo", pod: "api-1" }, [[100, 5]]),
      ],
      restarts: [
        series(c, [
          [100, 0],
          [160, 1],
        ]),
      ],
      oomKills: [series(c, [[160, 1]])],
    });
    expect(history).toEqual([
      {
        ...c,
        memory: timeColumns([
          [100, 1e8],
          [160, 2e8],
        ]),
        restarts: timeColumns([
          [100, 0],
          [160, 1],
        ]),
        oomKills: timeColumns([[160, 1]]),
      },
    ]);
    expect(containerHistories(undefined)).toEqual([]);
  });

  it("shares a container's one series, and joins two (a pod split over two answers) in time order", () => {
    const c = { namespace: "todo", pod: "api-1", container: "api" };
    const one = series(c, [
      [100, 1e8],
      [160, 2e8],
    ]);
    const [shared] = containerHistories({ cpu: [], memory: [one] });
    expect(shared?.memory.values).toBe(one.values);
    const [joinedUp] = containerHistories({
      cpu: [],
      memory: [
        one,
        series(c, [
          [130, 3e8],
          [190, 4e8],
        ]),
      ],
    });
    expect(joinedUp?.memory).toEqual(
      timeColumns([
        [100, 1e8],
        [130, 3e8],
        [160, 2e8],
        [190, 4e8],
      ]),
    );
  });
});

describe("redactStrings", () => {
  it("redacts every string, copying only the objects on the way to a change", () => {
    const clean = {
      metadata: { name: "api", labels: { app: "api" } },
      spec: { containers: [{ name: "api" }] },
    };
    const dirty = { ...clean, status: { message: "DB_PASSWORD=hunter2secret rejected" } };
    const items: Record<string, unknown>[] = [clean, dirty];
    const out = redactStrings(items);
    expect(out[0]).toBe(clean);
    expect(out[1]?.metadata).toBe(clean.metadata);
    expect(out[1]?.status).toEqual({ message: "DB_PASSWORD=[redacted] rejected" });
    expect(dirty.status.message).toContain("hunter2secret");
    expect(redactStrings(clean)).toBe(clean);
  });
});

describe("diagnoseInputOf", () => {
  it("redacts every string of the objects, judges at the given time, and passes the workload filter", () => {
    const snapshot = {
      cluster: "c",
      capturedAt: "2026-11-20T12:00:00Z",
      objects: {
        items: [
          {
            apiVersion: "v1",
            kind: "Event",
            metadata: { name: "e", namespace: "todo" },
            message: "Back-off: DB_PASSWORD=hunter2secret in env",
          },
        ],
      },
      usage: { cpu: { resultType: "matrix", result: [] }, memory: { resultType: "matrix", result: [] } },
      logs: { "todo/a/b": "token=abcdef123456 ok" },
      previousLogs: { "todo/a/b": "Authorization: Bearer abcdefghijk123" },
    } as unknown as ClusterSnapshot;
    const input = diagnoseInputOf({
      snapshot,
      usage: undefined,
      logsReadable: false,
      now: 1_800_000_000,
      workload: { namespace: "todo", name: "a" },
    });
    expect(JSON.stringify(input)).not.toMatch(/hunter2secret|abcdef123456|abcdefghijk123/);
    expect(input.now).toBe(1_800_000_000);
    expect(input.logsReadable).toBe(false);
    expect(input.policy).toEqual(DEFAULT_DIAGNOSIS_POLICY);
    expect(input.workload).toEqual({ namespace: "todo", name: "a" });
    expect(Object.keys(input.previousLogs)).toEqual(["todo/a/b"]);
  });
});
