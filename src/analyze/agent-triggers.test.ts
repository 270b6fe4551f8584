import { describe, expect, it } from "vitest";
import type { WatchChange } from "../model/agent.ts";
import { type ObjectLookup, triggersOf } from "./agent-triggers.ts";
import { deployment, iso, NOW, type Obj, pod } from "./diagnose/test-objects.ts";

const owners = [...deployment("todo", "api")];
const cronJob: Obj = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: {
    namespace: "todo",
    name: "report-29000000",
    ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "report", controller: true }],
  },
};
const lookup: ObjectLookup = (kind, namespace, name) =>
  [...owners, cronJob].find((o) => {
    const m = o.metadata as Obj;
    return o.kind === kind && m.namespace === namespace && m.name === name;
  });

const modified = (old: Obj, object: Obj): WatchChange => ({ kind: "Pod", type: "MODIFIED", object, old });
const added = (object: Obj): WatchChange => ({ kind: "Pod", type: "ADDED", object });

const running = pod({ name: "api-1", deployment: "api" });
const oomKilled = pod({
  name: "api-1",
  deployment: "api",
  containers: [{ last: { reason: "OOMKilled", exitCode: 137, finishedAgo: 30 }, restarts: 1 }],
});

describe("triggersOf: pods", () => {
  it("an OOM kill new since the old pod is OOMKilled, at terminated.finishedAt, on the Deployment", () => {
    expect(triggersOf(modified(running, oomKilled), lookup)).toEqual([
      {
        reason: "OOMKilled",
        workload: { namespace: "todo", kind: "Deployment", name: "api" },
        object: { kind: "Pod", namespace: "todo", name: "api-1" },
        container: "app",
        at: NOW - 30,
      },
    ]);
  });

  it("an OOM kill in state.terminated counts, and moving it to lastState on restart does not count again", () => {
    const killedNow = pod({
      name: "api-1",
      deployment: "api",
      containers: [{ terminatedNow: { reason: "OOMKilled", exitCode: 137 } }],
    });
    expect(triggersOf(modified(running, killedNow), lookup).map((t) => t.reason)).toEqual(["OOMKilled"]);
    const restarted = structuredClone(killedNow);
    const s = (restarted.status as { containerStatuses: Obj[] }).containerStatuses[0] as Obj;
    s.lastState = s.state;
    s.state = { running: { startedAt: iso(5) } };
    s.restartCount = 1;
    expect(triggersOf(modified(killedNow, restarted), lookup)).toEqual([]);
  });

  it("a second OOM kill (a later finishedAt) counts again; the same one in a second MODIFIED does not", () => {
    const again = pod({
      name: "api-1",
      deployment: "api",
      containers: [{ last: { reason: "OOMKilled", exitCode: 137, finishedAgo: 5 }, restarts: 2 }],
    });
    expect(triggersOf(modified(oomKilled, again), lookup).map((t) => t.at)).toEqual([NOW - 5]);
    expect(triggersOf(modified(oomKilled, structuredClone(oomKilled)), lookup)).toEqual([]);
  });

  it("an init container's OOM kill counts", () => {
    const init = structuredClone(running);
    (init.status as Obj).initContainerStatuses = [
      {
        name: "migrate",
        state: { terminated: { reason: "OOMKilled", exitCode: 137, finishedAt: iso(10) } },
        restartCount: 0,
      },
    ];
    expect(triggersOf(modified(running, init), lookup)).toMatchObject([
      { reason: "OOMKilled", container: "migrate", at: NOW - 10 },
    ]);
  });

  it("CrashLoopBackOff newly waiting counts, at the last run's end; staying in it does not", () => {
    const looping = pod({
      name: "api-1",
      deployment: "api",
      containers: [
        { waiting: { reason: "CrashLoopBackOff" }, last: { reason: "Error", exitCode: 1, finishedAgo: 20 } },
      ],
    });
    expect(triggersOf(modified(running, looping), lookup)).toMatchObject([
      { reason: "CrashLoopBackOff", container: "app", at: NOW - 20 },
    ]);
    expect(triggersOf(modified(looping, structuredClone(looping)), lookup)).toEqual([]);
  });

  it.each([
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "InvalidImageName",
    "ImageInspectError",
    "RegistryUnavailable",
  ])("%s is an image pull failure", (reason) => {
    const failing = pod({ name: "api-1", deployment: "api", containers: [{ waiting: { reason } }] });
    expect(triggersOf(modified(running, failing), lookup).map((t) => t.reason)).toEqual(["ImagePullFailure"]);
  });

  it("ErrImagePull turning into ImagePullBackOff is the same failure, not a new one", () => {
    const err = pod({
      name: "api-1",
      deployment: "api",
      containers: [{ waiting: { reason: "ErrImagePull" } }],
    });
    const backoff = pod({
      name: "api-1",
      deployment: "api",
      containers: [{ waiting: { reason: "ImagePullBackOff" } }],
    });
    expect(triggersOf(modified(err, backoff), lookup)).toEqual([]);
  });

  it("CreateContainerConfigError counts, at the pod's latest condition transition", () => {
    const conditions = [{ type: "ContainersReady", status: "False", lastTransitionTime: iso(40) }];
    const failing = pod({
      name: "api-1",
      deployment: "api",
      conditions,
      containers: [{ waiting: { reason: "CreateContainerConfigError" } }],
    });
    expect(triggersOf(modified(running, failing), lookup)).toMatchObject([
      { reason: "CreateContainerConfigError", at: NOW - 40 },
    ]);
  });

  it("status.reason Evicted counts once", () => {
    const evicted = pod({
      name: "api-1",
      deployment: "api",
      phase: "Failed",
      reason: "Evicted",
      message: "The node was low on resource: memory.",
      conditions: [{ type: "DisruptionTarget", status: "True", lastTransitionTime: iso(15) }],
    });
    expect(triggersOf(modified(running, evicted), lookup)).toEqual([
      {
        reason: "Evicted",
        workload: { namespace: "todo", kind: "Deployment", name: "api" },
        object: { kind: "Pod", namespace: "todo", name: "api-1" },
        at: NOW - 15,
      },
    ]);
    expect(triggersOf(modified(evicted, structuredClone(evicted)), lookup)).toEqual([]);
  });

  it("PodScheduled=False reason Unschedulable counts, at the condition's lastTransitionTime", () => {
    const pending = pod({
      name: "api-1",
      deployment: "api",
      phase: "Pending",
      conditions: [
        { type: "PodScheduled", status: "False", reason: "Unschedulable", lastTransitionTime: iso(50) },
      ],
    });
    const before = pod({ name: "api-1", deployment: "api", phase: "Pending" });
    expect(triggersOf(modified(before, pending), lookup)).toMatchObject([
      { reason: "Unschedulable", at: NOW - 50 },
    ]);
    expect(triggersOf(modified(pending, structuredClone(pending)), lookup)).toEqual([]);
  });

  it("a pod added (or re-listed) while failing counts, so a restarted agent re-derives its work", () => {
    expect(triggersOf(added(oomKilled), lookup).map((t) => t.reason)).toEqual(["OOMKilled"]);
    expect(triggersOf(added(running), lookup)).toEqual([]);
  });

  it("a recovery and a deletion trigger nothing", () => {
    const looping = pod({
      name: "api-1",
      deployment: "api",
      containers: [{ waiting: { reason: "CrashLoopBackOff" } }],
    });
    expect(triggersOf(modified(looping, running), lookup)).toEqual([]);
    expect(triggersOf({ kind: "Pod", type: "DELETED", object: looping, old: running }, lookup)).toEqual([]);
  });

  it("resolves a Job's pod to its CronJob, an unowned pod to itself", () => {
    const looping = [{ waiting: { reason: "CrashLoopBackOff" } }];
    const jobPod = pod({
      name: "report-1",
      owner: { kind: "Job", name: "report-29000000" },
      containers: looping,
    });
    const bare = pod({ name: "debug", containers: looping });
    expect(triggersOf(added(jobPod), lookup)[0]?.workload).toEqual({
      namespace: "todo",
      kind: "CronJob",
      name: "report",
    });
    expect(triggersOf(added(bare), lookup)[0]?.workload).toEqual({
      namespace: "todo",
      kind: "Pod",
      name: "debug",
    });
  });

  it("other kinds trigger nothing", () => {
    expect(triggersOf({ kind: "Deployment", type: "MODIFIED", object: owners[0] as Obj }, lookup)).toEqual(
      [],
    );
  });
});

