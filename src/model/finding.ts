// What `kopt diagnose` says about a failure: findings (one per workload, container and class, the pods of the
// workload folded together) and incidents (findings that share a cause). The shapes every stage shares: the
// classifier (analyze/diagnose) builds them, decide turns them into probe proposals and incident issues, the
// CLI prints them as text or JSON. Units: seconds for durations, Unix seconds for times, bytes for memory.
import type { DiagnosisClassId, FixKind } from "./diagnosis.ts";
import type { TimeColumns } from "./types.ts";

/** What failed: a workload's container, a bare pod, or a node. */
export interface WorkloadSubject {
  namespace: string;
  /** Deployment, StatefulSet, DaemonSet, Job, CronJob, or Pod for a pod no controller owns. */
  kind: string;
  name: string;
}

/** An event reason on the failing object, folded over the pods of the workload. */
export interface EventEvidence {
  reason: string;
  /** Sum of the events' counts (`count`, or `series.count` for events.k8s.io-style series). */
  count: number;
  /** Unix seconds, or null when the event carries no time. */
  firstTime: number | null;
  lastTime: number | null;
  /** The newest event's message, redacted, at most 300 characters. */
  message: string;
}

/** A probe as the pod spec sets it (Kubernetes defaults filled in) against what was observed. */
export interface ProbeEvidence {
  probe: "liveness" | "readiness" | "startup";
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  /** initialDelaySeconds + periodSeconds x failureThreshold: when a container that never answers is killed. */
  killAfterSeconds: number;
  /** How long the container took to start answering, when the logs or history show it; else null. */
  observedStartSeconds: number | null;
}

/** A log template of the failing container (Drain, masked), with its count and whether it is new. */
export interface LogEvidence {
  template: string;
  count: number;
  level: "fatal" | "error" | "warn" | "info" | "debug" | null;
  /** Not seen in the previous container instance's log. */
  new: boolean;
}

export interface FindingEvidence {
  /** The exit code of the last termination, when there is one. */
  exitCode: number | null;
  /** SIGKILL, SIGSEGV, SIGTERM for codes above 128. */
  signal: string | null;
  /** Last termination reason (OOMKilled, Error, Completed, ContainerCannotRun, StartError ...). */
  terminationReason: string | null;
  /** Current waiting reason (CrashLoopBackOff, CreateContainerConfigError, ImagePullBackOff ...). */
  waitingReason: string | null;
  /** The highest restart count over the workload's pods. */
  restarts: number;
  /** The back-off the kubelet applies at this restart count (10 s doubling, capped at 300 s), or null. */
  backoffSeconds: number | null;
  /** Pods of the workload that show this failure. */
  pods: string[];
  events: EventEvidence[];
  probe: ProbeEvidence | null;
  logs: LogEvidence[];
  /** The error line nearest the crash (the last error-level line of the dead instance), redacted. */
  crashLine: string | null;
  /** Named things the cause is about: a Secret, a ConfigMap, a key, an image, a host:port, a PVC, a node. */
  subjects: Record<string, string>;
  /** Numbers that back the root cause, as label → value (e.g. "memory growth per hour": "18 MiB"). */
  figures: Record<string, string>;
  /** Logs were not available (RBAC, not captured): the finding says so rather than guessing. */
  logsUnavailable: boolean;
}

/** A values change a `values`-fix finding asks for; decide maps it to the workload's values file. */
export type ValuesFix =
  | {
      kind: "probe";
      container: string;
      /** The liveness probe's handler (httpGet, tcpSocket, exec or grpc) as the pod spec sets it: a startupProbe
       * checks the same thing. */
      handler: Record<string, unknown> | null;
      /** Add a startupProbe that allows `startupSeconds`, or raise the liveness probe's settings. */
      startupProbe: { failureThreshold: number; periodSeconds: number } | null;
      liveness: Partial<Pick<ProbeEvidence, "initialDelaySeconds" | "timeoutSeconds" | "failureThreshold">>;
      /** The start time the change allows for, with its margin. */
      allowsStartSeconds: number;
    }
  | { kind: "oom"; container: string; memoryLimitBytes: number };

