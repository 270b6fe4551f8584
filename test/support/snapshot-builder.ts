// Builds ClusterSnapshot data for tests and the embedded demo: raw Kubernetes objects shaped the way
// `kubectl get -o json` prints them, and Prometheus range-query matrices of container usage.
// Everything is deterministic: names, uids and noise come from seeded PRNGs, never from Math.random or a clock.
import { formatCpu } from "../../src/model/format.ts";
import { parseQuantity } from "../../src/model/quantity.ts";

// ---------------------------------------------------------------------------------------------------------
// Determinism helpers

/** mulberry32: a tiny 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a 32-bit hash of a string, to seed PRNGs from names. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A PRNG seeded from a string: the same text always gives the same sequence. */
export function seeded(text: string): () => number {
  return mulberry32(hashString(text));
}

// The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusable digits).
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** A Kubernetes-style random suffix ("x7k2q"), derived from `seed`. */
export function nameSuffix(seed: string, length = 5): string {
  const next = seeded(`suffix:${seed}`);
  let out = "";
  for (let i = 0; i < length; i++) out += NAME_ALPHABET[Math.floor(next() * NAME_ALPHABET.length)];
  return out;
}

/** A 10-character pod-template-hash / controller-revision-hash, derived from `seed`. */
export function templateHash(seed: string): string {
  return nameSuffix(`hash:${seed}`, 10);
}

function hex(seed: string, length: number): string {
  const next = seeded(`hex:${seed}`);
  let out = "";
  for (let i = 0; i < length; i++) out += Math.floor(next() * 16).toString(16);
  return out;
}

