// The observe step shared by plan and recommend: find the cluster config, read the snapshot, build the model.
import { readdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { isNode, LineCounter, parseDocument } from "yaml";
import type { CapacityFinding } from "../analyze/capacity.ts";
import { KoptError } from "../errors.ts";
import {
  type ClusterConfig,
  durationSeconds,
  type KubernetesSource,
  type PrometheusSource,
  parseClusterConfig,
  policyFromConfig,
} from "../formats/config.ts";
import type { ClusterSnapshot, KubeObject } from "../formats/snapshot.ts";
import { formatMemoryDescription } from "../model/format.ts";
import type { RightsizePolicy } from "../model/policy.ts";
import type { ClusterState, UsageHistory, WorkloadRef } from "../model/types.ts";
import { workloadLabel } from "../model/types.ts";
import { attributeUsage, buildClusterState } from "../observe/cluster-model.ts";
import { type KubeSourceOptions, readCluster, rfc3339, snapshotOf } from "../observe/kube.ts";
import { PrometheusClient, type PrometheusClientOptions } from "../observe/prometheus/client.ts";
import { alignDown } from "../observe/prometheus/queries.ts";
import { readUsage } from "../observe/prometheus/source.ts";
import { loadSnapshot, validateSnapshot } from "../observe/snapshot.ts";
import { type UsageSeries, usageFromSnapshot } from "../observe/usage-series.ts";

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

/** Said when the data comes from the live cluster without a Prometheus: there is no usage history to size from. */
export const NO_USAGE_HISTORY =
  'no usage history: the kubernetes source reads objects, logs and current metrics only; add source.prometheus to kopt.yaml for usage history, otherwise every container is skipped with "no usage data"';

/** How a run reads its sources: the time it treats as now, and an override of source.prometheus.url. */
export interface ObserveOptions {
  now?: Date;
  prometheusUrl?: string;
}

/** Clusters with a kopt.yaml under <root>/clusters, sorted. */
export async function listClusters(root: string): Promise<string[]> {
  const entries = await readdir(join(root, "clusters"), { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const e of entries) {
    if (e.isDirectory() && (await readFile(join(root, "clusters", e.name, "kopt.yaml")).catch(() => null)))
      names.push(e.name);
  }
  return names.sort();
}

/** Picks the cluster: the named one, or the only one under clusters/. */
export async function resolveClusterName(root: string, name: string | undefined): Promise<string> {
  if (name) return name;
  const names = await listClusters(root);
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
  const loaded = { config, file, text };
  checkDuplicateMappings(loaded);
  return loaded;
}

export async function observeSnapshot(
  file: string,
  expectCluster?: string,
  pathHint?: string,
): Promise<Observation> {
  const { snap } = await observeSnapshotFile(file, expectCluster, pathHint);
  return { ...observationOf(snap, `snapshot:${file}`), snapshotFile: file };
}

async function observeSnapshotFile(
  file: string,
  expectCluster?: string,
  pathHint?: string,
): Promise<{ snap: ClusterSnapshot }> {
  const snap = await loadSnapshot(file, pathHint);
  if (expectCluster && snap.cluster !== expectCluster) {
    throw new KoptError("snapshot", `snapshot is of cluster "${snap.cluster}", not "${expectCluster}"`, {
      where: { file, field: "cluster" },
      hint: "pass the snapshot of this cluster, or the matching --cluster",
    });
  }
  return { snap };
}

/** The model of a snapshot, from a file or from the live cluster: one path, so both give the same answers. */
export function observationOf(snap: ClusterSnapshot, source: string, history?: UsageSeries): Observation {
  const observedAt = Date.parse(snap.capturedAt) / 1000;
  const state = buildClusterState(snap.cluster, observedAt, snap.objects.items);
  const usage = attributeUsage(state, history ?? usageFromSnapshot(snap.usage));
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

/** Reads the live cluster into a validated snapshot (capturedAt = now), with usage history from Prometheus if configured. */
export async function captureCluster(
  root: string,
  loaded: LoadedConfig,
  opts: ObserveOptions = {},
): Promise<{
  /** What the cluster returned, as a snapshot (usage empty): what `kopt snapshot` writes, key order and all. */
  raw: Record<string, unknown>;
  /** The same, validated and parsed (defaults filled in). */
  snapshot: ClusterSnapshot;
  /** Usage history from Prometheus; undefined without source.prometheus. */
  history: UsageSeries | undefined;
  warnings: string[];
  source: string;
  /** HTTP requests to the Kubernetes API. */
  requests: number;
  /** HTTP requests to Prometheus; null without source.prometheus. */
  prometheusRequests: number | null;
}> {
  const k = loaded.config.source.kubernetes;
  if (opts.prometheusUrl && !loaded.config.source.prometheus) {
    throw new KoptError("usage", "--prometheus-url needs source.prometheus in the cluster's kopt.yaml", {
      where: { file: loaded.file, field: "source" },
      hint: "add source.prometheus (see `kopt schema config`), or drop --prometheus-url",
    });
  }
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
  const now = opts.now ?? new Date();
  const read = await readCluster(kubeOptions(root, k));
  const raw = snapshotOf(read, loaded.config.cluster, rfc3339(now));
  const warnings = [...read.warnings];
  const snapshot = validateSnapshot(raw, read.source);
  let prometheusRequests: number | null = null;
  let history: UsageSeries | undefined;
  if (loaded.config.source.prometheus) {
    const read = await readHistory(
      root,
      loaded,
      snapshot.objects.items,
      now.getTime() / 1000,
      opts.prometheusUrl,
    );
    history = read.usage;
    warnings.push(...read.warnings);
    prometheusRequests = read.requests;
  } else {
    warnings.push(NO_USAGE_HISTORY);
  }
  return {
    raw,
    snapshot,
    history,
    warnings,
    source: read.source,
    requests: read.requests,
    prometheusRequests,
  };
}

/** Usage history for the namespaces of the given objects' workloads, up to `at`, from source.prometheus. */
export async function readHistory(
  root: string,
  loaded: LoadedConfig,
  items: readonly KubeObject[],
  at: number,
  urlOverride: string | undefined,
): Promise<{ usage: UsageSeries; requests: number; warnings: string[] }> {
  const p = loaded.config.source.prometheus;
  if (!p) throw new Error("readHistory without source.prometheus");
  const client = new PrometheusClient(await prometheusClientOptions(root, loaded, p, urlOverride));
  const namespaces = workloadNamespaces(items);
  const step = durationSeconds(p.step);
  const usage = await readUsage({
    client,
    namespaces,
    end: alignDown(at, step),
    historySeconds: durationSeconds(p.history ?? loaded.config.policy.rightsize.historyWindow),
    stepSeconds: step,
    rateWindowSeconds: durationSeconds(p.rateWindow),
    metrics: p.metrics,
    selector: p.selector,
    concurrency: p.concurrency,
  });
  const warnings = client.warnings.map((w) => `Prometheus at ${client.displayUrl} warned: ${w}`);
  if (namespaces.length > 0 && usage.cpu.length === 0 && usage.memory.length === 0) {
    warnings.push(
      `Prometheus at ${client.displayUrl} has no CPU or memory usage for namespaces ${namespaces.join(", ")} in the ${p.history ?? loaded.config.policy.rightsize.historyWindow} before ${rfc3339(new Date(at * 1000))}: check source.prometheus.metrics and selector (query: ${usage.source?.queries.cpu})`,
    );
  }
  return { usage, requests: client.requests, warnings };
}

/** The origin of the objects, plus the Prometheus the usage history came from (recorded in PHRs). */
function withHistory(source: string, usage: UsageSeries | undefined): string {
  return usage?.source ? `${source} + prometheus:${usage.source.url}` : source;
}

/** Namespaces that hold a Deployment, StatefulSet or DaemonSet: the only ones whose usage kopt attributes. */
function workloadNamespaces(items: readonly KubeObject[]): string[] {
  const kinds = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
  return [
    ...new Set(items.filter((o) => kinds.has(o.kind)).map((o) => o.metadata.namespace ?? "default")),
  ].sort();
}

/** source.prometheus as client options: secrets read from their files or variables, paths from the repository root. */
async function prometheusClientOptions(
  root: string,
  loaded: LoadedConfig,
  p: PrometheusSource,
  urlOverride: string | undefined,
): Promise<PrometheusClientOptions> {
  const field = (name: string) => `source.prometheus.${name}`;
  const readSecretFile = async (name: string, path: string) => {
    const file = isAbsolute(path) ? path : join(root, path);
    const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
      throw new KoptError("config", `cannot read ${file} (${err.code ?? err.message})`, {
        where: { file: loaded.file, field: field(name) },
        hint: "point it at an existing file (absolute, or relative to the repository root)",
      });
    });
    return nonEmpty(name, text.trim());
  };
  const readSecretEnv = (name: string, variable: string) =>
    nonEmpty(name, process.env[variable]?.trim() ?? "", variable);
  const nonEmpty = (name: string, value: string, variable?: string) => {
    if (value) return value;
    throw new KoptError(
      "config",
      variable ? `environment variable ${variable} is not set` : "the file is empty",
      {
        where: { file: loaded.file, field: field(name) },
        hint: variable ? `export ${variable}=<secret> before running kopt` : "write the secret into the file",
      },
    );
  };
  let bearerToken: string | undefined;
  if (p.bearerTokenFile) bearerToken = await readSecretFile("bearerTokenFile", p.bearerTokenFile);
  if (p.bearerTokenEnv) bearerToken = readSecretEnv("bearerTokenEnv", p.bearerTokenEnv);
  let basicAuth: PrometheusClientOptions["basicAuth"];
  if (p.basicAuth) {
    const password = p.basicAuth.passwordFile
      ? await readSecretFile("basicAuth.passwordFile", p.basicAuth.passwordFile)
      : readSecretEnv("basicAuth.passwordEnv", p.basicAuth.passwordEnv as string);
    basicAuth = { username: p.basicAuth.username, password };
  }
  let ca: string | undefined;
  if (p.caFile) {
    const file = isAbsolute(p.caFile) ? p.caFile : join(root, p.caFile);
    ca = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
      throw new KoptError("config", `cannot read the CA bundle ${file} (${err.code ?? err.message})`, {
        where: { file: loaded.file, field: field("caFile") },
        hint: "point caFile at a PEM file (absolute, or relative to the repository root)",
      });
    });
  }
  return {
    url: urlOverride ?? p.url,
    bearerToken,
    basicAuth,
    headers: p.headers,
    ca,
    insecureSkipTLSVerify: p.insecureSkipTLSVerify,
    timeoutMs: durationSeconds(p.timeout) * 1000,
    retries: p.retries,
  };
}

