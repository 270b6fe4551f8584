// The observe step of `kopt diagnose`: the raw objects, logs and history (not the sizing model plan builds)
// from a --snapshot file, or the cluster's configured source — a snapshot file, or the live Kubernetes API,
// with memory/restart/OOM history from source.prometheus when it is configured. Unlike plan, a 403 on pods/log
// does not stop a diagnosis: it goes on without logs and a warning names the RBAC rule to add.
import type { LoadedConfig } from "../config/load.ts";
import { KoptError } from "../errors.ts";
import type { ClusterSnapshot } from "../formats/snapshot.ts";
import { captureCluster, NO_USAGE_HISTORY } from "./capture.ts";
import { snapshotPath } from "./observe.ts";
import { readHistory } from "./prometheus/history.ts";
import { loadSnapshot } from "./snapshot.ts";
import { type UsageSeries, usageFromSnapshot } from "./usage-series.ts";

export interface DiagnosisObservation {
  snapshot: ClusterSnapshot;
  /** Memory, restart and OOM history; undefined when there is none. */
  usage: UsageSeries | undefined;
  logsReadable: boolean;
  /** Unix seconds the diagnosis judges ages against: capturedAt of a snapshot, the clock for a live read. */
  now: number;
  /** `snapshot:<file>` or `kubernetes:<context>`, plus ` + prometheus:<url>` when history came from there. */
  source: string;
  warnings: string[];
}

export interface DiagnosisSources {
  /** Repository root and the cluster's config; both undefined for a bare --snapshot. */
  root: string | undefined;
  loaded: LoadedConfig | undefined;
  snapshot?: string;
  now?: Date;
  prometheusUrl?: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** Said instead of plan's NO_USAGE_HISTORY: what a diagnosis loses without Prometheus. */
export const NO_DIAGNOSIS_HISTORY =
  "no memory history (source.kubernetes alone reads no Prometheus): an OOM kill is not told apart as a spike or a leak; add source.prometheus to kopt.yaml for that";

export async function observeForDiagnosis(src: DiagnosisSources): Promise<DiagnosisObservation> {
  const { root, loaded } = src;
  if (src.prometheusUrl && (src.snapshot || !loaded?.config.source.prometheus)) {
    throw new KoptError(
      "usage",
      src.snapshot
        ? "--prometheus-url has no effect with --snapshot: the snapshot file holds its usage history"
        : "--prometheus-url needs source.prometheus in the cluster's kopt.yaml",
      { hint: "drop --prometheus-url, or add source.prometheus (see `kopt schema config`)" },
    );
  }
  if (src.snapshot || !root || !loaded) return fromSnapshotFile(snapshotPath(root, src.snapshot, loaded));
  if (loaded.config.source.kubernetes) {
    const now = src.now ?? new Date();
    const capture = await captureCluster(root, loaded, {
      now,
      prometheusUrl: src.prometheusUrl,
      env: src.env,
      logsDenied: "warn",
    });
    const warnings = capture.warnings.map((w) => (w === NO_USAGE_HISTORY ? NO_DIAGNOSIS_HISTORY : w));
    const prometheus = capture.history?.source?.url;
    return {
      snapshot: capture.snapshot,
      usage: capture.history,
      logsReadable: capture.logsReadable,
      now: Math.floor(now.getTime() / 1000),
      source: prometheus ? `${capture.source} + prometheus:${prometheus}` : capture.source,
      warnings,
    };
  }
  const file = snapshotPath(root, undefined, loaded);
  const base = await fromSnapshotFile(file, loaded.config.cluster);
  if (!loaded.config.source.prometheus) return base;
  const items = base.snapshot.objects.items;
  const history = await readHistory(root, loaded, items, base.now, {
    prometheusUrl: src.prometheusUrl,
    env: src.env,
  });
  const url = history.usage.source?.url;
  return {
    ...base,
    usage: history.usage,
    source: url ? `${base.source} + prometheus:${url}` : base.source,
    warnings: history.warnings,
  };
}

async function fromSnapshotFile(file: string, cluster?: string): Promise<DiagnosisObservation> {
  const snapshot = await loadSnapshot(
    file,
    "check the path (a --snapshot path is relative to the current directory)",
  );
  if (cluster && snapshot.cluster !== cluster) {
    throw new KoptError("snapshot", `snapshot is of cluster "${snapshot.cluster}", not "${cluster}"`, {
      where: { file, field: "cluster" },
      hint: "pass the snapshot of this cluster, or the matching --cluster",
    });
  }
  return {
    snapshot,
    usage: usageFromSnapshot(snapshot.usage),
    // A snapshot recorded without a `logs` map (hand-made, or by another tool) has no logs to judge by.
    logsReadable: snapshot.logs !== undefined,
    now: Math.floor(Date.parse(snapshot.capturedAt) / 1000),
    source: `snapshot:${file}`,
    warnings: [],
  };
}
