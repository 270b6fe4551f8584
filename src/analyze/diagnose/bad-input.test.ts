// Unreadable input becomes warnings, never exceptions, and the rest is still diagnosed.
import { describe, expect, it } from "vitest";
import { diagnose } from "./diagnose.ts";
import { deployment, event, input, pod } from "./test-objects.ts";

describe("bad input", () => {
  it("a pod without status, an event whose pod is gone, non-objects and wrong types are warnings", () => {
    const noStatus = { kind: "Pod", metadata: { namespace: "todo", name: "ghost" } };
    const gone = pod({ name: "gone-1", deployment: "api" });
    const wrongTypes = {
      kind: "Pod",
      metadata: { namespace: "todo", name: "weird", ownerReferences: "nope" },
      spec: { containers: "x" },
      status: {
        phase: 7,
        containerStatuses: [
          { name: 3 },
          "x",
          { name: "app", state: { waiting: { reason: 5 } }, restartCount: "9" },
        ],
      },
    };
    const failing = pod({
      name: "mailer-1",
      deployment: "mailer",
      containers: [{ waiting: { reason: "CreateContainerConfigError", message: 'secret "smtp" not found' } }],
    });
    const d = diagnose(
      input([
        noStatus,
        ...deployment("todo", "mailer"),
        failing,
        event({ about: gone, reason: "BackOff", message: "Back-off restarting failed container" }),
        null as unknown as Record<string, unknown>,
        { kind: "Event", metadata: { name: "e" } },
        wrongTypes,
      ]),
    );
    expect(d.findings.map((f) => [f.class, f.workload?.name])).toEqual([
      ["create-container-config-error", "mailer"],
    ]);
    expect(d.warnings).toEqual([
      "object #5: not a Kubernetes object with a kind and metadata.name",
      "event e: no involvedObject or reason",
      "pod todo/ghost: no status, skipped",
      "1 event(s) about Pod/todo/gone-1: the object is gone, ignored",
    ]);
  });

  it("an enormous, binary, non-UTF-8 log and a non-string log value do not stop the diagnosis", () => {
    const p = pod({
      name: "api-1",
      deployment: "api",
      containers: [{ waiting: { reason: "CrashLoopBackOff" }, last: { reason: "Error", exitCode: 1 } }],
    });
    const binary = `${"\u0000\uFFFD\u001b[31m".repeat(50_000)}\n${"x".repeat(5_000_000)}\nERROR boom \uD800\n`;
    const d = diagnose(
      input([...deployment("todo", "api"), p], {
        previousLogs: { "todo/api-1/app": binary },
        logs: { "todo/api-1/app": 42 as unknown as string },
      }),
    );
    expect(d.findings.map((f) => [f.class, f.evidence.crashLine])).toEqual([
      ["app-exit", "ERROR boom \uFFFD"],
    ]);
  });

  it("events with wrong types count once, without times", () => {
    const p = pod({
      name: "api-1",
      deployment: "api",
      containers: [{ waiting: { reason: "ImagePullBackOff" } }],
    });
    const e = {
      ...event({ about: p, reason: "Failed", message: "x", container: "app" }),
      count: "many",
      firstTimestamp: 7,
      lastTimestamp: "yesterday",
    };
    const [f] = diagnose(input([...deployment("todo", "api"), p, e])).findings;
    expect(f?.evidence.events).toEqual([
      { reason: "Failed", count: 1, firstTime: null, lastTime: null, message: "x" },
    ]);
  });
});
