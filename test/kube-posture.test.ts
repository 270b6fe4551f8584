// Reading what the security audit needs (issue 17) from a live cluster through client-node and the
// Kubernetes API simulator: every kind under the kopt-agent chart's rules, Secrets without values and
// ConfigMaps redacted as they are read, a 403 on one kind a warning naming the rule while the rest is read, a
// missing Trivy Operator CRD a note; and `kopt snapshot` and the audit's input holding none of the planted
// secrets.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import type { ClusterSnapshot } from "../src/formats/snapshot.ts";
import { REDACTED_VALUE } from "../src/model/report.ts";
import { KOPT_RBAC_RULES, type PolicyRule } from "../src/observe/kube/rbac.ts";
import { readCluster } from "../src/observe/kube/read-cluster.ts";
import { POSTURE_KIND_NAMES, postureInputOf } from "../src/observe/posture-input.ts";
import { loadSnapshot } from "../src/observe/snapshot.ts";
import { type KubeSim, type KubeSimOptions, startKubeSim } from "./support/kube-sim/index.ts";
import { PLANTED, postureObjects } from "./support/posture-fixtures.ts";
import { demoRepo, git, kopt, PROJECT_ROOT, type TempRepo } from "./support/repo.ts";

type Raw = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: raw Kubernetes JSON in assertions
type Any = any;

const DEMO: ClusterSnapshot = JSON.parse(
  gunzipSync(readFileSync(join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"))).toString("utf8"),
);
const AUDIT_KINDS = new Set<string>(POSTURE_KIND_NAMES);

/** The demo's workloads (none of its own audit objects) plus namespace shop holding one of each audit kind. */
function objects(withReports = true): Raw[] {
  const demo = (structuredClone(DEMO.objects.items) as Raw[]).filter((o) => !AUDIT_KINDS.has(String(o.kind)));
  const shop = { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } };
  const posture = postureObjects("shop").filter((o) => withReports || o.kind !== "VulnerabilityReport");
  return [...demo, shop, ...posture];
}

const sims: KubeSim[] = [];
const temps: string[] = [];
const repos: TempRepo[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.stop();
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
  for (const r of repos.splice(0)) r.cleanup();
});

async function sim(opts: Partial<KubeSimOptions> = {}): Promise<{ sim: KubeSim; kubeconfig: string }> {
  const s = await startKubeSim({ objects: objects(), rbac: [...KOPT_RBAC_RULES], ...opts });
  sims.push(s);
  const dir = mkdtempSync(join(tmpdir(), "kopt-posture-"));
  temps.push(dir);
  return { sim: s, kubeconfig: s.writeKubeconfig(dir) };
}

/** KOPT_RBAC_RULES without one resource of one API group. */
function rulesWithout(apiGroup: string, resource: string): PolicyRule[] {
  return KOPT_RBAC_RULES.flatMap((r) => {
    if (!r.apiGroups.includes(apiGroup) || !r.resources.includes(resource)) return [structuredClone(r)];
    const others = r.resources.filter((x) => x !== resource);
    return others.length > 0 ? [{ ...r, resources: others }] : [];
  });
}

const byKind = (items: readonly Raw[], kind: string) => items.filter((o) => o.kind === kind) as Any[];

/** The read's warnings about the audit's kinds (the demo's pods also draw ones about metrics and logs). */
const auditWarnings = (read: { warnings: string[] }) =>
  read.warnings.filter((w) => w.includes("unavailable to the security audit"));

function expectNoPlanted(text: string): void {
  for (const secret of PLANTED) expect(text).not.toContain(secret);
}

