// The pods of one workload folded into one finding per (workload, container, class): pods listed, the
// highest restart count, events folded by reason over all pods; the rest from the most restarted pod.

import { getDiagnosisClass } from "../../model/diagnosis.ts";
import type { Finding } from "../../model/finding.ts";
import { backoffSeconds, type Candidate, foldEvents, signalOf } from "./candidate.ts";
import { findingFingerprint, workloadKeyOf } from "./fingerprint.ts";
import { compareText } from "./read.ts";

export const candidateKey = (c: Candidate) =>
  `${c.workload ? workloadKeyOf(c.workload) : `node:${c.node}`}|${c.container ?? ""}|${c.class}`;

/** The finding and the shared cause of a group of candidates (same workload, container and class). */
export function foldCandidates(group: readonly Candidate[]): {
  finding: Finding;
  cause: string | null;
  seen: number[];
} {
  const sorted = [...group].sort((a, b) => b.restarts - a.restarts || compareText(a.pod ?? "", b.pod ?? ""));
  const c = sorted[0] as Candidate;
  const pods = [...new Set(group.map((g) => g.pod).filter((p): p is string => p !== null))].sort();
  const restarts = Math.max(...group.map((g) => g.restarts));
  const logs = c.logs;
  const finding: Finding = {
    fingerprint: findingFingerprint(c),
    class: c.class,
    subCause: c.subCause,
    fix: c.fix,
    workload: c.workload,
    node: c.node,
    container: c.container,
    rootCause: c.rootCause,
    evidence: {
      exitCode: c.exitCode,
      signal: signalOf(c.exitCode),
      terminationReason: c.terminationReason,
      waitingReason: c.waitingReason,
      restarts,
      backoffSeconds: c.waitingReason === "CrashLoopBackOff" ? backoffSeconds(restarts) : null,
      pods,
      events: foldEvents(group.flatMap((g) => g.events)),
      probe: c.probe,
      logs: logs?.templates ?? [],
      crashLine: logs?.crashLine ?? null,
      subjects: c.subjects,
      figures: c.figures,
      logsUnavailable: logs?.unavailable ?? false,
    },
    confidence: c.confidence,
    suggestedFix: c.suggestedFix,
    expectedOutcome: c.expectedOutcome,
    runbook: getDiagnosisClass(c.class).runbook,
    valuesFix: c.valuesFix,
  };
  const seen = [
    ...group.flatMap((g) => g.seen),
    ...finding.evidence.events
      .flatMap((e) => [e.firstTime, e.lastTime])
      .filter((t): t is number => t !== null),
  ];
  return { finding, cause: c.cause, seen };
}
