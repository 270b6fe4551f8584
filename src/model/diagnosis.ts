// The closed list of failure classes `kopt diagnose` can name (issue 14, item 2), as data every stage shares:
// the classifier picks one, the finding links its runbook, and `fix` says whether a reviewed values change can
// cure it or it needs an incident for people. A values fix never hides an application bug: a segfault gets no
// memory raise, a probe that never passes is not relaxed. Each class has runbooks/<id>.md (test/runbooks.test.ts).

/** `values`: a Helm values change fixes it (a pull request). `incident`: something outside the values must. */
export const FIX_KINDS = ["values", "incident"] as const;
export type FixKind = (typeof FIX_KINDS)[number];

/** A finer cause inside a class, when telling them apart changes what to fix; its own fix kind when it differs. */
export interface SubCause {
  /** kebab-case, stable, unique within its class. */
  readonly id: string;
  readonly title: string;
  readonly fix: FixKind;
}

export interface DiagnosisClass<Id extends string = string> {
  /** kebab-case and stable: findings, fingerprints and runbook names are built on it. */
  readonly id: Id;
  /** One line: what failed. */
  readonly title: string;
  /** The fix kind when no sub-cause is known (a sub-cause carries its own). */
  readonly fix: FixKind;
  readonly runbook: `runbooks/${Id}.md`;
  readonly subCauses: readonly SubCause[];
}

function diagnosisClass<const Id extends string>(
  id: Id,
  title: string,
  fix: FixKind,
  subCauses: readonly SubCause[] = [],
): DiagnosisClass<Id> {
  return { id, title, fix, runbook: `runbooks/${id}.md`, subCauses };
}

const sub = (id: string, title: string, fix: FixKind): SubCause => ({ id, title, fix });

const PRESSURE = (fix: FixKind) => [
  sub("memory-pressure", "the node is short of memory (MemoryPressure)", fix),
  sub("disk-pressure", "the node is short of disk or inodes (DiskPressure)", fix),
  sub("pid-pressure", "the node is short of process ids (PIDPressure)", fix),
];

/**
 * The waiting reasons of a container whose image cannot be pulled: one failure, which the kubelet alternates
 * between (ErrImagePull, then ImagePullBackOff, ...). The classifier and the agent's triggers both read it.
 */
export const IMAGE_PULL_REASONS: ReadonlySet<string> = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "ErrImageNeverPull",
  "InvalidImageName",
  "ImageInspectError",
  "RegistryUnavailable",
]);

export const DIAGNOSIS_CLASSES = [
  diagnosisClass("oom-killed", "A container was killed for reaching its memory limit (OOMKilled)", "values", [
    sub("spike", "usage jumps to the limit: the limit is below a real peak", "values"),
    sub("steady-growth", "usage climbs steadily to any limit (a leak): a raise only buys time", "incident"),
  ]),
  diagnosisClass("app-exit", "The application exits on its own with an error code and restarts", "incident"),
  diagnosisClass(
    "liveness-probe-kill",
    "The liveness probe kills a container that is still starting (exit 137 or 143, not an OOM)",
    "values",
  ),
  diagnosisClass(
    "readiness-failing",
    "The readiness probe keeps failing while the container runs",
    "incident",
  ),
  diagnosisClass(
    "create-container-config-error",
    "The container cannot be created: a ConfigMap, Secret or key it references is missing",
    "incident",
    [
      sub("missing-configmap", "a referenced ConfigMap does not exist", "incident"),
      sub("missing-secret", "a referenced Secret does not exist", "incident"),
      sub("missing-key", "a referenced key is not in its ConfigMap or Secret", "incident"),
    ],
  ),
  diagnosisClass("image-pull", "The image cannot be pulled (ErrImagePull, ImagePullBackOff)", "incident", [
    sub("not-found", "the image or tag does not exist in the registry", "incident"),
    sub("unauthorized", "the registry refuses the node's credentials (imagePullSecrets)", "incident"),
    sub("registry-unreachable", "the node cannot reach the registry (DNS, network, TLS)", "incident"),
    sub("invalid-name", "the image reference is not a valid name (InvalidImageName)", "incident"),
  ]),
  diagnosisClass(
    "start-error",
    "The runtime cannot start the container's process (StartError, RunContainerError)",
    "incident",
  ),
  diagnosisClass("failed-mount", "A volume cannot be attached or mounted (FailedMount)", "incident"),
  diagnosisClass(
    "unschedulable",
    "The pod stays Pending: no node can take it (FailedScheduling)",
    "incident",
    [
      sub("insufficient-resources", "no node has the free cpu or memory the pod requests", "incident"),
      sub("taints", "the nodes with room carry taints the pod does not tolerate", "incident"),
      sub("affinity", "no node matches the pod's node selector or (anti-)affinity", "incident"),
      sub("pvc-unbound", "a PersistentVolumeClaim of the pod is not bound", "incident"),
    ],
  ),
  diagnosisClass("evicted", "The kubelet evicted the pod from its node", "incident", [
    ...PRESSURE("incident"),
    sub(
      "ephemeral-storage-limit",
      "the pod wrote more local disk than its ephemeral-storage limit",
      "values",
    ),
  ]),
  diagnosisClass("node-not-ready", "A node is NotReady or unreachable", "incident"),
  diagnosisClass(
    "node-pressure",
    "A node reports memory, disk or PID pressure",
    "incident",
    PRESSURE("incident"),
  ),
  diagnosisClass("rollout-stuck", "A Deployment rollout passed its progress deadline", "incident"),
  diagnosisClass(
    "hpa-metrics-unavailable",
    "A HorizontalPodAutoscaler cannot read the metrics it scales on",
    "incident",
    [
      sub("missing-request", "a container has no request for the resource the HPA scales on", "values"),
      sub(
        "metrics-api-unavailable",
        "the metrics API (metrics-server or an adapter) does not answer",
        "incident",
      ),
    ],
  ),
  diagnosisClass(
    "dependency-unreachable",
    "The application cannot reach a database or service it depends on",
    "incident",
    [
      sub("connection-refused", "the host answers but nothing listens on the port", "incident"),
      sub("timeout", "the connection or request times out", "incident"),
      sub("name-resolution", "the host name does not resolve", "incident"),
    ],
  ),
] as const;