describe("triggersOf: nodes", () => {
  const node = (conditions: Obj[]): Obj => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "n1" },
    status: { conditions },
  });
  const calm = node([{ type: "MemoryPressure", status: "False", lastTransitionTime: iso(600) }]);
  const pressed = node([
    { type: "MemoryPressure", status: "True", lastTransitionTime: iso(25) },
    { type: "DiskPressure", status: "False" },
  ]);

  it("a pressure condition turning True is NodePressure, with no workload", () => {
    expect(triggersOf({ kind: "Node", type: "MODIFIED", object: pressed, old: calm }, lookup)).toEqual([
      { reason: "NodePressure", workload: null, object: { kind: "Node", name: "n1" }, at: NOW - 25 },
    ]);
  });

  it("each of DiskPressure and PIDPressure counts; staying True or recovering does not", () => {
    const both = node([
      { type: "DiskPressure", status: "True", lastTransitionTime: iso(5) },
      { type: "PIDPressure", status: "True", lastTransitionTime: iso(5) },
    ]);
    expect(triggersOf({ kind: "Node", type: "MODIFIED", object: both, old: calm }, lookup)).toHaveLength(2);
    expect(triggersOf({ kind: "Node", type: "MODIFIED", object: pressed, old: pressed }, lookup)).toEqual([]);
    expect(triggersOf({ kind: "Node", type: "MODIFIED", object: calm, old: pressed }, lookup)).toEqual([]);
    expect(triggersOf({ kind: "Node", type: "ADDED", object: pressed }, lookup)).toHaveLength(1);
  });
});
