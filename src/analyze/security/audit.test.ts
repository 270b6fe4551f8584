// The audit as a whole: which resource a finding lands on, the ranking, the week-over-week delta, what an
// unreadable kind does, the values fixes, Trivy's reports counted, and no env or ConfigMap value anywhere.
import { describe, expect, it } from "vitest";
import { resourceLabel } from "../../model/report.ts";
import { normalKind } from "./audit.ts";
import {
  audit,
  binding,
  container,
  cve,
  defaultDeny,
  deployment,
  lines,
  NS,
  type Obj,
  podSpec,
  vulnerabilityReport,
} from "./test-objects.ts";

const privileged = () => podSpec({}, [container({ securityContext: { privileged: true } })]);
const checksOn = (objects: unknown[]) =>
  audit(objects).findings.map((f) => `${f.check} ${resourceLabel(f.resource)}`);

function pod(name: string, spec: Obj, owner?: { kind: string; name: string }, ns = NS): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace: ns,
      name,
      ...(owner ? { ownerReferences: [{ ...owner, controller: true }] } : {}),
    },
    spec,
  };
}

describe("which resource a workload finding lands on", () => {
  it("a pod of a Deployment that was read is reported once, on the Deployment, and counted in its blast radius", () => {
    const rs = {
      kind: "ReplicaSet",
      metadata: {
        namespace: NS,
        name: "web-5f7c9d",
        ownerReferences: [{ kind: "Deployment", name: "web", controller: true }],
      },
      spec: { template: { spec: privileged() } },
    };
    const pods = ["a", "b", "c"].map((s) =>
      pod(`web-5f7c9d-${s}`, privileged(), { kind: "ReplicaSet", name: "web-5f7c9d" }),
    );
    const result = audit([defaultDeny(), deployment("web", privileged(), { replicas: 2 }), rs, ...pods]);
    expect(result.findings.map((f) => [f.check, resourceLabel(f.resource), f.blastRadius])).toEqual([
      ["pss-privileged", `Deployment ${NS}/web (container app)`, 3],
    ]);
  });

  it("a pod whose controller was not read stands in for it; a bare pod is its own workload", () => {
    const objects = [
      defaultDeny(),
      pod("api-6b8d4f7c9-x2x9q", privileged(), { kind: "ReplicaSet", name: "api-6b8d4f7c9" }),
      pod("nightly-29000000-k2j4m", privileged(), { kind: "Job", name: "nightly-29000000" }),
      pod("debug", privileged()),
    ];
    // Without the ReplicaSet, the pod-template-hash label names the Deployment.
    (objects[1] as { metadata: Obj }).metadata.labels = { "pod-template-hash": "6b8d4f7c9" };
    expect(checksOn(objects)).toEqual([
      `pss-privileged Deployment ${NS}/api (container app)`,
      `pss-privileged Job ${NS}/nightly-29000000 (container app)`,
      `pss-privileged Pod ${NS}/debug (container app)`,
    ]);
  });

  it("a CronJob's Job and pods are reported on the CronJob; a Deployment's ReplicaSet is not a workload of its own", () => {
    const cron = {
      kind: "CronJob",
      metadata: { namespace: NS, name: "nightly" },
      spec: { jobTemplate: { spec: { template: { spec: privileged() } } } },
    };
    const job = {
      kind: "Job",
      metadata: {
        namespace: NS,
        name: "nightly-29000000",
        ownerReferences: [{ kind: "CronJob", name: "nightly", controller: true }],
      },
      spec: { template: { spec: privileged() } },
    };
    const jobPod = pod("nightly-29000000-k2j4m", privileged(), { kind: "Job", name: "nightly-29000000" });
    expect(checksOn([defaultDeny(), cron, job, jobPod])).toEqual([
      `pss-privileged CronJob ${NS}/nightly (container app)`,
    ]);
  });

  it("leaves the system namespaces out, as Polaris exempts kube-system's components", () => {
    const proxy = deployment(
      "kube-proxy",
      podSpec({ hostNetwork: true }, [container({ securityContext: { privileged: true } })]),
      {
        ns: "kube-system",
      },
    );
    expect(
      checksOn([proxy, pod("etcd-node-a", privileged(), { kind: "Node", name: "node-a" }, "kube-system")]),
    ).toEqual([]);
  });

  it("checks init containers against the Pod Security Standards but not for probes", () => {
    const init = { name: "setup", image: "busybox:1.36", securityContext: { privileged: true } };
    const spec = podSpec({ initContainers: [init] });
    const found = audit([defaultDeny(), deployment("web", spec)]).findings.map(
      (f) => `${f.check} ${f.resource.container}`,
    );
    expect(found).toContain("pss-privileged setup");
    expect(found.filter((f) => f.startsWith("rel-liveness"))).toEqual([]);
  });
});