/** A version-4-shaped UUID derived from `seed`. */
export function uuid(seed: string): string {
  const h = hex(`uid:${seed}`, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function resourceVersion(seed: string): string {
  return String(100000 + (hashString(`rv:${seed}`) % 9900000));
}

function ip(prefix: string, seed: string): string {
  const h = hashString(`ip:${seed}`);
  return `${prefix}.${(h >>> 8) % 250}.${(h % 250) + 2}`;
}

// ---------------------------------------------------------------------------------------------------------
// Time

/** Unix seconds, or an RFC 3339 string. */
export type Time = number | string;

export function toUnix(t: Time): number {
  return typeof t === "number" ? t : Date.parse(t) / 1000;
}

/** RFC 3339 without fractional seconds, as the API server prints timestamps: 2026-11-20T12:00:00Z. */
export function toIso(t: Time): string {
  return new Date(Math.round(toUnix(t)) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

// ---------------------------------------------------------------------------------------------------------
// Object shapes

export type Labels = Record<string, string>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  labels?: Labels;
  annotations?: Labels;
  ownerReferences?: OwnerReference[];
}

/** Any raw Kubernetes object. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface ResourceList {
  cpu?: string;
  memory?: string;
}

export interface ContainerInput {
  name: string;
  image: string;
  imagePullPolicy?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  env?: { name: string; value: string }[];
  args?: string[];
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number; protocol: string }[];
  env?: { name: string; value: string }[];
  resources: { requests?: ResourceList; limits?: ResourceList };
  terminationMessagePath: string;
  terminationMessagePolicy: string;
  imagePullPolicy: string;
}

export interface PodTemplate {
  metadata: { labels: Labels; annotations?: Labels };
  spec: { containers: Container[]; [field: string]: unknown };
}

/** A Deployment, ReplicaSet, StatefulSet or DaemonSet: something with a pod template. */
export interface PodController extends KubeObject {
  spec: {
    selector: { matchLabels: Labels };
    template: PodTemplate;
    replicas?: number;
    [field: string]: unknown;
  };
  status: Record<string, unknown>;
}

function meta(
  kind: string,
  m: {
    name: string;
    namespace?: string;
    created: Time;
    labels?: Labels;
    annotations?: Labels;
    generation?: number;
    generateName?: string;
    owner?: KubeObject;
  },
): ObjectMeta {
  const key = `${kind}/${m.namespace ?? ""}/${m.name}`;
  const out = { name: m.name } as ObjectMeta;
  if (m.generateName !== undefined) out.generateName = m.generateName;
  if (m.namespace !== undefined) out.namespace = m.namespace;
  out.uid = uuid(key);
  out.resourceVersion = resourceVersion(key);
  if (m.generation !== undefined) out.generation = m.generation;
  out.creationTimestamp = toIso(m.created);
  if (m.labels && Object.keys(m.labels).length > 0) out.labels = { ...m.labels };
  if (m.annotations && Object.keys(m.annotations).length > 0) out.annotations = { ...m.annotations };
  if (m.owner) out.ownerReferences = [ownerReference(m.owner)];
  return out;
}

/** The controller ownerReference pointing at `owner`. */
export function ownerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function container(c: ContainerInput): Container {
  // kubectl's field order: name, image, args, ports, env, resources, termination*, imagePullPolicy.
  const out = { name: c.name, image: c.image } as Container;
  if (c.args) out.args = [...c.args];
  if (c.ports) out.ports = c.ports.map((p) => ({ ...p, protocol: p.protocol ?? "TCP" }));
  if (c.env) out.env = c.env.map((e) => ({ ...e }));
  out.resources = {};
  if (c.resources?.limits) out.resources.limits = { ...c.resources.limits };
  if (c.resources?.requests) out.resources.requests = { ...c.resources.requests };
  out.terminationMessagePath = "/dev/termination-log";
  out.terminationMessagePolicy = "File";
  out.imagePullPolicy = c.imagePullPolicy ?? "IfNotPresent";
  return out;
}

function podTemplate(labels: Labels, containers: ContainerInput[], annotations?: Labels): PodTemplate {
  const metadata: PodTemplate["metadata"] = { labels: { ...labels } };
  if (annotations && Object.keys(annotations).length > 0) metadata.annotations = { ...annotations };
  return {
    metadata,
    spec: {
      containers: containers.map(container),
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      securityContext: {},
      schedulerName: "default-scheduler",
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Cluster-scoped objects

export function namespace(input: { name: string; created: Time; labels?: Labels }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: meta("Namespace", {
      name: input.name,
      created: input.created,
      labels: { "kubernetes.io/metadata.name": input.name, ...input.labels },
    }),
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

/** kubectl prints node memory in Ki. */
function kibibytes(bytes: number): string {
  return `${Math.round(bytes / 1024)}Ki`;
}

export function node(input: {
  name: string;
  created: Time;
  /** Capacity, e.g. "4" and "16Gi". */
  cpu: string;
  memory: string;
  pods?: number;
  labels?: Labels;
  /** Reserved for the system (kube-reserved + system-reserved + eviction threshold); defaults 80m / 700Mi. */
  reserved?: { cpu?: string; memory?: string };
  ready?: boolean;
  /** When the Ready condition last changed; defaults to creation. */
  readySince?: Time;
  heartbeat?: Time;
}): KubeObject {
  const cpu = parseQuantity(input.cpu) ?? 0;
  const memory = parseQuantity(input.memory) ?? 0;
  const reservedCpu = parseQuantity(input.reserved?.cpu ?? "80m") ?? 0;
  const reservedMemory = parseQuantity(input.reserved?.memory ?? "700Mi") ?? 0;
  const pods = String(input.pods ?? 110);
  const ready = input.ready ?? true;
  const heartbeat = toIso(input.heartbeat ?? input.created);
  const since = toIso(input.readySince ?? input.created);
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: since,
    reason,
    message,
  });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: meta("Node", {
      name: input.name,
      created: input.created,
      labels: {
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": input.name,
        "kubernetes.io/os": "linux",
        ...input.labels,
      },
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    }),
    spec: { podCIDR: `${ip("10.244", input.name).split(".").slice(0, 3).join(".")}.0/24` },
    status: {
      capacity: { cpu: input.cpu, "ephemeral-storage": "101430960Ki", memory: kibibytes(memory), pods },
      allocatable: {
        cpu: formatCpu(cpu - reservedCpu),
        "ephemeral-storage": "93478772582",
        memory: kibibytes(memory - reservedMemory),
        pods,
      },
      conditions: [
        condition(
          "MemoryPressure",
          "False",
          "KubeletHasSufficientMemory",
          "kubelet has sufficient memory available",
        ),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ready
          ? condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")
          : condition("Ready", "False", "KubeletNotReady", "container runtime network not ready"),
      ],
      addresses: [
        { type: "InternalIP", address: ip("10.0", input.name) },
        { type: "Hostname", address: input.name },
      ],
      // Every kubelet reports these three; the Kubernetes schema requires them.
      nodeInfo: {
        machineID: uuid(`machine/${input.name}`).replace(/-/g, ""),
        systemUUID: uuid(`system/${input.name}`),
        bootID: uuid(`boot/${input.name}`),
        architecture: "amd64",
        containerRuntimeVersion: "containerd://1.7.22",
        kernelVersion: "6.1.0-27-cloud-amd64",
        kubeProxyVersion: "v1.31.2",
        kubeletVersion: "v1.31.2",
        operatingSystem: "linux",
        osImage: "Debian GNU/Linux 12 (bookworm)",
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Workloads

export interface WorkloadInput {
  namespace: string;
  name: string;
  created: Time;
  labels?: Labels;
  annotations?: Labels;
  /** Selector labels; default: `labels`. */
  selector?: Labels;
  /** Pod template labels; default: `labels`. */
  podLabels?: Labels;
  podAnnotations?: Labels;
  containers: ContainerInput[];
  generation?: number;
}

function workloadBasics(kind: string, input: WorkloadInput) {
  const labels = input.labels ?? { "app.kubernetes.io/name": input.name };
  const selector = input.selector ?? labels;
  const podLabels = input.podLabels ?? labels;
  return {
    metadata: meta(kind, {
      name: input.name,
      namespace: input.namespace,
      created: input.created,
      labels,
      annotations: input.annotations,
      generation: input.generation ?? 1,
    }),
    selector,
    template: podTemplate(podLabels, input.containers, input.podAnnotations),
  };
}

export function deployment(
  input: WorkloadInput & {
    replicas: number;
    /** deployment.kubernetes.io/revision; default 1. */
    revision?: number;
    /** Ready pods; default: all. */
    ready?: number;
    /** When the current ReplicaSet finished rolling out; default: creation. */
    rolledOutAt?: Time;
  },
): PodController {
  const { metadata, selector, template } = workloadBasics("Deployment", input);
  metadata.annotations = {
    "deployment.kubernetes.io/revision": String(input.revision ?? 1),
    ...metadata.annotations,
  };
  const ready = input.ready ?? input.replicas;
  const at = toIso(input.rolledOutAt ?? input.created);
  const status: Record<string, unknown> = {
    observedGeneration: metadata.generation,
    replicas: input.replicas,
    updatedReplicas: input.replicas,
  };
  if (ready > 0) status.readyReplicas = ready;
  if (ready > 0) status.availableReplicas = ready;
  if (input.replicas - ready > 0) status.unavailableReplicas = input.replicas - ready;
  status.conditions = [
    ready >= input.replicas
      ? {
          type: "Available",
          status: "True",
          lastUpdateTime: at,
          lastTransitionTime: at,
          reason: "MinimumReplicasAvailable",
          message: "Deployment has minimum availability.",
        }
      : {
          type: "Available",
          status: "False",
          lastUpdateTime: at,
          lastTransitionTime: at,
          reason: "MinimumReplicasUnavailable",
          message: "Deployment does not have minimum availability.",
        },
    ready >= input.replicas
      ? {
          type: "Progressing",
          status: "True",
          lastUpdateTime: at,
          lastTransitionTime: toIso(input.created),
          reason: "NewReplicaSetAvailable",
          message: `ReplicaSet has successfully progressed.`,
        }
      : {
          type: "Progressing",
          status: "False",
          lastUpdateTime: at,
          lastTransitionTime: at,
          reason: "ProgressDeadlineExceeded",
          message: "ReplicaSet has timed out progressing.",
        },
  ];
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: { ...selector } },
      template,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status,
  };
}

/**
 * A ReplicaSet of `deployment`, named `<deployment>-<hash>`. Pass `containers` to describe an older
 * revision (e.g. a previous image); by default the Deployment's current template is used.
 */
export function replicaSet(input: {
  deployment: PodController;
  revision: number;
  replicas: number;
  created: Time;
  /** pod-template-hash; default derived from the Deployment and revision. */
  hash?: string;
  containers?: ContainerInput[];
  ready?: number;
}): PodController {
  const d = input.deployment;
  const ns = d.metadata.namespace ?? "default";
  const hash = input.hash ?? templateHash(`${ns}/${d.metadata.name}/${input.revision}`);
  const name = `${d.metadata.name}-${hash}`;
  const template: PodTemplate = input.containers
    ? podTemplate(d.spec.template.metadata.labels, input.containers, d.spec.template.metadata.annotations)
    : structuredClone(d.spec.template);
  template.metadata.labels = { ...template.metadata.labels, "pod-template-hash": hash };
  const ready = input.ready ?? input.replicas;
  const status: Record<string, unknown> = { replicas: input.replicas };
  if (input.replicas > 0) status.fullyLabeledReplicas = input.replicas;
  if (ready > 0) status.readyReplicas = ready;
  if (ready > 0) status.availableReplicas = ready;
  status.observedGeneration = input.replicas > 0 ? 1 : 2;
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: meta("ReplicaSet", {
      name,
      namespace: ns,
      created: input.created,
      labels: { ...d.spec.template.metadata.labels, "pod-template-hash": hash },
      annotations: {
        "deployment.kubernetes.io/desired-replicas": String(d.spec.replicas ?? 1),
        "deployment.kubernetes.io/max-replicas": String(Math.ceil((d.spec.replicas ?? 1) * 1.25)),
        "deployment.kubernetes.io/revision": String(input.revision),
      },
      generation: input.replicas > 0 ? 1 : 2,
      owner: d,
    }),
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: { ...d.spec.selector.matchLabels, "pod-template-hash": hash } },
      template,
    },
    status,
  };
}

export function statefulSet(
  input: WorkloadInput & { replicas: number; serviceName?: string; revisionHash?: string },
): PodController {
  const { metadata, selector, template } = workloadBasics("StatefulSet", input);
  const revision = `${input.name}-${input.revisionHash ?? templateHash(`${input.namespace}/${input.name}`)}`;
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata,
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: { ...selector } },
      template,
      serviceName: input.serviceName ?? input.name,
      podManagementPolicy: "OrderedReady",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    },
    status: {
      observedGeneration: metadata.generation,
      replicas: input.replicas,
      readyReplicas: input.replicas,
      currentReplicas: input.replicas,
      updatedReplicas: input.replicas,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
      availableReplicas: input.replicas,
    },
  };
}

