// The resource types the simulator serves, described the way the API server's discovery documents
// describe them, plus what the handlers need: field selectors, validation, update policy.
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2/HelmRelease";
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ReplicaSet } from "kubernetes-models/apps/v1/ReplicaSet";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Lease } from "kubernetes-models/coordination.k8s.io/v1/Lease";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Event } from "kubernetes-models/v1/Event";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Node } from "kubernetes-models/v1/Node";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Pod } from "kubernetes-models/v1/Pod";
import { Secret } from "kubernetes-models/v1/Secret";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";

export type KubeObject = Record<string, unknown> & { metadata: Record<string, unknown> };

/** Reads a field label's value from an object; undefined when the field is absent. */
type FieldGetter = (obj: KubeObject) => string | undefined;

export interface ResourceType {
  group: string;
  version: string;
  /** Plural, as in URLs and RBAC rules. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  /** Subresources listed in discovery; only `status`, `pods/log` and `pods/eviction` are served. */
  subresources: { name: string; kind: string; verbs: string[] }[];
  /** Field labels the real server accepts in fieldSelector, beyond metadata.name and metadata.namespace. */
  fields: Record<string, FieldGetter>;
  /** Throws with the schema error when the object does not conform. */
  validate?: (obj: KubeObject) => void;
  /** PUT without metadata.resourceVersion is refused (Lease). */
  requireResourceVersionOnUpdate: boolean;
  /** PUT to a missing name creates it (Lease). */
  createOnUpdate: boolean;
  /** DELETE answers with the object (Pod, Namespace) rather than a Success Status. */
  returnDeletedObject: boolean;
  /** metadata.generation is tracked and bumped on spec changes. */
  generation: boolean;
  /** Served only when metrics are on. */
  metrics?: boolean;
  /** A custom resource of an operator that may not be installed: served only when its CRD is (KubeSimOptions.crds). */
  crd?: "trivy-operator";
}

export function apiVersionOf(rt: Pick<ResourceType, "group" | "version">): string {
  return rt.group === "" ? rt.version : `${rt.group}/${rt.version}`;
}

