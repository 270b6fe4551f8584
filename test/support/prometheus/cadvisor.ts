// Turns kopt's usage (the query_range matrices a snapshot records) back into the raw series a real cluster
// stores: cAdvisor's counters and gauges as the kubelet exposes them, plus kube-state-metrics series. Fed
// to a real Prometheus, kopt's own queries must give back exactly the original values; any other query
// (a naive instant read, a sum that forgets the pod-level cgroup) gives something else, which is the point.
import type { PromMatrix } from "../../../src/formats/snapshot.ts";
import { hashString, seeded, uuid } from "../snapshot-builder.ts";
import type { MetricSeries } from "./openmetrics.ts";

/** One usage point covers the 5 minutes before it. */
export const BLOCK_SECONDS = 300;
export const SCRAPE_SECONDS = 60;

// Scrapes inside the block (t-300, t]: 30 s off the step grid, so no sample ever sits on a range boundary
// and Prometheus 2's closed [t-5m, t] and Prometheus 3's left-open (t-5m, t] windows hold the same 5 samples.
const SCRAPE_OFFSETS = [-270, -210, -150, -90, -30] as const;
const SCRAPES_PER_BLOCK = SCRAPE_OFFSETS.length;
/** The seconds at each end of a block that fall outside its first and last scrape. */
const EDGE_SECONDS = 30;

// Working-set samples of one block relative to its maximum. The maximum sits in the middle, so an instant
// read at t (which sees the last sample) is 1% low and only max_over_time(...[5m]) gives the point back.
const MEMORY_PATTERN = [0.9, 0.97, 1, 0.95, 0.99] as const;

// The pause container: a few hundred KiB and almost no CPU, as on real nodes.
const PAUSE_CPU_CORES = 0.00002;
const PAUSE_MEMORY_BYTES = 380_000;
const PAUSE_IMAGE = "registry.k8s.io/pause:3.9";

// CFS: a 100 ms period, so a runnable container accrues 10 periods per second.
const CFS_PERIODS_PER_SECOND = 10;

type Point = readonly [number, number];

export interface ContainerRestarts {
  namespace: string;
  pod: string;
  container: string;
  /** Each restart: its time (unix seconds) and the reason the previous instance ended. */
  events: Array<{ at: number; reason: "OOMKilled" | "Error" | (string & {}) }>;
}

export interface HpaReplicas {
  namespace: string;
  /** The HorizontalPodAutoscaler's name. */
  name: string;
  /** [t, current, desired]: the replica counts during the block (t-300, t], on the usage step grid. */
  points: Array<readonly [number, number, number]>;
}

export interface CadvisorExtras {
  /**
   * Emit each pod's cgroup series and pause container (default true). A benchmark may turn them off: with
   * two containers per pod they are half of all samples.
   */
  podLevel?: boolean;
  /**
   * Throttled fraction (0..1) of CFS periods, a matrix on the usage grid labelled namespace/pod/container.
   * Each point [t, r] gives counters where rate(throttled[5m]) / rate(periods[5m]) at t is r.
   */
  throttling?: PromMatrix;
  /**
   * kube-state-metrics restart counters, sampled in the container's CPU usage blocks (the container must be
   * in usage.cpu). At a sample time s the counter counts the events at or before s, and
   * kube_pod_container_status_last_terminated_reason{reason} is 1 for the latest such event's reason, 0 for
   * reasons that came before it.
   */
  restarts?: ContainerRestarts[];
  /** kube_horizontalpodautoscaler_status_current_replicas / _desired_replicas, 5 scrapes per block. */
  hpa?: HpaReplicas[];
}

interface Parsed {
  metric: Record<string, string>;
  namespace: string;
  pod: string;
  container: string;
  points: Point[];
}

function parseMatrix(m: PromMatrix, what: string): Parsed[] {
  return m.result.map((s) => {
    const { __name__: _ignored, ...metric } = s.metric;
    const { namespace, pod, container } = metric;
    if (!namespace || !pod || !container) {
      throw new Error(
        `cadvisorSeries: ${what} series ${JSON.stringify(s.metric)} needs namespace, pod, container`,
      );
    }
    const where = `${what} ${namespace}/${pod}/${container}`;
    return { metric, namespace, pod, container, points: checkPoints(s.values, where) };
  });
}

/** Values are parsed; points must be at least a block apart so blocks never overlap. */
function checkPoints(values: ReadonlyArray<readonly [number, string | number]>, where: string): Point[] {
  const points: Point[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  for (const [t, raw] of values) {
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) {
      throw new Error(`cadvisorSeries: ${where}: value ${raw} at ${t} is not >= 0`);
    }
    if (t - previous < BLOCK_SECONDS) {
      throw new Error(
        `cadvisorSeries: ${where}: points at ${previous} and ${t} are less than ${BLOCK_SECONDS} s apart`,
      );
    }
    previous = t;
    points.push([t, v]);
  }
  return points;
}

