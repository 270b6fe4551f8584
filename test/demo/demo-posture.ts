// What the demo cluster gives the security audit (issue 17), added by generate-snapshot.ts after everything
// plan reads, so no proposal, diagnosis or PHR of the demo changes:
//
//   RBAC      ServiceAccount kube-system/ci-deployer (the CI pipeline's) bound to cluster-admin by
//             ClusterRoleBinding ci-deployer-admin; Role todo/debug lets Group developers exec into pods
//             (pods/exec, pods/attach); Role todo/config-reader reads Secrets and is bound to todo's default
//             ServiceAccount.
//   network   no NetworkPolicy in todo; kube-system has a default-deny ingress policy.
//   secrets   ConfigMap todo/todo-chatbot-settings holds SMTP_PASSWORD as a literal (recorded "[redacted]", as
//             `kopt snapshot` writes it); Ingress todo/todo-chatbot serves todo.example.com without TLS.
//   pods      the worker container adds capability NET_ADMIN (its Deployment, ReplicaSets and Pods); postgres
//             runs image tag `latest` (pull policy Always); most todo containers have no probes, none sets
//             a securityContext beyond that.
//   images    Trivy Operator VulnerabilityReports for the backend's current ReplicaSet and for postgres.
//
// Deterministic: fixed names, uids from the object's key, timestamps relative to the capture.
import { REDACTED_VALUE } from "../../src/model/report.ts";
import { POSTURE_KIND_NAMES } from "../../src/observe/posture-input.ts";
import { hashString, type KubeObject, toIso, uuid } from "../support/snapshot-builder.ts";

const RBAC = "rbac.authorization.k8s.io/v1";
const DAY = 24 * 3600;

/** Metadata as the API server prints it for an object created `created` (unix seconds). */
function metadata(kind: string, name: string, created: number, namespace?: string, extra = {}) {
  const key = `${kind}/${namespace ?? ""}/${name}`;
  return {
    name,
    ...(namespace ? { namespace } : {}),
    uid: uuid(key),
    resourceVersion: String(100_000 + (hashString(key) % 900_000)),
    creationTimestamp: toIso(created),
    ...extra,
  };
}

function serviceAccount(namespace: string, name: string, created: number): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: metadata("ServiceAccount", name, created, namespace),
  };
}

function rbacObjects(end: number): KubeObject[] {
  const created = end - 40 * DAY;
  const roleRef = (kind: string, name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name });
  return [
    {
      apiVersion: RBAC,
      kind: "ClusterRole",
      metadata: metadata("ClusterRole", "cluster-admin", end - 120 * DAY, undefined, {
        labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
        annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
      }),
      rules: [
        { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
        { nonResourceURLs: ["*"], verbs: ["*"] },
      ],
    },
    {
      apiVersion: RBAC,
      kind: "ClusterRoleBinding",
      metadata: metadata("ClusterRoleBinding", "ci-deployer-admin", created),
      roleRef: roleRef("ClusterRole", "cluster-admin"),
      subjects: [{ kind: "ServiceAccount", name: "ci-deployer", namespace: "kube-system" }],
    },
    {
      apiVersion: RBAC,
      kind: "Role",
      metadata: metadata("Role", "config-reader", created, "todo"),
      rules: [{ apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "list", "watch"] }],
    },
    {
      apiVersion: RBAC,
      kind: "Role",
      metadata: metadata("Role", "debug", created, "todo"),
      rules: [
        { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list"] },
        { apiGroups: [""], resources: ["pods/exec", "pods/attach"], verbs: ["create"] },
      ],
    },
    {
      apiVersion: RBAC,
      kind: "RoleBinding",
      metadata: metadata("RoleBinding", "config-reader", created, "todo"),
      roleRef: roleRef("Role", "config-reader"),
      subjects: [{ kind: "ServiceAccount", name: "default", namespace: "todo" }],
    },
    {
      apiVersion: RBAC,
      kind: "RoleBinding",
      metadata: metadata("RoleBinding", "debug-developers", created, "todo"),
      roleRef: roleRef("Role", "debug"),
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "developers" }],
    },
  ];
}