/** The group-qualified resource as the API server prints it in messages: "pods", "deployments.apps". */
export function qualifiedResource(rt: Pick<ResourceType, "group" | "resource">): string {
  return rt.group === "" ? rt.resource : `${rt.resource}.${rt.group}`;
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function path(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function field(...keys: string[]): FieldGetter {
  return (obj) => {
    const v = path(obj, ...keys);
    return v === undefined || v === null ? undefined : String(v);
  };
}

/** Field labels the real server fills with "" when absent (it converts the typed object's zero values). */
function fieldOrEmpty(...keys: string[]): FieldGetter {
  const get = field(...keys);
  return (obj) => get(obj) ?? "";
}

function validator(Model: new (data: never) => { validate(): void }): (obj: KubeObject) => void {
  return (obj) => new Model(obj as never).validate();
}

function rt(
  r: Omit<
    ResourceType,
    | "listKind"
    | "verbs"
    | "subresources"
    | "fields"
    | "requireResourceVersionOnUpdate"
    | "createOnUpdate"
    | "returnDeletedObject"
    | "generation"
  > &
    Partial<ResourceType>,
): ResourceType {
  return {
    listKind: `${r.kind}List`,
    verbs: ALL_VERBS,
    subresources: [],
    fields: {},
    requireResourceVersionOnUpdate: false,
    createOnUpdate: false,
    returnDeletedObject: false,
    generation: false,
    ...r,
  };
}

const status = (kind: string) => ({ name: "status", kind, verbs: ["get", "patch", "update"] });

export const RESOURCE_TYPES: ResourceType[] = [
  rt({
    group: "",
    version: "v1",
    resource: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    shortNames: ["ev"],
    validate: validator(Event),
    fields: {
      "involvedObject.kind": fieldOrEmpty("involvedObject", "kind"),
      "involvedObject.namespace": fieldOrEmpty("involvedObject", "namespace"),
      "involvedObject.name": fieldOrEmpty("involvedObject", "name"),
      "involvedObject.uid": fieldOrEmpty("involvedObject", "uid"),
      "involvedObject.apiVersion": fieldOrEmpty("involvedObject", "apiVersion"),
      "involvedObject.resourceVersion": fieldOrEmpty("involvedObject", "resourceVersion"),
      "involvedObject.fieldPath": fieldOrEmpty("involvedObject", "fieldPath"),
      reason: fieldOrEmpty("reason"),
      reportingComponent: fieldOrEmpty("reportingComponent"),
      source: fieldOrEmpty("source", "component"),
      type: fieldOrEmpty("type"),
    },
  }),
  rt({
    group: "",
    version: "v1",
    resource: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    namespaced: false,
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    shortNames: ["ns"],
    subresources: [{ name: "finalize", kind: "Namespace", verbs: ["update"] }, status("Namespace")],
    fields: { "status.phase": fieldOrEmpty("status", "phase") },
    validate: validator(Namespace),
    returnDeletedObject: true,
  }),
  rt({
    group: "",
    version: "v1",
    resource: "nodes",
    singular: "node",
    kind: "Node",
    namespaced: false,
    shortNames: ["no"],
    subresources: [status("Node")],
    fields: { "spec.unschedulable": (o) => String(path(o, "spec", "unschedulable") === true) },
    validate: validator(Node),
  }),
  rt({
    group: "",
    version: "v1",
    resource: "pods",
    singular: "pod",
    kind: "Pod",
    namespaced: true,
    shortNames: ["po"],
    categories: ["all"],
    subresources: [
      { name: "log", kind: "Pod", verbs: ["get"] },
      { name: "eviction", kind: "Eviction", verbs: ["create"] },
      status("Pod"),
    ],
    fields: {
      "spec.nodeName": fieldOrEmpty("spec", "nodeName"),
      "spec.restartPolicy": fieldOrEmpty("spec", "restartPolicy"),
      "spec.schedulerName": fieldOrEmpty("spec", "schedulerName"),
      "spec.serviceAccountName": fieldOrEmpty("spec", "serviceAccountName"),
      "spec.hostNetwork": (o) => String(path(o, "spec", "hostNetwork") === true),
      "status.phase": fieldOrEmpty("status", "phase"),
      "status.podIP": fieldOrEmpty("status", "podIP"),
      "status.nominatedNodeName": fieldOrEmpty("status", "nominatedNodeName"),
    },
    validate: validator(Pod),
    returnDeletedObject: true,
  }),
  rt({
    group: "apps",
    version: "v1",
    resource: "daemonsets",
    singular: "daemonset",
    kind: "DaemonSet",
    namespaced: true,
    shortNames: ["ds"],
    categories: ["all"],
    subresources: [status("DaemonSet")],
    validate: validator(DaemonSet),
    generation: true,
  }),
  rt({
    group: "apps",
    version: "v1",
    resource: "deployments",
    singular: "deployment",
    kind: "Deployment",
    namespaced: true,
    shortNames: ["deploy"],
    categories: ["all"],
    subresources: [status("Deployment")],
    validate: validator(Deployment),
    generation: true,
  }),
  rt({
    group: "apps",
    version: "v1",
    resource: "replicasets",
    singular: "replicaset",
    kind: "ReplicaSet",
    namespaced: true,
    shortNames: ["rs"],
    categories: ["all"],
    subresources: [status("ReplicaSet")],
    fields: { "status.replicas": (o) => String(path(o, "status", "replicas") ?? 0) },
    validate: validator(ReplicaSet),
    generation: true,
  }),
  rt({
    group: "apps",
    version: "v1",
    resource: "statefulsets",
    singular: "statefulset",
    kind: "StatefulSet",
    namespaced: true,
    shortNames: ["sts"],
    categories: ["all"],
    subresources: [status("StatefulSet")],
    validate: validator(StatefulSet),
    generation: true,
  }),
  rt({
    group: "autoscaling",
    version: "v2",
    resource: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler",
    kind: "HorizontalPodAutoscaler",
    namespaced: true,
    shortNames: ["hpa"],
    categories: ["all"],
    subresources: [status("HorizontalPodAutoscaler")],
    validate: validator(HorizontalPodAutoscaler),
  }),
  rt({
    group: "batch",
    version: "v1",
    resource: "jobs",
    singular: "job",
    kind: "Job",
    namespaced: true,
    categories: ["all"],
    subresources: [status("Job")],
    validate: validator(Job),
    generation: true,
  }),
  rt({
    group: "batch",
    version: "v1",
    resource: "cronjobs",
    singular: "cronjob",
    kind: "CronJob",
    namespaced: true,
    shortNames: ["cj"],
    categories: ["all"],
    subresources: [status("CronJob")],
    validate: validator(CronJob),
    generation: true,
  }),
  rt({
    group: "",
    version: "v1",
    resource: "configmaps",
    singular: "configmap",
    kind: "ConfigMap",
    namespaced: true,
    shortNames: ["cm"],
    validate: validator(ConfigMap),
  }),
  rt({
    group: "",
    version: "v1",
    resource: "persistentvolumeclaims",
    singular: "persistentvolumeclaim",
    kind: "PersistentVolumeClaim",
    namespaced: true,
    shortNames: ["pvc"],
    subresources: [status("PersistentVolumeClaim")],
    validate: validator(PersistentVolumeClaim),
  }),
  rt({
    group: "policy",
    version: "v1",
    resource: "poddisruptionbudgets",
    singular: "poddisruptionbudget",
    kind: "PodDisruptionBudget",
    namespaced: true,
    shortNames: ["pdb"],
    subresources: [status("PodDisruptionBudget")],
    validate: validator(PodDisruptionBudget),
  }),
  rt({
    group: "coordination.k8s.io",
    version: "v1",
    resource: "leases",
    singular: "lease",
    kind: "Lease",
    namespaced: true,
    validate: validator(Lease),
    requireResourceVersionOnUpdate: true,
    createOnUpdate: true,
  }),
  // GitOps custom resources, validated against their CRDs' schemas (status included). Argo CD's CRD declares
  // no status subresource (its controller writes status with the object); Flux's CRDs do.
  rt({
    group: "argoproj.io",
    version: "v1alpha1",
    resource: "applications",
    singular: "application",
    kind: "Application",
    namespaced: true,
    shortNames: ["app", "apps"],
    validate: validator(Application),
    generation: true,
  }),
  rt({
    group: "kustomize.toolkit.fluxcd.io",
    version: "v1",
    resource: "kustomizations",
    singular: "kustomization",
    kind: "Kustomization",
    namespaced: true,
    shortNames: ["ks"],
    subresources: [status("Kustomization")],
    validate: validator(Kustomization),
    generation: true,
  }),
  rt({
    group: "helm.toolkit.fluxcd.io",
    version: "v2",
    resource: "helmreleases",
    singular: "helmrelease",
    kind: "HelmRelease",
    namespaced: true,
    shortNames: ["hr"],
    subresources: [status("HelmRelease")],
    validate: validator(HelmRelease),
    generation: true,
  }),
  rt({
    group: "",
    version: "v1",
    resource: "serviceaccounts",
    singular: "serviceaccount",
    kind: "ServiceAccount",
    namespaced: true,
    shortNames: ["sa"],
    subresources: [{ name: "token", kind: "TokenRequest", verbs: ["create"] }],
    validate: validator(ServiceAccount),
  }),
  rt({
    group: "",
    version: "v1",
    resource: "secrets",
    singular: "secret",
    kind: "Secret",
    namespaced: true,
    fields: { type: fieldOrEmpty("type") },
    validate: validator(Secret),
  }),
  rt({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "roles",
    singular: "role",
    kind: "Role",
    namespaced: true,
    validate: validator(Role),
  }),
  rt({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "rolebindings",
    singular: "rolebinding",
    kind: "RoleBinding",
    namespaced: true,
    validate: validator(RoleBinding),
  }),
  rt({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterroles",
    singular: "clusterrole",
    kind: "ClusterRole",
    namespaced: false,
    validate: validator(ClusterRole),
  }),
  rt({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    resource: "clusterrolebindings",
    singular: "clusterrolebinding",
    kind: "ClusterRoleBinding",
    namespaced: false,
    validate: validator(ClusterRoleBinding),
  }),
  rt({
    group: "networking.k8s.io",
    version: "v1",
    resource: "networkpolicies",
    singular: "networkpolicy",
    kind: "NetworkPolicy",
    namespaced: true,
    shortNames: ["netpol"],
    validate: validator(NetworkPolicy),
    generation: true,
  }),
  rt({
    group: "networking.k8s.io",
    version: "v1",
    resource: "ingresses",
    singular: "ingress",
    kind: "Ingress",
    namespaced: true,
    shortNames: ["ing"],
    subresources: [status("Ingress")],
    validate: validator(Ingress),
    generation: true,
  }),
  // Trivy Operator's scan results, validated against the required fields of its CRD
  // (deploy/helm/crds/aquasecurity.github.io_vulnerabilityreports.yaml): served only when it is installed.
  rt({
    group: "aquasecurity.github.io",
    version: "v1alpha1",
    resource: "vulnerabilityreports",
    singular: "vulnerabilityreport",
    kind: "VulnerabilityReport",
    namespaced: true,
    shortNames: ["vuln", "vulns"],
    validate: validateVulnerabilityReport,
    crd: "trivy-operator",
  }),
  rt({
    group: "metrics.k8s.io",
    version: "v1beta1",
    resource: "nodes",
    singular: "",
    kind: "NodeMetrics",
    namespaced: false,
    verbs: ["get", "list"],
    validate: validateMetrics,
    metrics: true,
  }),
  rt({
    group: "metrics.k8s.io",
    version: "v1beta1",
    resource: "pods",
    singular: "",
    kind: "PodMetrics",
    namespaced: true,
    verbs: ["get", "list"],
    validate: validateMetrics,
    metrics: true,
  }),
];

const REPORT_REQUIRED = ["artifact", "os", "scanner", "summary", "updateTimestamp", "vulnerabilities"];
const SUMMARY_REQUIRED = ["criticalCount", "highCount", "lowCount", "mediumCount", "unknownCount"];
const VULNERABILITY_REQUIRED = [
  "fixedVersion",
  "installedVersion",
  "lastModifiedDate",
  "publishedDate",
  "resource",
  "severity",
  "title",
  "vulnerabilityID",
];
const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

/** kubernetes-models has no Trivy Operator types: the CRD's required fields and the severity enum. */
function validateVulnerabilityReport(obj: KubeObject): void {
  const problems: string[] = [];
  const report = path(obj, "report") as Record<string, unknown> | undefined;
  if (report === null || typeof report !== "object")
    throw new Error("data must have required property report");
  for (const k of REPORT_REQUIRED)
    if (report[k] === undefined) problems.push(`data/report must have required property ${k}`);
  for (const k of SUMMARY_REQUIRED)
    if (!Number.isInteger(path(report, "summary", k)))
      problems.push(`data/report/summary/${k} must be integer`);
  const vulns = Array.isArray(report.vulnerabilities) ? report.vulnerabilities : [];
  vulns.forEach((v: unknown, i) => {
    for (const k of VULNERABILITY_REQUIRED)
      if (typeof path(v, k) !== "string")
        problems.push(`data/report/vulnerabilities/${i}/${k} must be string`);
    if (!SEVERITIES.includes(String(path(v, "severity"))))
      problems.push(`data/report/vulnerabilities/${i}/severity must be one of ${SEVERITIES.join(", ")}`);
  });
  if (problems.length > 0) throw new Error(problems.join(", "));
}

/** kubernetes-models has no metrics.k8s.io types: check the shape metrics-server serves. */
function validateMetrics(obj: KubeObject): void {
  const problems: string[] = [];
  if (typeof obj.timestamp !== "string") problems.push("data/timestamp must be string");
  if (typeof obj.window !== "string") problems.push("data/window must be string");
  const usage = (u: unknown, at: string) => {
    if (u === null || typeof u !== "object") problems.push(`${at} must be object`);
    else
      for (const [k, v] of Object.entries(u))
        if (typeof v !== "string") problems.push(`${at}/${k} must be a quantity string`);
  };
  if (obj.kind === "PodMetrics") {
    if (!Array.isArray(obj.containers)) problems.push("data/containers must be array");
    else
      obj.containers.forEach((c: unknown, i) => {
        if (typeof path(c, "name") !== "string") problems.push(`data/containers/${i} must have name`);
        usage(path(c, "usage"), `data/containers/${i}/usage`);
      });
  } else {
    usage(obj.usage, "data/usage");
  }
  if (problems.length > 0) throw new Error(problems.join(", "));
}

export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.kind === kind && apiVersionOf(r) === apiVersion);
}

export function findByResource(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** Looks a type up by Kind ("Pod"), plural ("pods") or "kind.group" ("deployments.apps"); for sim.remove(). */
export function findLoosely(kind: string): ResourceType | undefined {
  const k = kind.toLowerCase();
  const candidates = RESOURCE_TYPES.filter((r) => !r.metrics);
  return (
    candidates.find((r) => r.kind === kind) ??
    candidates.find(
      (r) =>
        r.kind.toLowerCase() === k ||
        r.resource === k ||
        r.singular === k ||
        qualifiedResource(r) === k ||
        (r.shortNames ?? []).includes(k),
    )
  );
}