export function daemonSet(input: WorkloadInput & { nodes: number; revisionHash?: string }): PodController {
  const { metadata, selector, template } = workloadBasics("DaemonSet", input);
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      ...metadata,
      annotations: {
        "deprecated.daemonset.template.generation": String(metadata.generation ?? 1),
        ...metadata.annotations,
      },
    },
    spec: {
      selector: { matchLabels: { ...selector } },
      template,
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      revisionHistoryLimit: 10,
    },
    status: {
      currentNumberScheduled: input.nodes,
      desiredNumberScheduled: input.nodes,
      numberAvailable: input.nodes,
      numberMisscheduled: 0,
      numberReady: input.nodes,
      observedGeneration: metadata.generation,
      updatedNumberScheduled: input.nodes,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Pods

export interface ContainerStatusInput {
  /** Default: the pod's first container. */
  name?: string;
  restartCount?: number;
  /** Running since this time (default: the pod's creation, plus a few seconds). */
  runningSince?: Time;
  /** Waiting instead of running, e.g. { reason: "CrashLoopBackOff" }. */
  waiting?: { reason: string; message?: string };
  /** The previous container's end, e.g. { reason: "OOMKilled", exitCode: 137, ... }. */
  lastTerminated?: { reason: string; exitCode: number; startedAt: Time; finishedAt: Time };
  /** Default: running and not waiting. */
  ready?: boolean;
}

function qosClass(containers: Container[]): string {
  const all = containers.flatMap((c) => [c.resources.requests, c.resources.limits]);
  if (all.every((r) => r === undefined || Object.keys(r).length === 0)) return "BestEffort";
  const guaranteed = containers.every((c) =>
    (["cpu", "memory"] as const).every((k) => {
      const limit = c.resources.limits?.[k];
      const request = c.resources.requests?.[k] ?? limit;
      return limit !== undefined && parseQuantity(limit) === parseQuantity(request ?? "");
    }),
  );
  return guaranteed ? "Guaranteed" : "Burstable";
}

/**
 * A pod owned by a ReplicaSet (`<rs>-<5 chars>`), a StatefulSet (`<sts>-<ordinal>`) or a DaemonSet
 * (`<ds>-<5 chars>`). `seed` makes the generated suffix differ between siblings.
 */
export function pod(input: {
  owner: PodController;
  nodeName: string;
  created: Time;
  seed?: string | number;
  /** StatefulSet ordinal; default 0. */
  ordinal?: number;
  /** Explicit name, overriding the generated one. */
  name?: string;
  phase?: string;
  statuses?: ContainerStatusInput[];
}): KubeObject {
  const owner = input.owner;
  const ownerName = owner.metadata.name;
  const ns = owner.metadata.namespace ?? "default";
  const labels: Labels = { ...owner.spec.template.metadata.labels };
  let name: string;
  if (owner.kind === "StatefulSet") {
    const ordinal = input.ordinal ?? 0;
    name = `${ownerName}-${ordinal}`;
    labels["apps.kubernetes.io/pod-index"] = String(ordinal);
    labels["controller-revision-hash"] = String(owner.status.updateRevision ?? `${ownerName}-0`);
    labels["statefulset.kubernetes.io/pod-name"] = name;
  } else {
    name = `${ownerName}-${nameSuffix(`${ns}/${ownerName}/${input.seed ?? 0}`)}`;
    if (owner.kind === "DaemonSet") {
      labels["controller-revision-hash"] = templateHash(`${ns}/${ownerName}/ds`);
      labels["pod-template-generation"] = String(owner.metadata.generation ?? 1);
    }
  }
  name = input.name ?? name;
  const created = toUnix(input.created);
  const containers = structuredClone(owner.spec.template.spec.containers);
  const spec: Record<string, unknown> = {
    ...structuredClone(owner.spec.template.spec),
    containers,
    nodeName: input.nodeName,
    serviceAccountName: "default",
    serviceAccount: "default",
    enableServiceLinks: true,
    preemptionPolicy: "PreemptLowerPriority",
    priority: 0,
    tolerations: [
      {
        effect: "NoExecute",
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        tolerationSeconds: 300,
      },
      {
        effect: "NoExecute",
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        tolerationSeconds: 300,
      },
    ],
  };
  if (owner.kind === "StatefulSet") {
    spec.hostname = name;
    spec.subdomain = owner.spec.serviceName;
  }
  const containerStatuses = containers.map((c, i) => {
    const s = input.statuses?.find((x) => (x.name ?? containers[0]?.name) === c.name) ?? {};
    const running = s.waiting === undefined;
    const state = running
      ? { running: { startedAt: toIso(s.runningSince ?? created + 3 + i) } }
      : {
          waiting: {
            reason: s.waiting?.reason,
            ...(s.waiting?.message ? { message: s.waiting.message } : {}),
          },
        };
    const last = s.lastTerminated;
    const lastState = last
      ? {
          terminated: {
            exitCode: last.exitCode,
            reason: last.reason,
            startedAt: toIso(last.startedAt),
            finishedAt: toIso(last.finishedAt),
            containerID: `containerd://${hex(`${name}/${c.name}/previous`, 64)}`,
          },
        }
      : {};
    const repo = c.image.replace(/:[^:/]+$/, "");
    return {
      name: c.name,
      state,
      lastState,
      ready: s.ready ?? running,
      restartCount: s.restartCount ?? 0,
      image: c.image,
      imageID: `${repo}@sha256:${hex(`image/${c.image}`, 64)}`,
      containerID: `containerd://${hex(`${name}/${c.name}/${s.restartCount ?? 0}`, 64)}`,
      started: running,
    };
  });
  const allReady = containerStatuses.every((c) => c.ready);
  const at = toIso(created);
  const readyAt = toIso(created + 5);
  const condition = (type: string, ok: boolean) => ({
    type,
    status: ok ? "True" : "False",
    lastProbeTime: null,
    lastTransitionTime: ok ? readyAt : at,
    ...(ok
      ? {}
      : {
          reason: "ContainersNotReady",
          message: `containers with unready status: [${containers.map((c) => c.name).join(" ")}]`,
        }),
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta("Pod", {
      name,
      generateName: `${ownerName}-`,
      namespace: ns,
      created,
      labels,
      owner,
    }),
    spec,
    status: {
      phase: input.phase ?? "Running",
      conditions: [
        {
          type: "PodReadyToStartContainers",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: toIso(created + 2),
        },
        { type: "Initialized", status: "True", lastProbeTime: null, lastTransitionTime: at },
        condition("Ready", allReady),
        condition("ContainersReady", allReady),
        { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: at },
      ],
      hostIP: ip("10.0", input.nodeName),
      hostIPs: [{ ip: ip("10.0", input.nodeName) }],
      podIP: ip("10.244", `${ns}/${name}`),
      podIPs: [{ ip: ip("10.244", `${ns}/${name}`) }],
      startTime: at,
      containerStatuses,
      qosClass: qosClass(containers),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Autoscaling and events

/**
 * An autoscaling/v2 HorizontalPodAutoscaler on CPU utilization for `target`. The desired count is computed
 * the way the controller does (ceil(current x utilization / target)) and clamped to [min, max];
 * ScalingLimited turns True with TooManyReplicas / TooFewReplicas when the clamp applies.
 */
export function hpa(input: {
  target: PodController;
  created: Time;
  minReplicas: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage: number;
  currentReplicas: number;
  /** Current average CPU utilization in percent of the request. */
  currentCPUUtilization: number;
  lastScaleTime?: Time;
  name?: string;
  labels?: Labels;
}): KubeObject {
  const t = input.target;
  const ns = t.metadata.namespace ?? "default";
  const raw = Math.ceil(
    (input.currentReplicas * input.currentCPUUtilization) / input.targetCPUUtilizationPercentage,
  );
  const desired = Math.min(input.maxReplicas, Math.max(input.minReplicas, raw));
  const request = t.spec.template.spec.containers.reduce(
    (sum, c) => sum + (parseQuantity(c.resources.requests?.cpu ?? "0") ?? 0),
    0,
  );
  const since = toIso(input.lastScaleTime ?? input.created);
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastTransitionTime: since,
    reason,
    message,
  });
  const limited =
    raw > input.maxReplicas
      ? cond(
          "ScalingLimited",
          "True",
          "TooManyReplicas",
          "the desired replica count is more than the maximum replica count",
        )
      : raw < input.minReplicas
        ? cond(
            "ScalingLimited",
            "True",
            "TooFewReplicas",
            "the desired replica count is less than the minimum replica count",
          )
        : cond(
            "ScalingLimited",
            "False",
            "DesiredWithinRange",
            "the desired count is within the acceptable range",
          );
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: meta("HorizontalPodAutoscaler", {
      name: input.name ?? t.metadata.name,
      namespace: ns,
      created: input.created,
      labels: input.labels ?? t.metadata.labels,
    }),
    spec: {
      scaleTargetRef: { apiVersion: t.apiVersion, kind: t.kind, name: t.metadata.name },
      minReplicas: input.minReplicas,
      maxReplicas: input.maxReplicas,
      metrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            target: { type: "Utilization", averageUtilization: input.targetCPUUtilizationPercentage },
          },
        },
      ],
    },
    status: {
      lastScaleTime: since,
      currentReplicas: input.currentReplicas,
      desiredReplicas: desired,
      currentMetrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            current: {
              averageValue: formatCpu((request * input.currentCPUUtilization) / 100),
              averageUtilization: Math.round(input.currentCPUUtilization),
            },
          },
        },
      ],
      conditions: [
        cond("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"),
        cond(
          "ScalingActive",
          "True",
          "ValidMetricFound",
          "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
        ),
        limited,
      ],
    },
  };
}

