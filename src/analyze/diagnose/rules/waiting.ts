// Containers that never run: a ConfigMap, Secret or key they reference is missing
// (CreateContainerConfigError), their image cannot be pulled, or the runtime cannot start their process.

import { IMAGE_PULL_REASONS } from "../../../model/diagnosis.ts";
import { type Candidate, candidate } from "../candidate.ts";
import { type ContainerContext, workloadName } from "../container-context.ts";
import { clause, str } from "../read.ts";

/**
 * The subjects' names as findings show them. Not `secret` or `key`: printed as JSON, a field so named reads
 * as a credential, and kopt's redaction blanks it, when it holds only a name.
 */
export const SUBJECT_KEY = { secret: "secretName", configmap: "configMapName" } as const;

const base = (ctx: ContainerContext, waitingReason: string | null) => ({
  workload: ctx.pod.workload,
  container: ctx.name,
  pod: ctx.pod.meta.name,
  restarts: ctx.restarts,
  waitingReason,
  node: null,
});

const MISSING_OBJECT = /\b(secret|configmap)s? "([^"]+)" not found/i;
const MISSING_KEY = /couldn't find key (\S+) in (Secret|ConfigMap) ([^/\s]+)\/(\S+)/i;

/** CreateContainerConfigError: which Secret or ConfigMap, and which key, is missing. */
export function configError(ctx: ContainerContext): Candidate | undefined {
  const reason = str(ctx.waiting?.reason);
  if (reason !== "CreateContainerConfigError") return undefined;
  const message =
    str(ctx.waiting?.message) ?? ctx.events.filter((e) => e.reason === "Failed").at(-1)?.message ?? "";
  const ns = ctx.pod.meta.namespace;
  const who = `container ${ctx.name} of ${workloadName(ctx.pod.workload)}`;
  const key = MISSING_KEY.exec(message);
  const missing = MISSING_OBJECT.exec(message);
  let subCause: string | null = null;
  let subjects: Record<string, string> = {};
  let rootCause = `${who} cannot be created: ${clause(message) || "a referenced ConfigMap or Secret is missing"}.`;
  let what = "the ConfigMap or Secret it references";
  if (key) {
    const kind = key[2]?.toLowerCase() === "secret" ? "secret" : "configmap";
    const ref = `${key[3]}/${key[4]}`;
    subCause = "missing-key";
    subjects = { [SUBJECT_KEY[kind]]: ref, keyName: key[1] ?? "" };
    what = `key ${key[1]} in ${key[2]} ${ref}`;
    rootCause = `${key[2]} ${ref} has no key ${key[1]}, so ${who} cannot be created.`;
  } else if (missing) {
    const kind = missing[1]?.toLowerCase() === "secret" ? "secret" : "configmap";
    const ref = `${ns}/${missing[2]}`;
    subCause = kind === "secret" ? "missing-secret" : "missing-configmap";
    subjects = { [SUBJECT_KEY[kind]]: ref };
    what = `${kind === "secret" ? "Secret" : "ConfigMap"} ${ref}`;
    rootCause = `${what} does not exist, so ${who} cannot be created.`;
  }
  const causeKind = subjects.secretName ? "secret" : subjects.configMapName ? "configmap" : null;
  return candidate({
    ...base(ctx, reason),
    class: "create-container-config-error",
    subCause,
    fix: "incident",
    rootCause,
    suggestedFix: `Create ${what} (or correct the reference in the pod spec), then let the kubelet retry.`,
    expectedOutcome: "The container is created and starts within a minute of the fix; the pod becomes Ready.",
    confidence: subCause ? 0.95 : 0.7,
    events: ctx.events,
    subjects,
    cause: causeKind ? `${causeKind}:${subjects[SUBJECT_KEY[causeKind]]}` : null,
  });
}

const NOT_FOUND = /not found|manifest unknown|does not exist|no such image/i;
const UNAUTHORIZED = /unauthorized|authentication required|403 forbidden|denied|authorization failed/i;
const UNREACHABLE =
  /dial tcp|i\/o timeout|no such host|tls handshake timeout|connection refused|network is unreachable/i;

function pullSubCause(reason: string, message: string): string | null {
  if (reason === "InvalidImageName") return "invalid-name";
  if (UNAUTHORIZED.test(message)) return "unauthorized";
  if (UNREACHABLE.test(message)) return "registry-unreachable";
  if (NOT_FOUND.test(message)) return "not-found";
  return null;
}

