// What kopt reads from the Kubernetes API: the kinds table (group, resource, how the generated client lists
// them, cluster-wide or in one namespace) and the paginated list of every object of one kind.
import type { ConfigurationOptions } from "@kubernetes/client-node";
import { sharedRedactor } from "../../redact.ts";
import { keepOfSensitive } from "../posture-redact.ts";
import type { Client, RawObject } from "./client.ts";
import { type Access, type Answer, type Denied, statusMessage } from "./errors.ts";

type Page = { limit: number; _continue?: string; fieldSelector?: string; labelSelector?: string };
type Call = (
  c: Client,
  page: Page,
  o: ConfigurationOptions,
  namespace: string | undefined,
) => Promise<unknown>;

export interface Kind {
  kind: string;
  apiVersion: string;
  apiGroup: string;
  resource: string;
  clusterScoped?: boolean;
  list: Call;
  /** What is kept of each item, applied as each page is read (Secrets lose their values there). */
  keep?: (item: RawObject) => RawObject;
  /** Asked of every list of this kind, to leave out what no one reads. */
  fieldSelector?: string;
  /** A custom resource whose CRD may not be installed: a 404 says so instead of failing the read. */
  crd?: { operator: string; install: string };
}

export const NODES: Kind = {
  kind: "Node",
  apiVersion: "v1",
  apiGroup: "",
  resource: "nodes",
  clusterScoped: true,
  list: (c, p, o) => c.core.listNode(p, o),
};

