// A liveness-probe-kill finding as the classifier (analyze/diagnose) builds it: a Spring-style app that needs
// about 52 s to start, behind a liveness probe that kills it after 40 s. Hand-made, so decide, render and plan
// tests do not depend on the classifier.
import type { Finding, WorkloadSubject } from "../../src/model/finding.ts";

/** 2026-12-01 10:00 UTC. */
export const KILLED_AT = 1_796_119_200;

export function probeKillFinding(workload: WorkloadSubject, container = "app"): Finding {
  return {
    fingerprint: `lpk-${workload.namespace}-${workload.name}-${container}`,
    class: "liveness-probe-kill",
    subCause: null,
    fix: "values",
    workload,
    node: null,
    container,
    rootCause: `The liveness probe kills ${container} after 40 s, before it finishes starting (it needs about 52 s).`,
    evidence: {
      exitCode: 137,
      signal: "SIGKILL",
      terminationReason: "Error",
      waitingReason: "CrashLoopBackOff",
      restarts: 7,
      backoffSeconds: 160,
      pods: [`${workload.name}-7d4b9c-x2k4q`],
      events: [
        {
          reason: "Killing",
          count: 7,
          firstTime: KILLED_AT - 1800,
          lastTime: KILLED_AT,
          message: `Container ${container} failed liveness probe, will be restarted`,
        },
        {
          reason: "Unhealthy",
          count: 21,
          firstTime: KILLED_AT - 1820,
          lastTime: KILLED_AT - 1,
          message: 'Liveness probe failed: Get "http://10.1.2.3:8080/actuator/health": connection refused',
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
      logs: [],
      crashLine: "INFO  Initializing Spring DispatcherServlet 'dispatcherServlet' password=hunter2",
      subjects: {},
      figures: {},
      logsUnavailable: false,
    },
    confidence: 0.9,
    suggestedFix: "Add a startupProbe that allows 79 s for the start.",
    expectedOutcome: "The container finishes starting and stops being restarted.",
    runbook: "runbooks/liveness-probe-kill.md",
    valuesFix: {
      kind: "probe",
      container,
      handler: { httpGet: { path: "/actuator/health", port: 8080 } },
      startupProbe: { periodSeconds: 10, failureThreshold: 8 },
      liveness: {},
      allowsStartSeconds: 80,
    },
  };
}