export interface Finding {
  /** Stable: a hash over the cause (class, sub-cause, subject, container, the named things), not the text. */
  fingerprint: string;
  class: DiagnosisClassId;
  subCause: string | null;
  fix: FixKind;
  /** The failing workload, or null for a node finding. */
  workload: WorkloadSubject | null;
  /** The node, for node findings and evictions. */
  node: string | null;
  container: string | null;
  /** One sentence. */
  rootCause: string;
  evidence: FindingEvidence;
  /** 0..1: how sure the classifier is (lower when logs or history were missing). */
  confidence: number;
  suggestedFix: string;
  expectedOutcome: string;
  /** runbooks/<class>.md */
  runbook: string;
  /** The values change, when `fix` is `values`. */
  valuesFix: ValuesFix | null;
}

export interface Incident {
  /** Stable: a hash over the shared cause (e.g. node name, missing Secret, unreachable host:port). */
  fingerprint: string;
  class: DiagnosisClassId;
  subCause: string | null;
  fix: FixKind;
  /** One line for an issue title, e.g. "Secret todo/mailer-smtp has no key password: 2 workloads fail". */
  title: string;
  /** What the findings share, as `kind:name` (`node:worker-3`, `secret:todo/mailer-smtp`, `host:db:5432`),
   * or the workload itself when nothing else is shared. */
  cause: string;
  /** The findings' fingerprints, sorted. */
  findings: string[];
  workloads: WorkloadSubject[];
  /** Unix seconds: the earliest and latest evidence time over the findings, or null when none is known. */
  firstSeen: number | null;
  lastSeen: number | null;
}

/**
 * Memory, restart and OOM history of one container of one pod, from Prometheus (Unix seconds, bytes/counts).
 * Columns, not tuples: 14 days of a 2,000-workload cluster is 16 M memory samples, 1 GiB as tuples.
 */
export interface ContainerHistory {
  namespace: string;
  pod: string;
  container: string;
  memory: TimeColumns;
  restarts: TimeColumns;
  oomKills: TimeColumns;
}

export interface DiagnosisPolicy {
  /** A restart older than this (seconds before now) with the container running since is history, not a failure. */
  staleRestartSeconds: number;
  /** Readiness failing for less than this (seconds) during a rollout is a blip, not a finding. */
  readinessGraceSeconds: number;
  /** An incident is closed when its failure has been gone this long (seconds). */
  resolveAfterSeconds: number;
  /** A startupProbe allows the observed start time x this margin. */
  startupMargin: number;
}

export const DEFAULT_DIAGNOSIS_POLICY: DiagnosisPolicy = {
  staleRestartSeconds: 24 * 3600,
  readinessGraceSeconds: 300,
  resolveAfterSeconds: 3600,
  startupMargin: 1.5,
};

/** Everything the classifier reads. Raw objects are as `kubectl get -o json` prints them, read defensively. */
export interface DiagnoseInput {
  /** Pods, Events, Nodes, ReplicaSets, Deployments, StatefulSets, DaemonSets, Jobs, HPAs, PVCs ... any order. */
  objects: readonly Record<string, unknown>[];
  /** Current container logs by namespace/pod/container, already redacted at the edge. */
  logs: Readonly<Record<string, string>>;
  /** Previous instance logs by namespace/pod/container, already redacted. */
  previousLogs: Readonly<Record<string, string>>;
  /** False when logs could not be read at all (RBAC): findings then say their logs are unavailable. */
  logsReadable: boolean;
  history: readonly ContainerHistory[];
  /** Unix seconds. */
  now: number;
  policy: DiagnosisPolicy;
  /** Only this workload (namespace/name), when `kopt diagnose --workload` asks. */
  workload?: { namespace: string; name: string };
}

export interface Diagnosis {
  findings: Finding[];
  incidents: Incident[];
  /** Input that could not be read (a pod without status, an event whose object is gone ...), one line each. */
  warnings: string[];
}
