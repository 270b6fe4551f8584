// Hand-built findings and incidents for the incident-issue tests (the classifier builds them for real): a
// Secret key two workloads miss (create-container-config-error), an app crashing on a database it cannot reach
// whose crash line carries a connection-string password, and a values-fixable OOM that gets no issue.
import type { Diagnosis, Finding, FindingEvidence, Incident } from "../../src/model/finding.ts";

/** 2026-12-03T12:00:00Z */
export const T0 = 1_796_299_200;
/** The password planted in the crash line: it must never reach an issue. */
export const PLANTED_PASSWORD = "Sup3rS3cretPw0rd";

/** A finding's evidence: nothing known but what `over` sets. */
export function evidence(over: Partial<FindingEvidence>): FindingEvidence {
  return {
    exitCode: null,
    signal: null,
    terminationReason: null,
    waitingReason: null,
    restarts: 0,
    backoffSeconds: null,
    pods: [],
    events: [],
    probe: null,
    logs: [],
    crashLine: null,
    subjects: {},
    figures: {},
    logsUnavailable: false,
    ...over,
  };
}

export function mailerFinding(over: Partial<FindingEvidence> = {}): Finding {
  return {
    fingerprint: "f-mailer-cfg",
    class: "create-container-config-error",
    subCause: "missing-key",
    fix: "incident",
    workload: { namespace: "todo", kind: "Deployment", name: "mailer" },
    node: null,
    container: "mailer",
    rootCause: "Secret todo/mailer-smtp has no key smtp-password, so the container cannot be created.",
    evidence: evidence({
      waitingReason: "CreateContainerConfigError",
      pods: ["mailer-7d9f8b6c4-abcde", "mailer-7d9f8b6c4-fghij"],
      events: [
        {
          reason: "Failed",
          count: 42,
          firstTime: T0 - 3600,
          lastTime: T0 - 60,
          message: "Error: couldn't find key smtp-password in Secret todo/mailer-smtp",
        },
      ],
      subjects: { secretName: "todo/mailer-smtp", keyName: "smtp-password" },
      ...over,
    }),
    confidence: 0.95,
    suggestedFix: "Add the key smtp-password to Secret todo/mailer-smtp, or fix the secretKeyRef's key name.",
    expectedOutcome: "The mailer pods start within a minute of the Secret's change.",
    runbook: "runbooks/create-container-config-error.md",
    valuesFix: null,
  };
}

export function apiFinding(over: Partial<FindingEvidence> = {}): Finding {
  return {
    fingerprint: "f-api-db",
    class: "dependency-unreachable",
    subCause: "connection-refused",
    fix: "incident",
    workload: { namespace: "todo", kind: "Deployment", name: "api" },
    node: null,
    container: "api",
    rootCause: "api exits because it cannot connect to orders-db:5432 (connection refused).",
    evidence: evidence({
      exitCode: 1,
      terminationReason: "Error",
      waitingReason: "CrashLoopBackOff",
      restarts: 17,
      backoffSeconds: 300,
      pods: ["api-5c8d7f9b6-k2x4m"],
      events: [
        {
          reason: "BackOff",
          count: 63,
          firstTime: T0 - 5400,
          lastTime: T0 - 30,
          message: "Back-off restarting failed container api",
        },
      ],
      logs: [
        { template: "connect ECONNREFUSED <*>:<*>", count: 12, level: "error", new: true },
        { template: "Starting api version <*>", count: 17, level: "info", new: false },
      ],
      crashLine: `Error: connect ECONNREFUSED 10.96.4.12:5432 (postgres://app:${PLANTED_PASSWORD}@orders-db:5432/orders)`,
      subjects: { host: "orders-db", port: "5432" },
      figures: { "failed connection attempts": "12" },
      ...over,
    }),
    confidence: 0.9,
    suggestedFix: "Bring orders-db back (check its pods and Service endpoints); api recovers by itself.",
    expectedOutcome: "api stops restarting once orders-db accepts connections.",
    runbook: "runbooks/dependency-unreachable.md",
    valuesFix: null,
  };
}

export function oomFinding(): Finding {
  return {
    fingerprint: "f-worker-oom",
    class: "oom-killed",
    subCause: "spike",
    fix: "values",
    workload: { namespace: "todo", kind: "Deployment", name: "worker" },
    node: null,
    container: "worker",
    rootCause: "worker is killed at its 256 MiB memory limit during batch peaks.",
    evidence: evidence({ exitCode: 137, signal: "SIGKILL", terminationReason: "OOMKilled", restarts: 3 }),
    confidence: 0.9,
    suggestedFix: "Raise the memory limit to 384 MiB.",
    expectedOutcome: "No more OOM kills.",
    runbook: "runbooks/oom-killed.md",
    valuesFix: { kind: "oom", container: "worker", memoryLimitBytes: 384 * 2 ** 20 },
  };
}

export function mailerIncident(): Incident {
  return {
    fingerprint: "inc-secret-mailer-smtp",
    class: "create-container-config-error",
    subCause: "missing-key",
    fix: "incident",
    title: "Secret todo/mailer-smtp has no key smtp-password: 1 workload fails",
    cause: "secret:todo/mailer-smtp",
    findings: ["f-mailer-cfg"],
    workloads: [{ namespace: "todo", kind: "Deployment", name: "mailer" }],
    firstSeen: T0 - 3600,
    lastSeen: T0 - 60,
  };
}

export function apiIncident(): Incident {
  return {
    fingerprint: "inc-host-orders-db-5432",
    class: "dependency-unreachable",
    subCause: "connection-refused",
    fix: "incident",
    title: "orders-db:5432 refuses connections: api crash-loops",
    cause: "host:orders-db:5432",
    findings: ["f-api-db"],
    workloads: [{ namespace: "todo", kind: "Deployment", name: "api" }],
    firstSeen: T0 - 5400,
    lastSeen: T0 - 30,
  };
}

export function oomIncident(): Incident {
  return {
    fingerprint: "inc-worker-oom",
    class: "oom-killed",
    subCause: "spike",
    fix: "values",
    title: "worker is OOM-killed at its memory limit",
    cause: "workload:todo/worker",
    findings: ["f-worker-oom"],
    workloads: [{ namespace: "todo", kind: "Deployment", name: "worker" }],
    firstSeen: T0 - 7200,
    lastSeen: T0 - 600,
  };
}

/** The full diagnosis: two incident issues wanted, the OOM goes to a pull request instead. */
export function diagnosisOf(
  parts: { mailer?: Finding; api?: Finding | null; oom?: boolean } = {},
): Diagnosis {
  const findings: Finding[] = [parts.mailer ?? mailerFinding()];
  const incidents: Incident[] = [mailerIncident()];
  if (parts.api !== null) {
    findings.push(parts.api ?? apiFinding());
    incidents.push(apiIncident());
  }
  if (parts.oom !== false) {
    findings.push(oomFinding());
    incidents.push(oomIncident());
  }
  return { findings, incidents, warnings: [] };
}
