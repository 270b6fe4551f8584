import { describe, expect, it } from "vitest";
import type { Raw } from "../analyze/diagnose/read.ts";
import {
  decideRestarts,
  EMPTY_RESTART_LEDGER,
  holdPod,
  type RestartPolicy,
  recordRestart,
  stuckPods,
} from "./restart-pods.ts";

const NOW = Date.parse("2026-12-03T12:00:00Z");
const MIN = 60_000;

const POLICY: RestartPolicy = {
  namespaces: ["shop"],
  watched: () => true,
  stuckForMs: 10 * MIN,
  cooldownMs: 30 * MIN,
  perHour: 3,
};

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

const owner = (kind: string, name: string) => [
  { apiVersion: "apps/v1", kind, name, uid: `u-${name}`, controller: true },
];

function replicaSet(ns: string, name: string, deployment: string): Raw {
  return {
    kind: "ReplicaSet",
    metadata: { namespace: ns, name, ownerReferences: owner("Deployment", deployment) },
    spec: { template: { spec: { containers: [] } } },
  };
}

interface PodOpts {
  ns?: string;
  owners?: Raw[] | undefined;
  ready?: boolean;
  /** Minutes the Ready condition has been as it is. */
  forMin?: number;
  waiting?: string;
}

/** A pod as the API serves it: Running, one container "app", Ready as asked. */
function pod(name: string, o: PodOpts = {}): Raw {
  const ready = o.ready ?? false;
  const state = o.waiting
    ? { waiting: { reason: o.waiting } }
    : { running: { startedAt: iso(NOW - 3_600_000) } };
  return {
    kind: "Pod",
    metadata: {
      namespace: o.ns ?? "shop",
      name,
      uid: `uid-${name}`,
      ...(o.owners === undefined
        ? { ownerReferences: owner("ReplicaSet", "api-7d9f") }
        : o.owners
          ? { ownerReferences: o.owners }
          : {}),
    },
    spec: { containers: [{ name: "app", image: "shop/api:1" }] },
    status: {
      phase: "Running",
      conditions: [
        {
          type: "Ready",
          status: ready ? "True" : "False",
          lastTransitionTime: iso(NOW - (o.forMin ?? 20) * MIN),
        },
      ],
      containerStatuses: [{ name: "app", ready, restartCount: 0, state }],
    },
  };
}

const RS = replicaSet("shop", "api-7d9f", "api");
const lookupOf =
  (objects: Raw[]) =>
  (kind: string, ns: string, name: string): Raw | undefined =>
    objects.find(
      (o) => o.kind === kind && (o.metadata as Raw).namespace === ns && (o.metadata as Raw).name === name,
    );

function decide(objects: Raw[], policy = POLICY, ledger = EMPTY_RESTART_LEDGER, now = NOW) {
  const all = [RS, ...objects];
  return decideRestarts(all, lookupOf(all), now, policy, ledger).map((d) =>
    d.action === "restart" ? `restart ${d.pod.name}` : `skip ${d.pod.name}: ${d.reason}`,
  );
}

