// Every check, specified by a case that trips it (the exact findings the audit then reports, nothing else)
// and a near miss that does not. The fixtures start from a workload that passes every check and change one
// thing, so each case shows what the check reads.
import { describe, expect, it } from "vitest";
import { SECURITY_CHECKS } from "./checks.ts";
import {
  audit,
  binding,
  container,
  cve,
  DIGEST,
  defaultDeny,
  deployment,
  lines,
  NS,
  networkPolicy,
  type Obj,
  podSpec,
  role,
  vulnerabilityReport,
} from "./test-objects.ts";

interface Case {
  check: string;
  positive: unknown[];
  expected: string[];
  negative: unknown[];
  /** Findings of other checks that the near miss still has (it cannot avoid them). */
  negativeExpected?: string[];
}

const WEB = `Deployment ${NS}/web`;
const APP = `${WEB} (container app)`;

/** A namespace with a default deny and one workload `web`. */
const web = (spec: Obj, ...more: unknown[]) => [defaultDeny(), deployment("web", spec), ...more];
/** The same, with the app container changed. */
const webWith = (patch: Obj, ...more: unknown[]) => web(podSpec({}, [container(patch)]), ...more);
const sc = (securityContext: Obj) => ({ securityContext });

const POD_SECURITY: Case[] = [
  {
    check: "pss-privileged",
    positive: webWith(sc({ privileged: true })),
    expected: [`pss-privileged | ${APP} | privileged: true`],
    negative: webWith(sc({ privileged: false })),
  },
  ...(["hostNetwork", "hostPID", "hostIPC"] as const).map((field) => ({
    check: `pss-host-${field.slice(4).toLowerCase()}`,
    positive: web(podSpec({ [field]: true })),
    expected: [`pss-host-${field.slice(4).toLowerCase()} | ${WEB} | ${field}: true`],
    negative: web(podSpec({ [field]: false })),
  })),
  {
    check: "pss-host-path",
    positive: web(podSpec({ volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }] })),
    expected: [`pss-host-path | ${WEB} | volume docker mounts host path /var/run/docker.sock`],
    negative: web(podSpec({ volumes: [{ name: "cache", emptyDir: {} }] })),
  },
  {
    check: "pss-host-ports",
    positive: webWith({ ports: [{ name: "http", containerPort: 8080, hostPort: 8080 }] }),
    expected: [`pss-host-ports | ${APP} | binds host port 8080`],
    negative: webWith({ ports: [{ name: "http", containerPort: 8080, hostPort: 0 }] }),
  },
  {
    check: "pss-capabilities-added",
    positive: webWith(
      sc({ capabilities: { drop: ["ALL"], add: ["SYS_ADMIN", "NET_BIND_SERVICE", "CAP_NET_ADMIN"] } }),
    ),
    expected: [`pss-capabilities-added | ${APP} | adds capability NET_ADMIN, SYS_ADMIN`],
    negative: webWith(sc({ capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } })),
  },
  {
    check: "pss-capabilities-add-restricted",
    positive: webWith(sc({ capabilities: { drop: ["ALL"], add: ["CHOWN", "NET_BIND_SERVICE"] } })),
    expected: [`pss-capabilities-add-restricted | ${APP} | adds capability CHOWN`],
    negative: webWith(sc({ capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } })),
  },
  {
    check: "pss-seccomp-unconfined",
    positive: web(podSpec({ securityContext: { seccompProfile: { type: "Unconfined" } } })),
    expected: [`pss-seccomp-unconfined | ${APP} | seccompProfile.type: Unconfined`],
    negative: web(
      podSpec({ securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "p.json" } } }),
    ),
  },
  {
    check: "pss-seccomp-missing",
    positive: web(podSpec({ securityContext: { seccompProfile: undefined } })),
    expected: [`pss-seccomp-missing | ${APP} | no seccompProfile on the container or the pod`],
    negative: web(
      podSpec({ securityContext: { seccompProfile: undefined } }, [
        container(sc({ seccompProfile: { type: "RuntimeDefault" } })),
      ]),
    ),
  },
  {
    check: "pss-apparmor-unconfined",
    positive: webWith(sc({ appArmorProfile: { type: "Unconfined" } })),
    expected: [`pss-apparmor-unconfined | ${APP} | AppArmor profile unconfined`],
    negative: webWith(sc({ appArmorProfile: { type: "RuntimeDefault" } })),
  },
  {
    check: "pss-selinux-options",
    positive: web(podSpec({ securityContext: { seLinuxOptions: { type: "spc_t" } } })),
    expected: [`pss-selinux-options | ${APP} | seLinuxOptions type spc_t`],
    negative: web(
      podSpec({ securityContext: { seLinuxOptions: { type: "container_t", level: "s0:c123,c456" } } }),
    ),
  },
  {
    check: "pss-proc-mount",
    positive: webWith(sc({ procMount: "Unmasked" })),
    expected: [`pss-proc-mount | ${APP} | procMount: Unmasked`],
    negative: webWith(sc({ procMount: "Default" })),
  },
  {
    check: "pss-unsafe-sysctls",
    positive: web(podSpec({ securityContext: { sysctls: [{ name: "kernel.msgmax", value: "65536" }] } })),
    expected: [`pss-unsafe-sysctls | ${WEB} | sets sysctl kernel.msgmax`],
    negative: web(
      podSpec({ securityContext: { sysctls: [{ name: "net.ipv4.tcp_syncookies", value: "1" }] } }),
    ),
  },
  {
    check: "pss-allow-privilege-escalation",
    positive: webWith(sc({ allowPrivilegeEscalation: undefined })),
    expected: [`pss-allow-privilege-escalation | ${APP} | allowPrivilegeEscalation is not false`],
    negative: webWith(sc({ allowPrivilegeEscalation: false })),
  },
  {
    check: "pss-run-as-non-root",
    positive: web(podSpec({ securityContext: { runAsNonRoot: undefined } })),
    expected: [`pss-run-as-non-root | ${APP} | runAsNonRoot is not true`],
    negative: web(
      podSpec({ securityContext: { runAsNonRoot: undefined } }, [container(sc({ runAsNonRoot: true }))]),
    ),
  },
  {
    check: "pss-run-as-root-user",
    positive: webWith(sc({ runAsUser: 0 })),
    expected: [`pss-run-as-root-user | ${APP} | runAsUser: 0`],
    negative: webWith(sc({ runAsUser: 10001 })),
  },
  {
    check: "pss-capabilities-drop-all",
    positive: webWith(sc({ capabilities: { drop: ["NET_RAW"] } })),
    expected: [`pss-capabilities-drop-all | ${APP} | capabilities.drop does not include ALL`],
    negative: webWith(sc({ capabilities: { drop: ["ALL"] } })),
  },
  {
    check: "pss-restricted-volume-types",
    positive: web(
      podSpec({ volumes: [{ name: "data", nfs: { server: "nfs.internal", path: "/exports" } }] }),
    ),
    expected: [`pss-restricted-volume-types | ${WEB} | volume data is of type nfs`],
    negative: web(podSpec({ volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] })),
  },
  {
    check: "pss-read-only-root-filesystem",
    positive: webWith(sc({ readOnlyRootFilesystem: false })),
    expected: [`pss-read-only-root-filesystem | ${APP} | readOnlyRootFilesystem is not true`],
    negative: webWith(sc({ readOnlyRootFilesystem: true })),
  },
];

