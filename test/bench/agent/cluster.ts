// The cluster of `npm run bench:agent`: the 10,000-pod cluster of `bench:snapshot` (1 in 50 Deployments
// crash-looping), the namespace of the agent's Lease, and the pod changes the bench applies to it: an
// OOM kill per incident, and churn (pods replaced and updated, as a rollout or a kubelet does).

import { mulberry32, nameSuffix, namespace } from "../../support/snapshot-builder.ts";
import { buildCluster, type Cluster } from "../snapshot.bench.ts";

export type Obj = Record<string, unknown> & {
  metadata: { name: string; namespace?: string; [k: string]: unknown };
};

/** Where the agent's Lease and control ConfigMap live. */
export const AGENT_NAMESPACE = "kopt";

export function benchCluster(): Cluster {
  const cluster = buildCluster();
  cluster.objects.push(namespace({ name: AGENT_NAMESPACE, created: "2026-10-01T00:00:00Z" }));
  return cluster;
}

/** A Deployment of the cluster that an incident happens to: its namespace, name and (only) container. */
export interface IncidentTarget {
  namespace: string;
  name: string;
  container: string;
}

/** `svc-<i>` of buildCluster lives in team-<i % 50> and crash-loops when i % 50 === 7. */
const DEPLOYMENTS = 1950;
const NAMESPACES = 50;
const crashLooping = (i: number) => i % 50 === 7;

/** `count` distinct healthy Deployments, spread over the namespaces. */
export function incidentTargets(count: number): IncidentTarget[] {
  const out: IncidentTarget[] = [];
  for (let k = 0; out.length < count; k++) {
    const i = (k * 37 + 3) % DEPLOYMENTS;
    if (k >= DEPLOYMENTS) throw new Error(`at most ${out.length} incidents: there are no more Deployments`);
    if (crashLooping(i) || out.some((t) => t.name === `svc-${i}`)) continue;
    out.push({ namespace: `team-${i % NAMESPACES}`, name: `svc-${i}`, container: `svc-${i}` });
  }
  return out;
}

/** The pods of a Deployment (its ReplicaSet's pods are named `<deployment>-<template hash>-<suffix>`). */
export function podsOf(objects: readonly Obj[], t: { namespace: string; name: string }): Obj[] {
  return objects.filter(
    (o) =>
      o.kind === "Pod" &&
      o.metadata.namespace === t.namespace &&
      o.metadata.name.startsWith(`${t.name}-`) &&
      /^[a-z0-9]{10}-[a-z0-9]{5}$/.test(o.metadata.name.slice(t.name.length + 1)),
  );
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: Record<string, unknown>;
  lastState?: Record<string, unknown>;
  [k: string]: unknown;
}

function statusesOf(pod: Obj): ContainerStatus[] {
  const status = (pod.status ?? {}) as { containerStatuses?: ContainerStatus[] };
  return status.containerStatuses ?? [];
}

/**
 * The pod after its container was OOM-killed at `at` and restarted by the kubelet: last state terminated
 * (OOMKilled, exit 137), running again, one more restart.
 */
export function oomKilled(pod: Obj, container: string, at: Date): Obj {
  const next = structuredClone(pod);
  const s = statusesOf(next).find((c) => c.name === container);
  if (!s) throw new Error(`pod ${pod.metadata.name} has no container ${container}`);
  const started = (s.state?.running as { startedAt?: string } | undefined)?.startedAt ?? iso(at);
  s.lastState = {
    terminated: {
      exitCode: 137,
      reason: "OOMKilled",
      startedAt: started,
      finishedAt: iso(at),
      containerID: `containerd://${"0".repeat(56)}${nameSuffix(`${pod.metadata.name}/${at.getTime()}`, 8)}`,
    },
  };
  s.state = { running: { startedAt: iso(at) } };
  s.restartCount = (s.restartCount ?? 0) + 1;
  return next;
}

/** One pod change of the churn: an object to create or replace, or a pod to delete. */
export type PodChange =
  | { op: "apply"; object: Obj; what: "added" | "updated" }
  | { op: "remove"; namespace: string; name: string };

/**
 * Healthy churn, one change per call, cycling through: delete a pod of a Deployment, add its replacement
 * under a new name (as a ReplicaSet does), update another pod's status (a kubelet's heartbeat-like
 * condition change). New names every cycle: a cache that keeps deleted pods grows. Seeded: deterministic.
 */
export class Churn {
  private readonly random: () => number;
  private readonly pods: Map<string, Obj>;
  private readonly keys: string[];
  private pending: Obj | undefined;
  private step = 0;

  constructor(objects: readonly Obj[], avoid: readonly { namespace: string; name: string }[], seed = 15) {
    this.random = mulberry32(seed);
    const avoided = new Set(avoid.map((a) => `${a.namespace}/${a.name}`));
    const deploymentPod = (o: Obj) => {
      const m = /^(svc-(\d+))-[a-z0-9]{10}-[a-z0-9]{5}$/.exec(o.metadata.name);
      return m !== null && !crashLooping(Number(m[2])) && !avoided.has(`${o.metadata.namespace}/${m[1]}`);
    };
    const pods = objects.filter((o) => o.kind === "Pod" && deploymentPod(o));
    this.pods = new Map(pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
    this.keys = [...this.pods.keys()];
  }

  /** The next change, at time `now`. */
  next(now: Date): PodChange {
    const phase = this.step++ % 3;
    if (phase === 0) {
      const victim = this.pick();
      this.pods.delete(`${victim.metadata.namespace}/${victim.metadata.name}`);
      this.pending = victim;
      return { op: "remove", namespace: victim.metadata.namespace as string, name: victim.metadata.name };
    }
    if (phase === 1 && this.pending) {
      const replacement = this.replacementOf(this.pending, now);
      this.pending = undefined;
      const key = `${replacement.metadata.namespace}/${replacement.metadata.name}`;
      this.pods.set(key, replacement);
      this.keys.push(key);
      return { op: "apply", object: replacement, what: "added" };
    }
    const pod = structuredClone(this.pick());
    const status = pod.status as { conditions?: { type: string; lastProbeTime?: string | null }[] };
    for (const c of status.conditions ?? []) if (c.type === "Ready") c.lastProbeTime = iso(now);
    pod.metadata.annotations = {
      ...((pod.metadata.annotations as Record<string, string> | undefined) ?? {}),
      "bench.kopt.dev/churn": String(this.step),
    };
    delete pod.metadata.resourceVersion;
    this.pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, pod);
    return { op: "apply", object: pod, what: "updated" };
  }

  /** A live pod, at random (keys of deleted pods are skipped and dropped lazily). */
  private pick(): Obj {
    for (;;) {
      const i = Math.floor(this.random() * this.keys.length);
      const key = this.keys[i] as string;
      const pod = this.pods.get(key);
      if (pod) return pod;
      this.keys[i] = this.keys[this.keys.length - 1] as string;
      this.keys.pop();
    }
  }

  private replacementOf(old: Obj, now: Date): Obj {
    const pod = structuredClone(old);
    const base = old.metadata.name.replace(/-[a-z0-9]{5}$/, "");
    const meta = pod.metadata;
    meta.name = `${base}-${nameSuffix(`${base}/${this.step}/${now.getTime()}`)}`;
    delete meta.uid;
    delete meta.resourceVersion;
    meta.creationTimestamp = iso(now);
    for (const s of statusesOf(pod)) {
      s.restartCount = 0;
      s.state = { running: { startedAt: iso(now) } };
      delete s.lastState;
    }
    return pod;
  }
}