describe("decideRestarts: which stuck pods the agent restarts", () => {
  it("restarts a Deployment's pod running but not ready past stuckFor while another pod is ready", () => {
    expect(decide([pod("api-1", { forMin: 11 }), pod("api-2", { ready: true })])).toEqual(["restart api-1"]);
  });

  it("describes the pod: workload through its ReplicaSet, the container, since when, ready peers", () => {
    const all = [RS, pod("api-1"), pod("api-2", { ready: true })];
    expect(stuckPods(all, lookupOf(all), NOW, POLICY).map((s) => s.pod)).toEqual([
      {
        namespace: "shop",
        name: "api-1",
        uid: "uid-api-1",
        workload: { namespace: "shop", kind: "Deployment", name: "api" },
        container: "app",
        notReadySince: NOW - 20 * MIN,
        readyPeers: 1,
      },
    ]);
  });

  it("restarts a StatefulSet's pod", () => {
    const sts = owner("StatefulSet", "db");
    expect(decide([pod("db-0", { owners: sts }), pod("db-1", { owners: sts, ready: true })])).toEqual([
      "restart db-0",
    ]);
  });

  it("leaves a pod not ready for less than stuckFor (starting, or briefly unready)", () => {
    expect(decide([pod("api-1", { forMin: 9 }), pod("api-2", { ready: true })])).toEqual([]);
  });

  it("skips a crash-looping pod: it is diagnosed, not restarted (a restart hides the cause)", () => {
    const p = pod("api-1");
    (p.status as { containerStatuses: Raw[] }).containerStatuses.push({
      name: "sidecar",
      ready: false,
      restartCount: 7,
      state: { waiting: { reason: "CrashLoopBackOff" } },
    });
    expect(decide([p, pod("api-2", { ready: true })])).toEqual(["skip api-1: crash-looping"]);
  });

  it("leaves a pod whose only container is crash-looping (no container runs: not this rule's case)", () => {
    expect(decide([pod("api-1", { waiting: "CrashLoopBackOff" }), pod("api-2", { ready: true })])).toEqual(
      [],
    );
  });

  it("skips the only pod of its workload, and a workload with no ready pod: an incident, not a restart", () => {
    expect(decide([pod("api-1")])).toEqual(["skip api-1: no-ready-peer"]);
    expect(decide([pod("api-1"), pod("api-2", { forMin: 30 })])).toEqual([
      "skip api-2: no-ready-peer",
      "skip api-1: no-ready-peer",
    ]);
  });

  it("never touches a bare pod, a Job's pod or a DaemonSet's pod: nothing would recreate them the same way", () => {
    const job = [{ apiVersion: "batch/v1", kind: "Job", name: "nightly", uid: "j", controller: true }];
    const ds = owner("DaemonSet", "agent");
    expect(
      decide([pod("bare", { owners: null as unknown as undefined }), pod("api-2", { ready: true })]),
    ).toEqual([]);
    expect(
      decide([pod("nightly-x", { owners: job }), pod("nightly-y", { owners: job, ready: true })]),
    ).toEqual([]);
    expect(decide([pod("agent-x", { owners: ds }), pod("agent-y", { owners: ds, ready: true })])).toEqual([]);
  });

  it("never acts in a namespace not listed, nor in one the agent does not watch", () => {
    const pods = [pod("api-1", { ns: "todo" }), pod("api-2", { ns: "todo", ready: true })];
    const rs = replicaSet("todo", "api-7d9f", "api");
    const all = [rs, ...pods];
    expect(decideRestarts(all, lookupOf(all), NOW, POLICY, EMPTY_RESTART_LEDGER)).toEqual([]);
    const unwatched = { ...POLICY, namespaces: ["shop", "todo"], watched: (ns: string) => ns !== "todo" };
    expect(decideRestarts(all, lookupOf(all), NOW, unwatched, EMPTY_RESTART_LEDGER)).toEqual([]);
  });

  it("does nothing at all when no namespace is listed (the default)", () => {
    expect(decide([pod("api-1"), pod("api-2", { ready: true })], { ...POLICY, namespaces: [] })).toEqual([]);
  });

  it("restarts one pod per workload per cooldown, even when two are stuck at once", () => {
    const pods = [pod("api-1", { forMin: 40 }), pod("api-2", { forMin: 20 }), pod("api-3", { ready: true })];
    expect(decide(pods)).toEqual(["restart api-1", "skip api-2: cooldown"]);
    const after = recordRestart(EMPTY_RESTART_LEDGER, pod1View(pods), NOW - 29 * MIN, POLICY);
    expect(decide(pods.slice(1), POLICY, after)).toEqual(["skip api-2: cooldown"]);
    const longAgo = recordRestart(EMPTY_RESTART_LEDGER, pod1View(pods), NOW - 31 * MIN, POLICY);
    expect(decide(pods.slice(1), POLICY, longAgo)).toEqual(["restart api-2"]);
  });

  it("restarts at most perHour pods across the cluster within an hour", () => {
    const objects: Raw[] = [];
    for (const w of ["a", "b", "c", "d"]) {
      objects.push(replicaSet("shop", `${w}-rs`, w));
      const owners = owner("ReplicaSet", `${w}-rs`);
      objects.push(pod(`${w}-1`, { owners }), pod(`${w}-2`, { owners, ready: true }));
    }
    expect(decide(objects)).toEqual(["restart a-1", "restart b-1", "restart c-1", "skip d-1: hourly-limit"]);
    expect(decide(objects, { ...POLICY, perHour: 0 })).toEqual([
      "skip a-1: hourly-limit",
      "skip b-1: hourly-limit",
      "skip c-1: hourly-limit",
      "skip d-1: hourly-limit",
    ]);
  });

  it("never decides twice about a pod it restarted (the watch's next change of it is no new case)", () => {
    const pods = [pod("api-1"), pod("api-2", { ready: true })];
    const ledger = recordRestart(EMPTY_RESTART_LEDGER, pod1View(pods), NOW - 40 * MIN, POLICY);
    expect(decide(pods, POLICY, ledger)).toEqual([]);
  });

  it("leaves a held pod (its eviction was refused) alone until the hold ends", () => {
    const pods = [pod("api-1"), pod("api-2", { ready: true })];
    const ledger = holdPod(EMPTY_RESTART_LEDGER, "uid-api-1", NOW + MIN);
    expect(decide(pods, POLICY, ledger)).toEqual([]);
    expect(decide(pods, POLICY, ledger, NOW + 2 * MIN)).toEqual(["restart api-1"]);
  });

  it("leaves a pod being deleted, and one not Running", () => {
    const deleting = pod("api-1");
    (deleting.metadata as Raw).deletionTimestamp = iso(NOW);
    const pending = pod("api-3");
    (pending.status as Raw).phase = "Pending";
    expect(decide([deleting, pending, pod("api-2", { ready: true })])).toEqual([]);
  });
});

/** api-1 of `pods`, as stuckPods describes it. */
function pod1View(pods: Raw[]) {
  const all = [RS, ...pods];
  const found = stuckPods(all, lookupOf(all), NOW, { ...POLICY, stuckForMs: 0 }).find(
    (s) => s.pod.name === "api-1",
  );
  if (!found) throw new Error("api-1 is not stuck");
  return found.pod;
}
