// A live read of a cluster: its objects, logs and current metrics through the Kubernetes API, as a validated
// snapshot, with usage history from source.prometheus when it is configured. `kopt snapshot` writes it;
// observeCluster (observe.ts) builds the model from it.
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import type { LoadedConfig } from "../config/load.ts";
import { KoptError } from "../errors.ts";
import type { KubernetesSource } from "../formats/config.ts";
import type { ClusterSnapshot } from "../formats/snapshot.ts";
import { rfc3339 } from "../model/format.ts";
import { progress } from "../progress.ts";
import type { KubeSourceOptions, LogsDenied } from "./kube/connection.ts";
import { readCluster } from "./kube/read-cluster.ts";
import { snapshotOf } from "./kube/snapshot.ts";
import { type Env, readHistory } from "./prometheus/history.ts";
import { validateSnapshot } from "./snapshot.ts";
import type { UsageSeries } from "./usage-series.ts";

/** Said when the data comes from the live cluster without a Prometheus: there is no usage history to size from. */
export const NO_USAGE_HISTORY =
  'no usage history: the kubernetes source reads objects, logs and current metrics only; add source.prometheus to kopt.yaml for usage history, otherwise every container is skipped with "no usage data"';

/** How a run reads the live sources. */
export interface CaptureOptions {
  /** The time the run treats as now; default the clock. */
  now?: Date;
  /** Overrides source.prometheus.url. */
  prometheusUrl?: string;
  /** Where source.prometheus's *Env secrets and KUBECONFIG are looked up: process.env at the CLI. */
  env: Env;
  /** A 403 on pods/log: stop (default), or warn and go on without logs (`kopt diagnose`). */
  logsDenied?: LogsDenied;
  /** Also read what the security audit needs (KubeSourceOptions.posture). */
  posture?: boolean;
}

export interface Capture {
  /** What the cluster returned, as a snapshot (usage empty): what `kopt snapshot` writes, key order and all. */
  raw: Record<string, unknown>;
  /** The same, validated and parsed (defaults filled in). */
  snapshot: ClusterSnapshot;
  /** Usage history from Prometheus; undefined without source.prometheus. */
  history: UsageSeries | undefined;
  warnings: string[];
  /** Worth saying, not a problem: Trivy Operator is not installed (the snapshot's `unreadable` says it too). */
  notes: string[];
  source: string;
  /** False when pods/log was forbidden and the read went on without logs. */
  logsReadable: boolean;
  /** HTTP requests to the Kubernetes API. */
  requests: number;
  /** HTTP requests to Prometheus; null without source.prometheus. */
  prometheusRequests: number | null;
}

/** source.kubernetes as options of the kube source; a relative kubeconfig is relative to the repository root. */
export function kubeOptions(root: string, k: KubernetesSource, env?: Env): KubeSourceOptions {
  let kubeconfig = k.kubeconfig;
  if (kubeconfig?.startsWith("~/")) kubeconfig = join(homedir(), kubeconfig.slice(2));
  else if (kubeconfig && !isAbsolute(kubeconfig)) kubeconfig = join(root, kubeconfig);
  return {
    kubeconfig,
    context: k.context,
    inCluster: k.inCluster,
    namespaces: k.namespaces,
    tailLines: k.logs.tailLines,
    env,
  };
}

/** Reads the live cluster into a validated snapshot (capturedAt = now), with usage history from Prometheus if configured. */
export async function captureCluster(
  root: string,
  loaded: LoadedConfig,
  opts: CaptureOptions,
): Promise<Capture> {
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
  const said = progress();
  said.step(`Kubernetes API: reading cluster ${loaded.config.cluster} (objects, logs, current metrics)`);
  const read = await readCluster({
    ...kubeOptions(root, k, opts.env),
    logsDenied: opts.logsDenied,
    posture: opts.posture === true,
  }).finally(() => said.done());
  const raw = snapshotOf(read, loaded.config.cluster, rfc3339(now));
  const warnings = [...read.warnings];
  const snapshot = validateSnapshot(raw, read.source);
  let prometheusRequests: number | null = null;
  let history: UsageSeries | undefined;
  if (loaded.config.source.prometheus) {
    const read = await readHistory(root, loaded, snapshot.objects.items, now.getTime() / 1000, opts);
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
    notes: read.notes ?? [],
    source: read.source,
    logsReadable: read.logsReadable,
    requests: read.requests,
    prometheusRequests,
  };
}
