// Error text for the Kubernetes API, as KoptError("cluster") a user can act on: unreachable (URL and code),
// 401 (which context and user), 403 (the exact RBAC rules to add, all of them at once), and any other answer
// kopt cannot use. Messages never include request headers, and pass through src/redact.ts.
import { KoptError } from "../../errors.ts";
import { redact } from "../../redact.ts";
import { rulesFor, rulesYaml } from "./rbac.ts";

/** What a request reads, for messages and RBAC rules. */
export interface Access {
  verb: "get" | "list";
  apiGroup: string;
  resource: string;
  /** undefined: all namespaces, or a cluster-scoped resource. */
  namespace?: string;
  clusterScoped?: boolean;
}

export interface Answer {
  status: number;
  text: string;
  path: string;
}

export interface Denied extends Access {
  serverMessage: string;
}

/** The API server and who kopt is to it, as messages name them. */
export interface ApiIdentity {
  server: string;
  /** How the identity is described in messages: `user "u" of context "c"`. */
  identity: string;
  context: string;
  inCluster: boolean;
  kubeconfigFile: string | undefined;
}

export function clusterError(message: string, hint: string): KoptError {
  return new KoptError("cluster", message, { hint });
}

/** A cluster error with secrets scrubbed from what the server or the client library said. */
function scrubbed(message: string, hint: string): KoptError {
  return clusterError(redact(message), redact(hint));
}

export function statusMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === "string") return body.message;
  } catch {
    // not JSON: fall through
  }
  return text.trim().split("\n")[0]?.slice(0, 300) ?? "";
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO/;

export function describeAccess(a: Access): string {
  const group = `API group "${a.apiGroup}"`;
  const where = a.clusterScoped
    ? "cluster-scoped"
    : a.namespace
      ? `namespace ${a.namespace}`
      : "all namespaces";
  return `${a.verb} ${a.resource} (${group}, ${where})`;
}

export function transportError(conn: ApiIdentity, err: unknown): KoptError {
  const e = err as { code?: string; errno?: string; message?: string; name?: string };
  const code = e.code ?? e.errno;
  const { server, context, kubeconfigFile } = conn;
  const where = conn.inCluster ? "the in-cluster API address" : `context "${context}" in ${kubeconfigFile}`;
  if (code && TLS_CODES.test(code)) {
    return scrubbed(
      `cannot reach the Kubernetes API at ${server}: TLS failed (${code})`,
      `the server's certificate is not trusted: check certificate-authority(-data) of the cluster of ${where}`,
    );
  }
  if (e.name === "FetchError" || code) {
    return scrubbed(
      `cannot reach the Kubernetes API at ${server} (${code ?? "network error"})`,
      `check that the cluster is running and that ${where} points at it (\`kubectl cluster-info\`)`,
    );
  }
  // Thrown before sending: the kubeconfig's auth (exec plugin, token file, client certificate) failed.
  return scrubbed(
    `cannot authenticate to the Kubernetes API at ${server} as ${conn.identity}: ${e.message ?? String(err)}`,
    "check the credentials in the kubeconfig (`kubectl get nodes` with the same context shows the same problem)",
  );
}

/** A request the server accepted but did not answer in time: a hung API server or a dead connection. */
export function timedOut(conn: ApiIdentity, timeoutMs: number): KoptError {
  return scrubbed(
    `the Kubernetes API at ${conn.server} did not answer within ${seconds(timeoutMs)}`,
    "check that the API server is healthy (`kubectl get --raw /readyz`) and that nothing between kopt and it holds connections open",
  );
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

export function unauthorized(conn: ApiIdentity): KoptError {
  const { server, context } = conn;
  return scrubbed(
    `the Kubernetes API at ${server} rejected the credentials of ${conn.identity} (401 Unauthorized: the token is wrong or has expired)`,
    conn.inCluster
      ? "check that the pod's service account exists and its token is mounted (automountServiceAccountToken)"
      : `refresh the credentials of context "${context}" (log in again, or get a new token), then check with \`kubectl --context ${context} get nodes\``,
  );
}

export function denied(conn: ApiIdentity, all: readonly Denied[]): KoptError {
  const rules = rulesFor(all);
  const first = all[0];
  return scrubbed(
    `kopt may not read what it needs on ${conn.server} as ${conn.identity}: ${all
      .map(describeAccess)
      .join("; ")} (403 Forbidden: ${first?.serverMessage ?? ""})`,
    `grant ${rules.length === 1 ? "this RBAC rule" : "these RBAC rules"} to that identity (the kopt-agent chart's ClusterRole, helm/kopt-agent, holds all of kopt's rules):\n${rulesYaml(rules)}`,
  );
}

/** A 403 on pods/log when the run can go on without logs: what was refused, and the rule that would allow it. */
export function logsDeniedWarning(conn: ApiIdentity, all: readonly Denied[]): string {
  const rules = rulesFor(all);
  const accesses = [...new Set(all.map(describeAccess))];
  const shown =
    accesses.slice(0, 3).join("; ") + (accesses.length > 3 ? `; and ${accesses.length - 3} more` : "");
  return redact(
    `container logs are unavailable: kopt may not ${shown} on ${conn.server} as ${conn.identity} (403 Forbidden: ${all[0]?.serverMessage ?? ""}); going on without logs. To read them, grant ${rules.length === 1 ? "this RBAC rule" : "these RBAC rules"} (the kopt-agent chart's ClusterRole holds it):\n${rulesYaml(rules)}`,
  );
}

export function unexpected(conn: ApiIdentity, access: Access, answer: Answer): KoptError {
  return scrubbed(
    `the Kubernetes API at ${conn.server} answered ${answer.status} to ${describeAccess(access)} (GET ${answer.path}): ${statusMessage(answer.text)}`,
    answer.status === 404
      ? "kopt needs Kubernetes 1.23 or later (apps/v1, autoscaling/v2, core/v1); check the server version with `kubectl version`"
      : "retry; if it persists, check the API server's health (`kubectl get --raw /readyz`)",
  );
}

/** A 403 on a kind the security audit reads: what was refused, and the rule that would allow it. */
export function postureDeniedWarning(conn: ApiIdentity, kind: string, all: readonly Denied[]): string {
  const rules = rulesFor(all);
  const accesses = [...new Set(all.map(describeAccess))];
  const shown =
    accesses.slice(0, 3).join("; ") + (accesses.length > 3 ? `; and ${accesses.length - 3} more` : "");
  return redact(
    `${kind} objects are unavailable to the security audit: kopt may not ${shown} on ${conn.server} as ${conn.identity} (403 Forbidden: ${all[0]?.serverMessage ?? ""}); going on without them. To read them, grant ${rules.length === 1 ? "this RBAC rule" : "these RBAC rules"} (the kopt-agent chart's ClusterRole holds it):\n${rulesYaml(rules)}`,
  );
}

/** The rule a 403 needs, on one line: what a snapshot records as the reason a kind is unreadable. */
export function deniedReason(all: readonly Denied[]): string {
  const rule = rulesYaml(rulesFor(all)).replace(/\n\s*/g, ", ").replace(/^- /, "");
  return `403 Forbidden: kopt needs the RBAC rule {${rule}}`;
}