const PULL_TEXT: Record<string, { cause: string; fix: string }> = {
  "not-found": {
    cause: "does not exist in its registry",
    fix: "Correct the image name or tag in the values (or push the missing tag).",
  },
  unauthorized: {
    cause: "is refused by its registry: the node's credentials are missing or wrong",
    fix: "Add or correct the imagePullSecret the pod uses for this registry.",
  },
  "registry-unreachable": {
    cause: "cannot be pulled: the node cannot reach the registry",
    fix: "Restore the nodes' access to the registry (DNS, firewall, proxy, TLS) or use a reachable mirror.",
  },
  "invalid-name": {
    cause: "is not a valid image reference",
    fix: "Correct the image reference in the values (registry/repository:tag).",
  },
};

/** ErrImagePull / ImagePullBackOff / InvalidImageName: why, from the kubelet's Failed event. */
export function imagePull(ctx: ContainerContext): Candidate | undefined {
  const reason = str(ctx.waiting?.reason);
  if (!reason || !IMAGE_PULL_REASONS.has(reason)) return undefined;
  const image = str(ctx.spec?.image) ?? str(ctx.status.image) ?? "";
  const failed = ctx.events.filter((e) => e.reason === "Failed" || e.reason === "InspectFailed");
  const message = [...failed.map((e) => e.message), str(ctx.waiting?.message) ?? ""].join("\n");
  const subCause = pullSubCause(reason, message);
  const text = subCause ? PULL_TEXT[subCause] : undefined;
  return candidate({
    ...base(ctx, reason),
    class: "image-pull",
    subCause,
    fix: "incident",
    rootCause: `Image ${image} of container ${ctx.name} of ${workloadName(ctx.pod.workload)} ${text?.cause ?? "cannot be pulled"}.`,
    suggestedFix: text?.fix ?? "Read the pull error in the pod's events and correct the image or its access.",
    expectedOutcome:
      "The kubelet pulls the image on its next back-off retry (at most 5 minutes) and the pod starts.",
    confidence: subCause ? 0.95 : 0.6,
    events: ctx.events,
    subjects: { image },
    cause: `image:${image}`,
  });
}

const START_WAITING = new Set(["RunContainerError", "CreateContainerError", "StartError"]);
const START_TERMINATED = new Set(["StartError", "ContainerCannotRun"]);
const EXEC_NOT_FOUND =
  /exec: "([^"]+)": (executable file not found in \$PATH|no such file or directory|permission denied)/;

/** StartError / ContainerCannotRun / RunContainerError: the runtime cannot start the process. */
export function startError(ctx: ContainerContext): Candidate | undefined {
  const waitingReason = str(ctx.waiting?.reason) ?? null;
  const terminatedReason = str(ctx.terminated?.reason) ?? null;
  const waiting = waitingReason !== null && START_WAITING.has(waitingReason);
  if (!waiting && !(terminatedReason && START_TERMINATED.has(terminatedReason))) return undefined;
  const message = [
    waiting ? str(ctx.waiting?.message) : undefined,
    str(ctx.terminated?.message),
    ...ctx.events.filter((e) => e.reason === "Failed").map((e) => e.message),
  ]
    .filter((m): m is string => !!m)
    .join("\n");
  const exec = EXEC_NOT_FOUND.exec(message);
  const subjects: Record<string, string> = exec ? { command: exec[1] ?? "" } : {};
  const detail = exec
    ? `command "${exec[1]}": ${exec[2]}`
    : message.split("\n")[0] || "the runtime refused it";
  const exitCode = typeof ctx.terminated?.exitCode === "number" ? ctx.terminated.exitCode : null;
  return candidate({
    ...base(ctx, waitingReason),
    class: "start-error",
    subCause: null,
    fix: "incident",
    rootCause: `The runtime cannot start container ${ctx.name} of ${workloadName(ctx.pod.workload)}: ${clause(detail)}.`,
    suggestedFix: "Correct the container's command/args or entrypoint (or the image that should contain it).",
    expectedOutcome:
      "The container starts on the next restart after the corrected image or command is rolled out.",
    confidence: exec ? 0.95 : 0.85,
    exitCode,
    terminationReason: terminatedReason,
    events: ctx.events,
    subjects,
  });
}
