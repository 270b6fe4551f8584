// What of a cluster's read may be recorded: a snapshot is meant to be committed (the demo is one), but the
// objects carry literal env values, annotations that repeat whole specs (env included), and logs that print
// credentials. So `kopt snapshot` records them redacted:
// - env `value`s of variables whose name looks secret (or every literal value, with `allEnv`);
// - annotations that copy an object's spec (kubectl's last-applied-configuration, kapp's original, any JSON
//   Kubernetes object) and annotations whose name looks secret;
// - in every other string (other env values, annotations, args, messages, logs): the secrets src/redact.ts
//   knows or recognises, plus the env secrets just found, wherever else they turn up.
// - Secrets to their metadata and key names, ConfigMaps with secret-looking values redacted
//   (posture-redact.ts), whatever the file they came from held;
// What kopt's analysis reads is never touched: names, namespaces, kinds, labels, owner references,
// resources, statuses' reasons and phases, numbers, and kopt.dev/* annotations. Pure: no I/O.
import { REDACTED, type Redactor } from "../redact.ts";
import { isSecretName, keepOfSensitive } from "./posture-redact.ts";

export interface SnapshotRedaction {
  /** Env values replaced because of their variable's name (or all of them, with allEnv). */
  envValues: number;
  /** Annotations replaced whole. */
  annotations: number;
  /** Logs (current or previous, per container) with a secret taken out. */
  logs: number;
  /** Other strings with a secret taken out (env values, annotations, args, messages). */
  other: number;
}

export interface RedactOptions {
  redactor: Redactor;
  /** Every literal env value, whatever its name. */
  allEnv?: boolean;
}

export { isSecretName };

/** Annotations that copy a whole object, env values included. */
const SPEC_COPIES = new Set(["kubectl.kubernetes.io/last-applied-configuration", "kapp.k14s.io/original"]);

/** Strings under these keys are what the analysis reads (or identify an object): kept as they are. */
const KEPT_VALUES = new Set(["name", "namespace", "uid", "kind", "apiVersion", "reason", "phase", "type"]);
/** Subtrees the analysis reads: kept whole. */
const KEPT_TREES = new Set([
  "labels",
  "ownerReferences",
  "resources",
  "scaleTargetRef",
  "allocatable",
  "capacity",
]);

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (v: Json): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

function isEnvVar(v: Json): v is { name: string; value?: Json } {
  return isObject(v) && typeof v.name === "string";
}

function looksLikeObjectCopy(value: string): boolean {
  if (!value.trimStart().startsWith("{")) return false;
  try {
    const parsed = JSON.parse(value) as Json;
    return isObject(parsed) && typeof parsed.kind === "string" && typeof parsed.apiVersion === "string";
  } catch {
    return false;
  }
}

/**
 * Env values that are secrets by their name (and ConfigMap and Secret values), to look for everywhere else. Not every value with allEnv:
 * that redacts values in place, but searching every log and message for "production" or "8080" would not help.
 */
