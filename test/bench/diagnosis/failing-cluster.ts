// The 10,000-pod `bench:snapshot` cluster with work for the classifier: besides the generator's own crash
// loops (1 deployment in 50), 1 deployment in 25 gets one of five real failures on all its pods — OOM kills,
// a missing Secret, a tag that does not exist, liveness kills of a slow starter, a refused database — with the
// events the kubelet writes and the logs of the dead instance.
import type { ClusterSnapshot } from "../../../src/formats/snapshot.ts";
import type { KubeObject } from "../../support/snapshot-builder.ts";
import { buildCluster, NOW } from "../snapshot.bench.ts";

const at = (secondsAgo: number) =>
  new Date(Date.parse(NOW) - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

type Status = Record<string, unknown>;

function kubeletEvent(
  p: KubeObject,
  container: string,
  reason: string,
  message: string,
  count: number,
): KubeObject {
  const name = `${p.metadata.name}.${reason.toLowerCase()}${count}`;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name,
      namespace: p.metadata.namespace,
      uid: `ev-${name}`,
      resourceVersion: "1",
      creationTimestamp: at(3600),
    },
    involvedObject: {
      apiVersion: "v1",
      kind: "Pod",
      namespace: p.metadata.namespace,
      name: p.metadata.name,
      uid: p.metadata.uid,
      fieldPath: `spec.containers{${container}}`,
    },
    reason,
    message,
    source: { component: "kubelet", host: (p.spec as { nodeName?: string }).nodeName },
    firstTimestamp: at(3600),
    lastTimestamp: at(30),
    count,
    type: reason === "Killing" ? "Normal" : "Warning",
  } as KubeObject;
}

const crashLoop = {
  waiting: { reason: "CrashLoopBackOff", message: "back-off 5m0s restarting failed container" },
};
const died = (exitCode: number, reason: string, ran: number) => ({
  terminated: {
    exitCode,
    reason,
    startedAt: at(120 + ran),
    finishedAt: at(120),
    containerID: "containerd://0f",
  },
});

/** Sets one of five failures on pod `p` (container `c`); returns the events it brings and its dead log. */
function fail(kind: number, p: KubeObject, c: string, s: Status): { events: KubeObject[]; log?: string } {
  const ev = (reason: string, message: string, count: number) => kubeletEvent(p, c, reason, message, count);
  Object.assign(s, { ready: false, started: false });
  switch (kind) {
    case 0:
      Object.assign(s, { restartCount: 6, state: crashLoop, lastState: died(137, "OOMKilled", 900) });
      return {
        events: [ev("BackOff", `Back-off restarting failed container ${c}`, 20)],
        log: "INFO batch import started rows=900000\n",
      };
    case 1: {
      const msg = `secret "${c}-credentials" not found`;
      Object.assign(s, {
        restartCount: 0,
        state: { waiting: { reason: "CreateContainerConfigError", message: msg } },
      });
      return { events: [ev("Failed", `Error: ${msg}`, 80)] };
    }
    case 2: {
      const image = `registry.example.com/${c}:9.9.9`;
      Object.assign(s, {
        restartCount: 0,
        state: { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` } },
      });
      return {
        events: [
          ev(
            "Failed",
            `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`,
            9,
          ),
        ],
      };
    }
    case 3:
      Object.assign(s, { restartCount: 8, state: crashLoop, lastState: died(137, "Error", 61) });
      return {
        events: [
          ev(
            "Unhealthy",
            'Liveness probe failed: Get "http://10.244.1.9:8080/healthz": dial tcp 10.244.1.9:8080: connect: connection refused',
            24,
          ),
          ev("Killing", `Container ${c} failed liveness probe, will be restarted`, 8),
        ],
        log: "INFO starting\nINFO loading caches\nINFO warming up 12000 entries\n",
      };
    default:
      Object.assign(s, { restartCount: 11, state: crashLoop, lastState: died(1, "Error", 2) });
      return {
        events: [],
        log: "INFO starting\nERROR connect ECONNREFUSED 10.96.4.12:5432\nFATAL cannot reach database\n",
      };
  }
}

export interface FailingCluster {
  snapshot: ClusterSnapshot;
  pods: number;
  failingPods: number;
  /** A failing workload, for the single-workload timing. */
  sample: { namespace: string; name: string };
}

export function failingCluster(): FailingCluster {
  const cluster = buildCluster();
  const events: KubeObject[] = [];
  const logs: Record<string, string> = {};
  const previousLogs: Record<string, string> = {};
  for (const [key, l] of Object.entries(cluster.logs)) {
    if (l.current !== undefined) logs[key] = l.current;
    if (l.previous !== undefined) previousLogs[key] = l.previous;
  }
  let failing = Object.keys(previousLogs).length;
  const pods = cluster.objects.filter((o) => o.kind === "Pod");
  for (const p of pods) {
    const i = Number(/^svc-(\d+)-/.exec(p.metadata.name)?.[1] ?? -1);
    if (i < 0 || i % 25 !== 3) continue;
    const c = (p.spec as { containers: { name: string }[] }).containers[0]?.name ?? "";
    const s = ((p.status as { containerStatuses?: Status[] }).containerStatuses ?? [])[0];
    if (!s) continue;
    const f = fail(Math.floor(i / 25) % 5, p, c, s);
    events.push(...f.events);
    if (f.log) previousLogs[`${p.metadata.namespace}/${p.metadata.name}/${c}`] = f.log;
    failing++;
  }
  const snapshot = {
    apiVersion: "kopt.dev/v1",
    kind: "ClusterSnapshot",
    cluster: "bench",
    capturedAt: NOW,
    objects: { apiVersion: "v1", kind: "List", items: [...cluster.objects, ...events] },
    usage: { cpu: { resultType: "matrix", result: [] }, memory: { resultType: "matrix", result: [] } },
    logs,
    previousLogs,
  } as unknown as ClusterSnapshot;
  return {
    snapshot,
    pods: pods.length,
    failingPods: failing,
    sample: { namespace: "team-3", name: "svc-3" },
  };
}