describe("ranking", () => {
  it("orders by severity, then blast radius (largest first), then resource", () => {
    const objects = [
      defaultDeny(),
      deployment("small", privileged(), { replicas: 1 }),
      deployment("big", privileged(), { replicas: 6 }),
      deployment("also-big", privileged(), { replicas: 6 }),
      deployment("open", podSpec({ hostPID: true }), { replicas: 20 }),
      binding("ClusterRoleBinding", "ci-admin", { kind: "ClusterRole", name: "cluster-admin" }, [
        { kind: "ServiceAccount", name: "deployer", namespace: "ci" },
      ]),
    ];
    expect(
      audit(objects).findings.map((f) => [f.severity, resourceLabel(f.resource), f.blastRadius]),
    ).toEqual([
      ["critical", `Deployment ${NS}/also-big (container app)`, 6],
      ["critical", `Deployment ${NS}/big (container app)`, 6],
      ["critical", "ClusterRoleBinding ci-admin", 1],
      ["critical", `Deployment ${NS}/small (container app)`, 1],
      ["high", `Deployment ${NS}/open`, 20],
    ]);
  });
});

describe("week over week", () => {
  const week1 = [
    defaultDeny(),
    deployment("web", privileged()),
    deployment("api", podSpec({ hostIPC: true })),
  ];
  const week2 = [
    defaultDeny(),
    deployment("web", privileged(), { replicas: 9 }),
    deployment("db", podSpec({ hostPID: true })),
  ];

  it("keys stay the same while the problem stays, whatever else changes (replicas here)", () => {
    const before = audit(week1).findings.map((f) => f.fingerprint);
    const after = audit(week2).findings.map((f) => f.fingerprint);
    expect(before).toContain(`pss-privileged:Deployment/${NS}/web/app`);
    expect(after).toContain(`pss-privileged:Deployment/${NS}/web/app`);
  });

  it("splits the findings into new, fixed and still open against last week's keys", () => {
    const previousKeys = audit(week1).findings.map((f) => f.fingerprint);
    expect(audit(week2, { previousKeys }).delta).toEqual({
      new: [`pss-host-pid:Deployment/${NS}/db/`],
      fixed: [`pss-host-ipc:Deployment/${NS}/api/`],
      stillOpen: [`pss-privileged:Deployment/${NS}/web/app`],
    });
  });

  it("has no delta without last week's record, and an empty one when nothing changed", () => {
    expect(audit(week1).delta).toBeNull();
    const keys = audit(week1).findings.map((f) => f.fingerprint);
    expect(audit(week1, { previousKeys: keys }).delta).toEqual({ new: [], fixed: [], stillOpen: keys });
  });
});

describe("what could not be read", () => {
  it("an unreadable NetworkPolicy list stops the network checks (else every namespace would look open) and says so", () => {
    const result = audit([deployment("web")], {
      unreadable: [
        { kind: "networkpolicies", reason: "403: needs list on networking.k8s.io/networkpolicies" },
      ],
    });
    expect(lines(result)).toEqual([]);
    expect(result.checks.map((c) => c.id)).not.toContain("netpol-no-default-deny");
    expect(result.notes).toEqual([
      "Could not read networkpolicies (403: needs list on networking.k8s.io/networkpolicies): netpol-no-default-deny, netpol-pod-unselected did not run.",
    ]);
  });

  it("a check with another source left runs without the unreadable one, and the note says which", () => {
    const result = audit([defaultDeny(), deployment("web")], {
      unreadable: [{ kind: "Role", reason: "403" }],
    });
    expect(result.checks.map((c) => c.id)).toContain("rbac-wildcard-verbs");
    expect(result.notes).toEqual([
      "Could not read Role (403): rbac-wildcard-verbs, rbac-wildcard-resources, rbac-pod-exec-attach ran without it.",
    ]);
  });

  it("a kind no check reads is noted as such", () => {
    expect(audit([defaultDeny()], { unreadable: [{ kind: "Secret", reason: "403" }] }).notes).toEqual([
      "Could not read Secret (403); no check depends on it.",
    ]);
  });

  it("names kinds as kubectl's resources or with their group", () => {
    expect(normalKind("vulnerabilityreports.aquasecurity.github.io")).toBe("VulnerabilityReport");
    expect(normalKind("ingresses")).toBe("Ingress");
    expect(normalKind("ClusterRoleBinding")).toBe("ClusterRoleBinding");
    expect(normalKind("widgets")).toBe("widgets");
  });
});