/** A core/v1 Event about `involved` (a Pod, Node, Deployment, ...). */
export function event(input: {
  involved: KubeObject;
  reason: string;
  message: string;
  type?: "Normal" | "Warning";
  count?: number;
  first: Time;
  last?: Time;
  /** e.g. "spec.containers{worker}". */
  fieldPath?: string;
  source?: { component: string; host?: string };
}): KubeObject {
  const o = input.involved;
  const ns = o.metadata.namespace ?? "default";
  const first = toIso(input.first);
  const last = toIso(input.last ?? input.first);
  const name = `${o.metadata.name}.${hex(`event/${ns}/${o.metadata.name}/${input.reason}/${first}`, 16)}`;
  const involvedObject: Record<string, unknown> = {
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name,
    namespace: ns,
    uid: o.metadata.uid,
    resourceVersion: o.metadata.resourceVersion,
  };
  if (input.fieldPath) involvedObject.fieldPath = input.fieldPath;
  const source = input.source ?? { component: "kubelet" };
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: meta("Event", { name, namespace: ns, created: first }),
    involvedObject,
    reason: input.reason,
    message: input.message,
    source: { ...source },
    firstTimestamp: first,
    lastTimestamp: last,
    count: input.count ?? 1,
    type: input.type ?? "Normal",
    eventTime: null,
    reportingComponent: source.component,
    reportingInstance: source.host ?? "",
  };
}

