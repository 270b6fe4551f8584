// The live-cluster source: reads a cluster through the Kubernetes API (@kubernetes/client-node 1.x) and returns
// the same raw data a snapshot holds — objects exactly as `kubectl get -o json` prints them, the last log lines
// of failing containers, and metrics.k8s.io's current usage — so everything downstream is shared.
//
// Raw JSON, not model classes: client-node 1.x decodes responses into classes with Date fields, and encoding
// them back (ObjectSerializer.serialize) is lossy — timestamps gain milliseconds (".000Z"), MicroTime loses
// its microseconds, fields newer than the client's models are dropped and keys are reordered. So each call
// carries a middleware that keeps the response body as the server sent it (see RawBody).
//
// Errors a user can act on become KoptError("cluster"): unreachable (URL and code), 401 (which context and
// user), 403 (the exact RBAC rules to add, all of them at once). Messages never include request headers, and
// the kubeconfig user's credentials (and whatever Authorization a request carried) are registered with
// src/redact.ts, which scrubs them from these messages and from everything else kopt prints or writes.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter } from "node:path";
import {
  AppsV1Api,
  AutoscalingV2Api,
  type ConfigurationOptions,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  Observable,
  type ObservableMiddleware,
  type RequestContext,
  ResponseContext,
} from "@kubernetes/client-node";
import { KoptError } from "../errors.ts";
import { redact, registerSecret } from "../redact.ts";
import { rulesFor, rulesYaml } from "./kube-rbac.ts";

/** A raw Kubernetes object (or metrics object) as JSON. */
export type RawObject = Record<string, unknown>;

export interface KubeSourceOptions {
  /** Kubeconfig file(s), absolute; default $KUBECONFIG (colon-separated list) or ~/.kube/config. */
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  namespaces?: { include?: string[]; exclude?: string[] };
  /** Log lines kept per failing or restarting container (default 50). */
  tailLines?: number;
  /** Objects per list request (default 500, as kubectl uses). */
  pageSize?: number;
}

export interface ClusterRead {
  /** Namespaces, Nodes, Pods, ReplicaSets, Deployments, StatefulSets, DaemonSets, HPAs (autoscaling/v2), Events. */
  items: RawObject[];
  /** Last lines of the current container, keyed namespace/pod/container: failing or restarting containers only. */
  logs: Record<string, string>;
  /** Last lines of the previous (terminated) container, for containers that restarted. */
  previousLogs: Record<string, string>;
  /** PodMetrics and NodeMetrics from metrics.k8s.io, or null when the cluster does not serve it. */
  metrics: { pods: RawObject[]; nodes: RawObject[] } | null;
  /** Things the user should know that did not stop the read (e.g. no metrics.k8s.io). */
  warnings: string[];
  /** `kubernetes:<context>`, for reports and PHRs. */
  source: string;
  server: string;
  /** HTTP requests made. */
  requests: number;
}

const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_TAIL_LINES = 50;
/** Requests in flight at once: enough to overlap latency, few enough not to trip API priority and fairness. */
const CONCURRENCY = 6;

// ---------------------------------------------------------------------------------------------------------
// Connection

interface Connection {
  kc: KubeConfig;
  server: string;
  /** How the identity is described in messages: `user "u" of context "c"`. */
  identity: string;
  context: string;
  inCluster: boolean;
  kubeconfigFile: string | undefined;
}

function clusterError(message: string, hint: string): KoptError {
  return new KoptError("cluster", message, { hint });
}

function kubeconfigFiles(opts: KubeSourceOptions): string[] {
  if (opts.kubeconfig) return [opts.kubeconfig];
  const env = process.env.KUBECONFIG;
  if (env) return env.split(delimiter).filter(Boolean);
  return [`${homedir()}/.kube/config`];
}

/** A YAML error's reason without js-yaml's snippet of the file, which could show a token. */
function parseReason(err: unknown): string {
  const e = err as { reason?: string; mark?: { line?: number }; code?: string };
  if (e.reason) return `${e.reason}${e.mark?.line === undefined ? "" : ` at line ${e.mark.line + 1}`}`;
  return e.code ?? "not a kubeconfig";
}