/**
 * A counter rising at v per second through each block. Between two blocks (adjacent or across a gap) it
 * gains only the unscraped edges: the last 30 s of the one and the first 30 s of the other, which no
 * 5-minute window ending on a point sees. `start` must be >= 30 * max(v): rate() cuts its extrapolation
 * at the counter's zero point, which must therefore lie before every window.
 */
function counterSamples(points: readonly Point[], start: number): Point[] {
  const out: Point[] = [];
  let first = start;
  let previousV: number | undefined;
  for (const [t, v] of points) {
    if (previousV !== undefined) {
      first += (SCRAPES_PER_BLOCK - 1) * SCRAPE_SECONDS * previousV + EDGE_SECONDS * (previousV + v);
    }
    for (let k = 0; k < SCRAPES_PER_BLOCK; k++) {
      out.push([t + (SCRAPE_OFFSETS[k] as number), first + k * SCRAPE_SECONDS * v]);
    }
    previousV = v;
  }
  return out;
}

/** Gauge scrapes of each block following MEMORY_PATTERN (maximum v, not at the end). */
function peakGaugeSamples(points: readonly Point[]): Point[] {
  const out: Point[] = [];
  for (const [t, v] of points) {
    for (let k = 0; k < SCRAPES_PER_BLOCK; k++) {
      out.push([t + (SCRAPE_OFFSETS[k] as number), v * (MEMORY_PATTERN[k] as number)]);
    }
  }
  return out;
}

/** The same value at every scrape of each block. */
function flatGaugeSamples(points: readonly Point[]): Point[] {
  const out: Point[] = [];
  for (const [t, v] of points) for (const off of SCRAPE_OFFSETS) out.push([t + off, v]);
  return out;
}

function maxValue(points: readonly Point[]): number {
  let max = 0;
  for (const [, v] of points) max = Math.max(max, v);
  return max;
}

// An hour of the busiest use before the data starts: keeps the counter's zero point out of every window.
function cpuCounterStart(points: readonly Point[]): number {
  return 3600 * maxValue(points);
}

function hex(seed: string, length: number): string {
  const next = seeded(`cadvisor:${seed}`);
  let out = "";
  for (let i = 0; i < length; i++) out += Math.floor(next() * 16).toString(16);
  return out;
}

const NODES = 3;

/** The kubelet target's labels (kube-prometheus ServiceMonitor) and the pod's cgroup path. */
function podTarget(namespace: string, pod: string) {
  const node = hashString(`node:${namespace}/${pod}`) % NODES;
  const uid = uuid(`pod:${namespace}/${pod}`);
  return {
    uid,
    cgroup: `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replaceAll("-", "_")}.slice`,
    labels: {
      endpoint: "https-metrics",
      instance: `10.0.0.${11 + node}:10250`,
      job: "kubelet",
      metrics_path: "/metrics/cadvisor",
      namespace,
      node: `node-${node + 1}`,
      pod,
      service: "kubelet",
    },
  };
}

/** cAdvisor labels of one container (container "POD" is the pause container). */
function containerLabels(
  namespace: string,
  pod: string,
  container: string,
  own: Record<string, string> = {},
) {
  const target = podTarget(namespace, pod);
  const id = hex(`${namespace}/${pod}/${container}`, 64);
  const image = container === "POD" ? PAUSE_IMAGE : `registry.example.com/${namespace}/${container}:1.4.2`;
  return {
    ...target.labels,
    container,
    id: `${target.cgroup}/cri-containerd-${id}.scope`,
    image,
    name: id,
    ...own,
  };
}

/** The pod-level cgroup has no container, image or name label (cAdvisor leaves them empty). */
function podCgroupLabels(namespace: string, pod: string) {
  const target = podTarget(namespace, pod);
  return { ...target.labels, id: target.cgroup };
}

function byPod(series: Parsed[]): Map<string, Parsed[]> {
  const pods = new Map<string, Parsed[]>();
  for (const s of series) {
    const key = `${s.namespace}/${s.pod}`;
    const list = pods.get(key) ?? [];
    list.push(s);
    pods.set(key, list);
  }
  return pods;
}

/**
 * Sum of the containers' points per time, plus `extra`; a point closer than a block to the previous one
 * (containers on different step grids) is dropped.
 */
