// `kopt report health|security` end to end on the local forge (issue 17): in a real git repository with the
// demo cluster, through the CLI in-process with the real audit and health report (REPORT_PORTS). With a
// cluster: the report is printed, its issue opened under .kopt/issues/reports/, its PHR landed on main (a
// trivial record kopt merges) that `kopt phr lint` accepts, and the job summary appended; a rerun changes
// nothing; next week's closes last week's and reads its record. --no-publish and a bare --snapshot publish
// nothing. --output json|sarif and --fail-on. A planted secret (an env value, a ConfigMap value) is in no output.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli.ts";
import type { ClusterSnapshot } from "../src/formats/snapshot.ts";
import { lintPhrs } from "../src/workflows/phr-lint.ts";
import { cleanups } from "./support/cleanups.ts";
import { git } from "./support/git.ts";
import { plantSecrets } from "./support/planted-secrets.ts";
import { demoRepo, PROJECT_ROOT } from "./support/repo.ts";

const SECRET = "report-s3cret-7f2c9e41";
const NOW = new Date("2026-12-07T00:05:00Z");

/** The demo snapshot with secrets planted: the backend's env (test/support/planted-secrets.ts) and a ConfigMap. */
function plantedSnapshot(): ClusterSnapshot {
  const demo: ClusterSnapshot = JSON.parse(
    gunzipSync(readFileSync(join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"))).toString("utf8"),
  );
  const items = plantSecrets(demo.objects.items as Record<string, unknown>[]).map((o) => {
    const spec = (o as { spec?: { template?: { spec?: { containers?: { env?: unknown[] }[] } } } }).spec;
    for (const c of spec?.template?.spec?.containers ?? []) {
      if ((o as { metadata: { name: string } }).metadata.name === "backend") {
        c.env = [...(c.env ?? []), { name: "SESSION_SECRET", value: SECRET }];
      }
    }
    return o;
  });
  items.push({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "backend-config", namespace: "todo" },
    data: { SMTP_PASSWORD: SECRET, LOG_LEVEL: "info" },
  });
  return { ...demo, objects: { ...demo.objects, items } } as ClusterSnapshot;
}

/** A cluster the audit finds nothing in: one namespace with a default deny, one hardened pod; its file. */
function hardenedSnapshot(dir: string): string {
  const ns = "app";
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web-0",
      namespace: ns,
      labels: { app: "web" },
      creationTimestamp: "2026-11-20T10:00:00Z",
    },
    spec: {
      serviceAccountName: "web",
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "web",
          image: `ghcr.io/example/web@sha256:${"a".repeat(64)}`,
          imagePullPolicy: "IfNotPresent",
          ports: [{ name: "http", containerPort: 8080 }],
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
          livenessProbe: { httpGet: { path: "/", port: "http" } },
          readinessProbe: { httpGet: { path: "/", port: "http" } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
        },
      ],
    },
    status: {
      phase: "Running",
      containerStatuses: [
        {
          name: "web",
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: "2026-11-20T10:00:05Z" } },
        },
      ],
    },
  };
  const snapshot = {
    apiVersion: "kopt.dev/v1",
    kind: "ClusterSnapshot",
    cluster: "hardened",
    capturedAt: "2026-11-20T12:00:00Z",
    objects: {
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
        {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: "web", namespace: ns },
          automountServiceAccountToken: false,
        },
        {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: "default", namespace: ns },
          automountServiceAccountToken: false,
        },
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: { name: "default-deny", namespace: ns },
          spec: { podSelector: {}, policyTypes: ["Ingress"] },
        },
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "NetworkPolicy",
          metadata: { name: "web", namespace: ns },
          spec: {
            podSelector: { matchLabels: { app: "web" } },
            policyTypes: ["Ingress"],
            ingress: [{ ports: [{ port: 8080 }] }],
          },
        },
        pod,
      ],
    },
    usage: { cpu: { resultType: "matrix", result: [] }, memory: { resultType: "matrix", result: [] } },
    unreadable: [],
  };
  const file = join(dir, "..", `${dir.split("/").pop()}-hardened.json`);
  writeFileSync(file, JSON.stringify(snapshot));
  cleanups.push(() => rmSync(file, { force: true }));
  return file;
}

interface Run {
  code: number;
  out: string;
  err: string;
}