describe("values fixes", () => {
  it("a one-container workload gets helm-create keys for what its values express", () => {
    const spec = podSpec({ securityContext: { runAsNonRoot: undefined, seccompProfile: undefined } }, [
      container({
        livenessProbe: undefined,
        securityContext: { allowPrivilegeEscalation: undefined, capabilities: { drop: [] } },
      }),
    ]);
    const fixes = audit([defaultDeny(), deployment("web", spec)]).findings.map((f) => [f.check, f.valuesFix]);
    expect(fixes).toEqual([
      [
        "pss-allow-privilege-escalation",
        [{ path: "securityContext.allowPrivilegeEscalation", value: false }],
      ],
      ["pss-capabilities-drop-all", [{ path: "securityContext.capabilities.drop", value: ["ALL"] }]],
      ["pss-run-as-non-root", [{ path: "podSecurityContext.runAsNonRoot", value: true }]],
      ["pss-seccomp-missing", [{ path: "podSecurityContext.seccompProfile.type", value: "RuntimeDefault" }]],
      [
        "rel-liveness-probe-missing",
        [{ path: "livenessProbe", value: { httpGet: { path: "/", port: "http" } } }],
      ],
    ]);
  });

  it("no fix where the chart's values cannot say it: two containers, a probe without a port named http, a read-only root", () => {
    const sidecar = container({ name: "proxy", ports: [{ name: "admin", containerPort: 15000 }] });
    const two = podSpec({}, [container({ securityContext: { privileged: true } }), sidecar]);
    const noHttp = podSpec({}, [
      container({ readinessProbe: undefined, ports: [{ name: "grpc", containerPort: 9000 }] }),
    ]);
    const writable = podSpec({}, [container({ securityContext: { readOnlyRootFilesystem: false } })]);
    const objects = [
      defaultDeny(),
      deployment("two", two),
      deployment("grpc", noHttp),
      deployment("rw", writable),
    ];
    const found = audit(objects).findings;
    expect(found.map((f) => [f.check, f.resource.name, f.valuesFix])).toEqual([
      ["pss-privileged", "two", undefined],
      ["rel-readiness-probe-missing", "grpc", undefined],
      ["pss-read-only-root-filesystem", "rw", undefined],
    ]);
  });
});