function envSecrets(items: readonly Json[]): string[] {
  const found: string[] = [];
  const walk = (v: Json, key: string | undefined): void => {
    if (Array.isArray(v)) {
      for (const x of v) {
        if (key === "env" && isEnvVar(x) && typeof x.value === "string" && isSecretName(x.name))
          found.push(x.value);
        walk(x, undefined);
      }
    } else if (isObject(v)) for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  for (const item of items) {
    walk(item, undefined);
    found.push(...sensitiveValues(item));
  }
  return found;
}

/** A ConfigMap's secret-named values, and a Secret's values (decoded too): a hand-made snapshot may hold them. */
function sensitiveValues(item: Json): string[] {
  if (!isObject(item) || !isObject(item.data)) return [];
  const entries = Object.entries(item.data).filter(
    (e): e is [string, string] => typeof e[1] === "string" && e[1] !== "",
  );
  if (item.kind === "ConfigMap") return entries.filter(([k]) => isSecretName(k)).map(([, v]) => v);
  if (item.kind !== "Secret") return [];
  return entries.flatMap(([, v]) => [v, Buffer.from(v, "base64").toString("utf8")]);
}

export function redactSnapshot(
  raw: JsonObject,
  opts: RedactOptions,
): { snapshot: JsonObject; redacted: SnapshotRedaction } {
  const allEnv = opts.allEnv ?? false;
  const counts: SnapshotRedaction = { envValues: 0, annotations: 0, logs: 0, other: 0 };
  const objects = isObject(raw.objects) ? raw.objects : {};
  const items = Array.isArray(objects.items) ? objects.items : [];
  const redactor = opts.redactor.with(envSecrets(items));

  const text = (s: string): string => {
    const out = redactor.redact(s);
    if (out !== s) counts.other++;
    return out;
  };
  const envVar = (v: JsonObject): JsonObject => {
    const { value } = v;
    if (typeof value !== "string" || value === "") return walk(v, undefined) as JsonObject;
    if (allEnv || isSecretName(v.name as string)) {
      counts.envValues++;
      return { ...v, value: REDACTED };
    }
    const out = text(value);
    return out === value ? v : { ...v, value: out };
  };
  const annotation = (k: string, v: string): string => {
    if (k.startsWith("kopt.dev/")) return v;
    if (SPEC_COPIES.has(k) || looksLikeObjectCopy(v) || isSecretName(k.slice(k.indexOf("/") + 1))) {
      counts.annotations++;
      return REDACTED;
    }
    return text(v);
  };
  const annotations = (a: JsonObject): JsonObject => {
    let out: JsonObject | undefined;
    for (const k in a) {
      const v = a[k];
      const y = typeof v === "string" ? annotation(k, v) : v;
      if (y !== v) {
        out ??= { ...a };
        out[k] = y;
      }
    }
    return out ?? a;
  };
  // Copy on write: an object or array is new only where something in it changed (most of a cluster is not).
  function walk(v: Json, key: string | undefined): Json {
    if (typeof v === "string") return key !== undefined && KEPT_VALUES.has(key) ? v : text(v);
    if (Array.isArray(v)) {
      let out: Json[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        const y = key === "env" && isEnvVar(x) ? envVar(x) : walk(x, undefined);
        if (y !== x) {
          out ??= [...v];
          out[i] = y;
        }
      }
      return out ?? v;
    }
    if (!isObject(v)) return v;
    let out: JsonObject | undefined;
    for (const k in v) {
      const x = v[k];
      if (KEPT_TREES.has(k)) continue;
      const y = k === "annotations" && isObject(x) ? annotations(x) : walk(x, k);
      if (y !== x) {
        out ??= { ...v };
        out[k] = y;
      }
    }
    return out ?? v;
  }
  const logs = (l: Json): Json => {
    if (!isObject(l)) return l;
    return Object.fromEntries(
      Object.entries(l).map(([k, v]) => {
        if (typeof v !== "string") return [k, v];
        const out = redactor.redact(v);
        if (out !== v) counts.logs++;
        return [k, out];
      }),
    );
  };

  const snapshot: JsonObject = {
    ...raw,
    objects: {
      ...objects,
      items: items.map((i) => walk(isObject(i) ? keepOfSensitive(i, redactor) : i, undefined)),
    },
  };
  if (raw.logs !== undefined) snapshot.logs = logs(raw.logs);
  if (raw.previousLogs !== undefined) snapshot.previousLogs = logs(raw.previousLogs);
  if (raw.metrics !== undefined) snapshot.metrics = walk(raw.metrics, undefined);
  // Usage history is numbers and series labels; only where it came from is text a person wrote.
  if (isObject(raw.usage) && isObject(raw.usage.source)) {
    snapshot.usage = { ...raw.usage, source: walk(raw.usage.source, undefined) };
  }
  return { snapshot, redacted: counts };
}