// ---------------------------------------------------------------------------------------------------------
// Usage (Prometheus range-query matrices)

export interface SeriesLabels {
  namespace: string;
  pod: string;
  container: string;
}

export interface PromSeries {
  metric: SeriesLabels;
  values: [number, string][];
}

export interface PromMatrix {
  resultType: "matrix";
  result: PromSeries[];
}

/** A sample value as Prometheus prints it, kept to at most 4 significant digits so files stay small. */
export function formatSample(value: number): string {
  const v = Number(Math.max(0, value).toPrecision(4));
  return String(v === 0 ? 0 : v);
}

/**
 * One range-query series: evaluated at start, start+step, ... up to end (inclusive, as Prometheus does).
 * `value(t)` returns the usage at Unix second `t`, or undefined where the series has no sample (the pod
 * did not exist yet, or no longer did).
 */
export function usageSeries(
  metric: SeriesLabels,
  range: { start: Time; end: Time; step: number },
  value: (t: number) => number | undefined,
): PromSeries {
  const start = toUnix(range.start);
  const end = toUnix(range.end);
  const values: [number, string][] = [];
  for (let t = start; t <= end; t += range.step) {
    const v = value(t);
    if (v !== undefined && Number.isFinite(v)) values.push([t, formatSample(v)]);
  }
  return { metric: { ...metric }, values };
}