function networkObjects(end: number): KubeObject[] {
  return [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: metadata("NetworkPolicy", "default-deny-ingress", end - 90 * DAY, "kube-system", {
        generation: 1,
      }),
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: metadata("Ingress", "todo-chatbot", end - 62 * DAY, "todo", { generation: 1 }),
      spec: {
        ingressClassName: "nginx",
        rules: [
          {
            host: "todo.example.com",
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: "frontend", port: { number: 8080 } } },
                },
              ],
            },
          },
        ],
      },
      status: { loadBalancer: { ingress: [{ ip: "203.0.113.10" }] } },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: metadata("ConfigMap", "todo-chatbot-settings", end - 62 * DAY, "todo"),
      data: {
        FEATURE_FLAGS: "reminders,search",
        LOG_LEVEL: "info",
        SMTP_PASSWORD: REDACTED_VALUE,
        SMTP_USER: "todo-mailer",
      },
    },
  ];
}

interface Vulnerability {
  id: string;
  severity: "CRITICAL" | "HIGH" | "MEDIUM" | "LOW" | "UNKNOWN";
  resource: string;
  installed: string;
  fixed: string;
  title: string;
  published: string;
  modified: string;
}

/** A VulnerabilityReport as Trivy Operator writes it for one container of a workload (its CRD's fields). */
function vulnerabilityReport(
  owner: KubeObject,
  container: string,
  image: { server: string; repository: string; tag: string },
  scanned: number,
  vulns: Vulnerability[],
): KubeObject {
  const kind = owner.kind;
  const ns = owner.metadata.namespace as string;
  const count = (s: Vulnerability["severity"]) => vulns.filter((v) => v.severity === s).length;
  return {
    apiVersion: "aquasecurity.github.io/v1alpha1",
    kind: "VulnerabilityReport",
    metadata: metadata(
      "VulnerabilityReport",
      `${kind.toLowerCase()}-${owner.metadata.name}-${container}`,
      scanned,
      ns,
      {
        labels: {
          "trivy-operator.container.name": container,
          "trivy-operator.resource.kind": kind,
          "trivy-operator.resource.name": owner.metadata.name,
          "trivy-operator.resource.namespace": ns,
        },
        ownerReferences: [
          {
            apiVersion: owner.apiVersion,
            kind,
            name: owner.metadata.name,
            uid: owner.metadata.uid,
            controller: true,
            blockOwnerDeletion: false,
          },
        ],
      },
    ),
    report: {
      artifact: { repository: image.repository, tag: image.tag },
      os: { family: "debian", name: "12.7" },
      registry: { server: image.server },
      scanner: { name: "Trivy", vendor: "Aqua Security", version: "0.57.1" },
      summary: {
        criticalCount: count("CRITICAL"),
        highCount: count("HIGH"),
        mediumCount: count("MEDIUM"),
        lowCount: count("LOW"),
        unknownCount: count("UNKNOWN"),
      },
      updateTimestamp: toIso(scanned),
      vulnerabilities: vulns.map((v) => ({
        vulnerabilityID: v.id,
        resource: v.resource,
        installedVersion: v.installed,
        fixedVersion: v.fixed,
        severity: v.severity,
        title: v.title,
        primaryLink: `https://avd.aquasec.com/nvd/${v.id.toLowerCase()}`,
        publishedDate: v.published,
        lastModifiedDate: v.modified,
      })),
    },
  };
}

const ZLIB: Vulnerability = {
  id: "CVE-2023-45853",
  severity: "CRITICAL",
  resource: "zlib1g",
  installed: "1:1.2.13.dfsg-1",
  fixed: "",
  title: "zlib: integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_6",
  published: "2023-10-14T02:15:09Z",
  modified: "2024-08-01T13:44:58Z",
};

const BACKEND_VULNS: Vulnerability[] = [
  ZLIB,
  {
    id: "CVE-2024-6345",
    severity: "HIGH",
    resource: "setuptools",
    installed: "65.5.1",
    fixed: "70.0.0",
    title: "pypa/setuptools: Remote code execution via download functions in the package_index module",
    published: "2024-07-15T01:15:01Z",
    modified: "2024-07-15T13:00:34Z",
  },
  {
    id: "CVE-2024-35195",
    severity: "MEDIUM",
    resource: "requests",
    installed: "2.31.0",
    fixed: "2.32.0",
    title: "requests: subsequent requests to the same host ignore cert verification",
    published: "2024-05-20T21:15:09Z",
    modified: "2024-06-10T17:16:29Z",
  },
  {
    id: "CVE-2024-2511",
    severity: "LOW",
    resource: "libssl3",
    installed: "3.0.11-1~deb12u2",
    fixed: "3.0.14-1~deb12u1",
    title: "openssl: Unbounded memory growth with session handling in TLSv1.3",
    published: "2024-04-08T14:15:07Z",
    modified: "2024-05-03T13:15:21Z",
  },
];