function podTotals(containers: Parsed[], extra: number): Point[] {
  const sums = new Map<number, number>();
  for (const c of containers) for (const [t, v] of c.points) sums.set(t, (sums.get(t) ?? 0) + v);
  const out: Point[] = [];
  for (const t of [...sums.keys()].sort((a, b) => a - b)) {
    const last = out.at(-1);
    if (!last || t - last[0] >= BLOCK_SECONDS) out.push([t, (sums.get(t) ?? 0) + extra]);
  }
  return out;
}

function* cpuFamily(cpu: Parsed[], podLevel: boolean): Generator<MetricSeries> {
  const name = "container_cpu_usage_seconds_total";
  for (const containers of byPod(cpu).values()) {
    const { namespace, pod } = containers[0] as Parsed;
    for (const c of containers) {
      const labels = containerLabels(namespace, pod, c.container, c.metric);
      yield { name, type: "counter", labels, samples: counterSamples(c.points, cpuCounterStart(c.points)) };
    }
    if (!podLevel) continue;
    const total = podTotals(containers, PAUSE_CPU_CORES);
    const pause = total.map(([t]) => [t, PAUSE_CPU_CORES] as const);
    yield {
      name,
      type: "counter",
      labels: containerLabels(namespace, pod, "POD"),
      samples: counterSamples(pause, cpuCounterStart(pause)),
    };
    yield {
      name,
      type: "counter",
      labels: podCgroupLabels(namespace, pod),
      samples: counterSamples(total, cpuCounterStart(total)),
    };
  }
}

function* memoryFamily(memory: Parsed[], podLevel: boolean): Generator<MetricSeries> {
  const name = "container_memory_working_set_bytes";
  for (const containers of byPod(memory).values()) {
    const { namespace, pod } = containers[0] as Parsed;
    for (const c of containers) {
      const labels = containerLabels(namespace, pod, c.container, c.metric);
      yield { name, type: "gauge", labels, samples: peakGaugeSamples(c.points) };
    }
    if (!podLevel) continue;
    const total = podTotals(containers, PAUSE_MEMORY_BYTES);
    const pause = total.map(([t]) => [t, PAUSE_MEMORY_BYTES] as const);
    yield {
      name,
      type: "gauge",
      labels: containerLabels(namespace, pod, "POD"),
      samples: peakGaugeSamples(pause),
    };
    yield { name, type: "gauge", labels: podCgroupLabels(namespace, pod), samples: peakGaugeSamples(total) };
  }
}

function checkThrottling(throttling: Parsed[]): Parsed[] {
  for (const c of throttling) {
    if (c.points.some(([, r]) => r > 1)) {
      throw new Error(`cadvisorSeries: throttling ${c.namespace}/${c.pod}/${c.container}: ratio above 1`);
    }
  }
  return throttling;
}

function* throttlingFamilies(throttling: Parsed[]): Generator<MetricSeries> {
  // Two families: all periods series first, then all throttled ones.
  for (const c of throttling) {
    yield {
      name: "container_cpu_cfs_periods_total",
      type: "counter",
      labels: containerLabels(c.namespace, c.pod, c.container, c.metric),
      samples: counterSamples(
        c.points.map(([t]) => [t, CFS_PERIODS_PER_SECOND] as const),
        3600 * CFS_PERIODS_PER_SECOND,
      ),
    };
  }
  for (const c of throttling) {
    yield {
      name: "container_cpu_cfs_throttled_periods_total",
      type: "counter",
      labels: containerLabels(c.namespace, c.pod, c.container, c.metric),
      samples: counterSamples(
        c.points.map(([t, r]) => [t, r * CFS_PERIODS_PER_SECOND] as const),
        360 * CFS_PERIODS_PER_SECOND,
      ),
    };
  }
}

const KSM_TARGET = { instance: "10.0.3.17:8080", job: "kube-state-metrics" };

function ksmContainerLabels(namespace: string, pod: string, container: string) {
  return { ...KSM_TARGET, container, namespace, pod, uid: uuid(`pod:${namespace}/${pod}`) };
}

interface RestartScrapes {
  r: ContainerRestarts;
  events: ContainerRestarts["events"];
  /** The container's scrape times. */
  times: number[];
}

function restartScrapes(restarts: ContainerRestarts[], cpu: Parsed[]): RestartScrapes[] {
  return restarts.map((r) => {
    const key = `${r.namespace}/${r.pod}/${r.container}`;
    const usage = cpu.find((c) => `${c.namespace}/${c.pod}/${c.container}` === key);
    if (!usage) throw new Error(`cadvisorSeries: restarts of ${key}: the container is not in usage.cpu`);
    const events = [...r.events].sort((a, b) => a.at - b.at);
    const times = usage.points.flatMap(([t]) => SCRAPE_OFFSETS.map((off) => t + off));
    return { r, events, times };
  });
}

