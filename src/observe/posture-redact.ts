// What the security audit may keep of Secrets and ConfigMaps (issue 17). Applied where they are read (each
// list page, src/observe/kube/kinds.ts), again when a snapshot is written (snapshot-redact.ts) and once more
// when the audit's input is made (posture-input.ts), so neither a live read nor a hand-made snapshot leaks:
// - a Secret keeps its metadata, type and the NAMES of its keys; every value becomes "" (still a valid
//   Secret: `data` values must be base64), and annotations that copy the object are redacted whole;
// - a ConfigMap keeps its keys; a value whose key says secret, or whose content holds a credential
//   (src/redact.ts), becomes "[redacted]", and every binaryData value "" (bytes cannot be judged).
// Pure: no I/O.
import { REDACTED, type Redactor } from "../redact.ts";

/** Words in a variable, key or annotation name that say its value is a credential. */
const SECRET_NAME =
  /PASS|PWD|SECRET|TOKEN|KEY|CRED|AUTH|PRIVATE|DSN|CONN|CERT|SALT|SESSION|COOKIE|SIGN|JWT|BEARER/i;

/** An env variable, ConfigMap key or annotation whose name says it holds a secret: DB_PASSWORD, API_KEY, SENTRY_DSN. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** Annotations that copy a whole object, values included. */
const SPEC_COPIES = new Set(["kubectl.kubernetes.io/last-applied-configuration", "kapp.k14s.io/original"]);

/** Annotations of a Secret or ConfigMap: copies of the object and secret-named ones redacted. */
function annotationsOf(meta: Json, redactor: Redactor): Json {
  if (!isObject(meta.annotations)) return meta;
  const annotations: Json = {};
  for (const [k, v] of Object.entries(meta.annotations)) {
    const name = k.slice(k.indexOf("/") + 1);
    annotations[k] =
      typeof v !== "string" ? v : SPEC_COPIES.has(k) || isSecretName(name) ? REDACTED : redactor.redact(v);
  }
  return { ...meta, annotations };
}

/** The metadata kept: managedFields dropped (they only repeat the keys), annotations redacted. */
function metadataOf(obj: Json, redactor: Redactor): Json {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const { managedFields: _dropped, ...rest } = meta;
  return annotationsOf(rest, redactor);
}

/** Key names with "" for every value: what a Secret may keep of `data` (and `stringData`, folded in). */
function keysOnly(...maps: unknown[]): Json | undefined {
  const keys = maps.flatMap((m) => (isObject(m) ? Object.keys(m) : []));
  if (keys.length === 0 && !maps.some(isObject)) return undefined;
  return Object.fromEntries([...new Set(keys)].sort().map((k) => [k, ""]));
}

/** A Secret with no value left: metadata, type, immutable and its key names. */
export function secretKeysOnly(obj: Json, redactor: Redactor): Json {
  const { data, stringData, metadata: _m, ...rest } = obj;
  const keys = keysOnly(data, stringData);
  return { ...rest, metadata: metadataOf(obj, redactor), ...(keys ? { data: keys } : {}) };
}

/** A ConfigMap value the audit must not see: its key says secret, or its content holds a credential. */
export function isSecretLookingValue(key: string, value: string, redactor: Redactor): boolean {
  if (value === "") return false;
  return isSecretName(key) || value.includes(REDACTED) || redactor.redact(value) !== value;
}

/** A ConfigMap with its secret-looking values "[redacted]" and its binaryData values "". */
export function redactConfigMap(obj: Json, redactor: Redactor): Json {
  const out: Json = { ...obj, metadata: metadataOf(obj, redactor) };
  if (isObject(obj.data)) {
    out.data = Object.fromEntries(
      Object.entries(obj.data).map(([k, v]) => [
        k,
        typeof v === "string" && isSecretLookingValue(k, v, redactor) ? REDACTED : v,
      ]),
    );
  }
  if (isObject(obj.binaryData)) out.binaryData = keysOnly(obj.binaryData);
  return out;
}

/** Secrets and ConfigMaps as the audit may keep them; every other object as it is. */
export function keepOfSensitive(obj: Json, redactor: Redactor): Json {
  if (obj.kind === "Secret") return secretKeysOnly(obj, redactor);
  if (obj.kind === "ConfigMap") return redactConfigMap(obj, redactor);
  return obj;
}
