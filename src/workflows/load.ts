// The observe step shared by plan and recommend: find the cluster config, read the snapshot, build the model.
import { readdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { isNode, LineCounter, parseDocument } from "yaml";
import { KoptError } from "../errors.ts";
import {
  type ClusterConfig,
  type KubernetesSource,
  parseClusterConfig,
  toRightsizePolicy,
} from "../formats/config.ts";
import type { ClusterSnapshot } from "../formats/snapshot.ts";
import { DEFAULT_RIGHTSIZE_POLICY, type RightsizePolicy } from "../model/policy.ts";
import type { ClusterState, UsageHistory, WorkloadRef } from "../model/types.ts";
import { workloadLabel } from "../model/types.ts";
import { attributeUsage, buildClusterState } from "../observe/cluster-model.ts";
import { type KubeSourceOptions, readCluster, rfc3339, snapshotOf } from "../observe/kube.ts";
import { loadSnapshot, validateSnapshot } from "../observe/snapshot.ts";

export interface LoadedConfig {
  config: ClusterConfig;
  /** Absolute path of kopt.yaml. */
  file: string;
  text: string;
}

export interface Observation {
  state: ClusterState;
  usage: UsageHistory;
  /** Human-readable origin of the data, recorded in PHRs: `snapshot:<file>` or `kubernetes:<context>`. */
  source: string;
  /** What the user should know about the data (no usage history, no metrics.k8s.io, ...). */
  warnings: string[];
  /** The snapshot file read, when the data came from one. */
  snapshotFile?: string;
}

/** Said whenever the data comes from the live cluster: there is no usage history to size from yet. */
export const NO_USAGE_HISTORY =
  'no usage history: the kubernetes source reads objects, logs and current metrics only; usage history needs the Prometheus source, which kopt does not have yet, so every container is skipped with "no usage data"';

/** Picks the cluster: the named one, or the only one under clusters/. */
export async function resolveClusterName(root: string, name: string | undefined): Promise<string> {
  if (name) return name;
  const entries = await readdir(join(root, "clusters"), { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && (await readFile(join(root, "clusters", e.name, "kopt.yaml")).catch(() => null)))
      names.push(e.name);
  }
  if (names.length === 1 && names[0]) return names[0];
  throw new KoptError(
    "usage",
    names.length === 0
      ? `no cluster config found under ${join(root, "clusters")}`
      : `several clusters configured: ${names.join(", ")}`,
    {
      hint:
        names.length === 0
          ? "create clusters/<name>/kopt.yaml, or pass --snapshot FILE"
          : "pick one with --cluster NAME",
    },
  );
}

export async function loadClusterConfig(root: string, cluster: string): Promise<LoadedConfig> {
  const file = join(root, "clusters", cluster, "kopt.yaml");
  const text = await readFile(file, "utf8").catch(() => {
    throw new KoptError("config", `no config for cluster "${cluster}"`, {
      where: { file },
      hint: `create ${relative(process.cwd(), file) || file} (see \`kopt schema config\`), or check --cluster`,
    });
  });
  const config = parseClusterConfig(text, file);
  if (config.cluster !== cluster) {
    throw new KoptError(
      "config",
      `cluster is "${config.cluster}" but the file is under clusters/${cluster}/`,
      {
        where: { file, field: "cluster" },
        hint: `set cluster: ${cluster}, or move the file to clusters/${config.cluster}/`,
      },
    );
  }
  return { config, file, text };
}

export async function observeSnapshot(file: string, expectCluster?: string): Promise<Observation> {
  const snap = await loadSnapshot(file);
  if (expectCluster && snap.cluster !== expectCluster) {
    throw new KoptError("snapshot", `snapshot is of cluster "${snap.cluster}", not "${expectCluster}"`, {
      where: { file, field: "cluster" },
      hint: "pass the snapshot of this cluster, or the matching --cluster",
    });
  }
  return { ...observationOf(snap, `snapshot:${file}`), snapshotFile: file };
}

/** The model of a snapshot, from a file or from the live cluster: one path, so both give the same answers. */
function observationOf(snap: ClusterSnapshot, source: string): Observation {
  const observedAt = Date.parse(snap.capturedAt) / 1000;
  const state = buildClusterState(snap.cluster, observedAt, snap.objects.items);
  const usage = attributeUsage(state, snap.usage.cpu, snap.usage.memory);
  return { state, usage, source, warnings: [] };
}

/** source.kubernetes as options of the kube source; a relative kubeconfig is relative to the repository root. */
export function kubeOptions(root: string, k: KubernetesSource): KubeSourceOptions {
  let kubeconfig = k.kubeconfig;
  if (kubeconfig?.startsWith("~/")) kubeconfig = join(homedir(), kubeconfig.slice(2));
  else if (kubeconfig && !isAbsolute(kubeconfig)) kubeconfig = join(root, kubeconfig);
  return {
    kubeconfig,
    context: k.context,
    inCluster: k.inCluster,
    namespaces: k.namespaces,
    tailLines: k.logs.tailLines,
  };
}

/** Reads the live cluster into a validated snapshot (capturedAt = now). */
export async function captureCluster(
  root: string,
  loaded: LoadedConfig,
  now: Date = new Date(),
): Promise<{
  /** What the cluster returned, as a snapshot: what `kopt snapshot` writes, key order and all. */
  raw: Record<string, unknown>;
  /** The same, validated and parsed (defaults filled in). */
  snapshot: ClusterSnapshot;
  warnings: string[];
  source: string;
  requests: number;
}> {
  const k = loaded.config.source.kubernetes;
  if (!k) {
    throw new KoptError(
      "config",
      `cluster ${loaded.config.cluster} reads a snapshot file, not a live cluster`,
      {
        where: { file: loaded.file, field: "source" },
        hint: "set source.kubernetes in kopt.yaml to read the cluster through the Kubernetes API",
      },
    );
  }
  const read = await readCluster(kubeOptions(root, k));
  const raw = snapshotOf(read, loaded.config.cluster, rfc3339(now));
  const snapshot = validateSnapshot(raw, read.source);
  return { raw, snapshot, warnings: read.warnings, source: read.source, requests: read.requests };
}

/**
 * The observe step of plan and recommend: a --snapshot file wins; otherwise the config's source, a snapshot
 * file or the live cluster.
 */
export async function observe(
  root: string | undefined,
  flag: string | undefined,
  loaded: LoadedConfig | undefined,
): Promise<Observation> {
  const kube = loaded?.config.source.kubernetes;
  if (flag || !kube || !root || !loaded) {
    return observeSnapshot(snapshotPath(root, flag, loaded), loaded?.config.cluster);
  }
  const { snapshot, warnings, source } = await captureCluster(root, loaded);
  return { ...observationOf(snapshot, source), warnings: [...warnings, NO_USAGE_HISTORY] };
}

/** Line of a `workloads[i]` entry in kopt.yaml, for errors about it. */
function workloadLine(text: string, index: number): number | undefined {
  const lc = new LineCounter();
  const node = parseDocument(text, { lineCounter: lc }).getIn(["workloads", index], true);
  return isNode(node) && node.range ? lc.linePos(node.range[0]).line : undefined;
}

/** Every workloads entry of the config must name a workload that exists. */
export function checkMappedWorkloads(loaded: LoadedConfig, state: ClusterState): void {
  const known = state.workloads.map((w) => workloadLabel(w.ref));
  loaded.config.workloads.forEach((m, i) => {
    const hit = state.workloads.some(
      (w) => workloadLabel(w.ref) === m.workload && (!m.kind || m.kind === w.ref.kind),
    );
    if (hit) return;
    throw new KoptError(
      "config",
      `unknown workload "${m.workload}"${m.kind ? ` (${m.kind})` : ""}: not in cluster ${state.cluster}`,
      {
        where: { file: loaded.file, line: workloadLine(loaded.text, i), field: `workloads[${i}].workload` },
        hint: `fix the name or remove the entry; workloads in the cluster: ${known.join(", ")}`,
      },
    );
  });
}

/** Restricts the state to one workload (`namespace/name`), failing clearly when there is none. */
export function selectWorkload(state: ClusterState, selector: string | undefined): ClusterState {
  if (!selector) return state;
  const matches = (ref: WorkloadRef) => workloadLabel(ref) === selector;
  const workloads = state.workloads.filter((w) => matches(w.ref));
  if (workloads.length === 0) {
    throw new KoptError("usage", `unknown workload "${selector}"`, {
      hint: `use <namespace>/<name>; workloads in cluster ${state.cluster}: ${state.workloads.map((w) => workloadLabel(w.ref)).join(", ")}`,
    });
  }
  return { ...state, workloads };
}

export function policyOf(loaded: LoadedConfig | undefined): RightsizePolicy {
  return loaded ? toRightsizePolicy(loaded.config.policy.rightsize) : DEFAULT_RIGHTSIZE_POLICY;
}

/** Snapshot paths: a --snapshot flag is relative to the working directory, config paths to the repository root. */
export function snapshotPath(
  root: string | undefined,
  flag: string | undefined,
  loaded: LoadedConfig | undefined,
): string {
  if (flag) return resolve(flag);
  const file = loaded?.config.source.snapshot;
  if (file && root) return join(root, file);
  throw new KoptError("usage", "no snapshot to read", { hint: "pass --snapshot FILE or --cluster NAME" });
}