/** A matrix result; series without samples are left out, as Prometheus does. */
export function matrix(series: PromSeries[]): PromMatrix {
  return { resultType: "matrix", result: series.filter((s) => s.values.length > 0) };
}

// ---------------------------------------------------------------------------------------------------------
// The snapshot

export interface ClusterSnapshot {
  apiVersion: "kopt.dev/v1";
  kind: "ClusterSnapshot";
  cluster: string;
  capturedAt: string;
  objects: { apiVersion: "v1"; kind: "List"; metadata: { resourceVersion: "" }; items: KubeObject[] };
  usage: { cpu: PromMatrix; memory: PromMatrix };
  logs?: Record<string, string>;
}

/** The whole snapshot. `cpu` is in cores (rate of container_cpu_usage_seconds_total), `memory` in working-set bytes. */
export function snapshot(input: {
  cluster: string;
  capturedAt: Time;
  objects: KubeObject[];
  cpu: PromSeries[];
  memory: PromSeries[];
  /** Last log lines, keyed `<namespace>/<pod>/<container>`. */
  logs?: Record<string, string>;
}): ClusterSnapshot {
  const out: ClusterSnapshot = {
    apiVersion: "kopt.dev/v1",
    kind: "ClusterSnapshot",
    cluster: input.cluster,
    capturedAt: toIso(input.capturedAt),
    objects: { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items: input.objects },
    usage: { cpu: matrix(input.cpu), memory: matrix(input.memory) },
  };
  if (input.logs) out.logs = { ...input.logs };
  return out;
}