const RELIABILITY: Case[] = [
  {
    check: "rel-image-tag-latest",
    positive: webWith({ image: "nginx", imagePullPolicy: "Always" }),
    expected: [`rel-image-tag-latest | ${APP} | image nginx has no tag`],
    negative: webWith({ image: `nginx:1.27.3@${DIGEST}` }),
  },
  {
    check: "rel-image-no-digest",
    positive: webWith({ image: "registry.internal:5000/acme/web:1.4.2", imagePullPolicy: "Always" }),
    expected: [`rel-image-no-digest | ${APP} | image registry.internal:5000/acme/web:1.4.2 has no digest`],
    negative: webWith({ image: `registry.internal:5000/acme/web:1.4.2@${DIGEST}` }),
  },
  {
    check: "rel-pull-policy-not-always",
    positive: webWith({ image: "ghcr.io/acme/web:1.4.2", imagePullPolicy: "IfNotPresent" }),
    expected: [
      `rel-image-no-digest | ${APP} | image ghcr.io/acme/web:1.4.2 has no digest`,
      `rel-pull-policy-not-always | ${APP} | imagePullPolicy: IfNotPresent`,
    ],
    negative: webWith({ image: `ghcr.io/acme/web:1.4.2@${DIGEST}`, imagePullPolicy: "IfNotPresent" }),
  },
  {
    check: "rel-liveness-probe-missing",
    positive: webWith({ livenessProbe: undefined }),
    expected: [`rel-liveness-probe-missing | ${APP} | no livenessProbe`],
    negative: [
      defaultDeny(),
      {
        kind: "Job",
        metadata: { namespace: NS, name: "migrate" },
        spec: { template: { spec: podSpec({}, [container({ livenessProbe: undefined })]) } },
      },
    ],
  },
  {
    check: "rel-readiness-probe-missing",
    positive: webWith({ readinessProbe: undefined }),
    expected: [`rel-readiness-probe-missing | ${APP} | no readinessProbe`],
    negative: webWith({ readinessProbe: { tcpSocket: { port: 8080 } } }),
  },
  {
    check: "rel-requests-missing",
    positive: webWith({ resources: { requests: { memory: undefined } } }),
    expected: [`rel-requests-missing | ${APP} | no memory request`],
    negative: webWith({ resources: { requests: { cpu: "1", memory: "64Mi" } } }),
  },
  {
    check: "rel-memory-limit-missing",
    positive: webWith({ resources: { limits: { memory: undefined, cpu: "1" } } }),
    expected: [`rel-memory-limit-missing | ${APP} | no memory limit`],
    negative: webWith({ resources: { limits: { memory: "1Gi" } } }),
  },
  {
    check: "rel-automount-service-account-token",
    positive: web(podSpec({ automountServiceAccountToken: undefined, serviceAccountName: "web" })),
    expected: [
      `rel-automount-service-account-token | ${WEB} | service account web token mounted automatically`,
    ],
    negative: web(podSpec({ automountServiceAccountToken: undefined, serviceAccountName: "web" }), {
      kind: "ServiceAccount",
      metadata: { namespace: NS, name: "web" },
      automountServiceAccountToken: false,
    }),
  },
];

