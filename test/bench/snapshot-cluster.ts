// A generated cluster for `npm run bench:analysis` and the v1-vs-v2 test: N Deployments of 2 pods each in one
// namespace, each workload one of bench:quality's eight usage shapes (test/bench/quality/traces.ts), 14 days
// of CPU and memory at 5-minute steps ending at capturedAt. Deterministic: the traces are seeded by name.
//
// Samples are what Prometheus gives: CPU a rate (any double), memory a working set in whole 4 KiB pages.
// It is written as format 1 (Prometheus matrices, streamed: at 1,000 workloads the text passes 400 MB) or
// format 2 (the writer `kopt snapshot` uses).
import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { ClusterSnapshot } from "../../src/formats/snapshot.ts";
import { toPromMatrix, type UsageSeries } from "../../src/observe/usage-series.ts";
import { writeSnapshotFile } from "../../src/workflows/snapshot-file.ts";
import { deployment, type KubeObject, namespace, pod, replicaSet } from "../support/snapshot-builder.ts";
import { generateTrace, LEARN_END, LEARN_STEPS, SHAPES, START } from "./quality/traces.ts";

const NAMESPACE = "bench";
const PAGE = 4096;
const CREATED = START - 86_400;
const PODS = 2;

function cpuQuantity(cores: number | null): string | undefined {
  return cores === null ? undefined : `${Math.max(1, Math.round(cores * 1000))}m`;
}

function memoryQuantity(bytes: number | null): string | undefined {
  return bytes === null ? undefined : `${Math.max(1, Math.round(bytes / 2 ** 20))}Mi`;
}

export interface GeneratedCluster {
  /** The snapshot's envelope and objects; its usage is empty (the samples are in `usage`). */
  snapshot: ClusterSnapshot;
  usage: UsageSeries;
  samples: number;
}

/** The cluster of `workloads` Deployments (shapes in turn: diurnal-0, weekly-0, ..., idle-0, diurnal-1, ...). */
export function generateCluster(workloads: number): GeneratedCluster {
  const items: KubeObject[] = [namespace({ name: NAMESPACE, created: CREATED })];
  const usage: UsageSeries = { cpu: [], memory: [] };
  let samples = 0;
  for (let w = 0; w < workloads; w++) {
    const trace = generateTrace(SHAPES[w % SHAPES.length] ?? "idle", Math.floor(w / SHAPES.length));
    const { requests, limits } = trace.current;
    const resources = {
      requests: { cpu: cpuQuantity(requests.cpu), memory: memoryQuantity(requests.memory) },
      limits: { cpu: cpuQuantity(limits.cpu), memory: memoryQuantity(limits.memory) },
    };
    const d = deployment({
      namespace: NAMESPACE,
      name: trace.name,
      created: CREATED,
      replicas: PODS,
      containers: [{ name: "app", image: `registry.example/${trace.shape}:1`, resources }],
    });
    const rs = replicaSet({ deployment: d, revision: 1, replicas: PODS, created: CREATED });
    items.push(d, rs);
    for (let p = 0; p < PODS; p++) {
      const po = pod({ owner: rs, nodeName: `node-${w % 16}`, created: CREATED, seed: p });
      items.push(po);
      const metric = { namespace: NAMESPACE, pod: po.metadata.name, container: "app" };
      // The second pod a little below the first, so the two are not one series twice.
      const scale = p === 0 ? 1 : 0.93;
      const times = trace.times.slice(0, LEARN_STEPS);
      const cpu = trace.cpu.slice(0, LEARN_STEPS).map((v) => v * scale);
      const memory = trace.memory.slice(0, LEARN_STEPS).map((v) => Math.round((v * scale) / PAGE) * PAGE);
      usage.cpu.push({ metric, times, values: cpu });
      usage.memory.push({ metric, times, values: memory });
      samples += 2 * LEARN_STEPS;
    }
  }
  const snapshot: ClusterSnapshot = {
    apiVersion: "kopt.dev/v1",
    kind: "ClusterSnapshot",
    cluster: "bench",
    capturedAt: new Date((LEARN_END - 300) * 1000).toISOString().replace(".000Z", "Z"),
    objects: {
      apiVersion: "v1",
      kind: "List",
      items: items as unknown as ClusterSnapshot["objects"]["items"],
    },
    usage: { cpu: { resultType: "matrix", result: [] }, memory: { resultType: "matrix", result: [] } },
  };
  return { snapshot, usage, samples };
}

/** Format 1's text, one series at a time (the whole would not fit one string at 1,000 workloads). */
function* v1Text(c: GeneratedCluster): Generator<string> {
  const { usage: _, ...envelope } = c.snapshot;
  const head = JSON.stringify(envelope);
  yield `${head.slice(0, -1)},"usage":{`;
  for (const kind of ["cpu", "memory"] as const) {
    yield `${kind === "cpu" ? "" : ","}"${kind}":{"resultType":"matrix","result":[`;
    for (let i = 0; i < c.usage[kind].length; i++) {
      const s = c.usage[kind][i];
      if (s) yield `${i > 0 ? "," : ""}${JSON.stringify(toPromMatrix([s]).result[0])}`;
    }
    yield "]}";
  }
  yield "}}\n";
}

/** Writes the cluster as format 1 (.json or .json.gz). */
export async function writeV1(file: string, c: GeneratedCluster): Promise<void> {
  const text = Readable.from(v1Text(c));
  const sink = createWriteStream(file);
  await (file.endsWith(".gz") ? pipeline(text, createGzip(), sink) : pipeline(text, sink));
}

/** Writes the cluster as format 2, as `kopt snapshot` does; returns the file's size. */
export function writeV2(file: string, c: GeneratedCluster): Promise<number> {
  return writeSnapshotFile(file, c.snapshot, c.usage);
}
