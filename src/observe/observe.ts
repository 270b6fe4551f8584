// The observe step of plan and recommend, and its one entry: observeCluster reads the cluster from a
// snapshot file or the live Kubernetes API, with usage history from the snapshot or from Prometheus, and
// builds the model both paths share.
import { join, resolve } from "node:path";
import type { LoadedConfig } from "../config/load.ts";
import { KoptError } from "../errors.ts";
import type { ClusterSnapshot } from "../formats/snapshot.ts";
import type { ClusterState, UsageHistory, WorkloadRef } from "../model/types.ts";
import { workloadLabel } from "../model/types.ts";
import type { CaptureOptions } from "./capture.ts";
import { attributeUsage, buildClusterState } from "./cluster-model.ts";
import { readHistory } from "./prometheus/history.ts";
import { readSnapshotFile, type SnapshotFile } from "./snapshot.ts";
import { type UsageSeries, usageFromSnapshot } from "./usage-series.ts";

export interface Observation {
  state: ClusterState;
  usage: UsageHistory;
  /** Human-readable origin of the data, recorded in PHRs: `snapshot:<file>` or `kubernetes:<context>`. */
  source: string;
  /** What the user should know about the data (no usage history, no metrics.k8s.io, ...). */
  warnings: string[];
  /** The snapshot file read, when the data came from one. */
  snapshotFile?: string;
  /** What was read, as read: the diagnosis works on the raw objects, logs and history, not the sizing model. */
  raw: { snapshot: ClusterSnapshot; usage: UsageSeries; logsReadable: boolean };
}

/** What is observed: the repository root and the cluster's config; neither for a bare --snapshot. */
export interface ObserveConfig {
  root: string | undefined;
  loaded: LoadedConfig | undefined;
}

/** What a run changes about its sources: a --snapshot file (which wins over the config's source), and the rest. */
export interface ObserveOverrides extends CaptureOptions {
  snapshot?: string;
}

/**
 * The observe step of plan and recommend: a --snapshot file wins; otherwise the config's source, a snapshot
 * file or the live cluster, with usage history from source.prometheus when it is configured.
 */
export async function observeCluster(
  { root, loaded }: ObserveConfig,
  overrides: ObserveOverrides,
): Promise<Observation> {
  const flag = overrides.snapshot;
  if (overrides.prometheusUrl && (flag || !loaded?.config.source.prometheus)) {
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
  const file = () => snapshotPath(root, flag, loaded);
  const hint = () => snapshotPathHint(root, flag, loaded);
  if (flag || !root || !loaded) return observeSnapshot(file(), loaded?.config.cluster, hint());
  if (loaded.config.source.kubernetes) {
    // Loaded here, not at the top: client-node takes half a second to load, which a snapshot run never needs.
    const { captureCluster } = await import("./capture.ts");
    const { snapshot, history, warnings, source, logsReadable } = await captureCluster(
      root,
      loaded,
      overrides,
    );
    const obs = observationOf(snapshot, withHistory(source, history), history);
    // A 403 on pods/log read with logsDenied "warn" leaves the logs out: say so, not "there were none".
    return { ...obs, raw: { ...obs.raw, logsReadable }, warnings };
  }
  if (!loaded.config.source.prometheus) return observeSnapshot(file(), loaded.config.cluster, hint());
  // The snapshot's objects with history from Prometheus up to the moment the snapshot was taken.
  const snap = await readSnapshotOf(file(), loaded.config.cluster, hint());
  const at = Date.parse(snap.capturedAt) / 1000;
  const history = await readHistory(root, loaded, snap.objects.items, at, overrides);
  const obs = observationOf(snap, withHistory(`snapshot:${file()}`, history.usage), history.usage);
  return { ...obs, warnings: history.warnings, snapshotFile: file() };
}

async function observeSnapshot(
  file: string,
  expectCluster?: string,
  pathHint?: string,
): Promise<Observation> {
  const { snapshot, usage } = await readSnapshotFileOf(file, expectCluster, pathHint);
  return { ...observationOf(snapshot, `snapshot:${file}`, usage), snapshotFile: file };
}

/**
 * A snapshot file's objects and metadata, refused when it records another cluster than `expectCluster`.
 * Its usage samples are not kept (format 2 leaves `usage` without samples): readSnapshotFileOf has them.
 */
export async function readSnapshotOf(
  file: string,
  expectCluster?: string,
  pathHint?: string,
): Promise<ClusterSnapshot> {
  return (await readSnapshotFileOf(file, expectCluster, pathHint)).snapshot;
}

/** A snapshot file with its usage series, refused when it records another cluster than `expectCluster`. */
export async function readSnapshotFileOf(
  file: string,
  expectCluster?: string,
  pathHint?: string,
): Promise<SnapshotFile> {
  const read = await readSnapshotFile(file, pathHint);
  const snap = read.snapshot;
  if (expectCluster && snap.cluster !== expectCluster) {
    throw new KoptError("snapshot", `snapshot is of cluster "${snap.cluster}", not "${expectCluster}"`, {
      where: { file, field: "cluster" },
      hint: "pass the snapshot of this cluster, or the matching --cluster",
    });
  }
  return read;
}

/** The model of a snapshot, from a file or from the live cluster: one path, so both give the same answers. */
export function observationOf(snap: ClusterSnapshot, source: string, history?: UsageSeries): Observation {
  const observedAt = Date.parse(snap.capturedAt) / 1000;
  const state = buildClusterState(snap.cluster, observedAt, snap.objects.items);
  const series = history ?? usageFromSnapshot(snap.usage);
  const usage = attributeUsage(state, series);
  // A snapshot recorded without a `logs` map (hand-made, or by another tool) has no logs to judge by; a live
  // read for plan stops on a 403 on pods/log, so what it captured is readable.
  const raw = { snapshot: snap, usage: series, logsReadable: snap.logs !== undefined };
  return { state, usage, source, warnings: [], raw };
}

/** The origin of the objects, plus the Prometheus the usage history came from (recorded in PHRs). */
export function withHistory(source: string, usage: UsageSeries | undefined): string {
  return usage?.source ? `${source} + prometheus:${usage.source.url}` : source;
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