describe("reading what the security audit needs from a live cluster", () => {
  it("lists every audit kind under the chart's rules: Secrets with key names only, ConfigMaps redacted", async () => {
    const { sim: s, kubeconfig } = await sim();
    const read = await readCluster({ kubeconfig, posture: true });
    expect(auditWarnings(read)).toEqual([]);
    expect(read.notes).toEqual([]);
    expect(read.unreadable).toEqual([]);
    for (const kind of POSTURE_KIND_NAMES) expect(byKind(read.items, kind), kind).toHaveLength(1);
    // The audit's kinds come after everything plan reads, in POSTURE_KIND_NAMES' order.
    const kinds = read.items.map((o) => String(o.kind));
    expect(kinds.slice(-POSTURE_KIND_NAMES.length)).toEqual([...POSTURE_KIND_NAMES]);

    const [secret] = byKind(read.items, "Secret");
    expect(secret).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: expect.objectContaining({
        name: "db",
        namespace: "shop",
        annotations: { "kubectl.kubernetes.io/last-applied-configuration": "[redacted]" },
      }),
      type: "Opaque",
      data: { password: "", username: "" },
    });
    // Helm's release records are not even fetched.
    const secretLists = s.requests.filter((r) => r.path === "/api/v1/secrets");
    expect(secretLists.map((r) => r.query.fieldSelector)).toEqual(["type!=helm.sh/release.v1"]);
    const [cm] = byKind(read.items, "ConfigMap");
    expect(cm.data).toEqual({
      DB_PASSWORD: REDACTED_VALUE,
      "notify.conf": REDACTED_VALUE,
      LOG_LEVEL: "info",
    });
    expect(cm.binaryData).toEqual({ "logo.png": "" });
    const [binding] = byKind(read.items, "ClusterRoleBinding");
    expect(binding.roleRef.name).toBe("cluster-admin");
    const [report] = byKind(read.items, "VulnerabilityReport");
    expect(report.report.vulnerabilities[0].vulnerabilityID).toBe("CVE-2023-45853");
    expectNoPlanted(JSON.stringify(read));

    // Every list was a GET the chart's rules allow (the simulator answers 403 otherwise).
    const paths = new Set(s.requests.map((r) => r.path));
    for (const path of [
      "/api/v1/serviceaccounts",
      "/api/v1/secrets",
      "/api/v1/configmaps",
      "/apis/rbac.authorization.k8s.io/v1/roles",
      "/apis/rbac.authorization.k8s.io/v1/rolebindings",
      "/apis/rbac.authorization.k8s.io/v1/clusterroles",
      "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
      "/apis/networking.k8s.io/v1/networkpolicies",
      "/apis/networking.k8s.io/v1/ingresses",
      "/apis/aquasecurity.github.io/v1alpha1/vulnerabilityreports",
    ])
      expect(paths.has(path), path).toBe(true);
  });

  it("plan's read (no posture) lists none of the audit's kinds, so lacking their rules is no warning", async () => {
    const { sim: s, kubeconfig } = await sim({
      rbac: rulesWithout("rbac.authorization.k8s.io", "clusterroles"),
    });
    const read = await readCluster({ kubeconfig });
    expect(auditWarnings(read)).toEqual([]);
    expect(read.unreadable).toBeUndefined();
    for (const kind of POSTURE_KIND_NAMES) expect(byKind(read.items, kind), kind).toEqual([]);
    expect(
      s.requests.filter((r) => /secrets|configmaps|rbac\.authorization|networkpolicies/.test(r.path)),
    ).toEqual([]);
    expect(byKind(read.items, "Deployment").length).toBeGreaterThan(0);
  });

  it("a 403 on clusterroles is a warning naming the rule; the rest of the read goes on", async () => {
    const { kubeconfig } = await sim({ rbac: rulesWithout("rbac.authorization.k8s.io", "clusterroles") });
    const read = await readCluster({ kubeconfig, posture: true });
    expect(auditWarnings(read)).toHaveLength(1);
    const [warning] = auditWarnings(read);
    expect(warning).toMatch(
      /^ClusterRole objects are unavailable to the security audit: kopt may not list clusterroles \(API group "rbac\.authorization\.k8s\.io", cluster-scoped\) on http:\/\/127\.0\.0\.1:\d+ as .* \(403 Forbidden: .*\); going on without them\./,
    );
    expect(warning).toContain(
      '- apiGroups: ["rbac.authorization.k8s.io"]\n  resources: ["clusterroles"]\n  verbs: ["list"]',
    );
    expect(read.unreadable).toEqual([
      {
        kind: "ClusterRole",
        reason:
          '403 Forbidden: kopt needs the RBAC rule {apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["list"]}',
      },
    ]);
    expect(byKind(read.items, "ClusterRole")).toEqual([]);
    for (const kind of POSTURE_KIND_NAMES.filter((k) => k !== "ClusterRole"))
      expect(byKind(read.items, kind), kind).toHaveLength(1);
    expect(byKind(read.items, "Deployment").length).toBeGreaterThan(0);
  });

  it("without Trivy Operator's CRD, VulnerabilityReports are a note saying how to install it, not a warning", async () => {
    const { kubeconfig } = await sim({ objects: objects(false) });
    const read = await readCluster({ kubeconfig, posture: true });
    expect(auditWarnings(read)).toEqual([]);
    expect(read.notes).toHaveLength(1);
    expect(read.notes?.[0]).toMatch(
      /^the VulnerabilityReport CRD \(vulnerabilityreports\.aquasecurity\.github\.io\) is not installed: .*helm install trivy-operator aqua\/trivy-operator/,
    );
    expect(read.unreadable).toEqual([{ kind: "VulnerabilityReport", reason: read.notes?.[0] }]);
    expect(byKind(read.items, "ClusterRoleBinding")).toHaveLength(1);
  });

  it("with namespaces.include, the audit's namespaced kinds are read per namespace and cluster-wide ones once", async () => {
    const { sim: s, kubeconfig } = await sim();
    const read = await readCluster({ kubeconfig, namespaces: { include: ["shop"] }, posture: true });
    expect(read.unreadable).toEqual([]);
    expect(byKind(read.items, "Secret").map((o) => o.metadata.name)).toEqual(["db"]);
    const paths = s.requests.map((r) => r.path);
    expect(paths).toContain("/api/v1/namespaces/shop/secrets");
    expect(paths).toContain("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings");
    expect(paths).not.toContain("/api/v1/secrets");
  });
});

