// `kopt diagnose` end to end: the CLI on a recorded snapshot (text and JSON), the --workload filter, a live
// cluster (the Kubernetes API simulator) that forbids pods/log, and bad input — pods without status, events
// whose object is gone, binary, enormous and non-UTF-8 log lines, a password in a log line — none of which may
// crash it or be printed. Exit codes as `kopt diagnose --help` documents them: 0 when the diagnosis ran.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Finding } from "../src/model/finding.ts";
import { KOPT_RBAC_RULES, type PolicyRule } from "../src/observe/kube/rbac.ts";
import { type KubeSim, startKubeSim } from "./support/kube-sim/index.ts";
import { type RunResult, runKopt } from "./support/repo.ts";
import {
  deployment,
  event,
  type KubeObject,
  namespace,
  node,
  pod,
  replicaSet,
  snapshot,
  toIso,
  toUnix,
} from "./support/snapshot-builder.ts";

const NOW = toUnix("2026-11-20T12:00:00Z");
const CREATED = NOW - 30 * 86400;
const SECRET = "hunter2secret";

const temps: string[] = [];
const sims: KubeSim[] = [];
/** Everything kopt printed in this file: the password in the log never appears. */
const printed: string[] = [];

afterAll(async () => {
  for (const s of sims) await s.stop();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
  for (const text of printed) expect(text).not.toContain(SECRET);
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kopt-diagnose-"));
  temps.push(dir);
  return dir;
}

async function run(args: string[], now?: Date): Promise<RunResult> {
  const r = await runKopt(args, now ? { now: () => now } : {});
  printed.push(r.stdout, r.stderr);
  return r;
}

const CRASH_POD = "orders-api";
/** The dead instance's log: it starts, names its password, cannot reach the database, exits 1. */
const CRASH_LOG = [
  "2026-11-20T11:58:50.101Z INFO orders-api 2.3.1 starting on :8080",
  `2026-11-20T11:58:50.214Z INFO connecting to orders-db:5432 as orders with password=${SECRET}`,
  "2026-11-20T11:58:55.220Z ERROR connect ECONNREFUSED 10.96.4.12:5432",
  "2026-11-20T11:58:55.221Z FATAL could not connect to the database, exiting",
].join("\n");

/** A namespace with a crash-looping Deployment (exit 1, database refused) and a healthy one. */
function cluster(): { objects: KubeObject[]; crashPod: KubeObject; logKey: string } {
  const container = (name: string) => ({
    name,
    image: `registry.example.com/todo/${name}:2.3.1`,
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
  });
  const api = deployment({
    namespace: "todo",
    name: CRASH_POD,
    created: CREATED,
    replicas: 1,
    ready: 0,
    containers: [container(CRASH_POD)],
  });
  const apiRs = replicaSet({ deployment: api, revision: 1, replicas: 1, created: CREATED, ready: 0 });
  const crashPod = pod({
    owner: apiRs,
    nodeName: "worker-1",
    created: NOW - 3600,
    statuses: [
      {
        restartCount: 7,
        waiting: {
          reason: "CrashLoopBackOff",
          message: "back-off 5m0s restarting failed container=orders-api",
        },
        lastTerminated: { reason: "Error", exitCode: 1, startedAt: NOW - 70, finishedAt: NOW - 65 },
        ready: false,
      },
    ],
  });
  const web = deployment({
    namespace: "todo",
    name: "web",
    created: CREATED,
    replicas: 1,
    containers: [container("web")],
  });
  const webRs = replicaSet({ deployment: web, revision: 1, replicas: 1, created: CREATED });
  const objects = [
    ...nightlyReport(),
    namespace({ name: "todo", created: CREATED }),
    node({ name: "worker-1", created: CREATED, cpu: "4", memory: "16Gi" }),
    api,
    apiRs,
    crashPod,
    web,
    webRs,
    pod({ owner: webRs, nodeName: "worker-1", created: CREATED }),
    event({
      involved: crashPod,
      reason: "BackOff",
      type: "Warning",
      message: `Back-off restarting failed container ${CRASH_POD} in pod ${crashPod.metadata.name}_todo`,
      count: 28,
      first: NOW - 3000,
      last: NOW - 20,
      fieldPath: `spec.containers{${CRASH_POD}}`,
    }),
  ];
  return { objects, crashPod, logKey: `todo/${crashPod.metadata.name}/${CRASH_POD}` };
}

/** A CronJob whose last Job completed: its pod exited 0 (Completed), which is healthy. */
function nightlyReport(): KubeObject[] {
  const meta = (kind: string, name: string, owner?: { kind: string; name: string; apiVersion: string }) => ({
    name,
    namespace: "todo",
    uid: `uid-${kind}-${name}`,
    creationTimestamp: toIso(NOW - 7200),
    ...(owner
      ? {
          ownerReferences: [
            { ...owner, uid: `uid-${owner.kind}-${owner.name}`, controller: true, blockOwnerDeletion: true },
          ],
        }
      : {}),
  });
  const podSpec = {
    restartPolicy: "OnFailure",
    containers: [{ name: "report", image: "registry.example.com/todo/report:1.0" }],
  };
  const cron = { apiVersion: "batch/v1", kind: "CronJob", name: "nightly-report" };
  const job = { apiVersion: "batch/v1", kind: "Job", name: "nightly-report-29400000" };
  return [
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: meta("CronJob", cron.name),
      spec: { schedule: "0 2 * * *", jobTemplate: { spec: { template: { spec: podSpec } } } },
      status: { lastScheduleTime: toIso(NOW - 7200), lastSuccessfulTime: toIso(NOW - 7000) },
    },
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: meta("Job", job.name, cron),
      spec: { completions: 1, parallelism: 1, backoffLimit: 6, template: { spec: podSpec } },
      status: { succeeded: 1, startTime: toIso(NOW - 7200), completionTime: toIso(NOW - 7000) },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: meta("Pod", `${job.name}-x7k2p`, job),
      spec: { ...podSpec, nodeName: "worker-1" },
      status: {
        phase: "Succeeded",
        containerStatuses: [
          {
            name: "report",
            ready: false,
            restartCount: 0,
            image: "registry.example.com/todo/report:1.0",
            imageID: "",
            state: {
              terminated: {
                exitCode: 0,
                reason: "Completed",
                startedAt: toIso(NOW - 7190),
                finishedAt: toIso(NOW - 7000),
              },
            },
          },
        ],
      },
    },
  ] as unknown as KubeObject[];
}