function setup() {
  const repo = demoRepo();
  cleanups.push(() => repo.cleanup());
  writeFileSync(
    join(repo.dir, "clusters/demo/snapshot.json.gz"),
    gzipSync(JSON.stringify(plantedSnapshot())),
  );
  git(repo.dir, "commit", "-qam", "planted secrets");
  const tmp = mkdtempSync(join(tmpdir(), "kopt-report-cli-"));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const summary = join(tmp, "summary.md");
  writeFileSync(summary, "");
  const outputs: string[] = [];
  const kopt = async (
    args: string[],
    env: NodeJS.ProcessEnv = { GITHUB_STEP_SUMMARY: summary },
  ): Promise<Run> => {
    let out = "";
    let err = "";
    const code = await main(["node", "kopt", "--repo", repo.dir, ...args], {
      out: (s) => {
        out += s;
      },
      err: (s) => {
        err += s;
      },
      now: () => NOW,
      env,
    });
    outputs.push(out, err);
    return { code, out, err };
  };
  /** Everything kopt wrote: outputs, the repository's history and files under .kopt, the job summary. */
  const everything = () => {
    const kept = join(repo.dir, ".kopt");
    const files = (dir: string): string[] =>
      existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
            e.isDirectory() ? files(join(dir, e.name)) : [readFileSync(join(dir, e.name), "utf8")],
          )
        : [];
    return [
      ...outputs,
      git(repo.dir, "log", "--all", "-p", "--format=%B"),
      ...files(kept),
      readFileSync(summary, "utf8"),
    ];
  };
  return {
    dir: repo.dir,
    kopt,
    summary,
    everything,
    snapshot: join(repo.dir, "clusters/demo/snapshot.json.gz"),
  };
}

const reportFiles = (dir: string) => {
  const d = join(dir, ".kopt/issues/reports");
  return existsSync(d)
    ? readdirSync(d)
        .filter((f) => f.endsWith(".md"))
        .sort()
    : [];
};