const ciDeployer = { kind: "ServiceAccount", name: "deployer", namespace: "ci" };
const secretReader = role("ClusterRole", "secret-reader", [
  { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] },
]);

const RBAC: Case[] = [
  {
    check: "rbac-cluster-admin-binding",
    positive: web(
      podSpec(),
      binding("ClusterRoleBinding", "ci-admin", { kind: "ClusterRole", name: "cluster-admin" }, [ciDeployer]),
    ),
    expected: [
      "rbac-cluster-admin-binding | ClusterRoleBinding ci-admin | binds cluster-admin to ServiceAccount deployer",
    ],
    negative: web(
      podSpec(),
      binding(
        "ClusterRoleBinding",
        "cluster-admin",
        { kind: "ClusterRole", name: "cluster-admin" },
        [{ kind: "Group", name: "system:masters" }],
        {
          labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
        },
      ),
    ),
  },
  {
    check: "rbac-anonymous-binding",
    positive: web(
      podSpec(),
      binding("ClusterRoleBinding", "public-status", { kind: "ClusterRole", name: "status-reader" }, [
        { kind: "Group", name: "system:unauthenticated" },
      ]),
    ),
    expected: [
      "rbac-anonymous-binding | ClusterRoleBinding public-status | binds ClusterRole status-reader to system:unauthenticated",
    ],
    negative: web(
      podSpec(),
      binding("ClusterRoleBinding", "status-reader", { kind: "ClusterRole", name: "status-reader" }, [
        { kind: "Group", name: "oncall" },
      ]),
    ),
  },
  {
    check: "rbac-wildcard-verbs",
    positive: web(
      podSpec(),
      role("ClusterRole", "deployer", [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["*"] }]),
    ),
    expected: ["rbac-wildcard-verbs | ClusterRole deployer | verbs * on deployments"],
    negative: web(
      podSpec(),
      role("ClusterRole", "deployer", [
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "patch"] },
      ]),
    ),
  },
  {
    check: "rbac-wildcard-resources",
    positive: web(podSpec(), role("Role", "reader", [{ apiGroups: [""], resources: ["*"], verbs: ["get"] }])),
    expected: [`rbac-wildcard-resources | Role ${NS}/reader | resources * with verbs get`],
    negative: web(
      podSpec(),
      role("Role", "reader", [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }]),
    ),
  },
  {
    check: "rbac-pod-exec-attach",
    positive: web(
      podSpec(),
      role("Role", "debugger", [
        { apiGroups: [""], resources: ["pods/exec", "pods/attach"], verbs: ["create"] },
      ]),
    ),
    expected: [`rbac-pod-exec-attach | Role ${NS}/debugger | grants pods/exec, pods/attach`],
    negative: web(
      podSpec(),
      role("Role", "debugger", [{ apiGroups: [""], resources: ["pods/log"], verbs: ["get"] }]),
    ),
  },
  {
    check: "rbac-secrets-broad-subject",
    positive: web(
      podSpec(),
      secretReader,
      binding("ClusterRoleBinding", "all-sa-secrets", { kind: "ClusterRole", name: "secret-reader" }, [
        { kind: "Group", name: "system:serviceaccounts" },
      ]),
    ),
    expected: [
      "rbac-secrets-broad-subject | ClusterRoleBinding all-sa-secrets | ClusterRole secret-reader reads Secrets and is bound to system:serviceaccounts",
    ],
    negative: web(
      podSpec(),
      secretReader,
      binding("ClusterRoleBinding", "web-secrets", { kind: "ClusterRole", name: "secret-reader" }, [
        { kind: "ServiceAccount", name: "web", namespace: NS },
      ]),
    ),
  },
  {
    check: "rbac-default-service-account-bound",
    positive: web(
      podSpec(),
      binding("RoleBinding", "default-view", { kind: "ClusterRole", name: "view" }, [
        { kind: "ServiceAccount", name: "default", namespace: NS },
      ]),
    ),
    expected: [
      `rbac-default-service-account-bound | ServiceAccount ${NS}/default | bound to ClusterRole view by RoleBinding ${NS}/default-view`,
    ],
    negative: web(
      podSpec(),
      binding("RoleBinding", "web-view", { kind: "ClusterRole", name: "view" }, [
        { kind: "ServiceAccount", name: "web", namespace: NS },
      ]),
    ),
  },
];

