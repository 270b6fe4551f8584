// How `kopt diagnose` reads in a terminal: one block per incident, each finding with its class, subject, root
// cause, evidence in numbers, fix, expected outcome, runbook and fingerprint; the summary line; warnings last.
// The JSON is exactly { findings, incidents, warnings }.
import { describe, expect, it } from "vitest";
import { evidence } from "../test/support/incident-fixtures.ts";
import { diagnoseJson, diagnoseText } from "./cli-output.ts";
import type { Finding, Incident } from "./model/finding.ts";
import type { DiagnoseOutcome } from "./workflows/diagnose.ts";

const AT = Date.parse("2026-11-20T12:00:00Z") / 1000;

const probeKill: Finding = {
  fingerprint: "9f2c41d07a3b",
  class: "liveness-probe-kill",
  subCause: null,
  fix: "values",
  workload: { namespace: "shop", kind: "Deployment", name: "catalog" },
  node: null,
  container: "catalog",
  rootCause: "The liveness probe kills catalog after 40 s, but it needs about 52 s to start.",
  evidence: evidence({
    exitCode: 137,
    signal: "SIGKILL",
    terminationReason: "Error",
    waitingReason: "CrashLoopBackOff",
    restarts: 9,
    backoffSeconds: 300,
    pods: ["catalog-7d9f8-abcde", "catalog-7d9f8-fghij"],
    events: [
      {
        reason: "Unhealthy",
        count: 27,
        firstTime: AT - 3600,
        lastTime: AT - 60,
        message: 'Liveness probe failed: Get "http://10.244.1.7:8080/healthz": connection refused',
      },
    ],
    probe: {
      probe: "liveness",
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 1,
      failureThreshold: 3,
      killAfterSeconds: 40,
      observedStartSeconds: 52.4,
    },
    logs: [{ template: "Started CatalogApplication in <*> seconds", count: 1, level: "info", new: false }],
    figures: { "observed start": "52.4 s" },
  }),
  confidence: 0.9,
  suggestedFix: "Add a startupProbe allowing 79 s (52.4 s x 1.5).",
  expectedOutcome: "catalog starts and stays up; restarts stop.",
  runbook: "runbooks/liveness-probe-kill.md",
  valuesFix: null,
};

const nodeDown: Finding = {
  ...probeKill,
  fingerprint: "51aa0c7e9d12",
  class: "node-not-ready",
  fix: "incident",
  workload: null,
  node: "worker-3",
  container: null,
  rootCause: "Node worker-3 stopped posting its status.",
  evidence: evidence({ subjects: { node: "worker-3" }, logsUnavailable: true }),
  suggestedFix: "Check the kubelet on worker-3.",
  expectedOutcome: "worker-3 is Ready again.",
  runbook: "runbooks/node-not-ready.md",
};

const incident = (f: Finding, title: string, cause: string): Incident => ({
  fingerprint: `i-${f.fingerprint}`,
  class: f.class,
  subCause: f.subCause,
  fix: f.fix,
  title,
  cause,
  findings: [f.fingerprint],
  workloads: f.workload ? [f.workload] : [],
  firstSeen: AT - 3600,
  lastSeen: null,
});

const outcome: DiagnoseOutcome = {
  cluster: "prod",
  source: "kubernetes:prod",
  observedAt: AT,
  logsReadable: true,
  findings: [probeKill, nodeDown],
  incidents: [
    incident(
      probeKill,
      "shop/catalog is killed by its liveness probe while starting",
      "workload:shop/catalog",
    ),
    incident(nodeDown, "Node worker-3 is NotReady", "node:worker-3"),
  ],
  warnings: ["event shop/old.1 is about pod shop/gone, which no longer exists"],
};

describe("kopt diagnose output", () => {
  it("text: incidents, their findings with evidence in numbers, the summary, warnings last", () => {
    expect(diagnoseText(outcome)).toBe(
      [
        "kopt diagnose · cluster prod · kubernetes:prod · at 2026-11-20T12:00:00.000Z",
        "",
        "Incident i-9f2c41d07a3b: shop/catalog is killed by its liveness probe while starting",
        "  class liveness-probe-kill · fix values · cause workload:shop/catalog · first seen 2026-11-20T11:00:00.000Z · last seen unknown",
        "  - Deployment shop/catalog, container catalog: liveness-probe-kill, confidence 0.90",
        "    root cause: The liveness probe kills catalog after 40 s, but it needs about 52 s to start.",
        "    evidence:",
        "      exit code 137 (SIGKILL), last termination Error",
        "      waiting: CrashLoopBackOff",
        "      restarts 9, back-off 300 s",
        "      pods (2): catalog-7d9f8-abcde, catalog-7d9f8-fghij",
        '      event Unhealthy x27, first 2026-11-20T11:00:00.000Z, last 2026-11-20T11:59:00.000Z: Liveness probe failed: Get "http://10.244.1.7:8080/healthz": connection refused',
        "      liveness probe: initialDelaySeconds 10, periodSeconds 10, timeoutSeconds 1, failureThreshold 3 -> kills after 40 s; observed start 52.4 s",
        "      log x1 (info): Started CatalogApplication in <*> seconds",
        "    suggested fix (a values change, as a pull request): Add a startupProbe allowing 79 s (52.4 s x 1.5).",
        "    expected outcome: catalog starts and stays up; restarts stop.",
        "    runbook: runbooks/liveness-probe-kill.md",
        "    fingerprint: 9f2c41d07a3b",
        "",
        "Incident i-51aa0c7e9d12: Node worker-3 is NotReady",
        "  class node-not-ready · fix incident · cause node:worker-3 · first seen 2026-11-20T11:00:00.000Z · last seen unknown",
        "  - node worker-3: node-not-ready, confidence 0.90",
        "    root cause: Node worker-3 stopped posting its status.",
        "    evidence:",
        "      node: worker-3",
        "      logs: unavailable (not read): judged from status and events only",
        "    suggested fix (an incident for people): Check the kubelet on worker-3.",
        "    expected outcome: worker-3 is Ready again.",
        "    runbook: runbooks/node-not-ready.md",
        "    fingerprint: 51aa0c7e9d12",
        "",
        "2 finding(s) in 2 incident(s): 1 fixable by a values change, 1 needing an incident.",
        "",
        "Warnings:",
        "  - event shop/old.1 is about pod shop/gone, which no longer exists",
      ].join("\n"),
    );
  });

  it("text: nothing found, with logs unavailable, says both", () => {
    const none = { ...outcome, findings: [], incidents: [], warnings: [], logsReadable: false };
    expect(diagnoseText(none).split("\n").at(-1)).toBe(
      "No failures found; logs unavailable, judged from status and events only.",
    );
  });

  it("text: a warning's further lines (an RBAC rule) stay indented under it", () => {
    const w = { ...outcome, warnings: ['logs are unavailable; grant:\n- apiGroups: [""]\n  verbs: ["get"]'] };
    expect(diagnoseText(w)).toContain(
      'Warnings:\n  - logs are unavailable; grant:\n    - apiGroups: [""]\n      verbs: ["get"]',
    );
  });

  it("text: a finding no incident lists is still shown", () => {
    const loose = { ...outcome, incidents: [] };
    expect(diagnoseText(loose)).toContain("Findings in no incident:\n  - Deployment shop/catalog");
  });

  it("json: exactly findings, incidents and warnings", () => {
    expect(diagnoseJson(outcome)).toEqual({
      findings: outcome.findings,
      incidents: outcome.incidents,
      warnings: outcome.warnings,
    });
  });
});
