// The demo cluster with secrets where real clusters keep them: a literal env value (in the Deployment's
// template, and so in its ReplicaSets' and Pods'), a connection URL with a password, an annotation named
// for a token, kubectl's last-applied-configuration (which repeats the env), container args, an Event's
// message, and current and previous logs. For tests that `kopt snapshot` records none of them.
import type { ClusterSnapshot } from "../../src/formats/snapshot.ts";

/** Set as DB_PASSWORD, and repeated in a URL, annotations, args and a log. */
export const ENV_SECRET = "planted-s3cret-61d4a9";
/** Only in logs and an Event, in shapes kopt recognises (password=..., Bearer ..., token=...). */
export const LOG_SECRET = "log-s3cret-93b7c2e5";

// biome-ignore lint/suspicious/noExplicitAny: raw Kubernetes JSON
type Any = any;

const ENV = [
  { name: "DB_PASSWORD", value: ENV_SECRET },
  { name: "DATABASE_URL", value: `postgres://todo:${ENV_SECRET}@postgres:5432/todo` },
  { name: "LOG_LEVEL", value: "info" },
  { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "backend", key: "api-token" } } },
];

/** The backend's objects (Deployment, ReplicaSets, Pods) get the env, args and annotations; one Event a message. */
export function plantSecrets(items: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const out = structuredClone(items) as Any[];
  for (const o of out) {
    const backend =
      o.metadata.name === "backend" || (o.metadata.name as string).startsWith("backend-") || false;
    if (!backend || o.metadata.namespace !== "todo") continue;
    const spec = o.kind === "Pod" ? o.spec : o.spec?.template?.spec;
    for (const c of spec?.containers ?? []) {
      c.env = [...(c.env ?? []), ...structuredClone(ENV)];
      c.args = [`--db-password=${ENV_SECRET}`, "--port=8000"];
    }
    if (o.kind === "Deployment") {
      const { status: _status, ...applied } = structuredClone(o);
      o.metadata.annotations = {
        ...o.metadata.annotations,
        "kubectl.kubernetes.io/last-applied-configuration": `${JSON.stringify(applied)}\n`,
        "example.com/api-token": ENV_SECRET,
        "example.com/owner-note": `ask #platform; the db password is ${ENV_SECRET}`,
      };
    }
  }
  const event = out.find((o) => o.kind === "Event");
  if (event) event.message = `Readiness probe failed: GET /healthz?token=${LOG_SECRET}: 401`;
  return out;
}

/** Logs as the API simulator serves them, keyed namespace/pod/container, with secrets in both instances. */
export function plantedLogs(snap: ClusterSnapshot): Record<string, { current: string; previous: string }> {
  const notifier = Object.keys(snap.logs ?? {})[0] as string;
  return {
    [notifier]: {
      current: `${snap.logs?.[notifier] ?? ""}connecting to smtp with password=${LOG_SECRET}\n`,
      previous: `Authorization: Bearer ${LOG_SECRET}\nconnecting to postgres://todo:${ENV_SECRET}@postgres/todo\n`,
    },
  };
}