/**
 * The observe step of plan and recommend: a --snapshot file wins; otherwise the config's source, a snapshot
 * file or the live cluster, with usage history from source.prometheus when it is configured.
 */
export async function observe(
  root: string | undefined,
  flag: string | undefined,
  loaded: LoadedConfig | undefined,
  opts: ObserveOptions = {},
): Promise<Observation> {
  const kube = loaded?.config.source.kubernetes;
  if (opts.prometheusUrl && (flag || !loaded?.config.source.prometheus)) {
    throw new KoptError(
      "usage",
      flag
        ? "--prometheus-url has no effect with --snapshot: the snapshot file holds its usage history"
        : "--prometheus-url needs source.prometheus in the cluster's kopt.yaml",
      {
        where: flag ? {} : { file: loaded?.file, field: "source" },
        hint: flag
          ? "drop one of the two"
          : "add source.prometheus (see `kopt schema config`), or drop --prometheus-url",
      },
    );
  }
  if (flag || !root || !loaded) {
    return observeSnapshot(
      snapshotPath(root, flag, loaded),
      loaded?.config.cluster,
      snapshotPathHint(root, flag, loaded),
    );
  }
  if (kube) {
    const { snapshot, history, warnings, source } = await captureCluster(root, loaded, opts);
    return { ...observationOf(snapshot, withHistory(source, history), history), warnings };
  }
  const file = snapshotPath(root, flag, loaded);
  const hint = snapshotPathHint(root, flag, loaded);
  if (!loaded.config.source.prometheus) return observeSnapshot(file, loaded.config.cluster, hint);
  // The snapshot's objects with history from Prometheus up to the moment the snapshot was taken.
  const snap = (await observeSnapshotFile(file, loaded.config.cluster, hint)).snap;
  const at = Date.parse(snap.capturedAt) / 1000;
  const history = await readHistory(root, loaded, snap.objects.items, at, opts.prometheusUrl);
  const obs = observationOf(snap, withHistory(`snapshot:${file}`, history.usage), history.usage);
  return { ...obs, warnings: history.warnings, snapshotFile: file };
}