export type DiagnosisClassId = (typeof DIAGNOSIS_CLASSES)[number]["id"];

export const DIAGNOSIS_CLASS_IDS: readonly DiagnosisClassId[] = DIAGNOSIS_CLASSES.map((c) => c.id);

export function isDiagnosisClassId(s: string): s is DiagnosisClassId {
  return (DIAGNOSIS_CLASS_IDS as readonly string[]).includes(s);
}

export function getDiagnosisClass(id: DiagnosisClassId): DiagnosisClass<DiagnosisClassId> {
  const found = DIAGNOSIS_CLASSES.find((c) => c.id === id);
  if (!found) throw new Error(`unknown diagnosis class ${id}`);
  return found;
}

export interface ExitCodeMeaning {
  readonly code: number;
  /** The signal that ended the process, for codes above 128 (128 + signal number). */
  readonly signal?: "SIGKILL" | "SIGSEGV" | "SIGTERM";
  readonly meaning: string;
}

/** What an `app-exit` code says about the failure. None is cured by more memory or a looser probe. */
export const APP_EXIT_CODES: readonly ExitCodeMeaning[] = [
  {
    code: 1,
    meaning:
      "the application failed and exited on its own: an unhandled error, a failed start-up check, a configuration it could not parse, a dependency it could not reach",
  },
  {
    code: 2,
    meaning: "a usage error: the program or its shell rejected its arguments or configuration",
  },
  {
    code: 126,
    meaning:
      "a command the container ran exists but cannot be executed (no execute permission, a binary for another architecture)",
  },
  {
    code: 127,
    meaning:
      "a command the container ran was not found (a typo, a binary missing from the image, a wrong PATH)",
  },
  {
    code: 139,
    signal: "SIGSEGV",
    meaning:
      "a segmentation fault (128 + 11): an application or native-library bug; more memory does not help",
  },
  {
    code: 143,
    signal: "SIGTERM",
    meaning:
      "the process ended on SIGTERM (128 + 15); with no Killing event from the kubelet, something inside the pod or the application itself sent it",
  },
];

/**
 * 137 is SIGKILL (128 + 9), and says nothing alone: it is `oom-killed` only when the last termination's reason
 * is OOMKilled. After a liveness kill (Unhealthy "Liveness probe failed", then Killing) or a grace period that ran
 * out, it is `liveness-probe-kill` — never an OOM.
 */
export const SIGKILL_EXIT: ExitCodeMeaning = {
  code: 137,
  signal: "SIGKILL",
  meaning:
    "killed by SIGKILL (128 + 9): an OOM kill only when the termination reason is OOMKilled; otherwise the kubelet killed it (a liveness probe, a grace period that ran out)",
};

export function appExitCodeMeaning(code: number): ExitCodeMeaning | undefined {
  return APP_EXIT_CODES.find((e) => e.code === code);
}
