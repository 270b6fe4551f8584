// The health report's node health (issue 17): each node's Ready condition and every condition that is not
// normal, whether it takes new pods, and its CPU and memory: allocatable vs requested (the requests of the
// pods bound to it) vs used (their latest usage). Pure: reads raw Node and Pod objects and usage series.
import { formatMemoryDescription } from "../../model/format.ts";
import { parseQuantity } from "../../model/quantity.ts";
import type { HealthFlag } from "../../model/report.ts";
import type { CapacityFinding } from "../capacity.ts";
import { at, compareText, isObj, objs, type Raw, str } from "../diagnose/read.ts";

export interface NodeCondition {
  type: string;
  status: string;
  reason: string | null;
  message: string | null;
}

export interface NodeHealth {
  name: string;
  /** The Ready condition's status: True, False, Unknown, or null when the node reports none. */
  ready: string | null;
  /** spec.unschedulable: cordoned, takes no new pods. */
  unschedulable: boolean;
  /** Conditions that are not normal: Ready not True, any other condition True or Unknown. */
  abnormal: NodeCondition[];
  allocatable: { cpu: number | null; memory: number | null };
  /** Requests of the containers of the pods bound to the node and not finished. */
  requested: { cpu: number; memory: number };
  /** Latest usage of those pods (within `freshSeconds` of now); null when none is known. */
  used: { cpu: number | null; memory: number | null };
  pods: number;
}

/** A usage series as observed (the structure of observe's LabeledSeries): pod-labelled samples. */
export interface PodSeries {
  metric: Record<string, string>;
  times: Float64Array;
  values: Float64Array;
}

export interface NodeHealthInput {
  objects: readonly unknown[];
  usage: { cpu: readonly PodSeries[]; memory: readonly PodSeries[] };
  /** Unix seconds. */
  now: number;
  /** A sample older than this is not "used now" (default 15 minutes: a few scrapes). */
  freshSeconds?: number;
}

const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

export function nodeHealth(input: NodeHealthInput): NodeHealth[] {
  const raws = input.objects.filter(isObj);
  const nodes = raws.filter((o) => o.kind === "Node");
  const pods = raws.filter(
    (o) => o.kind === "Pod" && !["Succeeded", "Failed"].includes(str(at(o, "status", "phase")) ?? ""),
  );
  const nodeOfPod = new Map<string, string>();
  for (const p of pods) {
    const node = str(at(p, "spec", "nodeName"));
    const ns = str(at(p, "metadata", "namespace")) ?? "default";
    const name = str(at(p, "metadata", "name"));
    if (node && name) nodeOfPod.set(podKey(ns, name), node);
  }
  const fresh = input.freshSeconds ?? 900;
  const cpuUsed = usedByNode(input.usage.cpu, nodeOfPod, input.now, fresh);
  const memUsed = usedByNode(input.usage.memory, nodeOfPod, input.now, fresh);
  return nodes
    .map((n): NodeHealth => {
      const name = str(at(n, "metadata", "name")) ?? "";
      const mine = pods.filter((p) => str(at(p, "spec", "nodeName")) === name);
      return {
        name,
        ready: str(objs(at(n, "status", "conditions")).find((c) => c.type === "Ready")?.status) ?? null,
        unschedulable: at(n, "spec", "unschedulable") === true,
        abnormal: abnormalConditions(n),
        allocatable: {
          cpu: quantity(at(n, "status", "allocatable", "cpu")),
          memory: quantity(at(n, "status", "allocatable", "memory")),
        },
        requested: { cpu: requestsOf(mine, "cpu"), memory: requestsOf(mine, "memory") },
        used: { cpu: cpuUsed.get(name) ?? null, memory: memUsed.get(name) ?? null },
        pods: mine.length,
      };
    })
    .sort((a, b) => compareText(a.name, b.name));
}

function quantity(v: unknown): number | null {
  return typeof v === "string" || typeof v === "number" ? (parseQuantity(v) ?? null) : null;
}