const NETWORK: Case[] = [
  {
    check: "netpol-no-default-deny",
    positive: [deployment("web")],
    expected: [
      `netpol-no-default-deny | Namespace ${NS} | no NetworkPolicy: 1 workload accepts traffic from anywhere`,
    ],
    negative: [
      deployment("web"),
      networkPolicy("isolate-all", {}, { ingress: [{ from: [{ podSelector: {} }] }] }),
    ],
  },
  {
    check: "netpol-pod-unselected",
    positive: [
      deployment("web"),
      deployment("db"),
      networkPolicy("db-ingress", { matchLabels: { app: "db" } }),
    ],
    expected: [
      `netpol-no-default-deny | Namespace ${NS} | no policy selects every pod for ingress (2 workloads, 1 policy)`,
      `netpol-pod-unselected | ${WEB} | no NetworkPolicy selects its pods for ingress`,
    ],
    negative: [
      deployment("web"),
      deployment("db"),
      networkPolicy("db-ingress", { matchLabels: { app: "db" } }),
      networkPolicy("web-ingress", {
        matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }],
      }),
    ],
    negativeExpected: [
      `netpol-no-default-deny | Namespace ${NS} | no policy selects every pod for ingress (2 workloads, 2 policies)`,
    ],
  },
];

const widely = (n: number) => [
  defaultDeny(),
  ...Array.from({ length: n }, (_, i) =>
    deployment(
      `svc-${i + 1}`,
      podSpec({ volumes: [{ name: "db", secret: { secretName: "db-credentials" } }] }),
      { replicas: 1 },
    ),
  ),
];

const SECRETS: Case[] = [
  {
    check: "secrets-env-literal",
    positive: webWith({
      env: [
        { name: "DB_PASSWORD", value: "[redacted]" },
        { name: "LOG_LEVEL", value: "debug" },
      ],
    }),
    expected: [`secrets-env-literal | ${APP} | env DB_PASSWORD has a secret-looking literal value`],
    negative: webWith({
      env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }],
    }),
  },
  {
    check: "secrets-configmap-literal",
    positive: web(podSpec(), {
      kind: "ConfigMap",
      metadata: { namespace: NS, name: "web-config" },
      data: { "application.yaml": "db:\n  password: [redacted]\n", color: "blue" },
    }),
    expected: [
      `secrets-configmap-literal | ConfigMap ${NS}/web-config | key application.yaml holds a secret-looking value`,
    ],
    negative: web(podSpec(), {
      kind: "ConfigMap",
      metadata: { namespace: NS, name: "web-config" },
      data: { color: "blue" },
    }),
  },
  {
    check: "secrets-mounted-widely",
    positive: widely(4),
    expected: [
      `secrets-mounted-widely | Secret ${NS}/db-credentials | used by 4 workloads: Deployment svc-1, Deployment svc-2, Deployment svc-3, Deployment svc-4`,
    ],
    negative: widely(3),
  },
  {
    check: "secrets-ingress-no-tls",
    positive: web(podSpec(), {
      kind: "Ingress",
      metadata: { namespace: NS, name: "web" },
      spec: {
        rules: [{ host: "shop.example.com" }, { host: "api.example.com" }],
        tls: [{ hosts: ["api.example.com"], secretName: "api-tls" }],
      },
    }),
    expected: [`secrets-ingress-no-tls | Ingress ${NS}/web | serves shop.example.com without TLS`],
    negative: web(podSpec(), {
      kind: "Ingress",
      metadata: { namespace: NS, name: "web" },
      spec: {
        rules: [{ host: "shop.example.com" }],
        tls: [{ hosts: ["shop.example.com"], secretName: "shop-tls" }],
      },
    }),
  },
];