/** The demo repository plus clusters/live, read through the simulator (no workloads mapped: only the read matters). */
function liveRepo(kubeconfig: string): TempRepo {
  const repo = demoRepo();
  repos.push(repo);
  mkdirSync(join(repo.dir, "clusters/live"));
  writeFileSync(
    join(repo.dir, "clusters/live/kopt.yaml"),
    `apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: live\nsource:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\nworkloads: []\n`,
  );
  git(repo.dir, "add", "-A");
  git(repo.dir, "commit", "-q", "-m", "live cluster");
  return repo;
}

describe("kopt snapshot without Trivy Operator", () => {
  it("says so in its output as a note, not a warning", async () => {
    const { kubeconfig } = await sim({ objects: objects(false) });
    const repo = liveRepo(kubeconfig);
    const r = await kopt(
      "--repo",
      repo.dir,
      "snapshot",
      "--cluster",
      "live",
      "--out",
      join(repo.dir, "s.json"),
    );
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("VulnerabilityReport");
    expect(r.stdout).toMatch(
      /\n {2}note {5}the VulnerabilityReport CRD .* is not installed: .*helm install trivy-operator/,
    );
  });
});

describe("kopt snapshot and the audit's input", () => {
  it.each([
    ["redacted", []],
    ["--no-redact", ["--no-redact"]],
  ])(
    "kopt snapshot (%s) keeps every audit object and none of the planted secrets; the audit's input neither",
    async (_label, flags) => {
      const { kubeconfig } = await sim({ rbac: rulesWithout("networking.k8s.io", "ingresses") });
      const repo = liveRepo(kubeconfig);
      const file = join(repo.dir, "live.json.gz");
      const r = await kopt("--repo", repo.dir, "snapshot", "--cluster", "live", "--out", file, ...flags);
      expect(r.stderr).toContain("kopt: warning: Ingress objects are unavailable to the security audit");
      expect(r.code).toBe(0);
      expectNoPlanted(r.stdout + r.stderr);
      const text = gunzipSync(readFileSync(file)).toString("utf8");
      expectNoPlanted(text);

      const snap = await loadSnapshot(file);
      expect(snap.unreadable).toEqual([
        {
          kind: "Ingress",
          reason:
            '403 Forbidden: kopt needs the RBAC rule {apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["list"]}',
        },
      ]);
      const items = snap.objects.items as Raw[];
      for (const kind of POSTURE_KIND_NAMES.filter((k) => k !== "Ingress"))
        expect(byKind(items, kind), kind).toHaveLength(1);
      expect(byKind(items, "ConfigMap")[0].data.DB_PASSWORD).toBe(REDACTED_VALUE);

      const input = postureInputOf(snap);
      expect(input.unreadable).toEqual(snap.unreadable);
      expectNoPlanted(JSON.stringify(input));
      const kinds = new Set(input.objects.map((o) => (o as Raw).kind));
      for (const kind of [
        "Namespace",
        "Pod",
        "Deployment",
        "ServiceAccount",
        "Secret",
        "ConfigMap",
        "ClusterRole",
      ])
        expect(kinds.has(kind), kind).toBe(true);
      expect(kinds.has("Event")).toBe(false);
      expect(kinds.has("Node")).toBe(false);
    },
  );
});
