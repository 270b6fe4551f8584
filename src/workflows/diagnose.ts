// `kopt diagnose`: why pods fail. Reads the cluster (a --snapshot file, or the cluster's configured source),
// builds the classifier's input at the observe edge (redacted, bounded), and returns the findings and
// incidents the pure classifier (src/analyze/diagnose) makes of it. Changes nothing; the CLI prints it.
import { type LoadedConfig, loadClusterConfig, resolveClusterName } from "../config/load.ts";
import { KoptError } from "../errors.ts";
import type { KubeObject } from "../formats/snapshot.ts";
import type { Diagnosis } from "../model/finding.ts";
import { NO_USAGE_HISTORY } from "../observe/capture.ts";
import { observeCluster } from "../observe/observe.ts";
import { readRoot } from "../propose/git-repo.ts";
import { diagnoseObserved } from "./pipeline.ts";

/** Said instead of plan's NO_USAGE_HISTORY: what a diagnosis loses without Prometheus. */
export const NO_DIAGNOSIS_HISTORY =
  "no memory history (source.kubernetes alone reads no Prometheus): an OOM kill is not told apart as a spike or a leak; add source.prometheus to kopt.yaml for that";

export interface DiagnoseOptions {
  repoDir: string;
  cluster?: string;
  /** A snapshot file, relative to the current directory; with no --cluster, no repository or config is needed. */
  snapshot?: string;
  /** `namespace/name`: only this workload (a Deployment, StatefulSet, DaemonSet, Job, CronJob, or bare Pod). */
  workload?: string;
  /** The clock, for a live read; a snapshot is judged at its capturedAt. */
  now?: Date;
  prometheusUrl?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The config the caller loaded (the agent's --config file); default clusters/<cluster>/kopt.yaml. */
  loaded?: LoadedConfig;
}

export interface DiagnoseOutcome extends Diagnosis {
  cluster: string;
  source: string;
  /** Unix seconds the diagnosis was made at (capturedAt of a snapshot). */
  observedAt: number;
  /** False when the logs could not be read (RBAC): the findings say so. */
  logsReadable: boolean;
}

/** Kinds a --workload can name: what a finding's workload is (a pod no controller owns is its own workload). */
const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"]);

/** `namespace/name` checked against the objects read: a usage error names the workloads there are. */
export function parseWorkload(
  selector: string,
  items: readonly KubeObject[],
): { namespace: string; name: string } {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(selector);
  if (!m) {
    throw new KoptError("usage", `--workload "${selector}" is not <namespace>/<name>`, {
      hint: "e.g. --workload todo/api (the name of a Deployment, StatefulSet, DaemonSet, Job, CronJob or bare Pod)",
    });
  }
  const namespace = m[1] as string;
  const name = m[3] as string;
  const workloads = items.filter((o) => WORKLOAD_KINDS.has(o.kind) && !(o.kind === "Pod" && ownedPod(o)));
  if (workloads.some((o) => o.metadata.namespace === namespace && o.metadata.name === name)) {
    return { namespace, name };
  }
  const known = [...new Set(workloads.map((o) => `${o.metadata.namespace ?? "default"}/${o.metadata.name}`))];
  throw new KoptError("usage", `unknown workload "${selector}"`, {
    hint: `use <namespace>/<name> of one of: ${known.slice(0, 20).join(", ")}${known.length > 20 ? `, and ${known.length - 20} more` : ""}`,
  });
}

const ownedPod = (o: KubeObject) => (o.metadata.ownerReferences ?? []).some((r) => r.controller === true);

export async function diagnose(opts: DiagnoseOptions): Promise<DiagnoseOutcome> {
  let loaded: LoadedConfig | undefined;
  let root: string | undefined;
  // A bare --snapshot needs no repository and no config, as with recommend.
  if (opts.loaded || opts.cluster || !opts.snapshot) {
    root = await readRoot(opts.repoDir);
    loaded = opts.loaded ?? (await loadClusterConfig(root, await resolveClusterName(root, opts.cluster)));
  }
  // The same observe step as plan, except that a 403 on pods/log is a warning: the diagnosis goes on without logs.
  const observation = await observeCluster(
    { root, loaded },
    {
      snapshot: opts.snapshot,
      now: opts.now,
      prometheusUrl: opts.prometheusUrl,
      env: opts.env,
      logsDenied: "warn",
    },
  );
  const { snapshot, logsReadable } = observation.raw;
  const workload = opts.workload ? parseWorkload(opts.workload, snapshot.objects.items) : undefined;
  const result = diagnoseObserved(observation, workload);
  const warnings = observation.warnings.map((w) => (w === NO_USAGE_HISTORY ? NO_DIAGNOSIS_HISTORY : w));
  return {
    cluster: snapshot.cluster,
    source: observation.source,
    observedAt: observation.state.observedAt,
    logsReadable,
    findings: result.findings,
    incidents: result.incidents,
    warnings: [...warnings, ...result.warnings],
  };
}