/** Writes a snapshot file of the cluster; `extra` objects and `raw` edits make bad input. */
function snapshotFile(
  edit: (s: ReturnType<typeof snapshot> & { previousLogs?: Record<string, string> }) => void = () => {},
): string {
  const { objects, logKey } = cluster();
  const snap = snapshot({
    cluster: "shop",
    capturedAt: NOW,
    objects,
    cpu: [],
    memory: [],
    logs: { [logKey]: "" },
  }) as ReturnType<typeof snapshot> & { previousLogs?: Record<string, string> };
  snap.previousLogs = { [logKey]: CRASH_LOG };
  edit(snap);
  const file = join(tempDir(), "snapshot.json");
  writeFileSync(file, JSON.stringify(snap));
  return file;
}

const json = (r: RunResult) =>
  JSON.parse(r.stdout) as { findings: Finding[]; incidents: unknown[]; warnings: string[] };

describe("kopt diagnose on a snapshot", () => {
  it("--output json: the crash-looping Deployment is one finding, classified from its exit, events and log", async () => {
    const r = await run(["diagnose", "--snapshot", snapshotFile(), "--output", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const out = json(r);
    expect(Object.keys(out)).toEqual(["findings", "incidents", "warnings"]);
    expect(out.findings).toHaveLength(1);
    const [f] = out.findings as [Finding];
    expect(f.class).toBe("dependency-unreachable");
    expect(f.subCause).toBe("connection-refused");
    expect(f.fix).toBe("incident");
    expect(f.workload).toEqual({ namespace: "todo", kind: "Deployment", name: CRASH_POD });
    expect(f.container).toBe(CRASH_POD);
    expect(f.evidence.exitCode).toBe(1);
    expect(f.evidence.terminationReason).toBe("Error");
    expect(f.evidence.waitingReason).toBe("CrashLoopBackOff");
    expect(f.evidence.restarts).toBe(7);
    expect(f.evidence.subjects).toMatchObject({ host: "10.96.4.12", port: "5432" });
    expect(f.evidence.logsUnavailable).toBe(false);
    expect(f.runbook).toBe("runbooks/dependency-unreachable.md");
    expect(f.fingerprint).toMatch(/^[0-9a-f]{8,}$/);
    expect(out.incidents).toHaveLength(1);
    expect(out.incidents[0]).toMatchObject({ class: "dependency-unreachable", findings: [f.fingerprint] });
  });

  it("text: one block per incident with the finding's cause, evidence in numbers, fix, runbook and fingerprint", async () => {
    const file = snapshotFile();
    const [text, asJson] = [
      await run(["diagnose", "--snapshot", file]),
      await run(["diagnose", "--snapshot", file, "--output", "json"]),
    ];
    expect(text.code).toBe(0);
    const f = json(asJson).findings[0] as Finding;
    const lines = text.stdout.split("\n");
    expect(lines[0]).toBe(`kopt diagnose · cluster shop · snapshot:${file} · at 2026-11-20T12:00:00.000Z`);
    expect(lines).toContain(
      `  - Deployment todo/${CRASH_POD}, container ${CRASH_POD}: dependency-unreachable (connection-refused), confidence ${f.confidence.toFixed(2)}`,
    );
    expect(lines).toContain(`    root cause: ${f.rootCause}`);
    expect(lines).toContain("      exit code 1, last termination Error");
    expect(lines).toContain("      waiting: CrashLoopBackOff");
    expect(lines.some((l) => /^ {6}restarts 7(, back-off \d+ s)?$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith("      event BackOff x28, first "))).toBe(true);
    expect(lines).toContain(`    suggested fix (an incident for people): ${f.suggestedFix}`);
    expect(lines).toContain(`    expected outcome: ${f.expectedOutcome}`);
    expect(lines).toContain("    runbook: runbooks/dependency-unreachable.md");
    expect(lines).toContain(`    fingerprint: ${f.fingerprint}`);
    expect(lines.filter((l) => l.startsWith("Incident "))).toHaveLength(1);
    expect(lines.at(-2)).toBe(
      "1 finding(s) in 1 incident(s): 0 fixable by a values change, 1 needing an incident.",
    );
  });

  it("--workload narrows the diagnosis; a healthy workload has none; an unknown one is a usage error (2)", async () => {
    const file = snapshotFile();
    const only = json(
      await run(["diagnose", "--snapshot", file, "--workload", `todo/${CRASH_POD}`, "--output", "json"]),
    );
    expect(only.findings.map((f) => f.workload?.name)).toEqual([CRASH_POD]);
    const healthy = await run(["diagnose", "--snapshot", file, "--workload", "todo/web"]);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain("No failures found.");
    const unknown = await run(["diagnose", "--snapshot", file, "--workload", "todo/nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('kopt: error: unknown workload "todo/nope"');
    expect(unknown.stderr).toContain(`todo/${CRASH_POD}`);
    const malformed = await run(["diagnose", "--snapshot", file, "--workload", "web"]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--workload "web" is not <namespace>/<name>');
  });

  it("documents its exit codes in --help; a missing snapshot file is bad input (2)", async () => {
    const help = await run(["diagnose", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("0  the diagnosis ran, whether it found failures or not");
    expect(help.stdout).toContain("2  bad input");
    const missing = await run(["diagnose", "--snapshot", join(tempDir(), "none.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^kopt: error: /);
  });
});

describe("bad input does not crash kopt diagnose", () => {
  it("pods without status, events whose object is gone, binary, enormous and non-UTF-8 log lines: exit 0", async () => {
    const file = snapshotFile((s) => {
      const raw = (o: Record<string, unknown>) => o as unknown as KubeObject;
      s.objects.items.push(
        // A pod just created: no status at all yet.
        raw({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "debug-shell", namespace: "todo" },
          spec: { containers: [{ name: "sh", image: "busybox:1.36" }] },
        }),
        // An event about a pod that is gone.
        raw({
          apiVersion: "v1",
          kind: "Event",
          metadata: { name: "orders-api-old.17f1", namespace: "todo" },
          involvedObject: {
            kind: "Pod",
            namespace: "todo",
            name: "orders-api-5f7c9-gone1",
            fieldPath: "spec.containers{orders-api}",
          },
          reason: "BackOff",
          message: "Back-off restarting failed container",
          type: "Warning",
          count: 3,
          firstTimestamp: toIso(NOW - 7200),
          lastTimestamp: toIso(NOW - 7100),
        }),
      );
      const key = Object.keys(s.previousLogs ?? {})[0] as string;
      const binary = `\u0000\u0001ELF\u0002${"\u0000".repeat(4096)}`;
      const enormous = `ERROR ${"z".repeat(3_000_000)}`;
      (s.previousLogs as Record<string, string>)[key] = [binary, enormous, "NONUTF8MARK", CRASH_LOG].join(
        "\n",
      );
    });
    // Bytes that are not UTF-8 inside a log string of the file: kopt reads them as U+FFFD.
    const bytes = readFileSync(file);
    const at = bytes.indexOf("NONUTF8MARK");
    Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]).copy(bytes, at);
    writeFileSync(file, bytes);

    const r = await run(["diagnose", "--snapshot", file, "--output", "json"]);
    expect(r.code).toBe(0);
    const out = json(r);
    expect(out.findings.map((f) => f.class)).toContain("dependency-unreachable");
    expect(r.stdout.length).toBeLessThan(200_000);
    const text = await run(["diagnose", "--snapshot", file]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain("\u0000");
  });

  it("a password in a log line is never printed, in text or JSON", async () => {
    const file = snapshotFile();
    for (const output of ["text", "json"]) {
      const r = await run(["diagnose", "--snapshot", file, "--output", output]);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
  });
});

/** The least-privilege rules, less one verb on one resource. */
function rulesWithout(apiGroup: string, resource: string, verb: string): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const r of KOPT_RBAC_RULES) {
    if (!r.apiGroups.includes(apiGroup) || !r.resources.includes(resource)) {
      out.push(structuredClone(r));
      continue;
    }
    const others = r.resources.filter((x) => x !== resource);
    if (others.length > 0) out.push({ ...r, resources: others });
    const verbs = r.verbs.filter((v) => v !== verb);
    if (verbs.length > 0) out.push({ ...r, resources: [resource], verbs });
  }
  return out;
}

/** A repository whose cluster "live" reads the simulator through source.kubernetes. */
async function liveCluster(rbac: PolicyRule[]): Promise<{ repo: string; sim: KubeSim }> {
  const { objects, logKey } = cluster();
  const sim = await startKubeSim({
    objects: objects as unknown as Record<string, unknown>[],
    logs: { [logKey]: { current: "", previous: CRASH_LOG } },
    rbac,
  });
  sims.push(sim);
  const repo = tempDir();
  const kubeconfig = sim.writeKubeconfig(repo);
  mkdirSync(join(repo, "clusters/live"), { recursive: true });
  writeFileSync(
    join(repo, "clusters/live/kopt.yaml"),
    `apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: live\nsource:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\n`,
  );
  return { repo, sim };
}

describe("kopt diagnose on a live cluster", () => {
  it("reads pods, events and the dead instance's log, and judges at the clock's time", async () => {
    const { repo, sim } = await liveCluster([...KOPT_RBAC_RULES]);
    const r = await run(
      ["--repo", repo, "diagnose", "--cluster", "live", "--output", "json"],
      new Date(NOW * 1000),
    );
    expect(r.code).toBe(0);
    const out = json(r);
    const [f] = out.findings as [Finding];
    expect(f.class).toBe("dependency-unreachable");
    expect(f.evidence.logsUnavailable).toBe(false);
    expect(sim.requests.some((q) => q.path.endsWith("/log") && q.query.previous === "true")).toBe(true);
    // Jobs and CronJobs are read (the completed Job's pod is healthy: no finding names it).
    expect(sim.requests.map((q) => q.path)).toEqual(
      expect.arrayContaining(["/apis/batch/v1/jobs", "/apis/batch/v1/cronjobs"]),
    );
    expect(out.findings.map((x) => x.workload?.name)).toEqual([CRASH_POD]);
  });

  it("a 403 on pods/log is a warning naming the RBAC rule; the findings are still made, marked logs unavailable", async () => {
    const { repo } = await liveCluster(rulesWithout("", "pods/log", "get"));
    const r = await run(
      ["--repo", repo, "diagnose", "--cluster", "live", "--output", "json"],
      new Date(NOW * 1000),
    );
    expect(r.code).toBe(0);
    const out = json(r);
    const warning = out.warnings.find((w) => w.startsWith("container logs are unavailable"));
    expect(warning).toContain('get pods/log (API group "", namespace todo)');
    expect(warning).toContain('- apiGroups: [""]\n  resources: ["pods/log"]\n  verbs: ["get"]');
    expect(out.findings.length).toBeGreaterThan(0);
    for (const f of out.findings) expect(f.evidence.logsUnavailable).toBe(true);
    const [f] = out.findings as [Finding];
    expect(f.workload).toEqual({ namespace: "todo", kind: "Deployment", name: CRASH_POD });
    expect(f.evidence.exitCode).toBe(1);

    const text = await run(["--repo", repo, "diagnose", "--cluster", "live"], new Date(NOW * 1000));
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("logs: unavailable (not read): judged from status and events only");
    expect(text.stdout).toContain("logs unavailable, judged from status and events only.");
    const warnings = text.stdout.slice(text.stdout.indexOf("\nWarnings:\n"));
    expect(warnings).toContain(
      '  - container logs are unavailable: kopt may not get pods/log (API group "", namespace todo)',
    );
    // The rule to add, indented under its warning.
    expect(warnings).toContain(
      '\n    - apiGroups: [""]\n      resources: ["pods/log"]\n      verbs: ["get"]',
    );
  });
});