describe("vulnerabilities", () => {
  const rs = (name: string) => ({
    kind: "ReplicaSet",
    metadata: {
      namespace: NS,
      name,
      ownerReferences: [{ kind: "Deployment", name: "web", controller: true }],
    },
  });

  it("counts each workload's newest report, the most severe and fixable CVEs first, at most five", () => {
    const vulns = [
      cve("CVE-2024-0004", "HIGH", "curl", "7.88.1", "", 8.8),
      cve("CVE-2024-0003", "HIGH", "curl", "7.88.1", "8.5.0", 7.5),
      cve("CVE-2024-0001", "CRITICAL", "zlib1g", "1.2.13", "", 9.8),
      cve("CVE-2024-0002", "CRITICAL", "libssl3", "3.0.11", "3.0.14", 9.1),
      cve("CVE-2024-0002", "CRITICAL", "libssl3", "3.0.11", "3.0.14", 9.1),
      cve("CVE-2024-0005", "MEDIUM", "bash", "5.2", "5.2.15", 5.0),
      cve("CVE-2024-0006", "LOW", "tar", "1.34", "", 3.1),
    ];
    const old = vulnerabilityReport(
      { kind: "ReplicaSet", name: "web-7d9f8b6c5d" },
      { criticalCount: 9 },
      [],
      {
        report: { updateTimestamp: "2026-11-20T00:00:00Z" },
      },
    );
    const current = vulnerabilityReport(
      { kind: "ReplicaSet", name: "web-5f7c9d8b4" },
      { criticalCount: 2, highCount: 2, mediumCount: 1, lowCount: 1 },
      vulns,
    );
    const result = audit([
      defaultDeny(),
      deployment("web"),
      rs("web-7d9f8b6c5d"),
      rs("web-5f7c9d8b4"),
      old,
      current,
    ]);
    expect(result.vulnerabilities.available).toBe(true);
    expect(result.vulnerabilities.workloads).toEqual([
      {
        workload: { kind: "Deployment", namespace: NS, name: "web", container: "app" },
        image: "ghcr.io/acme/web:1.4.2",
        counts: { critical: 2, high: 2, medium: 1, low: 1, unknown: 0 },
        top: [
          {
            id: "CVE-2024-0002",
            severity: "critical",
            resource: "libssl3",
            installed: "3.0.11",
            fixed: "3.0.14",
            title: "libssl3: CVE-2024-0002",
          },
          {
            id: "CVE-2024-0001",
            severity: "critical",
            resource: "zlib1g",
            installed: "1.2.13",
            fixed: null,
            title: "zlib1g: CVE-2024-0001",
          },
          {
            id: "CVE-2024-0003",
            severity: "high",
            resource: "curl",
            installed: "7.88.1",
            fixed: "8.5.0",
            title: "curl: CVE-2024-0003",
          },
          {
            id: "CVE-2024-0004",
            severity: "high",
            resource: "curl",
            installed: "7.88.1",
            fixed: null,
            title: "curl: CVE-2024-0004",
          },
          {
            id: "CVE-2024-0005",
            severity: "medium",
            resource: "bash",
            installed: "5.2",
            fixed: "5.2.15",
            title: "bash: CVE-2024-0005",
          },
        ],
      },
    ]);
    expect(lines(result)).toEqual([
      `vuln-critical | Deployment ${NS}/web (container app) | 2 critical vulnerabilities in ghcr.io/acme/web:1.4.2, e.g. CVE-2024-0002 in libssl3 3.0.11 (fixed in 3.0.14)`,
      `vuln-high | Deployment ${NS}/web (container app) | 2 high vulnerabilities in ghcr.io/acme/web:1.4.2, e.g. CVE-2024-0003 in curl 7.88.1 (fixed in 8.5.0)`,
    ]);
  });

  it("without reports says Trivy Operator is missing and how to install it; an unreadable kind says why", () => {
    const none = audit([defaultDeny(), deployment("web")]).vulnerabilities;
    expect(none).toMatchObject({ available: false, workloads: [] });
    expect(none.note).toMatch(
      /^No VulnerabilityReport objects found: .*helm install trivy-operator aqua\/trivy-operator/,
    );
    const unread = audit([defaultDeny()], {
      unreadable: [
        {
          kind: "VulnerabilityReport",
          reason: "the CRD vulnerabilityreports.aquasecurity.github.io is not installed",
        },
      ],
    });
    expect(unread.vulnerabilities.note).toMatch(
      /^VulnerabilityReports could not be read \(the CRD .* is not installed\): install Trivy Operator/,
    );
    expect(unread.checks.map((c) => c.id).filter((id) => id.startsWith("vuln-"))).toEqual([]);
  });
});

describe("secrets never reach the audit", () => {
  it("reports the key and the resource, and the audit's JSON holds no env or ConfigMap value, secret or not", () => {
    // The edge redacts secret-looking values; these planted values are the ones it let through (not secret-looking
    // to it) and the ones a bug might: none may appear in the audit whatever the checks do with the objects.
    const planted = [
      "hunter2-PLANTED-7c1e",
      "debug-PLANTED-LEVEL",
      "PLANTED-blue-3f9a",
      "PLANTED-cm-inline-91",
    ];
    const env = [
      { name: "DB_PASSWORD", value: "[redacted]" },
      { name: "API_TOKEN", value: planted[0] },
      { name: "LOG_LEVEL", value: planted[1] },
    ];
    const cm = {
      kind: "ConfigMap",
      metadata: { namespace: NS, name: "web-config" },
      data: { "application.yaml": `db:\n  password: [redacted]\n  note: ${planted[3]}\n`, color: planted[2] },
    };
    const spec = podSpec({}, [container({ env, envFrom: [{ configMapRef: { name: "web-config" } }] })]);
    const result = audit([defaultDeny(), deployment("web", spec), cm]);
    expect(lines(result)).toEqual([
      `secrets-configmap-literal | ConfigMap ${NS}/web-config | key application.yaml holds a secret-looking value`,
      `secrets-env-literal | Deployment ${NS}/web (container app) | env DB_PASSWORD has a secret-looking literal value`,
    ]);
    const json = JSON.stringify(result);
    for (const value of planted) expect(json).not.toContain(value);
    expect(json).not.toContain("[redacted]");
  });
});
