// The live-cluster source: reads a cluster through the Kubernetes API and returns the same raw data a snapshot
// holds — objects exactly as `kubectl get -o json` prints them, the last log lines of failing containers, and
// metrics.k8s.io's current usage — so everything downstream is shared. Access denied anywhere is collected
// and reported once, with every RBAC rule that is missing.
import { Client, type RawObject } from "./client.ts";
import { connect, type KubeSourceOptions } from "./connection.ts";
import {
  type Access,
  type ApiIdentity,
  type Denied,
  denied as deniedError,
  statusMessage,
  unexpected,
} from "./errors.ts";
import {
  type Kind,
  type ListResult,
  listAll,
  NAMESPACED_KINDS,
  NAMESPACES,
  NODE_METRICS,
  NODES,
  namespaceOf,
  POD_METRICS,
  POSTURE_KINDS,
} from "./kinds.ts";
import { readLogs } from "./logs.ts";
import { postureOutcome, type UnreadableKind } from "./read-posture.ts";

export interface ClusterRead {
  /** Namespaces, Nodes, Pods, ReplicaSets, Deployments, StatefulSets, DaemonSets, HPAs (autoscaling/v2), Jobs,
   * CronJobs, PersistentVolumeClaims, Events; then what the security audit reads (kinds.ts POSTURE_KINDS):
   * ServiceAccounts, Secrets (metadata and key names only), ConfigMaps (secret-looking values redacted),
   * Roles, RoleBindings, ClusterRoles, ClusterRoleBindings, NetworkPolicies, Ingresses, VulnerabilityReports. */
  items: RawObject[];
  /**
   * The audit's kinds that could not be read, and why (a 403 names the RBAC rule; a CRD not installed).
   * Undefined when the read did not try them (without `posture`, and the agent's cache).
   */
  unreadable?: UnreadableKind[];
  /** Things worth saying that are not a problem (Trivy Operator is not installed). */
  notes?: string[];
  /** Last lines of the current container, keyed namespace/pod/container: failing or restarting containers only. */
  logs: Record<string, string>;
  /** Last lines of the previous (terminated) container, for containers that restarted. */
  previousLogs: Record<string, string>;
  /** False when pods/log was forbidden and `logsDenied` was "warn": a warning names the missing rule. */
  logsReadable: boolean;
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

type Listed = { job: { kind: Kind }; result: ListResult };

/**
 * metrics.k8s.io is optional: without it (404: not served; 503: registered, but metrics-server is down) kopt
 * has no current usage, says so, and goes on. A 403 joins the others in `denied`.
 */
function metricsOutcome(
  conn: ApiIdentity,
  listed: readonly Listed[],
  keep: (obj: RawObject) => boolean,
  denied: Denied[],
): { metrics: ClusterRead["metrics"]; problem: string | undefined } {
  const served = { pods: [] as RawObject[], nodes: [] as RawObject[] };
  let problem: string | undefined;
  for (const { job, result } of listed) {
    if ("denied" in result) denied.push(result.denied);
    else if ("status" in result) {
      if (result.status !== 404 && result.status !== 503)
        throw unexpected(conn, result.access, result.answer);
      problem ??=
        result.status === 404
          ? "metrics.k8s.io is not served by this cluster (is metrics-server installed?): continuing without current usage"
          : `metrics.k8s.io did not answer (503: ${statusMessage(result.answer.text)}): continuing without current usage`;
    } else (job.kind === NODE_METRICS ? served.nodes : served.pods).push(...result.items.filter(keep));
  }
  return { metrics: problem ? null : served, problem };
}

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
  const postureKinds = opts.posture ? POSTURE_KINDS : [];
  const postureJobs: Job[] = postureKinds.flatMap(scoped);

  const listJob = async (job: Job) => ({ job, result: await listAll(c, job.kind, pageSize, job.namespace) });
  const [listed, metricsListed, postureListed, namespaceAnswers] = await Promise.all([
    Promise.all(jobs.map(listJob)),
    Promise.all(metricsJobs.map(listJob)),
    Promise.all(postureJobs.map(listJob)),
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
    } else throw unexpected(conn, access, answer);
  }
  for (const { job, result } of results) {
    if ("denied" in result) denied.push(result.denied);
    else if ("status" in result) throw unexpected(conn, result.access, result.answer);
    else add(job.kind.kind, result.items.filter(keep));
  }

  const { metrics, problem } = metricsOutcome(conn, metricsListed, keep, denied);
  if (problem) warnings.push(problem);
  if (denied.length > 0) throw deniedError(conn, denied);
  const posture = postureOutcome(
    conn,
    postureKinds,
    postureListed.map(({ job, result }) => ({ kind: job.kind, result })),
    keep,
  );
  warnings.push(...posture.warnings);

  const items = [NAMESPACES, NODES, ...NAMESPACED_KINDS].flatMap((k) => byKind.get(k.kind) ?? []);
  items.push(...posture.items);
  const { logs, previousLogs, readable } = await readLogs(
    c,
    byKind.get("Pod") ?? [],
    opts.tailLines ?? DEFAULT_TAIL_LINES,
    warnings,
    opts.logsDenied,
  );
  return {
    items,
    logs,
    previousLogs,
    logsReadable: readable,
    metrics,
    warnings,
    ...(opts.posture ? { unreadable: posture.unreadable, notes: posture.notes } : {}),
    source: `kubernetes:${conn.context}`,
    server: conn.server,
    requests: c.requests,
  };
}