const rsOfWeb = {
  kind: "ReplicaSet",
  metadata: {
    namespace: NS,
    name: "web-7d9f8b6c5d",
    ownerReferences: [{ kind: "Deployment", name: "web", controller: true }],
  },
};

const VULNERABILITIES: Case[] = [
  {
    check: "vuln-critical",
    positive: web(
      podSpec(),
      rsOfWeb,
      vulnerabilityReport(
        { kind: "ReplicaSet", name: "web-7d9f8b6c5d" },
        { criticalCount: 1, mediumCount: 3 },
        [cve("CVE-2024-6119", "CRITICAL", "libssl3", "3.0.11-1", "3.0.14-1", 9.8)],
      ),
    ),
    expected: [
      `vuln-critical | ${APP} | 1 critical vulnerability in ghcr.io/acme/web:1.4.2, e.g. CVE-2024-6119 in libssl3 3.0.11-1 (fixed in 3.0.14-1)`,
    ],
    negative: web(
      podSpec(),
      rsOfWeb,
      vulnerabilityReport({ kind: "ReplicaSet", name: "web-7d9f8b6c5d" }, { mediumCount: 3, lowCount: 9 }),
    ),
  },
  {
    check: "vuln-high",
    positive: web(
      podSpec(),
      rsOfWeb,
      vulnerabilityReport({ kind: "ReplicaSet", name: "web-7d9f8b6c5d" }, { highCount: 2 }, [
        cve("CVE-2024-45490", "HIGH", "libexpat1", "2.5.0-1", ""),
      ]),
    ),
    expected: [
      `vuln-high | ${APP} | 2 high vulnerabilities in ghcr.io/acme/web:1.4.2, e.g. CVE-2024-45490 in libexpat1 2.5.0-1 (no fix yet)`,
    ],
    negative: web(
      podSpec(),
      rsOfWeb,
      vulnerabilityReport({ kind: "ReplicaSet", name: "web-7d9f8b6c5d" }, { lowCount: 1 }),
    ),
  },
];

const CASES = [...POD_SECURITY, ...RELIABILITY, ...RBAC, ...NETWORK, ...SECRETS, ...VULNERABILITIES];

describe("the check catalogue", () => {
  it("has at least 30 checks with unique kebab-case ids, each with its category's runbook anchor", () => {
    expect(SECURITY_CHECKS.length).toBeGreaterThanOrEqual(30);
    const ids = SECURITY_CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of SECURITY_CHECKS) {
      expect(c.id).toMatch(/^(pss|rel|rbac|netpol|secrets|vuln)-[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(c.runbook).toBe(`runbooks/security/${c.category}.md#${c.id}`);
      expect(c.title && c.why && c.fix).toBeTruthy();
    }
  });

  it("every check has a case below, and every case names a check", () => {
    expect([...new Set(CASES.map((c) => c.check))].sort()).toEqual(SECURITY_CHECKS.map((c) => c.id).sort());
  });

  it("the baseline workload passes every check", () => {
    expect(lines(audit(web(podSpec())))).toEqual([]);
  });
});

describe.each(CASES)("$check", ({ positive, expected, negative, negativeExpected }) => {
  it("reports exactly the finding on the case that trips it", () => {
    expect(lines(audit(positive))).toEqual(expected);
  });

  it("the near miss does not trip it", () => {
    expect(lines(audit(negative))).toEqual(negativeExpected ?? []);
  });
});