describe("kopt report security", () => {
  it("prints the audit, publishes it once (issue, PHR on main, job summary), and a rerun changes nothing", async () => {
    const w = setup();
    const first = await w.kopt(["report", "security", "--cluster", "demo"]);
    expect(first.err).not.toContain("error");
    expect(first.code).toBe(0);
    // The demo snapshot was captured on Friday 2026-11-20: ISO week 47, Monday 2026-11-16.
    expect(first.out).toMatch(/^# kopt security audit: demo, week of 2026-11-16\n\n## Summary\n/);
    expect(first.out).toContain("env SESSION_SECRET has a secret-looking literal value");
    expect(first.out).toContain("ConfigMap todo/backend-config");
    // The demo's critical findings (a cluster-admin binding, critical CVEs) escalate to policy.approval.security's team.
    expect(first.out).toMatch(
      /team security: \d+ critical finding\(s\) need the security team's attention\./,
    );
    expect(first.out).toContain("**Binding grants cluster-admin**: ClusterRoleBinding ci-deployer-admin");
    expect(first.out).toContain("No earlier audit of this cluster to compare with.");
    expect(first.err).toContain(
      "report PHR phr/demo/reports/2026-W47-security.md: created, pull request created, merged",
    );
    expect(first.err).toMatch(/report issue #1 created: \.kopt\/issues\/reports\/demo-security-2026-W47\.md/);
    expect(reportFiles(w.dir)).toEqual(["demo-security-2026-W47.md"]);
    const phr = git(w.dir, "show", "main:phr/demo/reports/2026-W47-security.md");
    expect(phr).toContain("kind: report\nreport: security\nperiod: 2026-W47\n");
    expect(phr).toContain("# kopt security audit: demo, week of 2026-11-16");
    git(w.dir, "checkout", "-q", "main");
    const lint = await lintPhrs(w.dir);
    expect(lint.faults).toEqual([]);
    expect(lint.checked).toBe(1);
    expect(readFileSync(w.summary, "utf8")).toContain(
      "# kopt security audit: demo, week of 2026-11-16\n\n## Summary",
    );

    const head = git(w.dir, "rev-parse", "main");
    const issue = readFileSync(join(w.dir, ".kopt/issues/reports/demo-security-2026-W47.md"), "utf8");
    const again = await w.kopt(["report", "security", "--cluster", "demo"]);
    expect(again.code).toBe(0);
    expect(again.err).toContain(
      "report PHR phr/demo/reports/2026-W47-security.md: unchanged, already on the base branch",
    );
    expect(again.err).toContain("report issue #1 unchanged");
    expect(git(w.dir, "rev-parse", "main")).toBe(head);
    expect(readFileSync(join(w.dir, ".kopt/issues/reports/demo-security-2026-W47.md"), "utf8")).toBe(issue);
  });

  it("--output sarif and json; --fail-on exits 1 on a finding at or above it, else 0", async () => {
    const w = setup();
    const sarif = await w.kopt([
      "report",
      "security",
      "--cluster",
      "demo",
      "--no-publish",
      "--output",
      "sarif",
    ]);
    expect(sarif.code).toBe(0);
    const log = JSON.parse(sarif.out) as {
      version: string;
      runs: { results: { ruleId: string; level: string }[] }[];
    };
    expect(log.version).toBe("2.1.0");
    const results = log.runs[0]?.results ?? [];
    expect(results.find((r) => r.ruleId === "rbac-cluster-admin-binding")?.level).toBe("error");
    expect(results.some((r) => r.ruleId.startsWith("secrets-") && r.level === "error")).toBe(true);
    const json = await w.kopt([
      "report",
      "security",
      "--cluster",
      "demo",
      "--no-publish",
      "--output",
      "json",
    ]);
    const parsed = JSON.parse(json.out) as {
      period: string;
      audit: { findings: unknown[] };
      published: unknown;
    };
    expect(parsed.period).toBe("2026-W47");
    expect(parsed.audit.findings.length).toBeGreaterThan(0);
    // Fingerprints and values paths print as they are (a field named `key` would be blanked by the redaction).
    expect(json.out).not.toContain('"[redacted]"');
    expect(parsed.audit.findings[0]).toMatchObject({ fingerprint: expect.stringMatching(/^[a-z-]+:/) });
    expect(parsed.published).toBeNull();
    const failOn = async (severity: string, snapshot?: string) =>
      (
        await w.kopt([
          "report",
          "security",
          ...(snapshot ? ["--snapshot", snapshot] : ["--cluster", "demo", "--no-publish"]),
          "--fail-on",
          severity,
        ])
      ).code;
    expect(await failOn("critical")).toBe(1);
    expect(await failOn("high")).toBe(1);
    // A cluster with nothing to find passes at any level: one namespace, one hardened pod, a default deny.
    expect(await failOn("low", hardenedSnapshot(w.dir))).toBe(0);
    // --no-publish: no issue, nothing on main, no job summary.
    expect(reportFiles(w.dir)).toEqual([]);
    expect(git(w.dir, "ls-tree", "-r", "--name-only", "main", "phr/")).toBe("");
    expect(readFileSync(w.summary, "utf8")).toBe("");
    const bad = await w.kopt(["report", "security", "--cluster", "demo", "--fail-on", "severe"]);
    expect(bad.code).toBe(2);
  });

  it("with a bare --snapshot needs no repository and publishes nothing", async () => {
    const w = setup();
    const elsewhere = mkdtempSync(join(tmpdir(), "kopt-report-bare-"));
    cleanups.push(() => rmSync(elsewhere, { recursive: true, force: true }));
    const r = await w.kopt(["--repo", elsewhere, "report", "security", "--snapshot", w.snapshot]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("# kopt security audit: demo, week of 2026-11-16");
    // No forge: no report PHR to point at.
    expect(r.out).not.toContain("phr/demo/reports");
    expect(reportFiles(w.dir)).toEqual([]);
    expect(readFileSync(w.summary, "utf8")).toBe("");
  });
});

describe("kopt report health", () => {
  it("publishes each --week's report; next week's closes last week's and compares with its record", async () => {
    const w = setup();
    const bad = await w.kopt(["report", "health", "--cluster", "demo", "--week", "2026-W54"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--week is not an ISO week: 2026-W54");
    const w49 = await w.kopt(["report", "health", "--cluster", "demo", "--week", "2026-W49"]);
    expect(w49.code).toBe(0);
    expect(w49.out).toMatch(/^# kopt health report: demo, week of 2026-11-30\n/);
    expect(w49.out).toMatch(/\| Pods running \| 14 \| — \| — \|/);
    expect(w49.out).toContain(
      "Kept in [phr/demo/reports/2026-W49-health.md](phr/demo/reports/2026-W49-health.md).",
    );
    const w50 = await w.kopt(["report", "health", "--cluster", "demo", "--week", "2026-W50"]);
    expect(w50.code).toBe(0);
    const count = "14";
    expect(w50.out).toContain("| Pods running | 14 | 14 | no change |");
    expect(w50.err).toMatch(/report issue #2 created/);
    expect(w50.err).toContain("report issue #1 closed: superseded by #2");
    const last = readFileSync(join(w.dir, ".kopt/issues/reports/demo-health-2026-W49.md"), "utf8");
    expect(last).toContain("state: closed");
    expect(last).toContain("kopt health report: demo, week of 2026-12-07");
    const json = await w.kopt([
      "report",
      "health",
      "--cluster",
      "demo",
      "--week",
      "2026-W50",
      "--output",
      "json",
    ]);
    const parsed = JSON.parse(json.out) as {
      report: { headlines: { previous: number }[] };
      published: { issue: { status: string } };
    };
    expect(parsed.report.headlines[0]).toMatchObject({
      id: "pods.running",
      value: 14,
      previous: Number(count),
    });
    expect(parsed.published.issue.status).toBe("unchanged");
    git(w.dir, "checkout", "-q", "main");
    expect((await lintPhrs(w.dir)).faults).toEqual([]);
  });
});

describe("no secret in any output of the report commands", () => {
  it("the planted env and ConfigMap values appear in no stdout, stderr, issue, PHR, commit or job summary", async () => {
    // The real audit and health report: what they read and render is what could leak.
    const w = setup();
    for (const output of ["markdown", "json", "sarif"]) {
      expect((await w.kopt(["report", "security", "--cluster", "demo", "--output", output])).code).toBe(0);
    }
    for (const output of ["markdown", "json"]) {
      expect((await w.kopt(["report", "health", "--cluster", "demo", "--output", output])).code).toBe(0);
    }
    const texts = w.everything();
    // The check can fail: the snapshot kopt read holds the secret.
    expect(gunzipSync(readFileSync(w.snapshot)).toString("utf8")).toContain(SECRET);
    expect(texts.join("\n")).toContain("SESSION_SECRET has a secret-looking literal value");
    expect(texts.join("\n")).toContain("ConfigMap todo/backend-config");
    const hits = texts.filter((t) => t.includes(SECRET) || t.includes("planted-s3cret-61d4a9"));
    expect(hits).toEqual([]);
  });
});