/**
 * client-node 1.x refuses an http:// server unless the kubeconfig sets insecure-skip-tls-verify, though there
 * is no TLS to verify; kubectl just connects (e.g. to `kubectl proxy` at http://127.0.0.1:8001). Do the same.
 */
function allowPlainHttp(kc: KubeConfig): void {
  const current = kc.getCurrentCluster();
  if (!current?.server.startsWith("http:") || current.skipTLSVerify) return;
  kc.loadFromOptions({
    clusters: kc.getClusters().map((c) => (c.name === current.name ? { ...c, skipTLSVerify: true } : c)),
    contexts: kc.getContexts(),
    users: kc.getUsers(),
    currentContext: kc.getCurrentContext(),
  });
}

export function connect(opts: KubeSourceOptions): Connection {
  const kc = new KubeConfig();
  let kubeconfigFile: string | undefined;
  if (opts.inCluster) {
    if (!process.env.KUBERNETES_SERVICE_HOST) {
      throw clusterError(
        "source.kubernetes.inCluster is true, but kopt is not running in a pod (KUBERNETES_SERVICE_HOST is not set)",
        "run kopt in the cluster with the kopt-agent chart's service account, or set source.kubernetes.kubeconfig",
      );
    }
    kc.loadFromCluster();
  } else {
    const files = kubeconfigFiles(opts);
    files.forEach((file, i) => {
      if (!existsSync(file)) {
        throw clusterError(
          `kubeconfig not found: ${file}`,
          opts.kubeconfig
            ? "fix source.kubernetes.kubeconfig in kopt.yaml (absolute, ~/..., or relative to the repository root)"
            : "set source.kubernetes.kubeconfig in kopt.yaml, or KUBECONFIG, to your kubeconfig file",
        );
      }
      const part = i === 0 ? kc : new KubeConfig();
      try {
        part.loadFromFile(file);
      } catch (err) {
        throw clusterError(
          `cannot read kubeconfig ${file}: ${parseReason(err)}`,
          "check the file with `kubectl config view`",
        );
      }
      if (part !== kc) kc.mergeConfig(part);
    });
    kubeconfigFile = files.join(delimiter);
    if (opts.context) {
      if (!kc.getContextObject(opts.context)) {
        throw clusterError(
          `context "${opts.context}" is not in kubeconfig ${kubeconfigFile}`,
          `fix source.kubernetes.context; contexts there: ${
            kc
              .getContexts()
              .map((c) => c.name)
              .join(", ") || "none"
          }`,
        );
      }
      kc.setCurrentContext(opts.context);
    } else if (!kc.getCurrentContext() || !kc.getContextObject(kc.getCurrentContext())) {
      throw clusterError(
        `kubeconfig ${kubeconfigFile} has no current context`,
        "set source.kubernetes.context in kopt.yaml, or run `kubectl config use-context NAME`",
      );
    }
  }
  allowPlainHttp(kc);
  const context = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw clusterError(
      `context "${context}" names no cluster with a server URL in kubeconfig ${kubeconfigFile}`,
      "fix the context's cluster entry (`kubectl config view`)",
    );
  }
  const user = kc.getCurrentUser();
  // Auth-provider config holds tokens and client secrets beside harmless settings (cmd-path, expiry-key).
  const provider = Object.entries(user?.authProvider?.config ?? {}).filter(([k]) =>
    /token|secret|password/i.test(k),
  );
  for (const s of [user?.token, user?.password, user?.keyData, ...provider.map(([, v]) => v)]) {
    if (typeof s === "string") registerSecret(s);
  }
  return {
    kc,
    server: cluster.server,
    identity: opts.inCluster
      ? "the pod's service account"
      : `user "${user?.name ?? "(none)"}" of context "${context}"`,
    context: opts.inCluster ? "in-cluster" : context,
    inCluster: opts.inCluster ?? false,
    kubeconfigFile,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Requests

/** What a request reads, for messages and RBAC rules. */
interface Access {
  verb: "get" | "list";
  apiGroup: string;
  resource: string;
  /** undefined: all namespaces, or a cluster-scoped resource. */
  namespace?: string;
  clusterScoped?: boolean;
}

interface Answer {
  status: number;
  text: string;
  path: string;
}

interface Denied extends Access {
  serverMessage: string;
}

/**
 * Keeps the response body as the server sent it. On success the generated client is handed an empty JSON
 * object instead, so it does not decode (say) 500 pods into model classes only for kopt to throw them away;
 * on failure it gets the real body.
 */
class RawBody implements ObservableMiddleware {
  status = 0;
  text = "";
  url = "";
  pre(ctx: RequestContext): Observable<RequestContext> {
    this.url = ctx.getUrl();
    // Exec plugins and OIDC mint tokens per request, so the kubeconfig alone does not name every one.
    for (const [name, value] of Object.entries(ctx.getHeaders())) {
      if (name.toLowerCase() === "authorization") registerSecret(value.replace(/^\S+\s+/, ""));
    }
    return new Observable(Promise.resolve(ctx));
  }
  post(rsp: ResponseContext): Observable<ResponseContext> {
    return new Observable(this.keep(rsp));
  }
  private async keep(rsp: ResponseContext): Promise<ResponseContext> {
    this.status = rsp.httpStatusCode;
    this.text = await rsp.body.text();
    const handed = rsp.httpStatusCode < 300 ? "{}" : this.text;
    return new ResponseContext(rsp.httpStatusCode, rsp.headers, {
      text: async () => handed,
      binary: async () => Buffer.from(handed),
    });
  }
  options(): ConfigurationOptions {
    return { middleware: [this], middlewareMergeStrategy: "append" };
  }
}

function statusMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === "string") return body.message;
  } catch {
    // not JSON: fall through
  }
  return text.trim().split("\n")[0]?.slice(0, 300) ?? "";
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO/;

