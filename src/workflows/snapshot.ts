// `kopt snapshot`: records the live cluster into a ClusterSnapshot file that plan and recommend read like
// the live cluster itself. The cluster is read completely before any file is created, and the file is written
// to a temporary name and renamed, so a failure (403, unreachable, a full disk) leaves nothing behind.
// Snapshots are meant to be committed, so secrets are taken out before writing (observe/snapshot-redact.ts),
// and the file is readable by its owner only, in case `--no-redact` left some in.
import { randomBytes } from "node:crypto";
import { open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { loadClusterConfig, resolveClusterName } from "../config/load.ts";
import { KoptError } from "../errors.ts";
import type { ClusterSnapshot } from "../formats/snapshot.ts";
import { captureCluster } from "../observe/capture.ts";
import { redactSnapshot, type SnapshotRedaction } from "../observe/snapshot-redact.ts";
import { emptyUsage } from "../observe/snapshot-stream.ts";
import { usageFromSnapshot } from "../observe/usage-series.ts";
import { readRoot } from "../propose/git-repo.ts";
import { sharedRedactor } from "../redact.ts";
import { writeSnapshotFile } from "./snapshot-file.ts";

export interface SnapshotOptions {
  repoDir: string;
  cluster?: string;
  /** .json (pretty-printed) or .json.gz (compact, gzipped); relative to the working directory. */
  out: string;
  /** capturedAt; default now. */
  now?: Date;
  /** Overrides source.prometheus.url. */
  prometheusUrl?: string;
  /** false: record env values, annotations and logs as they are, secrets included (--no-redact). */
  redact?: boolean;
  /** Redact every literal env value, not only those whose name looks secret (--redact-all-env). */
  redactAllEnv?: boolean;
}

/** Said on every `--no-redact` run. */
export const NOT_REDACTED =
  "--no-redact: the snapshot holds env values, annotations and log lines as the cluster has them, secrets included; it is readable by you only (mode 0600): do not commit or share it";

export interface SnapshotOutcome {
  cluster: string;
  source: string;
  capturedAt: string;
  file: string;
  bytes: number;
  /** Objects per kind. */
  objects: Record<string, number>;
  logs: number;
  previousLogs: number;
  /** PodMetrics and NodeMetrics recorded, or null when metrics.k8s.io is not served. */
  metrics: { pods: number; nodes: number } | null;
  requests: number;
  /** Usage series recorded per kind (cpu, memory, ...), or null without source.prometheus. */
  usage: Record<string, number> | null;
  /** HTTP requests to Prometheus, or null without source.prometheus. */
  prometheusRequests: number | null;
  /** What was taken out, or null with --no-redact. */
  redacted: SnapshotRedaction | null;
  warnings: string[];
  /** Worth knowing, not a problem: Trivy Operator is not installed (the file's `unreadable` says it too). */
  notes: string[];
}

export async function checkTarget(file: string): Promise<void> {
  if (!/\.json(\.gz)?$/.test(file)) {
    throw new KoptError("usage", `--out must name a .json or .json.gz file: ${file}`, {
      hint: "e.g. --out snapshot.json.gz",
    });
  }
  const dir = await stat(dirname(file)).catch(() => undefined);
  if (!dir?.isDirectory()) {
    throw new KoptError("usage", `directory does not exist: ${dirname(file)}`, {
      hint: "create it first, or pick another --out",
    });
  }
}

/** Writes `data` to `file` through a temporary file in the same directory and a rename. */
export async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(tmp, "wx", 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new KoptError(
      "snapshot",
      `cannot write the snapshot (${(err as NodeJS.ErrnoException).code ?? err})`,
      {
        where: { file },
        hint: "check that the directory is writable and has space",
      },
    );
  }
}

export async function snapshot(opts: SnapshotOptions): Promise<SnapshotOutcome> {
  const file = resolve(opts.out);
  await checkTarget(file);
  const root = await readRoot(opts.repoDir);
  const loaded = await loadClusterConfig(root, await resolveClusterName(root, opts.cluster));
  const captured = await captureCluster(root, loaded, {
    now: opts.now,
    prometheusUrl: opts.prometheusUrl,
    env: process.env,
    // A snapshot is also what the security audit reads later.
    posture: true,
  });
  const { raw, snapshot: snap, history, warnings, notes, source, requests, prometheusRequests } = captured;
  // The samples go to the file from `history` as they are encoded; the object redacted holds only usage.source.
  const series = history ?? usageFromSnapshot(snap.usage);
  raw.usage = emptyUsage(series.source);
  const redaction =
    opts.redact === false
      ? undefined
      : redactSnapshot(raw, { redactor: sharedRedactor(), allEnv: opts.redactAllEnv });
  const written = (redaction?.snapshot ?? raw) as ClusterSnapshot;
  const bytes = await writeSnapshotFile(file, written, { ...series, source: written.usage.source });
  const objects: Record<string, number> = {};
  for (const item of snap.objects.items) objects[item.kind] = (objects[item.kind] ?? 0) + 1;
  return {
    cluster: snap.cluster,
    source,
    capturedAt: snap.capturedAt,
    file,
    bytes,
    objects,
    logs: Object.keys(snap.logs ?? {}).length,
    previousLogs: Object.keys(snap.previousLogs ?? {}).length,
    metrics: snap.metrics ? { pods: snap.metrics.pods.length, nodes: snap.metrics.nodes.length } : null,
    requests,
    usage: history
      ? Object.fromEntries(
          Object.entries(history).flatMap(([kind, s]) =>
            Array.isArray(s) ? [[kind, s.length] as const] : [],
          ),
        )
      : null,
    prometheusRequests,
    redacted: redaction?.redacted ?? null,
    warnings: opts.redact === false ? [...warnings, NOT_REDACTED] : warnings,
    notes,
  };
}
