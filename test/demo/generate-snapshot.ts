// Generates clusters/demo/snapshot.json.gz, the embedded demo cluster that `npm start` plans against.
// Deterministic: the same bytes on every run (seeded noise, fixed timestamps, gzip level 9 with mtime 0).
//
//   npx tsx test/demo/generate-snapshot.ts
//
// The cluster "demo" runs the todo-chatbot chart (helm/todo-chatbot, overrides in clusters/demo/values.yaml)
// in namespace `todo`, a postgres StatefulSet next to it, and node-exporter in kube-system, on 3 nodes of
// 4 CPU / 16Gi. 14 days of usage at a 5-minute step end at capturedAt. The scenarios:
//
//   backend   Deployment, 3 replicas, over-provisioned: requests 1 CPU / 2Gi, limits 2 CPU / 4Gi, while it
//             uses ~0.08-0.25 cores (daily cycle) and ~350-450Mi.
//   frontend  Deployment under an HPA (min 2 / max 4, target 70% CPU), stuck at 4 = max (ScalingLimited
//             TooManyReplicas): requests 100m / 128Mi, limits 200m / 256Mi, while each pod uses ~0.12-0.19
//             cores (always above its request, peaking mid-afternoon) and ~180-230Mi.
//   worker    Deployment, 2 replicas, OOMKilled: requests 100m / 192Mi, limits 500m / 256Mi. Memory leaks from
//             ~112Mi up to the 256Mi limit, the container is OOM-killed and restarts (6 times per pod in the
//             window: restartCount 6, lastState OOMKilled); cpu ~0.05-0.3 cores in bursts.
//   notifier  Deployment, 1 replica, crash-looping since it was deployed 3.5 hours ago (SMTP_HOST is not set):
//             CrashLoopBackOff, restartCount 41, last exit Error (1). Usage only in short bursts.
//   search    Deployment, 2 replicas, a JVM search service that needs ~39 s to start, while its liveness probe
//             (httpGet /healthz:8080, initialDelaySeconds 10, periodSeconds 10, failureThreshold 3) kills it
//             at ~40 s: one pod is crash-looping (restartCount 14, CrashLoopBackOff, last exit Error 137 after
//             41 s, its previous log still loading the index, no error line); the other, on a less busy node,
//             made it on its third start ("Started SearchApplication in 38.6 seconds") and is Ready.
//   mailer    Deployment, 1 replica, deployed 25 minutes ago: its env reads key smtp-password of Secret
//             todo/mailer-smtp, which has no such key, so the container is never created
//             (CreateContainerConfigError); no usage, no logs.
//   postgres  StatefulSet (not part of the chart, not mapped in kopt.yaml), well sized: requests 500m / 1Gi,
//             steady usage ~0.3 cores / ~610Mi (about 60% of the requests).
//   node-exporter  DaemonSet in kube-system, one pod per node, ~0.01 cores / ~26Mi.
//
// A rollout 5 days ago replaced the backend's and frontend's pods (new image tags). The previous
// ReplicaSets are still listed (scaled to 0); their pods are gone, but their usage series cover the days
// before the rollout, so usage must be mapped to the workload through the ReplicaSet name.
//
// For the security audit (issue 17) the demo also holds ServiceAccounts, RBAC, a NetworkPolicy, an Ingress,
// a ConfigMap, Trivy VulnerabilityReports and a few posture faults in fields plan does not read: see
// test/demo/demo-posture.ts.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import {
  type ClusterSnapshot,
  type ContainerInput,
  daemonSet,
  deployment,
  event,
  hpa,
  type KubeObject,
  type Labels,
  namespace,
  node,
  type PodController,
  type PromSeries,
  pod,
  replicaSet,
  seeded,
  snapshot,
  statefulSet,
  toIso,
  toUnix,
  usageSeries,
} from "../support/snapshot-builder.ts";
import { demoPostureObjects, withPostureFaults } from "./demo-posture.ts";

/** Where the snapshot lives, relative to the repository root (as clusters/demo/kopt.yaml names it). */
export const DEMO_SNAPSHOT_FILE = "clusters/demo/snapshot.json.gz";
/** The demo's objects without usage, for clusters/demo-prometheus, whose usage comes from a real Prometheus. */
export const DEMO_OBJECTS_FILE = "clusters/demo-prometheus/objects.json.gz";
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MI = 2 ** 20;

export const CAPTURED_AT = "2026-11-20T12:00:00Z"; // a Friday
const END = toUnix(CAPTURED_AT);
const STEP = 5 * MINUTE;
const START = END - 14 * DAY;
const RANGE = { start: START, end: END, step: STEP };
/** The backend + frontend rollout: 2026-11-15T09:40:00Z, five days before capture. */
const ROLLOUT = END - 5 * DAY - 2 * HOUR - 20 * MINUTE;

const NS = "todo";
const RELEASE = "todo-chatbot";
const CHART = "todo-chatbot-0.5.0"; // helm/todo-chatbot/Chart.yaml

// ---------------------------------------------------------------------------------------------------------
// Usage shapes

/** Daily load 0..1: lowest at 02:00 UTC, highest at 14:00 UTC; weekends peak at 60%. */
function load(t: number): number {
  const hour = (t % DAY) / HOUR;
  const shape = (1 - Math.cos((2 * Math.PI * (hour - 2)) / 24)) / 2;
  const weekday = new Date(t * 1000).getUTCDay();
  return weekday === 0 || weekday === 6 ? 0.6 * shape : shape;
}

