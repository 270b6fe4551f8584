// What the security audit reads (issue 17), taken from a snapshot (a live read is one too, see
// kube/snapshot.ts): the raw objects of the kinds its checks look at, redacted once more here so that a
// hand-made or old snapshot cannot hand a check a secret, and the kinds that could not be read.
//
// Redaction, whatever the snapshot held:
// - Secrets keep metadata, type and key names, every value "" (posture-redact.ts);
// - a ConfigMap value, an env `value` or a container arg whose name says secret (DB_PASSWORD=...), or whose
//   content holds a credential (src/redact.ts) or was already partly redacted, reads exactly "[redacted]"
//   (REDACTED_VALUE), so the secrets checks flag exactly those and never see a value;
// - annotations that copy an object (last-applied-configuration) or whose name says secret read "[redacted]".
//
// Unreadable kinds: the snapshot's `unreadable` (what its reader could not read) when it has one, else
// (a snapshot from before kopt read these kinds, or made by hand) every audit kind it holds no object of.
// Pure: no I/O.
import type { ClusterSnapshot } from "../formats/snapshot.ts";
import { type PostureInput, REDACTED_VALUE } from "../model/report.ts";
import { type Redactor, sharedRedactor } from "../redact.ts";
import { isSecretLookingValue, keepOfSensitive } from "./posture-redact.ts";

/** Workload kinds whose pod specs the audit checks, and Namespaces it checks for NetworkPolicies. */
const WORKLOAD_KINDS = [
  "Namespace",
  "Pod",
  "ReplicaSet",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
] as const;

/** The kinds a live read lists for the audit (kube/kinds.ts POSTURE_KINDS), in the same order. */
export const POSTURE_KIND_NAMES = [
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "Role",
  "RoleBinding",
  "ClusterRole",
  "ClusterRoleBinding",
  "NetworkPolicy",
  "Ingress",
  "VulnerabilityReport",
] as const;

const AUDITED = new Set<string>([...WORKLOAD_KINDS, ...POSTURE_KIND_NAMES]);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** Why a kind counts as unreadable in a snapshot that does not say. */
export function notRecordedReason(kind: string): string {
  return `the snapshot holds no ${kind} objects and does not say it read them (recorded before kopt read them, or made by hand): record it again with \`kopt snapshot\``;
}

/** An env variable with its literal value "[redacted]" when its name or content is secret-looking. */
function envVar(v: Json, redactor: Redactor): Json {
  if (typeof v.name !== "string" || typeof v.value !== "string") return v;
  return isSecretLookingValue(v.name, v.value, redactor) ? { ...v, value: REDACTED_VALUE } : v;
}

/** `--db-password=x` / `--token x` style args: redacted whole when secret-looking. */
function arg(a: unknown, redactor: Redactor): unknown {
  if (typeof a !== "string") return a;
  const name = /^-{0,2}([A-Za-z0-9_.-]+)=/.exec(a)?.[1] ?? "";
  return isSecretLookingValue(name, a, redactor) ? REDACTED_VALUE : a;
}

/** A copy of an object with every env value, arg and annotation judged; other strings kept as they are. */
function redactObject(obj: Json, redactor: Redactor): Json {
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (Array.isArray(v)) {
      if (key === "env") return v.map((x) => (isObject(x) ? envVar(x, redactor) : x));
      if (key === "args" || key === "command") return v.map((x) => arg(x, redactor));
      return v.map((x) => walk(x, undefined));
    }
    if (!isObject(v)) return v;
    if (key === "annotations") return annotations(v, redactor);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
  };
  return walk(keepOfSensitive(obj, redactor), undefined) as Json;
}

function annotations(a: Json, redactor: Redactor): Json {
  return Object.fromEntries(
    Object.entries(a).map(([k, v]) => {
      if (typeof v !== "string" || k.startsWith("kopt.dev/")) return [k, v];
      const name = k.slice(k.indexOf("/") + 1);
      const copy = v.trimStart().startsWith("{") && /"apiVersion"/.test(v);
      return [k, copy || isSecretLookingValue(name, v, redactor) ? REDACTED_VALUE : v];
    }),
  );
}

/**
 * The audit's input from a snapshot: its objects of the audited kinds, redacted, and the kinds that could not
 * be read. `unreadable`, when given, replaces what the snapshot records (a caller that knows better).
 */
export function postureInputOf(
  snapshot: ClusterSnapshot,
  unreadable?: PostureInput["unreadable"],
  redactor: Redactor = sharedRedactor(),
): PostureInput {
  const items = snapshot.objects.items as unknown as Json[];
  const objects = items
    .filter((o) => typeof o.kind === "string" && AUDITED.has(o.kind))
    .map((o) => redactObject(o, redactor));
  const held = new Set(objects.map((o) => o.kind as string));
  const recorded =
    unreadable ??
    snapshot.unreadable ??
    POSTURE_KIND_NAMES.filter((k) => !held.has(k)).map((kind) => ({ kind, reason: notRecordedReason(kind) }));
  return { objects, unreadable: recorded.map((u) => ({ kind: u.kind, reason: u.reason })) };
}