const POSTGRES_VULNS: Vulnerability[] = [
  ZLIB,
  {
    id: "CVE-2023-50495",
    severity: "MEDIUM",
    resource: "libtinfo6",
    installed: "6.4-4",
    fixed: "",
    title: "ncurses: segmentation fault via _nc_wrap_entry()",
    published: "2023-12-12T15:15:07Z",
    modified: "2024-01-31T03:15:08Z",
  },
];

/** The owner's spec containers: a Deployment's or ReplicaSet's template, or a Pod's own. */
function containersOf(o: KubeObject): Record<string, unknown>[] {
  const spec = o.spec as { containers?: unknown; template?: { spec?: { containers?: unknown } } } | undefined;
  const list = o.kind === "Pod" ? spec?.containers : spec?.template?.spec?.containers;
  return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
}

/**
 * The demo's posture faults in objects plan already reads, in fields plan does not read: the worker adds
 * NET_ADMIN (Deployment, ReplicaSets, Pods alike), postgres runs `:latest` with pull policy Always.
 */
export function withPostureFaults(objects: readonly KubeObject[]): void {
  for (const o of objects) {
    const ns = o.metadata.namespace;
    const name = o.metadata.name;
    if (ns !== "todo") continue;
    for (const c of containersOf(o)) {
      if (c.name === "worker" && (name === "worker" || name.startsWith("worker-")))
        c.securityContext = { capabilities: { add: ["NET_ADMIN"] } };
      if (c.name === "postgres" && (name === "postgres" || name.startsWith("postgres-"))) {
        c.image = "docker.io/library/postgres:latest";
        c.imagePullPolicy = "Always";
      }
    }
    const statuses = (o.status as { containerStatuses?: Record<string, unknown>[] } | undefined)
      ?.containerStatuses;
    for (const s of statuses ?? []) {
      if (s.name === "postgres" && o.kind === "Pod") s.image = "docker.io/library/postgres:latest";
    }
  }
}

/** The objects the audit reads beyond plan's, given what the demo built (the backend's ReplicaSets, postgres). */
export function demoPostureObjects(objects: readonly KubeObject[], end: number): KubeObject[] {
  const find = (kind: string, pred: (o: KubeObject) => boolean) => {
    const found = objects.find((o) => o.kind === kind && pred(o));
    if (!found) throw new Error(`demo-posture: no ${kind} to scan`);
    return found;
  };
  const backendRs = find(
    "ReplicaSet",
    (o) => o.metadata.name.startsWith("backend-") && ((o.spec as { replicas?: number }).replicas ?? 0) > 0,
  );
  const postgres = find("StatefulSet", (o) => o.metadata.name === "postgres");
  const scanned = end - 6 * 3600;
  const all = [
    serviceAccount("kube-system", "ci-deployer", end - 40 * DAY),
    serviceAccount("kube-system", "default", end - 120 * DAY),
    serviceAccount("todo", "default", end - 62 * DAY),
    ...rbacObjects(end),
    ...networkObjects(end),
    vulnerabilityReport(
      backendRs,
      "backend",
      { server: "ghcr.io", repository: "example/todo-chatbot-backend", tag: "2.4.0" },
      scanned,
      BACKEND_VULNS,
    ),
    vulnerabilityReport(
      postgres,
      "postgres",
      { server: "index.docker.io", repository: "library/postgres", tag: "latest" },
      scanned,
      POSTGRES_VULNS,
    ),
  ];
  // As a live read lists them: by kind (kinds.ts POSTURE_KINDS), then namespace and name.
  const rank = (o: KubeObject) => (POSTURE_KIND_NAMES as readonly string[]).indexOf(o.kind);
  const key = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  return all.sort((a, b) => rank(a) - rank(b) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
