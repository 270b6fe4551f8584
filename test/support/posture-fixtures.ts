// What the security audit reads, as a cluster holds it, with secrets planted where real clusters keep them:
// a Secret's values (and kubectl's last-applied-configuration repeating them), a ConfigMap key named for a
// password, a ConfigMap value holding a GitHub token, and an env value of the same shape. For tests that no
// read, snapshot or audit input ever holds one. Objects are valid for the Kubernetes API simulator.

/** A Secret's value (served base64-encoded, as the API does), repeated in its last-applied-configuration. */
export const SECRET_VALUE = "planted-secret-value-8e41c07d";
/** A ConfigMap value under a key that says password. */
export const CONFIGMAP_SECRET = "planted-cm-passw0rd-3a9f15";
/** A credential by its shape (a GitHub token), under a key that says nothing. */
export const TOKEN_SHAPED = "ghp_PlantedTokenValue0123456789abcdefAB";

/** Every planted value, and the base64 forms Secrets' values travel in. */
export const PLANTED = [
  SECRET_VALUE,
  Buffer.from(SECRET_VALUE).toString("base64"),
  Buffer.from(`H4sI-release-${SECRET_VALUE}`).toString("base64"),
  CONFIGMAP_SECRET,
  TOKEN_SHAPED,
];

const b64 = (s: string) => Buffer.from(s).toString("base64");
const RBAC = "rbac.authorization.k8s.io/v1";

/** A Trivy Operator VulnerabilityReport of one container of a ReplicaSet (its CRD's required fields). */
export function vulnerabilityReport(namespace: string, replicaSet: string, container: string) {
  return {
    apiVersion: "aquasecurity.github.io/v1alpha1",
    kind: "VulnerabilityReport",
    metadata: {
      name: `replicaset-${replicaSet}-${container}`,
      namespace,
      labels: {
        "trivy-operator.resource.kind": "ReplicaSet",
        "trivy-operator.resource.name": replicaSet,
        "trivy-operator.resource.namespace": namespace,
        "trivy-operator.container.name": container,
      },
    },
    report: {
      artifact: { repository: "example/shop-api", tag: "1.0.0" },
      os: { family: "debian", name: "12.7" },
      registry: { server: "ghcr.io" },
      scanner: { name: "Trivy", vendor: "Aqua Security", version: "0.57.1" },
      summary: { criticalCount: 1, highCount: 0, mediumCount: 0, lowCount: 0, unknownCount: 0 },
      updateTimestamp: "2026-11-20T06:00:00Z",
      vulnerabilities: [
        {
          vulnerabilityID: "CVE-2023-45853",
          resource: "zlib1g",
          installedVersion: "1:1.2.13.dfsg-1",
          fixedVersion: "",
          severity: "CRITICAL",
          title: "zlib: integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_6",
          publishedDate: "2023-10-14T02:15:09Z",
          lastModifiedDate: "2024-08-01T13:44:58Z",
        },
      ],
    },
  };
}

/** One of each kind the audit reads, in namespace `ns`, secrets planted. */
export function postureObjects(ns = "shop"): Record<string, unknown>[] {
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: ns },
    type: "Opaque",
    data: { password: b64(SECRET_VALUE), username: b64("shop") },
  };
  // A Helm release record: kopt does not even fetch these (a field selector leaves them out).
  const release = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "sh.helm.release.v1.shop.v1", namespace: ns, labels: { owner: "helm", name: "shop" } },
    type: "helm.sh/release.v1",
    data: { release: b64(`H4sI-release-${SECRET_VALUE}`) },
  };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "ci", namespace: ns } },
    {
      ...secret,
      metadata: {
        ...secret.metadata,
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(secret) },
      },
    },
    release,
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings", namespace: ns },
      data: {
        DB_PASSWORD: CONFIGMAP_SECRET,
        "notify.conf": `url=https://hooks.example.com\ngithub=${TOKEN_SHAPED}\n`,
        LOG_LEVEL: "info",
      },
      binaryData: { "logo.png": b64("\u0089PNG planted bytes") },
    },
    {
      apiVersion: RBAC,
      kind: "Role",
      metadata: { name: "debug", namespace: ns },
      rules: [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }],
    },
    {
      apiVersion: RBAC,
      kind: "RoleBinding",
      metadata: { name: "debug", namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "debug" },
      subjects: [{ kind: "ServiceAccount", name: "default", namespace: ns }],
    },
    {
      apiVersion: RBAC,
      kind: "ClusterRole",
      metadata: { name: "cluster-admin" },
      rules: [
        { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
        { nonResourceURLs: ["*"], verbs: ["*"] },
      ],
    },
    {
      apiVersion: RBAC,
      kind: "ClusterRoleBinding",
      metadata: { name: "ci-admin" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: "ci", namespace: ns }],
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny-ingress", namespace: ns },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "web", namespace: ns },
      spec: {
        rules: [
          {
            host: "shop.example.com",
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: "web", port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
    vulnerabilityReport(ns, "api-5d8f7c9b6", "api"),
  ];
}