function describeAccess(a: Access): string {
  const group = `API group "${a.apiGroup}"`;
  const where = a.clusterScoped
    ? "cluster-scoped"
    : a.namespace
      ? `namespace ${a.namespace}`
      : "all namespaces";
  return `${a.verb} ${a.resource} (${group}, ${where})`;
}

function limiter(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active < n) active++;
    else await new Promise<void>((resolve) => queue.push(resolve));
    try {
      return await fn();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Client {
  requests = 0;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly autoscaling: AutoscalingV2Api;
  readonly custom: CustomObjectsApi;
  readonly limit = limiter(CONCURRENCY);

  constructor(readonly conn: Connection) {
    this.core = conn.kc.makeApiClient(CoreV1Api);
    this.apps = conn.kc.makeApiClient(AppsV1Api);
    this.autoscaling = conn.kc.makeApiClient(AutoscalingV2Api);
    this.custom = conn.kc.makeApiClient(CustomObjectsApi);
  }

  error(message: string, hint: string): KoptError {
    return clusterError(redact(message), redact(hint));
  }

  /**
   * One GET through the generated client. Returns the answer for any HTTP status; throws KoptError when
   * the server cannot be reached or answers 401. Retries 429 and 503/504 a few times.
   */
  async send(call: (options: ConfigurationOptions) => Promise<unknown>): Promise<Answer> {
    return this.limit(async () => {
      for (let attempt = 0; ; attempt++) {
        const raw = new RawBody();
        this.requests++;
        try {
          await call(raw.options());
        } catch (err) {
          if (raw.status === 0) throw this.transportError(err);
        }
        const path = raw.url ? new URL(raw.url).pathname : "";
        const answer = { status: raw.status, text: raw.text, path };
        if (answer.status === 401) throw this.unauthorized();
        if ([429, 503, 504].includes(answer.status) && attempt < 2) {
          await sleep(200 * 4 ** attempt);
          continue;
        }
        return answer;
      }
    });
  }

  transportError(err: unknown): KoptError {
    const e = err as { code?: string; errno?: string; message?: string; name?: string };
    const code = e.code ?? e.errno;
    const { server, context, kubeconfigFile } = this.conn;
    const where = this.conn.inCluster
      ? "the in-cluster API address"
      : `context "${context}" in ${kubeconfigFile}`;
    if (code && TLS_CODES.test(code)) {
      return this.error(
        `cannot reach the Kubernetes API at ${server}: TLS failed (${code})`,
        `the server's certificate is not trusted: check certificate-authority(-data) of the cluster of ${where}`,
      );
    }
    if (e.name === "FetchError" || code) {
      return this.error(
        `cannot reach the Kubernetes API at ${server} (${code ?? "network error"})`,
        `check that the cluster is running and that ${where} points at it (\`kubectl cluster-info\`)`,
      );
    }
    // Thrown before sending: the kubeconfig's auth (exec plugin, token file, client certificate) failed.
    return this.error(
      `cannot authenticate to the Kubernetes API at ${server} as ${this.conn.identity}: ${e.message ?? String(err)}`,
      "check the credentials in the kubeconfig (`kubectl get nodes` with the same context shows the same problem)",
    );
  }

  unauthorized(): KoptError {
    const { server, context } = this.conn;
    return this.error(
      `the Kubernetes API at ${server} rejected the credentials of ${this.conn.identity} (401 Unauthorized: the token is wrong or has expired)`,
      this.conn.inCluster
        ? "check that the pod's service account exists and its token is mounted (automountServiceAccountToken)"
        : `refresh the credentials of context "${context}" (log in again, or get a new token), then check with \`kubectl --context ${context} get nodes\``,
    );
  }

  denied(all: readonly Denied[]): KoptError {
    const rules = rulesFor(all);
    const first = all[0];
    return this.error(
      `kopt may not read what it needs on ${this.conn.server} as ${this.conn.identity}: ${all
        .map(describeAccess)
        .join("; ")} (403 Forbidden: ${first?.serverMessage ?? ""})`,
      `grant ${rules.length === 1 ? "this RBAC rule" : "these RBAC rules"} to that identity (the kopt-agent chart's ClusterRole, helm/kopt-agent, holds all of kopt's rules):\n${rulesYaml(rules)}`,
    );
  }

  unexpected(access: Access, answer: Answer): KoptError {
    return this.error(
      `the Kubernetes API at ${this.conn.server} answered ${answer.status} to ${describeAccess(access)} (GET ${answer.path}): ${statusMessage(answer.text)}`,
      answer.status === 404
        ? "kopt needs Kubernetes 1.23 or later (apps/v1, autoscaling/v2, core/v1); check the server version with `kubectl version`"
        : "retry; if it persists, check the API server's health (`kubectl get --raw /readyz`)",
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// What kopt reads

type Page = { limit: number; _continue?: string };
type Call = (
  c: Client,
  page: Page,
  o: ConfigurationOptions,
  namespace: string | undefined,
) => Promise<unknown>;

interface Kind {
  kind: string;
  apiVersion: string;
  apiGroup: string;
  resource: string;
  clusterScoped?: boolean;
  list: Call;
}

const NODES: Kind = {
  kind: "Node",
  apiVersion: "v1",
  apiGroup: "",
  resource: "nodes",
  clusterScoped: true,
  list: (c, p, o) => c.core.listNode(p, o),
};

/** Namespaced kinds, in the order a snapshot lists them (after Namespaces and Nodes). */
const NAMESPACED_KINDS: readonly Kind[] = [
  {
    kind: "Pod",
    apiVersion: "v1",
    apiGroup: "",
    resource: "pods",
    list: (c, p, o, ns) =>
      ns ? c.core.listNamespacedPod({ namespace: ns, ...p }, o) : c.core.listPodForAllNamespaces(p, o),
  },
  {
    kind: "ReplicaSet",
    apiVersion: "apps/v1",
    apiGroup: "apps",
    resource: "replicasets",
    list: (c, p, o, ns) =>
      ns
        ? c.apps.listNamespacedReplicaSet({ namespace: ns, ...p }, o)
        : c.apps.listReplicaSetForAllNamespaces(p, o),
  },
  {
    kind: "Deployment",
    apiVersion: "apps/v1",
    apiGroup: "apps",
    resource: "deployments",
    list: (c, p, o, ns) =>
      ns
        ? c.apps.listNamespacedDeployment({ namespace: ns, ...p }, o)
        : c.apps.listDeploymentForAllNamespaces(p, o),
  },
  {
    kind: "StatefulSet",
    apiVersion: "apps/v1",
    apiGroup: "apps",
    resource: "statefulsets",
    list: (c, p, o, ns) =>
      ns
        ? c.apps.listNamespacedStatefulSet({ namespace: ns, ...p }, o)
        : c.apps.listStatefulSetForAllNamespaces(p, o),
  },
  {
    kind: "DaemonSet",
    apiVersion: "apps/v1",
    apiGroup: "apps",
    resource: "daemonsets",
    list: (c, p, o, ns) =>
      ns
        ? c.apps.listNamespacedDaemonSet({ namespace: ns, ...p }, o)
        : c.apps.listDaemonSetForAllNamespaces(p, o),
  },
  {
    kind: "HorizontalPodAutoscaler",
    apiVersion: "autoscaling/v2",
    apiGroup: "autoscaling",
    resource: "horizontalpodautoscalers",
    list: (c, p, o, ns) =>
      ns
        ? c.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: ns, ...p }, o)
        : c.autoscaling.listHorizontalPodAutoscalerForAllNamespaces(p, o),
  },
  {
    kind: "Event",
    apiVersion: "v1",
    apiGroup: "",
    resource: "events",
    list: (c, p, o, ns) =>
      ns ? c.core.listNamespacedEvent({ namespace: ns, ...p }, o) : c.core.listEventForAllNamespaces(p, o),
  },
];

const NAMESPACES: Kind = {
  kind: "Namespace",
  apiVersion: "v1",
  apiGroup: "",
  resource: "namespaces",
  clusterScoped: true,
  list: (c, p, o) => c.core.listNamespace(p, o),
};

const METRICS_GROUP = "metrics.k8s.io";
const METRICS_VERSION = "v1beta1";
const metricsKind = (kind: string, plural: "pods" | "nodes"): Kind => ({
  kind,
  apiVersion: `${METRICS_GROUP}/${METRICS_VERSION}`,
  apiGroup: METRICS_GROUP,
  resource: plural,
  clusterScoped: plural === "nodes",
  list: (c, p, o, ns) =>
    ns
      ? c.custom.listNamespacedCustomObject(
          { group: METRICS_GROUP, version: METRICS_VERSION, namespace: ns, plural, ...p },
          o,
        )
      : c.custom.listClusterCustomObject({ group: METRICS_GROUP, version: METRICS_VERSION, plural, ...p }, o),
});
const POD_METRICS = metricsKind("PodMetrics", "pods");
const NODE_METRICS = metricsKind("NodeMetrics", "nodes");

type ListResult =
  | { items: RawObject[] }
  | { denied: Denied }
  | { status: number; answer: Answer; access: Access };

/**
 * Every object of one kind (in one namespace, or all), page by page with limit/continue. List items carry no
 * apiVersion/kind on the wire; they are put back first, as kubectl does. A 410 (the continue token expired
 * on a long list) restarts the list once.
 */
async function listAll(c: Client, kind: Kind, pageSize: number, namespace?: string): Promise<ListResult> {
  const access: Access = {
    verb: "list",
    apiGroup: kind.apiGroup,
    resource: kind.resource,
    namespace,
    clusterScoped: kind.clusterScoped,
  };
  let restarted = false;
  let items: RawObject[] = [];
  let token: string | undefined;
  for (;;) {
    const page: Page = token ? { limit: pageSize, _continue: token } : { limit: pageSize };
    const answer = await c.send((o) => kind.list(c, page, o, namespace));
    if (answer.status === 410 && token && !restarted) {
      restarted = true;
      items = [];
      token = undefined;
      continue;
    }
    if (answer.status === 403) return { denied: { ...access, serverMessage: statusMessage(answer.text) } };
    if (answer.status < 200 || answer.status >= 300) return { status: answer.status, answer, access };
    const body = JSON.parse(answer.text) as { items?: RawObject[] | null; metadata?: { continue?: string } };
    for (const item of body.items ?? [])
      items.push({ apiVersion: kind.apiVersion, kind: kind.kind, ...item });
    token = body.metadata?.continue || undefined;
    if (!token) return { items };
  }
}

function namespaceOf(obj: RawObject): string | undefined {
  return (obj.metadata as { namespace?: string } | undefined)?.namespace;
}

// biome-ignore lint/suspicious/noExplicitAny: raw pod JSON, read defensively
type RawPod = Record<string, any>;

interface LogTarget {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
}

/** Containers worth a look: restarting, crash-looping, or terminated before. Init containers included. */
export function logTargets(pods: readonly RawObject[]): LogTarget[] {
  const out: LogTarget[] = [];
  for (const pod of pods as RawPod[]) {
    const statuses: RawPod[] = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    for (const s of statuses) {
      const restarted = (s.restartCount ?? 0) > 0 || s.lastState?.terminated !== undefined;
      const crashLooping = s.state?.waiting?.reason === "CrashLoopBackOff";
      if (!restarted && !crashLooping) continue;
      const base = {
        namespace: pod.metadata?.namespace ?? "",
        pod: pod.metadata?.name ?? "",
        container: s.name,
      };
      out.push({ ...base, previous: false });
      if (restarted) out.push({ ...base, previous: true });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The read

export async function readCluster(opts: KubeSourceOptions): Promise<ClusterRead> {
  const conn = connect(opts);
  const c = new Client(conn);
  const pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  const include = opts.namespaces?.include;
  const exclude = new Set(opts.namespaces?.exclude ?? []);
  /** Drops objects in excluded namespaces, and the excluded Namespace objects themselves. */
  const keep = (obj: RawObject) => {
    const ns = obj.kind === "Namespace" ? String((obj.metadata as { name?: string }).name) : namespaceOf(obj);
    return ns === undefined || !exclude.has(ns);
  };
  const warnings: string[] = [];

  // Namespace selection. With `include`, each namespace is read on its own (GET the Namespace, list each kind
  // in it): the API server then sends only those objects, which on a large cluster is far less than listing
  // everything and dropping most of it. Without `include`, one paginated cluster-wide list per kind is the
  // fewest requests, and excluded namespaces (usually a few system ones) are dropped here.
  type Job = { kind: Kind; namespace?: string };
  const scoped = (kind: Kind): Job[] =>
    include && !kind.clusterScoped ? include.map((namespace) => ({ kind, namespace })) : [{ kind }];

  // Nodes first and alone: an unreachable server or rejected credentials fail once, fast, not per request.
  const results: { job: Job; result: ListResult }[] = [
    { job: { kind: NODES }, result: await listAll(c, NODES, pageSize) },
  ];
  const jobs: Job[] = [...(include ? [] : [{ kind: NAMESPACES }]), ...NAMESPACED_KINDS.flatMap(scoped)];
  const metricsJobs: Job[] = [...scoped(POD_METRICS), { kind: NODE_METRICS }];

  const listJob = async (job: Job) => ({ job, result: await listAll(c, job.kind, pageSize, job.namespace) });
  const [listed, metricsListed, namespaceAnswers] = await Promise.all([
    Promise.all(jobs.map(listJob)),
    Promise.all(metricsJobs.map(listJob)),
    Promise.all(
      (include ?? []).map(async (name) => {
        const access: Access = { verb: "get", apiGroup: "", resource: "namespaces", namespace: name };
        const answer = await c.send((o) => c.core.readNamespace({ name }, o));
        return { name, access, answer };
      }),
    ),
  ]);
  results.push(...listed);

  const denied: Denied[] = [];
  const byKind = new Map<string, RawObject[]>();
  const add = (kind: string, items: RawObject[]) => {
    const list = byKind.get(kind) ?? [];
    for (const item of items) list.push(item);
    byKind.set(kind, list);
  };

  for (const { name, access, answer } of namespaceAnswers) {
    if (answer.status === 403) denied.push({ ...access, serverMessage: statusMessage(answer.text) });
    else if (answer.status === 404)
      warnings.push(`namespace ${name} (source.kubernetes.namespaces.include) does not exist in the cluster`);
    else if (answer.status >= 200 && answer.status < 300) {
      const ns = JSON.parse(answer.text) as RawObject;
      add("Namespace", [{ apiVersion: "v1", kind: "Namespace", ...ns }]);
    } else throw c.unexpected(access, answer);
  }
  for (const { job, result } of results) {
    if ("denied" in result) denied.push(result.denied);
    else if ("status" in result) throw c.unexpected(result.access, result.answer);
    else add(job.kind.kind, result.items.filter(keep));
  }

  // metrics.k8s.io is optional: without it (404: not served; 503: registered, but metrics-server is down)
  // kopt has no current usage, says so, and goes on.
  const served = { pods: [] as RawObject[], nodes: [] as RawObject[] };
  let metricsProblem: string | undefined;
  for (const { job, result } of metricsListed) {
    if ("denied" in result) denied.push(result.denied);
    else if ("status" in result) {
      if (result.status !== 404 && result.status !== 503) throw c.unexpected(result.access, result.answer);
      metricsProblem ??=
        result.status === 404
          ? "metrics.k8s.io is not served by this cluster (is metrics-server installed?): continuing without current usage"
          : `metrics.k8s.io did not answer (503: ${statusMessage(result.answer.text)}): continuing without current usage`;
    } else (job.kind === NODE_METRICS ? served.nodes : served.pods).push(...result.items.filter(keep));
  }
  if (metricsProblem) warnings.push(metricsProblem);
  const metrics = metricsProblem ? null : served;
  if (denied.length > 0) throw c.denied(denied);

  const items = [NAMESPACES, NODES, ...NAMESPACED_KINDS].flatMap((k) => byKind.get(k.kind) ?? []);
  const { logs, previousLogs } = await readLogs(
    c,
    byKind.get("Pod") ?? [],
    opts.tailLines ?? DEFAULT_TAIL_LINES,
    warnings,
  );
  return {
    items,
    logs,
    previousLogs,
    metrics,
    warnings,
    source: `kubernetes:${conn.context}`,
    server: conn.server,
    requests: c.requests,
  };
}

async function readLogs(
  c: Client,
  pods: readonly RawObject[],
  tailLines: number,
  warnings: string[],
): Promise<{ logs: Record<string, string>; previousLogs: Record<string, string> }> {
  const targets = logTargets(pods);
  const denied: Denied[] = [];
  const answers = await Promise.all(
    targets.map(async (t) => {
      const access: Access = { verb: "get", apiGroup: "", resource: "pods/log", namespace: t.namespace };
      const answer = await c.send((o) =>
        c.core.readNamespacedPodLog(
          {
            name: t.pod,
            namespace: t.namespace,
            container: t.container,
            tailLines,
            previous: t.previous || undefined,
          },
          o,
        ),
      );
      return { t, access, answer };
    }),
  );
  const logs: Record<string, string> = {};
  const previousLogs: Record<string, string> = {};
  // The container is gone, has not started, or has no previous instance: the log is simply not there.
  // One warning per kind of miss, not one per container, so a cluster with many failing pods stays readable.
  const missing = new Map<string, { keys: string[]; example: string }>();
  for (const { t, access, answer } of answers) {
    const key = `${t.namespace}/${t.pod}/${t.container}`;
    if (answer.status >= 200 && answer.status < 300) (t.previous ? previousLogs : logs)[key] = answer.text;
    else if (answer.status === 403) denied.push({ ...access, serverMessage: statusMessage(answer.text) });
    else {
      const kind = `${t.previous ? "previous" : "current"} logs|${answer.status}`;
      const entry = missing.get(kind) ?? { keys: [], example: statusMessage(answer.text) };
      entry.keys.push(key);
      missing.set(kind, entry);
    }
  }
  for (const [kind, { keys, example }] of missing) {
    const [what, status] = kind.split("|");
    const shown = keys.slice(0, 5).join(", ") + (keys.length > 5 ? `, and ${keys.length - 5} more` : "");
    warnings.push(`no ${what} for ${keys.length} container(s): ${shown} (${status}, e.g. ${example})`);
  }
  if (denied.length > 0) throw c.denied(denied);
  return { logs, previousLogs };
}

/** RFC 3339 to the second, as the API server prints times: 2026-11-20T12:00:00Z. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * A cluster read as a ClusterSnapshot (not yet validated). Usage history is empty matrices: it comes from
 * source.prometheus (filled in by the caller), and without one the snapshot says there is none.
 */
export function snapshotOf(read: ClusterRead, cluster: string, capturedAt: string): Record<string, unknown> {
  const empty = () => ({ resultType: "matrix", result: [] });
  return {
    apiVersion: "kopt.dev/v1",
    kind: "ClusterSnapshot",
    cluster,
    capturedAt,
    objects: { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" }, items: read.items },
    usage: { cpu: empty(), memory: empty() },
    logs: read.logs,
    ...(Object.keys(read.previousLogs).length > 0 ? { previousLogs: read.previousLogs } : {}),
    ...(read.metrics ? { metrics: read.metrics } : {}),
  };
}