function abnormalConditions(node: Raw): NodeCondition[] {
  return objs(at(node, "status", "conditions"))
    .map((c) => ({
      type: str(c.type) ?? "",
      status: str(c.status) ?? "Unknown",
      reason: str(c.reason) ?? null,
      message: str(c.message) ?? null,
    }))
    .filter((c) => (c.type === "Ready" ? c.status !== "True" : c.status !== "False"));
}

/**
 * The containers' requests (init containers left out: they finish before the app's containers start, and
 * the scheduler's max(init, sum) rarely differs for the workloads kopt sizes).
 */
function requestsOf(pods: readonly Raw[], resource: "cpu" | "memory"): number {
  let total = 0;
  for (const p of pods) {
    for (const c of objs(at(p, "spec", "containers")))
      total += quantity(at(c, "resources", "requests", resource)) ?? 0;
  }
  return total;
}

/** Per node: the sum over its pods' series of each series' latest sample at or before now, if fresh. */
function usedByNode(
  series: readonly PodSeries[],
  nodeOfPod: ReadonlyMap<string, string>,
  now: number,
  freshSeconds: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of series) {
    const node = nodeOfPod.get(podKey(s.metric.namespace ?? "", s.metric.pod ?? ""));
    if (!node) continue;
    for (let i = s.times.length - 1; i >= 0; i--) {
      const t = s.times[i] as number;
      if (t > now) continue;
      const v = s.values[i] as number;
      if (t >= now - freshSeconds && Number.isFinite(v)) out.set(node, (out.get(node) ?? 0) + v);
      break;
    }
  }
  return out;
}

const PRESSURE = new Set(["MemoryPressure", "DiskPressure", "PIDPressure"]);

function conditionFlag(node: NodeHealth, c: NodeCondition): HealthFlag {
  const why = c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ""})` : "";
  if (c.type === "Ready") {
    return {
      severity: "critical",
      subject: `Node ${node.name}`,
      finding: `NotReady: Ready is ${c.status}${why}; its ${node.pods} pods may be evicted`,
      recommendation: "check the kubelet and the node's network; cordon and drain it, or replace it",
    };
  }
  const pressure = PRESSURE.has(c.type);
  return {
    severity: c.type === "NetworkUnavailable" ? "critical" : "high",
    subject: `Node ${node.name}`,
    finding: `${c.type} is ${c.status}${why}`,
    recommendation: pressure
      ? "the kubelet evicts pods under pressure: free the resource or move pods off (cut requests, add nodes)"
      : "check the node's network plugin and routes",
  };
}

/**
 * NotReady nodes and NetworkUnavailable (critical), pressure (high), cordoned nodes (low), and a resource
 * forecast to reach the nodes' capacity within the forecast horizon (critical within 2 days, else high).
 */
export function nodeFlags(nodes: readonly NodeHealth[], capacity: readonly CapacityFinding[]): HealthFlag[] {
  const flags: HealthFlag[] = [];
  for (const n of nodes) {
    for (const c of n.abnormal) flags.push(conditionFlag(n, c));
    if (n.unschedulable) {
      flags.push({
        severity: "low",
        subject: `Node ${n.name}`,
        finding: "cordoned (unschedulable): takes no new pods",
        recommendation: "uncordon it when its maintenance is done (`kubectl uncordon`)",
      });
    }
  }
  for (const c of capacity) {
    if (c.daysUntilFull === null) continue;
    const amount = (v: number) =>
      c.resource === "cpu" ? `${v.toFixed(2)} cores` : formatMemoryDescription(v);
    flags.push({
      severity: c.daysUntilFull <= 2 ? "critical" : "high",
      subject: `Cluster ${c.resource === "cpu" ? "CPU" : "memory"}`,
      finding: `usage forecast to reach the nodes' allocatable capacity in ${c.daysUntilFull.toFixed(1)} days (forecast peak ${amount(c.forecastPeak)} of ${amount(c.allocatable)})`,
      recommendation: "add nodes, or merge kopt's right-sizing pull requests to cut requests",
    });
  }
  return flags;
}