/** Line of a node of kopt.yaml (e.g. ["workloads", 2, "prefix"]), or of its nearest parent, for errors about it. */
export function configLine(text: string, path: readonly (string | number)[]): number | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/** Two entries for one workload: the first would silently win, so neither is trusted. */
function checkDuplicateMappings(loaded: LoadedConfig): void {
  const { workloads } = loaded.config;
  workloads.forEach((m, i) => {
    const first = workloads.findIndex(
      (o, j) =>
        j < i &&
        o.workload === m.workload &&
        (o.kind === undefined || m.kind === undefined || o.kind === m.kind),
    );
    if (first < 0) return;
    const lines = [first, i].map((n) => configLine(loaded.text, ["workloads", n]));
    throw new KoptError(
      "config",
      `${m.workload} is mapped twice: workloads[${first}] (line ${lines[0]}) and workloads[${i}] (line ${lines[1]})`,
      {
        where: { file: loaded.file, line: lines[1], field: `workloads[${i}].workload` },
        hint: `keep one entry for ${m.workload}; two workloads of different kinds with the same name need kind: on both`,
      },
    );
  });
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
        where: {
          file: loaded.file,
          line: configLine(loaded.text, ["workloads", i]),
          field: `workloads[${i}].workload`,
        },
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
  return policyFromConfig(loaded?.config).rightsize;
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

/** Where a snapshot path came from and what it is relative to, for a file that is not there. */
function snapshotPathHint(
  root: string | undefined,
  flag: string | undefined,
  loaded: LoadedConfig | undefined,
): string {
  if (flag)
    return `check --snapshot: a relative path is relative to the current directory (${process.cwd()})`;
  return `check source.snapshot in ${loaded?.file ?? "kopt.yaml"}: a relative path is relative to the repository root (${root})`;
}

/** A warning when a resource is forecast to run out within the horizon. */
export function capacityWarnings(capacity: readonly CapacityFinding[]): string[] {
  return capacity
    .filter((c) => c.daysUntilFull !== null)
    .map(
      (c) =>
        `${c.resource} usage is forecast to reach the nodes' allocatable capacity in ${(c.daysUntilFull as number).toFixed(1)} days (forecast peak ${c.resource === "cpu" ? `${c.forecastPeak.toFixed(2)} cores` : formatMemoryDescription(c.forecastPeak)} of ${c.resource === "cpu" ? `${c.allocatable.toFixed(2)} cores` : formatMemoryDescription(c.allocatable)}): add nodes or cut requests`,
    );
}