/** Triangular noise in [-amplitude, amplitude]. */
function jitter(rand: () => number, amplitude: number): number {
  return (rand() + rand() - 1) * amplitude;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** A value function limited to [from, to). */
function during(from: number, to: number, f: (t: number) => number): (t: number) => number | undefined {
  return (t) => (t >= from && t < to ? f(t) : undefined);
}

// ---------------------------------------------------------------------------------------------------------
// Objects

const NODES = ["demo-node-a", "demo-node-b", "demo-node-c"] as const;
const [NODE_A, NODE_B, NODE_C] = NODES;

/** Labels the chart puts on its objects (helm/todo-chatbot/templates/_helpers.tpl). */
function chartLabels(component: string, version: string): Labels {
  return {
    "app.kubernetes.io/instance": RELEASE,
    "app.kubernetes.io/managed-by": "Helm",
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/part-of": "todo-chatbot",
    "app.kubernetes.io/version": version,
    "helm.sh/chart": CHART,
  };
}
function selectorLabels(component: string): Labels {
  return { "app.kubernetes.io/name": component, "app.kubernetes.io/instance": RELEASE };
}
function podLabels(component: string): Labels {
  return { ...selectorLabels(component), "app.kubernetes.io/part-of": "todo-chatbot" };
}

/** An httpGet probe as a values file sets it (helm/todo-chatbot renders it as is). */
interface HttpProbe {
  httpGet: { path: string; port: number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}

/** An environment variable: a plain value, or a key of a Secret. */
type EnvVar =
  | { name: string; value: string }
  | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

interface Component {
  name: string;
  repository: string;
  tag: string;
  port?: number;
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
  env?: EnvVar[];
  livenessProbe?: HttpProbe;
  readinessProbe?: HttpProbe;
}

/** A probe as the API server returns it: Kubernetes' defaults filled in (an initialDelaySeconds of 0 is omitted). */
export function probeWithDefaults(p: HttpProbe): Record<string, unknown> {
  return {
    httpGet: { path: p.httpGet.path, port: p.httpGet.port, scheme: "HTTP" },
    ...(p.initialDelaySeconds ? { initialDelaySeconds: p.initialDelaySeconds } : {}),
    timeoutSeconds: 1,
    periodSeconds: p.periodSeconds ?? 10,
    successThreshold: 1,
    failureThreshold: p.failureThreshold ?? 3,
  };
}

/** The container the snapshot builder makes; chartDeployment adds env and probes (withEnvAndProbes). */
function containerOf(c: Component, tag = c.tag): ContainerInput {
  const out: ContainerInput = {
    name: c.name,
    image: `${c.repository}:${tag}`,
    resources: { requests: { ...c.requests }, limits: { ...c.limits } },
  };
  if (c.port !== undefined) out.ports = [{ name: "http", containerPort: c.port }];
  return out;
}

/**
 * The pod template's container with what the snapshot builder does not model (env from a Secret key, probes),
 * its fields in the order the API server prints them.
 */
function withEnvAndProbes(container: Record<string, unknown>, c: Component): Record<string, unknown> {
  const { terminationMessagePath, terminationMessagePolicy, imagePullPolicy, env, resources, ...head } =
    container;
  return {
    ...head,
    ...(c.env ? { env: structuredClone(c.env) } : env ? { env } : {}),
    resources,
    ...(c.livenessProbe ? { livenessProbe: probeWithDefaults(c.livenessProbe) } : {}),
    ...(c.readinessProbe ? { readinessProbe: probeWithDefaults(c.readinessProbe) } : {}),
    terminationMessagePath,
    terminationMessagePolicy,
    imagePullPolicy,
  };
}

// Must agree with helm/todo-chatbot/values.yaml merged with clusters/demo/values.yaml (test/demo/demo.test.ts).
const FRONTEND: Component = {
  name: "frontend",
  repository: "ghcr.io/example/todo-chatbot-frontend",
  tag: "1.8.2",
  port: 8080,
  requests: { cpu: "100m", memory: "128Mi" },
  limits: { cpu: "200m", memory: "256Mi" },
};
const BACKEND: Component = {
  name: "backend",
  repository: "ghcr.io/example/todo-chatbot-backend",
  tag: "2.4.0",
  port: 8000,
  requests: { cpu: "1", memory: "2Gi" },
  limits: { cpu: "2", memory: "4Gi" },
};
const WORKER: Component = {
  name: "worker",
  repository: "ghcr.io/example/todo-chatbot-worker",
  tag: "2.4.0",
  requests: { cpu: "100m", memory: "192Mi" },
  limits: { cpu: "500m", memory: "256Mi" },
};
const NOTIFIER: Component = {
  name: "notifier",
  repository: "ghcr.io/example/todo-chatbot-notifier",
  tag: "1.2.0",
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { cpu: "200m", memory: "128Mi" },
  // SMTP_HOST is missing: the notifier refuses to start without it.
  env: [
    { name: "SMTP_PORT", value: "587" },
    { name: "SMTP_FROM", value: "reminders@todo.example.com" },
  ],
};

const SEARCH: Component = {
  name: "search",
  repository: "ghcr.io/example/todo-chatbot-search",
  tag: "3.1.0",
  port: 8080,
  requests: { cpu: "500m", memory: "768Mi" },
  limits: { cpu: "1", memory: "1Gi" },
  // Killed 10 + 10 x 3 = 40 s after start, while the JVM needs ~39 s to load its index.
  livenessProbe: {
    httpGet: { path: "/healthz", port: 8080 },
    initialDelaySeconds: 10,
    periodSeconds: 10,
    failureThreshold: 3,
  },
  readinessProbe: { httpGet: { path: "/readyz", port: 8080 }, periodSeconds: 5, failureThreshold: 3 },
};
const MAILER: Component = {
  name: "mailer",
  repository: "ghcr.io/example/todo-chatbot-mailer",
  tag: "1.0.0",
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { cpu: "200m", memory: "128Mi" },
  // Secret todo/mailer-smtp exists but has no key smtp-password: the container is never created.
  env: [
    { name: "SMTP_HOST", value: "smtp.todo.example.com" },
    { name: "SMTP_PASSWORD", valueFrom: { secretKeyRef: { name: "mailer-smtp", key: "smtp-password" } } },
  ],
};

function chartDeployment(
  c: Component,
  opts: {
    created: number;
    replicas: number;
    revision: number;
    generation: number;
    rolledOutAt: number;
    ready?: number;
  },
): PodController {
  const d = deployment({
    namespace: NS,
    name: c.name,
    created: opts.created,
    labels: chartLabels(c.name, c.tag),
    // Argo CD renders the chart with `helm template` and tracks what it applied with this annotation.
    annotations: { "argocd.argoproj.io/tracking-id": `${RELEASE}:apps/Deployment:${NS}/${c.name}` },
    selector: selectorLabels(c.name),
    podLabels: podLabels(c.name),
    containers: [containerOf(c)],
    replicas: opts.replicas,
    revision: opts.revision,
    generation: opts.generation,
    rolledOutAt: opts.rolledOutAt,
    ...(opts.ready === undefined ? {} : { ready: opts.ready }),
  });
  const spec = d.spec.template.spec as unknown as { containers: Record<string, unknown>[] };
  spec.containers = spec.containers.map((container) => withEnvAndProbes(container, c));
  return d;
}

interface Built {
  deployments: KubeObject[];
  cpu: PromSeries[];
  memory: PromSeries[];
  logs: Record<string, string>;
  /** The previous (dead) container instance's log, keyed like `logs`. */
  previousLogs: Record<string, string>;
}

function series(
  out: Built,
  ns: string,
  podName: string,
  container: string,
  cpu: (t: number) => number | undefined,
  memory: (t: number) => number | undefined,
): void {
  const metric = { namespace: ns, pod: podName, container };
  out.cpu.push(usageSeries(metric, RANGE, cpu));
  out.memory.push(usageSeries(metric, RANGE, memory));
}

const nameOf = (o: KubeObject): string => o.metadata.name;

// --- backend: 3 replicas, requests 1 CPU / 2Gi, using 0.08-0.25 cores and 350-450Mi ---------------------
function backend(out: Built, pods: KubeObject[], sets: KubeObject[]): void {
  const d = chartDeployment(BACKEND, {
    created: END - 62 * DAY,
    replicas: 3,
    revision: 7,
    generation: 7,
    rolledOutAt: ROLLOUT + 2 * MINUTE,
  });
  out.deployments.push(d);
  const current = replicaSet({ deployment: d, revision: 7, replicas: 3, created: ROLLOUT });
  const previous = replicaSet({
    deployment: d,
    revision: 6,
    replicas: 0,
    created: END - 19 * DAY,
    containers: [containerOf(BACKEND, "2.3.1")],
  });
  sets.push(current, previous);

  const cpu = (seed: string) => {
    const rand = seeded(`cpu/${seed}`);
    return (t: number) => {
      const spike = rand() < 0.01 ? 0.02 + 0.02 * rand() : 0;
      return clamp(0.085 + 0.15 * load(t) + jitter(rand, 0.01) + spike, 0.075, 0.25);
    };
  };
  const memory = (seed: string, startedAt: number) => {
    const rand = seeded(`memory/${seed}`);
    return (t: number) => {
      const warm = Math.min(1, (t - startedAt) / (6 * HOUR)); // caches fill over the first hours
      return clamp((348 + 12 * warm + 82 * load(t - HOUR) + jitter(rand, 4)) * MI, 348 * MI, 452 * MI);
    };
  };

  NODES.forEach((nodeName, i) => {
    // Current pods, since the rollout.
    const created = ROLLOUT + i * 20;
    const p = pod({ owner: current, seed: i, nodeName, created });
    pods.push(p);
    series(
      out,
      NS,
      nameOf(p),
      "backend",
      during(created, END + 1, cpu(nameOf(p))),
      during(created, END + 1, memory(nameOf(p), created)),
    );
    // Previous pods: gone from the cluster, but their usage is still in Prometheus.
    const old = `${nameOf(previous)}-${["x7qzp", "m4w9c", "t2hkr"][i]}`;
    const oldCreated = END - 19 * DAY + i * 20;
    const oldEnd = ROLLOUT + (i + 1) * 2 * MINUTE;
    series(
      out,
      NS,
      old,
      "backend",
      during(START, oldEnd, cpu(old)),
      during(START, oldEnd, memory(old, oldCreated)),
    );
  });
}

// --- frontend: HPA 2..4 at 4, requests 100m / 128Mi, using 0.12-0.19 cores and 180-230Mi per pod ---------
function frontend(
  out: Built,
  pods: KubeObject[],
  sets: KubeObject[],
): { d: PodController; utilization: number } {
  const d = chartDeployment(FRONTEND, {
    created: END - 62 * DAY,
    replicas: 4,
    revision: 12,
    generation: 15,
    rolledOutAt: ROLLOUT + 3 * MINUTE,
  });
  out.deployments.push(d);
  const current = replicaSet({ deployment: d, revision: 12, replicas: 4, created: ROLLOUT });
  const previous = replicaSet({
    deployment: d,
    revision: 11,
    replicas: 0,
    created: END - 26 * DAY,
    containers: [containerOf(FRONTEND, "1.8.1")],
  });
  sets.push(current, previous);

  const base = (t: number) => 0.12 + 0.068 * load(t);
  const cpu = (seed: string) => {
    const rand = seeded(`cpu/${seed}`);
    const share = 1 + jitter(rand, 0.03); // the load balancer is not perfectly even
    return (t: number) => clamp(base(t) * share + jitter(rand, 0.006), 0.115, 0.19);
  };
  const memory = (seed: string) => {
    const rand = seeded(`memory/${seed}`);
    return (t: number) => clamp((183 + 42 * load(t) + jitter(rand, 3)) * MI, 180 * MI, 230 * MI);
  };

  const placement = [NODE_A, NODE_B, NODE_C, NODE_A];
  placement.forEach((nodeName, i) => {
    const created = ROLLOUT + i * 15;
    const p = pod({ owner: current, seed: i, nodeName, created });
    pods.push(p);
    series(
      out,
      NS,
      nameOf(p),
      "frontend",
      during(created, END + 1, cpu(nameOf(p))),
      during(created, END + 1, memory(nameOf(p))),
    );
    const old = `${nameOf(previous)}-${["b8vnd", "k5s2w", "q9rxl", "z4fgp"][i]}`;
    const oldEnd = ROLLOUT + (i + 1) * 3 * MINUTE;
    series(out, NS, old, "frontend", during(START, oldEnd, cpu(old)), during(START, oldEnd, memory(old)));
  });
  // What the HPA sees right now: average usage over the request (100m).
  return { d, utilization: (base(END) / 0.1) * 100 };
}

// --- worker: memory leaks up to the 256Mi limit, OOMKilled 6 times per pod -------------------------------
function worker(out: Built, pods: KubeObject[], sets: KubeObject[], events: KubeObject[]): void {
  const d = chartDeployment(WORKER, {
    created: END - 45 * DAY,
    replicas: 2,
    revision: 3,
    generation: 3,
    rolledOutAt: END - 20 * DAY,
  });
  out.deployments.push(d);
  const rs = replicaSet({ deployment: d, revision: 3, replicas: 2, created: END - 20 * DAY });
  sets.push(rs);

  const podsCreated = START - 4 * HOUR; // rescheduled shortly before the window starts
  const firstStart = podsCreated + 5;
  const limit = 256 * MI;
  // Pod 0 was OOM-killed 40 minutes ago (its events are still in the cluster); pod 1 leaks every 50 hours.
  const periods = [(END - 40 * MINUTE - firstStart) / 6, 50 * HOUR];
  const placement = [NODE_B, NODE_C];
  placement.forEach((nodeName, i) => {
    const period = periods[i] as number;
    const restarts = Math.floor((END - firstStart) / period);
    if (restarts !== 6) throw new Error(`worker pod ${i}: ${restarts} restarts, expected 6`);
    const lastKill = firstStart + restarts * period;
    const p = pod({
      owner: rs,
      seed: i,
      nodeName,
      created: podsCreated,
      statuses: [
        {
          restartCount: restarts,
          runningSince: lastKill + 10,
          lastTerminated: {
            reason: "OOMKilled",
            exitCode: 137,
            startedAt: firstStart + (restarts - 1) * period + 10,
            finishedAt: lastKill,
          },
        },
      ],
    });
    pods.push(p);

    const cpuRand = seeded(`cpu/${nameOf(p)}`);
    const memRand = seeded(`memory/${nameOf(p)}`);
    series(
      out,
      NS,
      nameOf(p),
      "worker",
      (t) => {
        // Background jobs arrive in batches, more of them during the day.
        const burst = cpuRand() < 0.08 + 0.12 * load(t) ? 0.08 + 0.17 * cpuRand() : 0;
        return clamp(0.05 + 0.02 * load(t) + jitter(cpuRand, 0.005) + burst, 0.045, 0.3);
      },
      (t) => {
        // Each container starts at ~112Mi and leaks linearly until the kernel kills it at the limit.
        const phase = ((t - firstStart) % period) / period;
        return Math.min(limit - 0.25 * MI, 112 * MI + (limit - 112 * MI) * phase + jitter(memRand, 2) * MI);
      },
    );

    if (i === 0) {
      events.push(
        event({
          involved: p,
          reason: "OOMKilling",
          type: "Warning",
          message:
            "Memory cgroup out of memory: Killed process 48213 (worker) total-vm:1289312kB, anon-rss:262012kB, " +
            "file-rss:9872kB, shmem-rss:0kB, UID:1000 pgtables:748kB oom_score_adj:992",
          first: lastKill,
          source: { component: "kernel-monitor", host: nodeName },
        }),
        event({
          involved: p,
          reason: "BackOff",
          type: "Warning",
          message: `Back-off restarting failed container worker in pod ${nameOf(p)}_${NS}(${p.metadata.uid})`,
          fieldPath: "spec.containers{worker}",
          first: lastKill + 1,
          source: { component: "kubelet", host: nodeName },
        }),
      );
    }
  });
}

// --- notifier: deployed 3.5 hours ago, crash-looping (CrashLoopBackOff, 41 restarts) ---------------------
function notifier(out: Built, pods: KubeObject[], sets: KubeObject[], events: KubeObject[]): void {
  // Each attempt runs ~2s and exits 1; the kubelet waits 10s, 20s, 40s ... capped at 5 minutes in between.
  const RESTARTS = 41;
  const RUN = 2;
  const offsets: number[] = [0];
  for (let i = 0; i < RESTARTS; i++) offsets.push((offsets[i] as number) + RUN + Math.min(300, 10 * 2 ** i));
  const lastOffset = offsets[RESTARTS] as number;
  // The pod was created so that the 41st restart ran 130 seconds before capture.
  const firstStart = END - 130 - RUN - lastOffset;
  const created = firstStart - 4;
  const nodeName = NODE_A;

  const d = chartDeployment(NOTIFIER, {
    created: created - 1,
    replicas: 1,
    revision: 1,
    generation: 1,
    rolledOutAt: created - 1,
    ready: 0,
  });
  out.deployments.push(d);
  const rs = replicaSet({ deployment: d, revision: 1, replicas: 1, created: created - 1, ready: 0 });
  sets.push(rs);
  // Built once to learn the generated name and uid, which the waiting message quotes.
  const placeholder = pod({ owner: rs, seed: 0, nodeName, created });
  const podName = nameOf(placeholder);
  const lastStart = firstStart + lastOffset;
  const p = pod({
    owner: rs,
    seed: 0,
    nodeName,
    created,
    statuses: [
      {
        restartCount: RESTARTS,
        waiting: {
          reason: "CrashLoopBackOff",
          message: `back-off 5m0s restarting failed container=notifier pod=${podName}_${NS}(${placeholder.metadata.uid})`,
        },
        lastTerminated: { reason: "Error", exitCode: 1, startedAt: lastStart, finishedAt: lastStart + RUN },
      },
    ],
  });
  pods.push(p);

  // Usage exists only where an attempt ran within the step (and cAdvisor happened to see it).
  const starts = offsets.map((o) => firstStart + o);
  const ranIn = (t: number) => starts.some((s) => s > t - STEP && s <= t);
  const rand = seeded(`usage/${podName}`);
  const seen = new Map<number, boolean>();
  const visible = (t: number) => {
    if (!ranIn(t)) return false;
    if (!seen.has(t)) seen.set(t, rand() < 0.6);
    return seen.get(t) === true;
  };
  const valueRand = seeded(`values/${podName}`);
  series(
    out,
    NS,
    podName,
    "notifier",
    (t) => (visible(t) ? 0.02 + 0.03 * valueRand() : undefined),
    (t) => (visible(t) ? (34 + 10 * valueRand()) * MI : undefined),
  );

  events.push(
    event({
      involved: p,
      reason: "BackOff",
      type: "Warning",
      message: `Back-off restarting failed container notifier in pod ${podName}_${NS}(${p.metadata.uid})`,
      fieldPath: "spec.containers{notifier}",
      count: RESTARTS - 3,
      first: firstStart + (offsets[3] as number) + RUN + 1,
      last: END - 20,
      source: { component: "kubelet", host: nodeName },
    }),
  );

  const at = (s: number, ms: number) => toIso(s).replace("Z", `.${String(ms).padStart(3, "0")}Z`);
  out.logs[`${NS}/${podName}/notifier`] = [
    `${at(lastStart, 112)} INFO  notifier 1.2.0 starting (node v20.18.0, pid 1)`,
    `${at(lastStart, 151)} INFO  config: reading settings from the environment`,
    `${at(lastStart, 152)} INFO  config: SMTP_PORT=587 SMTP_FROM=reminders@todo.example.com`,
    `${at(lastStart, 153)} ERROR config: required environment variable SMTP_HOST is not set`,
    `${at(lastStart, 154)} FATAL notifier cannot start: invalid configuration`,
    "Error: missing required environment variable SMTP_HOST",
    "    at requireEnv (/app/dist/config.js:18:11)",
    "    at loadConfig (/app/dist/config.js:42:21)",
    "    at main (/app/dist/main.js:9:18)",
    "",
  ].join("\n");
}

// --- search: a JVM that needs ~39 s to start, killed by its liveness probe at ~40 s -----------------------
/** Seconds from a search container's start to its end when the liveness probe kills it (40 s + shutdown). */
const SEARCH_RUN = 41;
/** The crash-looping pod's IP, which the kubelet's Unhealthy message quotes. */
const SEARCH_CRASH_IP = "10.244.1.17";

/** Start offsets of a container that ran `run` seconds each time, with the kubelet's back-off in between. */
function startOffsets(restarts: number, run: number): number[] {
  const offsets: number[] = [0];
  for (let i = 0; i < restarts; i++) offsets.push((offsets[i] as number) + run + Math.min(300, 10 * 2 ** i));
  return offsets;
}

/** `t` (Unix seconds) plus `seconds` (fractional), as an RFC 3339 time with milliseconds. */
function isoMillis(t: number, seconds: number): string {
  const ms = Math.round(seconds * 1000);
  return toIso(t + Math.floor(ms / 1000)).replace("Z", `.${String(ms % 1000).padStart(3, "0")}Z`);
}

/** A Spring Boot 3 console line, logged by the `main` thread unless another is named. */
function springLine(start: number, at: number, logger: string, message: string, thread = "main"): string {
  return `${isoMillis(start, at)}  INFO 1 --- [search] [${thread.padStart(15)}] ${logger.padEnd(40)} : ${message}`;
}

/**
 * What a search container prints from its start: the JVM and Spring banner lines, then index loading progress
 * every 10% (`percentAt(p)` seconds after start), up to `untilSeconds`. No line is a warning or an error: the
 * instance is still starting when it is killed.
 */
function searchStartLog(start: number, percentAt: (p: number) => number, untilSeconds: number): string[] {
  const app = "c.e.todo.search.SearchApplication";
  const index = "c.e.todo.search.index.IndexLoader";
  const tomcat = "o.s.b.w.embedded.tomcat.TomcatWebServer";
  // [seconds after start, logger, message]
  const spring: [number, string, string][] = [
    [1.204, app, "Starting SearchApplication v3.1.0 using Java 21.0.5 with PID 1"],
    [1.211, app, 'No active profile set, falling back to 1 default profile: "default"'],
    [2.87, tomcat, "Tomcat initialized with port 8080 (http)"],
    [3.02, index, "Loading index from /var/lib/search/index (4812337 documents, 12 segments)"],
  ];
  for (let p = 10; p <= 100; p += 10) {
    const done = Math.round((4812337 * p) / 100);
    spring.push([percentAt(p), index, `Index load progress: ${p}% (${done}/4812337 documents)`]);
  }
  const lines = spring
    .filter(([at]) => at <= untilSeconds)
    .map(([at, logger, message]) => springLine(start, at, logger, message));
  return ["[0.012s][info][gc] Using G1", ...lines];
}

/** The search pod that made it: started in 38.6 s on its third try, then a few index refreshes. */
function searchStartedLog(start: number): string {
  const app = "c.e.todo.search.SearchApplication";
  const lines = [
    ...searchStartLog(start, (p) => 3.5 + 0.3 * p, 34),
    springLine(start, 34.1, "c.e.todo.search.cache.QueryCache", "Warming query caches (2048 entries)"),
    springLine(
      start,
      38.4,
      "o.s.b.w.embedded.tomcat.TomcatWebServer",
      "Tomcat started on port 8080 (http) with context path '/'",
    ),
    springLine(start, 39.9, app, "Started SearchApplication in 38.6 seconds (process running for 39.9)"),
  ];
  for (const [i, docs] of [37, 12, 58].entries()) {
    const at = 300 * (i + 1) + 7.25;
    lines.push(
      springLine(
        start,
        at,
        "c.e.todo.search.index.IndexRefresher",
        `Index refresh: ${docs} documents updated`,
        "scheduling-1",
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The kubelet's events for a search pod whose container was killed at each of `starts`: three failed liveness
 * probes 20, 30 and 40 s after each start (10 s delay, then every 10 s, as killAfter = 10 + 10 x 3 counts),
 * the kill, and the back-off before the next start.
 */
function searchEvents(
  p: KubeObject,
  ip: string,
  starts: number[],
  last: { end: number; backoffs: number },
): KubeObject[] {
  const nodeName = String((p.spec as { nodeName: string }).nodeName);
  const source = { component: "kubelet", host: nodeName };
  const fieldPath = "spec.containers{search}";
  const first = starts[0] as number;
  const lastStart = starts[starts.length - 1] as number;
  return [
    event({
      involved: p,
      reason: "Unhealthy",
      type: "Warning",
      message: `Liveness probe failed: Get "http://${ip}:8080/healthz": dial tcp ${ip}:8080: connect: connection refused`,
      fieldPath,
      count: 3 * starts.length,
      first: first + 20,
      last: lastStart + 40,
      source,
    }),
    event({
      involved: p,
      reason: "Killing",
      type: "Normal",
      message: "Container search failed liveness probe, will be restarted",
      fieldPath,
      count: starts.length,
      first: first + 40,
      last: lastStart + 40,
      source,
    }),
    event({
      involved: p,
      reason: "BackOff",
      type: "Warning",
      message: `Back-off restarting failed container search in pod ${nameOf(p)}_${NS}(${p.metadata.uid})`,
      fieldPath,
      count: last.backoffs,
      first: first + SEARCH_RUN + 1,
      last: last.end,
      source,
    }),
  ];
}

/** Usage of a container that ran only in short attempts: seen in some of the steps an attempt fell in. */
function burstUsage(
  podName: string,
  starts: number[],
  cpu: () => number,
  memory: () => number,
): [(t: number) => number | undefined, (t: number) => number | undefined] {
  const ranIn = (t: number) => starts.some((s) => s > t - STEP && s <= t);
  const rand = seeded(`usage/${podName}`);
  const seen = new Map<number, boolean>();
  const visible = (t: number) => {
    if (!ranIn(t)) return false;
    if (!seen.has(t)) seen.set(t, rand() < 0.6);
    return seen.get(t) === true;
  };
  return [(t) => (visible(t) ? cpu() : undefined), (t) => (visible(t) ? memory() : undefined)];
}

function search(out: Built, pods: KubeObject[], sets: KubeObject[], events: KubeObject[]): void {
  const RESTARTS = 14;
  const offsets = startOffsets(RESTARTS, SEARCH_RUN);
  // The 15th start was killed 130 s before capture; the kubelet now waits out its 5-minute back-off.
  const firstStart = END - 130 - SEARCH_RUN - (offsets[RESTARTS] as number);
  const created = firstStart - 6;
  const d = chartDeployment(SEARCH, {
    created: created - 1,
    replicas: 2,
    revision: 1,
    generation: 1,
    rolledOutAt: created - 1,
    ready: 1,
  });
  out.deployments.push(d);
  const rs = replicaSet({ deployment: d, revision: 1, replicas: 2, created: created - 1, ready: 1 });
  sets.push(rs);

  // Pod 0, on the busy demo-node-a: every start needs ~46 s and is killed at 40.
  const placeholder = pod({ owner: rs, seed: 0, nodeName: NODE_A, created });
  const crashName = nameOf(placeholder);
  const starts = offsets.map((o) => firstStart + o);
  const lastStart = starts[RESTARTS] as number;
  const crashing = pod({
    owner: rs,
    seed: 0,
    nodeName: NODE_A,
    created,
    statuses: [
      {
        restartCount: RESTARTS,
        waiting: {
          reason: "CrashLoopBackOff",
          message: `back-off 5m0s restarting failed container=search pod=${crashName}_${NS}(${placeholder.metadata.uid})`,
        },
        lastTerminated: {
          reason: "Error",
          exitCode: 137,
          startedAt: lastStart,
          finishedAt: lastStart + SEARCH_RUN,
        },
      },
    ],
  });
  const status = crashing.status as Record<string, unknown>;
  status.podIP = SEARCH_CRASH_IP;
  status.podIPs = [{ ip: SEARCH_CRASH_IP }];
  pods.push(crashing);
  events.push(...searchEvents(crashing, SEARCH_CRASH_IP, starts, { end: END - 15, backoffs: 27 }));
  out.previousLogs[`${NS}/${crashName}/search`] =
    `${searchStartLog(lastStart, (p) => 4 + 0.42 * p, SEARCH_RUN).join("\n")}\n`;
  const crashRand = seeded(`values/${crashName}`);
  const [crashCpu, crashMemory] = burstUsage(
    crashName,
    starts,
    () => 0.8 + 0.18 * crashRand(),
    () => (420 + 120 * crashRand()) * MI,
  );
  series(out, NS, crashName, "search", crashCpu, crashMemory);

  // Pod 1, on demo-node-c: killed twice while its page cache was cold, then started in 38.6 s.
  const healthyStarts = startOffsets(2, SEARCH_RUN).map((o) => firstStart + o);
  const runningSince = healthyStarts[2] as number;
  const healthy = pod({
    owner: rs,
    seed: 1,
    nodeName: NODE_C,
    created,
    statuses: [
      {
        restartCount: 2,
        runningSince,
        lastTerminated: {
          reason: "Error",
          exitCode: 137,
          startedAt: healthyStarts[1] as number,
          finishedAt: (healthyStarts[1] as number) + SEARCH_RUN,
        },
      },
    ],
  });
  const readyAt = toIso(runningSince + 45);
  for (const c of (healthy.status as { conditions: { type: string; lastTransitionTime: string }[] })
    .conditions) {
    if (c.type === "Ready" || c.type === "ContainersReady") c.lastTransitionTime = readyAt;
  }
  pods.push(healthy);
  const healthyIp = String((healthy.status as { podIP: string }).podIP);
  events.push(
    ...searchEvents(healthy, healthyIp, healthyStarts.slice(0, 2), {
      end: (healthyStarts[1] as number) + SEARCH_RUN + 1,
      backoffs: 2,
    }),
  );
  const healthyName = nameOf(healthy);
  out.logs[`${NS}/${healthyName}/search`] = searchStartedLog(runningSince);
  out.previousLogs[`${NS}/${healthyName}/search`] =
    `${searchStartLog(healthyStarts[1] as number, (p) => 4 + 0.36 * p, SEARCH_RUN).join("\n")}\n`;
  const cpuRand = seeded(`cpu/${healthyName}`);
  const memRand = seeded(`memory/${healthyName}`);
  const [earlyCpu, earlyMemory] = burstUsage(
    healthyName,
    healthyStarts.slice(0, 2),
    () => 0.8 + 0.18 * cpuRand(),
    () => (420 + 120 * memRand()) * MI,
  );
  series(
    out,
    NS,
    healthyName,
    "search",
    (t) =>
      t >= runningSince ? clamp(0.06 + 0.03 * load(t) + jitter(cpuRand, 0.01), 0.04, 0.12) : earlyCpu(t),
    (t) => (t >= runningSince ? (712 + jitter(memRand, 6)) * MI : earlyMemory(t)),
  );
}

// --- mailer: deployed 25 minutes ago; Secret todo/mailer-smtp has no key smtp-password ------------------
function mailer(out: Built, pods: KubeObject[], sets: KubeObject[], events: KubeObject[]): void {
  const created = END - 25 * MINUTE;
  const d = chartDeployment(MAILER, {
    created: created - 1,
    replicas: 1,
    revision: 1,
    generation: 1,
    rolledOutAt: created - 1,
    ready: 0,
  });
  out.deployments.push(d);
  const rs = replicaSet({ deployment: d, revision: 1, replicas: 1, created: created - 1, ready: 0 });
  sets.push(rs);
  const message = "couldn't find key smtp-password in Secret todo/mailer-smtp";
  const p = pod({
    owner: rs,
    seed: 0,
    nodeName: NODE_B,
    created,
    phase: "Pending",
    statuses: [{ waiting: { reason: "CreateContainerConfigError", message } }],
  });
  // The container was never created: no container id, and the kubelet reports no image id yet.
  for (const s of (p.status as { containerStatuses: Record<string, unknown>[] }).containerStatuses) {
    delete s.containerID;
    s.imageID = "";
  }
  pods.push(p);
  // The kubelet retries the pod's sync (about every 13 s here) and reports the same error each time.
  events.push(
    event({
      involved: p,
      reason: "Failed",
      type: "Warning",
      message: `Error: ${message}`,
      fieldPath: "spec.containers{mailer}",
      count: 112,
      first: created + 3,
      last: END - 11,
      source: { component: "kubelet", host: NODE_B },
    }),
  );
}

// --- postgres: StatefulSet outside the chart, well sized (~60% of requests) --------------------------------
function postgres(out: Built, pods: KubeObject[], sets: KubeObject[]): void {
  const labels = { "app.kubernetes.io/name": "postgres", "app.kubernetes.io/instance": "todo-db" };
  const sts = statefulSet({
    namespace: NS,
    name: "postgres",
    created: END - 60 * DAY,
    labels: { ...labels, "app.kubernetes.io/component": "database" },
    selector: labels,
    podLabels: labels,
    replicas: 1,
    containers: [
      {
        name: "postgres",
        image: "docker.io/library/postgres:16.4",
        ports: [{ name: "postgres", containerPort: 5432 }],
        resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
      },
    ],
  });
  sets.push(sts);
  const p = pod({ owner: sts, ordinal: 0, nodeName: NODE_C, created: END - 21 * DAY });
  pods.push(p);
  const cpuRand = seeded("cpu/postgres-0");
  const memRand = seeded("memory/postgres-0");
  series(
    out,
    NS,
    "postgres-0",
    "postgres",
    (t) => clamp(0.3 * (0.9 + 0.2 * load(t)) + jitter(cpuRand, 0.02), 0.25, 0.36),
    (t) => (600 + 25 * load(t) + jitter(memRand, 4)) * MI,
  );
}

// --- node-exporter: DaemonSet in kube-system, one small pod per node ------------------------------------
function nodeExporter(out: Built, pods: KubeObject[], sets: KubeObject[]): void {
  const ds = daemonSet({
    namespace: "kube-system",
    name: "node-exporter",
    created: END - 90 * DAY,
    labels: { "app.kubernetes.io/name": "node-exporter" },
    nodes: NODES.length,
    containers: [
      {
        name: "node-exporter",
        image: "quay.io/prometheus/node-exporter:v1.8.2",
        args: ["--path.rootfs=/host/root", "--web.listen-address=:9100"],
        ports: [{ name: "metrics", containerPort: 9100 }],
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
      },
    ],
  });
  sets.push(ds);
  for (const nodeName of NODES) {
    const p = pod({ owner: ds, seed: nodeName, nodeName, created: END - 30 * DAY });
    pods.push(p);
    const cpuRand = seeded(`cpu/${nameOf(p)}`);
    const memRand = seeded(`memory/${nameOf(p)}`);
    series(
      out,
      "kube-system",
      nameOf(p),
      "node-exporter",
      (t) => 0.009 + 0.002 * load(t) + jitter(cpuRand, 0.0015),
      (t) => (25.5 + load(t) + jitter(memRand, 1.5)) * MI,
    );
  }
}

/** A snapshot with the previous container instances' logs too (src/formats/snapshot.ts reads them). */
export type DemoSnapshot = ClusterSnapshot & {
  previousLogs: Record<string, string>;
  /** The security audit's kinds that could not be read: none. */
  unreadable: { kind: string; reason: string }[];
};

/** The demo snapshot as an object. */
export function buildDemoSnapshot(): DemoSnapshot {
  const out: Built = { deployments: [], cpu: [], memory: [], logs: {}, previousLogs: {} };
  const pods: KubeObject[] = [];
  const sets: KubeObject[] = [];
  const events: KubeObject[] = [];

  const longAgo = END - 120 * DAY;
  const namespaces = [
    namespace({ name: "kube-system", created: longAgo }),
    namespace({ name: NS, created: END - 62 * DAY, labels: { "kopt.dev/environment": "production" } }),
  ];
  const nodes = NODES.map((name, i) =>
    node({
      name,
      created: END - 30 * DAY - i * 90,
      cpu: "4",
      memory: "16Gi",
      labels: {
        "node.kubernetes.io/instance-type": "standard-4-16",
        "topology.kubernetes.io/region": "eu-west-1",
        "topology.kubernetes.io/zone": `eu-west-1${"abc"[i]}`,
      },
      heartbeat: END - 40 - i * 7,
    }),
  );

  backend(out, pods, sets);
  const fe = frontend(out, pods, sets);
  worker(out, pods, sets, events);
  notifier(out, pods, sets, events);
  search(out, pods, sets, events);
  mailer(out, pods, sets, events);
  postgres(out, pods, sets);
  nodeExporter(out, pods, sets);

  const frontendHpa = hpa({
    target: fe.d,
    created: END - 62 * DAY,
    labels: chartLabels("frontend", FRONTEND.tag),
    minReplicas: 2,
    maxReplicas: 4,
    targetCPUUtilizationPercentage: 70,
    currentReplicas: 4,
    currentCPUUtilization: fe.utilization,
    lastScaleTime: START - 3 * DAY,
  });

  // What the security audit reads (test/demo/demo-posture.ts): after everything plan reads.
  const planned = [...namespaces, ...nodes, ...out.deployments, ...sets, ...pods, frontendHpa, ...events];
  withPostureFaults(planned);
  const built = snapshot({
    cluster: "demo",
    capturedAt: CAPTURED_AT,
    objects: [...planned, ...demoPostureObjects(planned, END)],
    cpu: out.cpu,
    memory: out.memory,
    logs: out.logs,
  });
  // It read every kind the audit reads (none was refused; Trivy Operator is installed).
  return { ...built, previousLogs: out.previousLogs, unreadable: [] };
}

/** The demo as clusters/demo-prometheus records it: the same objects and logs, no usage (Prometheus has it). */
export function buildDemoObjectsSnapshot(): DemoSnapshot {
  const demo = buildDemoSnapshot();
  const empty = { resultType: "matrix" as const, result: [] };
  return { ...demo, cluster: "demo-prometheus", usage: { cpu: empty, memory: empty } };
}

// Node's gzip header carries mtime 0 and no file name, so the output depends only on the input.
function gzipJson(value: unknown): Buffer {
  return gzipSync(Buffer.from(`${JSON.stringify(value)}\n`, "utf8"), { level: 9 });
}

/** The gzipped snapshot, byte for byte what clusters/demo/snapshot.json.gz holds. */
export function generateDemoSnapshot(): Buffer {
  return gzipJson(buildDemoSnapshot());
}

/** Byte for byte what clusters/demo-prometheus/objects.json.gz holds. */
export function generateDemoObjectsSnapshot(): Buffer {
  return gzipJson(buildDemoObjectsSnapshot());
}

function writeBytes(file: string, bytes: Buffer): number {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return bytes.length;
}

/** Writes the snapshot to `file` (default: the committed location) and returns its size in bytes. */
export function writeDemoSnapshot(file = resolve(REPO_ROOT, DEMO_SNAPSHOT_FILE)): number {
  return writeBytes(file, generateDemoSnapshot());
}

export function writeDemoObjectsSnapshot(file = resolve(REPO_ROOT, DEMO_OBJECTS_FILE)): number {
  return writeBytes(file, generateDemoObjectsSnapshot());
}

const script = process.argv[1];
if (script !== undefined && import.meta.url === pathToFileURL(script).href) {
  const size = writeDemoSnapshot();
  console.log(`wrote ${DEMO_SNAPSHOT_FILE} (${size} bytes, captured ${toIso(END)})`);
  const objects = writeDemoObjectsSnapshot();
  console.log(`wrote ${DEMO_OBJECTS_FILE} (${objects} bytes)`);
}
