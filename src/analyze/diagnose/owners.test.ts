// Which workload a finding is about: Pod → ReplicaSet → Deployment, Job → CronJob, a bare pod, and the
// edge cases around old restarts, old scheduling events and node shutdowns.
import { describe, expect, it } from "vitest";
import { diagnose } from "./diagnose.ts";
import { deployment, event, input, iso, pod } from "./test-objects.ts";

const failing = { waiting: { reason: "CrashLoopBackOff" }, last: { reason: "Error", exitCode: 2 } };

describe("owners", () => {
  it("a Job's pod is its CronJob's; a pod without a controller is itself; a missing ReplicaSet falls back to the hash", () => {
    const job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        namespace: "todo",
        name: "nightly-29000000",
        ownerReferences: [{ kind: "CronJob", name: "nightly", controller: true }],
      },
    };
    const d = diagnose(
      input([
        job,
        pod({
          name: "nightly-29000000-x",
          owner: { kind: "Job", name: "nightly-29000000" },
          containers: [failing],
        }),
        pod({ name: "debug", containers: [failing] }),
        pod({ name: "orphan-7d9f8b6c5d-abc", deployment: "orphan", containers: [failing] }),
      ]),
    );
    expect(d.findings.map((f) => f.workload)).toEqual([
      { namespace: "todo", kind: "CronJob", name: "nightly" },
      { namespace: "todo", kind: "Deployment", name: "orphan" },
      { namespace: "todo", kind: "Pod", name: "debug" },
    ]);
  });

  it("the pods of one workload fold into one finding with every pod and the highest restart count", () => {
    const d = diagnose(
      input([
        ...deployment("todo", "api"),
        pod({ name: "api-b", deployment: "api", containers: [{ ...failing, restarts: 3 }] }),
        pod({ name: "api-a", deployment: "api", containers: [{ ...failing, restarts: 9 }] }),
      ]),
    );
    expect(d.findings).toHaveLength(1);
    expect(d.findings[0]?.evidence).toMatchObject({
      pods: ["api-a", "api-b"],
      restarts: 9,
      backoffSeconds: 300,
      exitCode: 2,
    });
    expect(d.incidents).toHaveLength(1);
  });
});

describe("history is not a failure", () => {
  it("a week-old termination of a running but unready container leaves the readiness finding", () => {
    const p = pod({
      name: "api-1",
      deployment: "api",
      containers: [
        {
          ready: false,
          runningSinceAgo: 7 * 86400,
          last: { reason: "Error", exitCode: 1, finishedAgo: 7 * 86400 },
          restarts: 1,
        },
      ],
    });
    const e = event({
      about: p,
      reason: "Unhealthy",
      message: "Readiness probe failed: 503",
      container: "app",
      firstAgo: 3600,
      lastAgo: 10,
    });
    expect(diagnose(input([...deployment("todo", "api"), p, e])).findings.map((f) => f.class)).toEqual([
      "readiness-failing",
    ]);
  });

  it("an old FailedScheduling on a pod scheduled since, and a pod ended by a node shutdown, are healthy", () => {
    const scheduled = pod({
      name: "api-1",
      deployment: "api",
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: iso(100) }],
    });
    const shutdown = pod({
      name: "api-2",
      deployment: "api",
      phase: "Failed",
      reason: "Terminated",
      message: "Pod was terminated in response to imminent node shutdown.",
    });
    const e = event({
      about: scheduled,
      reason: "FailedScheduling",
      message: "0/3 nodes are available: 3 Insufficient cpu.",
      firstAgo: 400,
      lastAgo: 300,
    });
    expect(diagnose(input([...deployment("todo", "api"), scheduled, shutdown, e])).findings).toEqual([]);
  });
});

describe("dependency fingerprints", () => {
  const refused = (deploy: string, line: string) => {
    const p = pod({
      name: `${deploy}-1`,
      deployment: deploy,
      containers: [{ ...failing, last: { reason: "Error", exitCode: 1 } }],
    });
    return { objects: [...deployment("todo", deploy), p], log: { [`todo/${deploy}-1/app`]: `${line}\n` } };
  };

  it("two workloads refused by the same host:port share one incident; the fingerprint ignores the message", () => {
    const a = refused("orders", "ERROR connect ECONNREFUSED orders-db:5432 (attempt 3)");
    const b = refused("billing", "FATAL: dial tcp orders-db:5432: connect: connection refused");
    const d = diagnose(input([...a.objects, ...b.objects], { previousLogs: { ...a.log, ...b.log } }));
    expect(d.incidents).toMatchObject([
      { cause: "host:orders-db:5432", class: "dependency-unreachable", subCause: "connection-refused" },
    ]);
    const again = diagnose(
      input(a.objects, {
        previousLogs: { "todo/orders-1/app": "ERROR connect ECONNREFUSED orders-db:5432 (attempt 99)\n" },
      }),
    );
    expect(again.findings[0]?.fingerprint).toBe(
      d.findings.find((f) => f.workload?.name === "orders")?.fingerprint,
    );
  });
});