function* restartFamilies(scrapes: RestartScrapes[]): Generator<MetricSeries> {
  for (const { r, events, times } of scrapes) {
    let seen = 0;
    const samples = times.map((s) => {
      while (seen < events.length && (events[seen]?.at ?? Number.POSITIVE_INFINITY) <= s) seen++;
      return [s, seen] as const;
    });
    yield {
      name: "kube_pod_container_status_restarts_total",
      type: "counter",
      labels: ksmContainerLabels(r.namespace, r.pod, r.container),
      samples,
    };
  }
  for (const { r, events, times } of scrapes) {
    // KSM exposes only the current reason (value 1); when another takes over, a live Prometheus marks the old
    // series stale at its next scrape. Backfilled blocks cannot hold staleness markers, and without them the
    // old series would still answer for 5 minutes (the lookback). So a reason seen before stays, as 0 — what
    // older kube-state-metrics versions export, and the same to a query that asks for `== 1`.
    const byReason = new Map<string, Point[]>();
    let seen = 0;
    for (const s of times) {
      while (seen < events.length && (events[seen]?.at ?? Number.POSITIVE_INFINITY) <= s) seen++;
      const current = events[seen - 1]?.reason;
      if (current === undefined) continue;
      if (!byReason.has(current)) byReason.set(current, []);
      for (const [reason, list] of byReason) list.push([s, reason === current ? 1 : 0]);
    }
    for (const [reason, samples] of byReason) {
      yield {
        name: "kube_pod_container_status_last_terminated_reason",
        type: "gauge",
        labels: { ...ksmContainerLabels(r.namespace, r.pod, r.container), reason },
        samples,
      };
    }
  }
}

interface CheckedHpa {
  labels: Record<string, string>;
  current: Point[];
  desired: Point[];
}

function checkHpa(hpa: HpaReplicas[]): CheckedHpa[] {
  return hpa.map((h) => {
    const where = `hpa ${h.namespace}/${h.name}`;
    return {
      labels: { ...KSM_TARGET, horizontalpodautoscaler: h.name, namespace: h.namespace },
      current: checkPoints(
        h.points.map(([t, current]) => [t, current]),
        where,
      ),
      desired: checkPoints(
        h.points.map(([t, , desired]) => [t, desired]),
        where,
      ),
    };
  });
}

function* hpaFamilies(checked: CheckedHpa[]): Generator<MetricSeries> {
  for (const h of checked) {
    yield {
      name: "kube_horizontalpodautoscaler_status_current_replicas",
      type: "gauge",
      labels: h.labels,
      samples: flatGaugeSamples(h.current),
    };
  }
  for (const h of checked) {
    yield {
      name: "kube_horizontalpodautoscaler_status_desired_replicas",
      type: "gauge",
      labels: h.labels,
      samples: flatGaugeSamples(h.desired),
    };
  }
}

/**
 * The raw series behind `usage`, family by family: rate(container_cpu_usage_seconds_total[5m]) and
 * max_over_time(container_memory_working_set_bytes[5m]) evaluated at each point's time give the point's
 * value back. Every pod also gets its cgroup series (no container label) and a pause container
 * (container="POD"), which kopt must filter out (unless extras.podLevel is false). Inputs are checked at
 * once; the series are built while iterating (which may be done any number of times), one at a time, so a
 * benchmark-sized history never sits in memory as samples.
 */
export function cadvisorSeries(
  usage: { cpu: PromMatrix; memory: PromMatrix },
  extras: CadvisorExtras = {},
): Iterable<MetricSeries> {
  const cpu = parseMatrix(usage.cpu, "cpu");
  const memory = parseMatrix(usage.memory, "memory");
  const throttling = checkThrottling(extras.throttling ? parseMatrix(extras.throttling, "throttling") : []);
  const restarts = restartScrapes(extras.restarts ?? [], cpu);
  const hpa = checkHpa(extras.hpa ?? []);
  return {
    *[Symbol.iterator]() {
      yield* cpuFamily(cpu, extras.podLevel ?? true);
      yield* memoryFamily(memory, extras.podLevel ?? true);
      yield* throttlingFamilies(throttling);
      yield* restartFamilies(restarts);
      yield* hpaFamilies(hpa);
    },
  };
}

/** Shifts every timestamp of a matrix by `seconds` (to make a recorded history end "now"). */
export function shiftMatrix(m: PromMatrix, seconds: number): PromMatrix {
  return {
    resultType: "matrix",
    result: m.result.map((s) => ({
      metric: { ...s.metric },
      values: s.values.map(([t, v]) => [t + seconds, v] as [number, string]),
    })),
  };
}
