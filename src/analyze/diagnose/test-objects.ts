// Test support (imported only by *.test.ts): kubectl-shaped pods, events, nodes and owners, small enough
// that a test states only what its scenario is about.
import { DEFAULT_DIAGNOSIS_POLICY, type DiagnoseInput } from "../../model/finding.ts";

export type Obj = Record<string, unknown>;

export const NOW = Date.parse("2026-11-20T12:00:00Z") / 1000;
export const iso = (secondsBeforeNow: number) => new Date((NOW - secondsBeforeNow) * 1000).toISOString();

export interface ContainerInput {
  name?: string;
  image?: string;
  memoryLimit?: string;
  requests?: Record<string, string>;
  livenessProbe?: Obj;
  readinessProbe?: Obj;
  /** The status: running (default), waiting, or terminated now. */
  waiting?: { reason: string; message?: string };
  terminatedNow?: { reason: string; exitCode: number; message?: string };
  last?: { reason: string; exitCode: number; startedAgo?: number; finishedAgo?: number; message?: string };
  runningSinceAgo?: number;
  ready?: boolean;
  restarts?: number;
}

export function deployment(namespace: string, name: string, conditions: Obj[] = []): Obj[] {
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { namespace, name, uid: `uid-deploy-${namespace}-${name}` },
      spec: { replicas: 1 },
      status: { conditions },
    },
    {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        namespace,
        name: `${name}-7d9f8b6c5d`,
        uid: `uid-rs-${namespace}-${name}`,
        ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name, controller: true }],
      },
    },
  ];
}

export function pod(input: {
  namespace?: string;
  name: string;
  /** The Deployment owning it through a ReplicaSet; else a bare pod, or `owner` as given. */
  deployment?: string;
  owner?: { kind: string; name: string };
  node?: string;
  phase?: string;
  reason?: string;
  message?: string;
  conditions?: Obj[];
  containers?: ContainerInput[];
}): Obj {
  const namespace = input.namespace ?? "todo";
  const owner = input.deployment
    ? { kind: "ReplicaSet", name: `${input.deployment}-7d9f8b6c5d` }
    : input.owner;
  const containers = input.containers ?? [{}];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace,
      name: input.name,
      uid: `uid-pod-${namespace}-${input.name}`,
      labels: input.deployment ? { "pod-template-hash": "7d9f8b6c5d" } : {},
      ...(owner ? { ownerReferences: [{ apiVersion: "apps/v1", ...owner, controller: true }] } : {}),
    },
    spec: {
      ...(input.node ? { nodeName: input.node } : {}),
      containers: containers.map((c) => ({
        name: c.name ?? "app",
        image: c.image ?? "registry.example.com/app:1.0",
        resources: {
          ...(c.requests ? { requests: c.requests } : {}),
          ...(c.memoryLimit ? { limits: { memory: c.memoryLimit } } : {}),
        },
        ...(c.livenessProbe ? { livenessProbe: c.livenessProbe } : {}),
        ...(c.readinessProbe ? { readinessProbe: c.readinessProbe } : {}),
      })),
    },
    status: {
      phase: input.phase ?? "Running",
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.message ? { message: input.message } : {}),
      conditions: input.conditions ?? [],
      containerStatuses: input.phase === "Pending" || input.phase === "Failed" ? [] : containers.map(status),
    },
  };
}

function status(c: ContainerInput): Obj {
  const state = c.waiting
    ? { waiting: c.waiting }
    : c.terminatedNow
      ? { terminated: { ...c.terminatedNow, startedAt: iso(120), finishedAt: iso(60) } }
      : { running: { startedAt: iso(c.runningSinceAgo ?? 30) } };
  const last = c.last
    ? {
        terminated: {
          reason: c.last.reason,
          exitCode: c.last.exitCode,
          startedAt: iso(c.last.startedAgo ?? 120),
          finishedAt: iso(c.last.finishedAgo ?? 60),
          ...(c.last.message ? { message: c.last.message } : {}),
        },
      }
    : {};
  return {
    name: c.name ?? "app",
    image: c.image ?? "registry.example.com/app:1.0",
    state,
    lastState: last,
    ready: c.ready ?? (!c.waiting && !c.terminatedNow),
    restartCount: c.restarts ?? (c.last ? 5 : 0),
    started: !c.waiting,
  };
}

export function event(input: {
  about: Obj;
  reason: string;
  message: string;
  container?: string;
  count?: number;
  firstAgo?: number;
  lastAgo?: number;
  type?: string;
}): Obj {
  const meta = input.about.metadata as Obj;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { namespace: meta.namespace ?? "default", name: `${meta.name}.${input.reason}` },
    involvedObject: {
      kind: input.about.kind,
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      ...(input.container ? { fieldPath: `spec.containers{${input.container}}` } : {}),
    },
    reason: input.reason,
    message: input.message,
    type: input.type ?? "Warning",
    count: input.count ?? 1,
    firstTimestamp: iso(input.firstAgo ?? 600),
    lastTimestamp: iso(input.lastAgo ?? 30),
  };
}

export function node(name: string, conditions: Obj[] = [], allocatable = { cpu: "4", memory: "16Gi" }): Obj {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-node-${name}` },
    status: {
      allocatable,
      conditions: conditions.some((c) => c.type === "Ready")
        ? conditions
        : [{ type: "Ready", status: "True", reason: "KubeletReady" }, ...conditions],
    },
  };
}

export function input(objects: Obj[], extra: Partial<DiagnoseInput> = {}): DiagnoseInput {
  return {
    objects,
    logs: {},
    previousLogs: {},
    logsReadable: true,
    history: [],
    now: NOW,
    policy: DEFAULT_DIAGNOSIS_POLICY,
    ...extra,
  };
}