/** Namespaced kinds, in the order a snapshot lists them (after Namespaces and Nodes). */
export const NAMESPACED_KINDS: readonly Kind[] = [
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
  // Jobs and CronJobs own the pods of batch workloads; PersistentVolumeClaims explain pods stuck Pending.
  {
    kind: "Job",
    apiVersion: "batch/v1",
    apiGroup: "batch",
    resource: "jobs",
    list: (c, p, o, ns) =>
      ns ? c.batch.listNamespacedJob({ namespace: ns, ...p }, o) : c.batch.listJobForAllNamespaces(p, o),
  },
  {
    kind: "CronJob",
    apiVersion: "batch/v1",
    apiGroup: "batch",
    resource: "cronjobs",
    list: (c, p, o, ns) =>
      ns
        ? c.batch.listNamespacedCronJob({ namespace: ns, ...p }, o)
        : c.batch.listCronJobForAllNamespaces(p, o),
  },
  {
    kind: "PersistentVolumeClaim",
    apiVersion: "v1",
    apiGroup: "",
    resource: "persistentvolumeclaims",
    list: (c, p, o, ns) =>
      ns
        ? c.core.listNamespacedPersistentVolumeClaim({ namespace: ns, ...p }, o)
        : c.core.listPersistentVolumeClaimForAllNamespaces(p, o),
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

const TRIVY_GROUP = "aquasecurity.github.io";
const TRIVY_VERSION = "v1alpha1";
const sensitive = (item: RawObject): RawObject => keepOfSensitive(item, sharedRedactor());

/**
 * What the security audit reads besides workloads (issue 17), after the kinds above. A 403 on one is a warning
 * naming the rule it needs, and the read goes on without it; VulnerabilityReports exist only where Trivy
 * Operator is installed (a 404 is a note). Secrets keep metadata and key names only, ConfigMaps their values
 * with secret-looking ones redacted: see src/observe/posture-redact.ts.
 */
export const POSTURE_KINDS: readonly Kind[] = [
  {
    kind: "ServiceAccount",
    apiVersion: "v1",
    apiGroup: "",
    resource: "serviceaccounts",
    list: (c, p, o, ns) =>
      ns
        ? c.core.listNamespacedServiceAccount({ namespace: ns, ...p }, o)
        : c.core.listServiceAccountForAllNamespaces(p, o),
  },
  {
    kind: "Secret",
    apiVersion: "v1",
    apiGroup: "",
    resource: "secrets",
    list: (c, p, o, ns) =>
      ns ? c.core.listNamespacedSecret({ namespace: ns, ...p }, o) : c.core.listSecretForAllNamespaces(p, o),
    // Helm keeps every revision of every release as a Secret of this type, often hundreds of KiB each: no
    // workload mounts them, so they are not fetched at all.
    fieldSelector: "type!=helm.sh/release.v1",
    keep: sensitive,
  },
  {
    kind: "ConfigMap",
    apiVersion: "v1",
    apiGroup: "",
    resource: "configmaps",
    list: (c, p, o, ns) =>
      ns
        ? c.core.listNamespacedConfigMap({ namespace: ns, ...p }, o)
        : c.core.listConfigMapForAllNamespaces(p, o),
    keep: sensitive,
  },
  {
    kind: "Role",
    apiVersion: "rbac.authorization.k8s.io/v1",
    apiGroup: "rbac.authorization.k8s.io",
    resource: "roles",
    list: (c, p, o, ns) =>
      ns ? c.rbac.listNamespacedRole({ namespace: ns, ...p }, o) : c.rbac.listRoleForAllNamespaces(p, o),
  },
  {
    kind: "RoleBinding",
    apiVersion: "rbac.authorization.k8s.io/v1",
    apiGroup: "rbac.authorization.k8s.io",
    resource: "rolebindings",
    list: (c, p, o, ns) =>
      ns
        ? c.rbac.listNamespacedRoleBinding({ namespace: ns, ...p }, o)
        : c.rbac.listRoleBindingForAllNamespaces(p, o),
  },
  {
    kind: "ClusterRole",
    apiVersion: "rbac.authorization.k8s.io/v1",
    apiGroup: "rbac.authorization.k8s.io",
    resource: "clusterroles",
    clusterScoped: true,
    list: (c, p, o) => c.rbac.listClusterRole(p, o),
  },
  {
    kind: "ClusterRoleBinding",
    apiVersion: "rbac.authorization.k8s.io/v1",
    apiGroup: "rbac.authorization.k8s.io",
    resource: "clusterrolebindings",
    clusterScoped: true,
    list: (c, p, o) => c.rbac.listClusterRoleBinding(p, o),
  },
  {
    kind: "NetworkPolicy",
    apiVersion: "networking.k8s.io/v1",
    apiGroup: "networking.k8s.io",
    resource: "networkpolicies",
    list: (c, p, o, ns) =>
      ns
        ? c.networking.listNamespacedNetworkPolicy({ namespace: ns, ...p }, o)
        : c.networking.listNetworkPolicyForAllNamespaces(p, o),
  },
  {
    kind: "Ingress",
    apiVersion: "networking.k8s.io/v1",
    apiGroup: "networking.k8s.io",
    resource: "ingresses",
    list: (c, p, o, ns) =>
      ns
        ? c.networking.listNamespacedIngress({ namespace: ns, ...p }, o)
        : c.networking.listIngressForAllNamespaces(p, o),
  },
  {
    kind: "VulnerabilityReport",
    apiVersion: `${TRIVY_GROUP}/${TRIVY_VERSION}`,
    apiGroup: TRIVY_GROUP,
    resource: "vulnerabilityreports",
    crd: {
      operator: "Trivy Operator",
      install:
        "helm repo add aqua https://aquasecurity.github.io/helm-charts && helm install trivy-operator aqua/trivy-operator --namespace trivy-system --create-namespace",
    },
    list: (c, p, o, ns) => {
      const at = { group: TRIVY_GROUP, version: TRIVY_VERSION, plural: "vulnerabilityreports", ...p };
      return ns
        ? c.custom.listNamespacedCustomObject({ ...at, namespace: ns }, o)
        : c.custom.listClusterCustomObject(at, o);
    },
  },
];

export const NAMESPACES: Kind = {
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
export const POD_METRICS = metricsKind("PodMetrics", "pods");
export const NODE_METRICS = metricsKind("NodeMetrics", "nodes");

export type ListResult =
  /** resourceVersion: the list's, from its first page (where a watch of the same scope starts). */
  | { items: RawObject[]; resourceVersion: string }
  | { denied: Denied }
  | { status: number; answer: Answer; access: Access };

/**
 * Every object of one kind (in one namespace, or all; those the selectors match), page by page with limit/continue. List items carry no
 * apiVersion/kind on the wire; they are put back first, as kubectl does. A 410 (the continue token expired
 * on a long list) restarts the list once.
 */
export async function listAll(
  c: Client,
  kind: Kind,
  pageSize: number,
  namespace?: string,
  fieldSelector = kind.fieldSelector,
  labelSelector?: string,
): Promise<ListResult> {
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
  let resourceVersion = "";
  for (;;) {
    const page: Page = {
      limit: pageSize,
      ...(token ? { _continue: token } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
      ...(labelSelector ? { labelSelector } : {}),
    };
    const answer = await c.send((o) => kind.list(c, page, o, namespace));
    if (answer.status === 410 && token && !restarted) {
      restarted = true;
      items = [];
      token = undefined;
      continue;
    }
    if (answer.status === 403) return { denied: { ...access, serverMessage: statusMessage(answer.text) } };
    if (answer.status < 200 || answer.status >= 300) return { status: answer.status, answer, access };
    const body = JSON.parse(answer.text) as {
      items?: RawObject[] | null;
      metadata?: { continue?: string; resourceVersion?: string };
    };
    if (!token) resourceVersion = body.metadata?.resourceVersion ?? "";
    for (const item of body.items ?? []) {
      const typed = { apiVersion: kind.apiVersion, kind: kind.kind, ...item };
      items.push(kind.keep ? kind.keep(typed) : typed);
    }
    token = body.metadata?.continue || undefined;
    if (!token) return { items, resourceVersion };
  }
}

export function namespaceOf(obj: RawObject): string | undefined {
  return (obj.metadata as { namespace?: string } | undefined)?.namespace;
}
