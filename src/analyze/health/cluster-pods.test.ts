import { describe, expect, it } from "vitest";
import { AGENT, API, DB, NOW, pod, STEP, WEB, workload } from "../../../test/support/model-fixtures.ts";
import type { Finding } from "../../model/finding.ts";
import { seriesUsage } from "../../model/types.ts";
import { podCondition, podFlags, podHealth } from "./cluster-pods.ts";

const WINDOW = { start: NOW - 7 * 86400, end: NOW };
const crashing = (restarts: number) => ({
  name: "app",
  restartCount: restarts,
  waitingReason: "CrashLoopBackOff",
  lastTerminationReason: "Error",
});
const oomed = { name: "app", restartCount: 3, waitingReason: null, lastTerminationReason: "OOMKilled" };

describe("pod condition", () => {
  it("is failing for a waiting reason other than starting, whatever the phase", () => {
    expect(podCondition(pod("a", API, { containers: [crashing(4)] }))).toBe("failing");
    expect(
      podCondition(
        pod("b", API, {
          phase: "Pending",
          containers: [
            {
              name: "app",
              restartCount: 0,
              waitingReason: "CreateContainerConfigError",
              lastTerminationReason: null,
            },
          ],
        }),
      ),
    ).toBe("failing");
    expect(podCondition(pod("c", API, { phase: "Failed" }))).toBe("failing");
    expect(podCondition(pod("d", API, { phase: "Unknown" }))).toBe("failing");
  });
  it("is pending or running while a container is only being created", () => {
    const creating = {
      name: "app",
      restartCount: 0,
      waitingReason: "ContainerCreating",
      lastTerminationReason: null,
    };
    expect(podCondition(pod("a", API, { phase: "Pending", containers: [creating] }))).toBe("pending");
    expect(podCondition(pod("b", API, { phase: "Pending" }))).toBe("pending");
    expect(podCondition(pod("c", API, { containers: [oomed] }))).toBe("running");
    expect(podCondition(pod("d", API, { phase: "Succeeded" }))).toBe("succeeded");
  });
});

describe("pod health", () => {
  const pods = [
    pod("api-1", API, { containers: [crashing(10)] }),
    pod("api-2", API, { containers: [oomed] }),
    pod("db-0", DB, { containers: [crashing(2)] }),
    pod("agent-x", AGENT, { phase: "Pending" }),
    pod("job-1", AGENT, { phase: "Succeeded", owner: null }),
  ];

  it("counts states, restarts and last-state OOM kills by namespace, with a total", () => {
    const h = podHealth({ state: { pods }, usage: { containers: [] }, oomHistory: false, window: WINDOW });
    expect(h.namespaces).toEqual([
      {
        namespace: "kube-system",
        running: 0,
        pending: 1,
        failing: 0,
        succeeded: 1,
        restarts: 0,
        oomKills: 0,
      },
      { namespace: "shop", running: 1, pending: 0, failing: 2, succeeded: 0, restarts: 15, oomKills: 1 },
    ]);
    expect(h.total).toEqual({ running: 1, pending: 1, failing: 2, succeeded: 1, restarts: 15, oomKills: 1 });
    expect(h.oomKillsFrom).toBe("last-state");
  });

  it("takes OOM kills from the history inside the window when it has them", () => {
    const kills = seriesUsage("api-2", [
      [WINDOW.start, 5], // at the window's start: before it
      [WINDOW.start + STEP, 1],
      [NOW, 2],
      [NOW + STEP, 7], // after it
    ]);
    const usage = {
      containers: [{ workload: API, container: "app", cpu: [], memory: [], oomKills: [kills] }],
    };
    const h = podHealth({ state: { pods }, usage, oomHistory: true, window: WINDOW });
    expect(h.total.oomKills).toBe(3);
    expect(h.namespaces.find((n) => n.namespace === "shop")?.oomKills).toBe(3);
    expect(h.oomKillsFrom).toBe("history");
  });

  it("flags a workload with every pod failing as critical (down), one with some as high", () => {
    const h = podHealth({ state: { pods }, usage: { containers: [] }, oomHistory: false, window: WINDOW });
    expect(h.failingWorkloads).toEqual([
      { subject: "Deployment shop/api", workload: API, failing: 1, pods: 2, reasons: ["CrashLoopBackOff"] },
      { subject: "StatefulSet shop/db", workload: DB, failing: 1, pods: 1, reasons: ["CrashLoopBackOff"] },
    ]);
    const diagnosed = {
      workload: { kind: "StatefulSet", namespace: "shop", name: "db" },
      rootCause: "Container app exits with code 1.",
      suggestedFix: "Fix the error and roll out again.",
      runbook: "runbooks/app-exit.md",
    } as unknown as Finding;
    expect(podFlags(h, [diagnosed])).toEqual([
      {
        severity: "high",
        subject: "Deployment shop/api",
        finding: "1 of 2 pods failing (CrashLoopBackOff)",
        recommendation: "run `kopt diagnose` for the cause and the fix",
      },
      {
        severity: "critical",
        subject: "StatefulSet shop/db",
        finding: "down: 1 of 1 pods failing (CrashLoopBackOff): Container app exits with code 1.",
        recommendation: "Fix the error and roll out again.",
        link: "runbooks/app-exit.md",
      },
    ]);
  });

  it("flags a workload that wants replicas and has no pod at all as down", () => {
    const state = {
      pods: [pod("api-1", API)],
      workloads: [
        workload(API),
        workload(WEB, undefined, { replicas: 3 }),
        workload(DB, undefined, { replicas: 0 }),
      ],
    };
    const h = podHealth({ state, usage: { containers: [] }, oomHistory: false, window: WINDOW });
    expect(h.failingWorkloads).toEqual([
      { subject: "Deployment shop/web", workload: WEB, failing: 0, pods: 0, reasons: ["no pods"], wanted: 3 },
    ]);
    expect(podFlags(h, [])).toEqual([
      {
        severity: "critical",
        subject: "Deployment shop/web",
        finding: "down: no pods, 3 wanted",
        recommendation: "run `kopt diagnose` for the cause and the fix",
      },
    ]);
  });

  it("has no flags when no pod fails", () => {
    const h = podHealth({
      state: { pods: [pod("api-1", API)] },
      usage: { containers: [] },
      oomHistory: false,
      window: WINDOW,
    });
    expect(h.failingWorkloads).toEqual([]);
    expect(podFlags(h, [])).toEqual([]);
  });
});
