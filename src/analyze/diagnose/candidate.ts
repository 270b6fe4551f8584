// What a rule says about one pod's container (or one node, one Deployment, one HPA) before the pods of a
// workload are folded into one finding: the class and its cause, the evidence of that pod, and the key the
// cause is shared under (`secret:ns/name`, `node:name` ...) for correlation into incidents.
import type { DiagnosisClassId, FixKind } from "../../model/diagnosis.ts";
import type { EventEvidence, ProbeEvidence, ValuesFix, WorkloadSubject } from "../../model/finding.ts";
import type { EventView } from "./cluster-index.ts";
import type { LogReading } from "./logs.ts";
import { at, compareText, num, type Raw } from "./read.ts";

export interface Candidate {
  class: DiagnosisClassId;
  subCause: string | null;
  fix: FixKind;
  workload: WorkloadSubject | null;
  node: string | null;
  container: string | null;
  pod: string | null;
  rootCause: string;
  suggestedFix: string;
  expectedOutcome: string;
  confidence: number;
  exitCode: number | null;
  terminationReason: string | null;
  waitingReason: string | null;
  restarts: number;
  events: EventView[];
  probe: ProbeEvidence | null;
  logs: LogReading | null;
  subjects: Record<string, string>;
  figures: Record<string, string>;
  valuesFix: ValuesFix | null;
  /** The shared cause for correlation (`secret:ns/name`), or null when only the workload is the cause. */
  cause: string | null;
  /** Times the failure was seen besides its events (a termination's start and finish), Unix seconds. */
  seen: number[];
}

/** A candidate with the fields most rules leave empty filled in. */
export function candidate(
  c: Pick<Candidate, "class" | "subCause" | "fix" | "rootCause" | "suggestedFix" | "expectedOutcome"> &
    Partial<Candidate>,
): Candidate {
  return {
    workload: null,
    node: null,
    container: null,
    pod: null,
    confidence: 0.9,
    exitCode: null,
    terminationReason: null,
    waitingReason: null,
    restarts: 0,
    events: [],
    probe: null,
    logs: null,
    subjects: {},
    figures: {},
    valuesFix: null,
    cause: null,
    seen: [],
    ...c,
  };
}

const SIGNALS: Record<number, string> = {
  130: "SIGINT",
  134: "SIGABRT",
  137: "SIGKILL",
  139: "SIGSEGV",
  143: "SIGTERM",
};

export const signalOf = (exitCode: number | null): string | null =>
  exitCode === null ? null : (SIGNALS[exitCode] ?? null);

/** The kubelet's crash-loop back-off at a restart count: 10 s doubling, capped at 300 s. */
export function backoffSeconds(restarts: number): number | null {
  if (restarts <= 0) return null;
  return Math.min(300, 10 * 2 ** Math.min(restarts - 1, 10));
}

const MESSAGE_MAX = 300;

/** The normal life of a pod, which explains no failure. */
const ROUTINE_REASONS = new Set([
  "Scheduled",
  "Pulling",
  "Pulled",
  "Created",
  "Started",
  "SuccessfulMountVolume",
]);

/** Events folded by reason (routine ones left out): counts summed, first and last times over all, the newest message. */
export function foldEvents(events: readonly EventView[]): EventEvidence[] {
  const byReason = new Map<string, { e: EventEvidence; newest: number }>();
  for (const e of events) {
    if (ROUTINE_REASONS.has(e.reason)) continue;
    const time = e.last ?? e.first ?? Number.NEGATIVE_INFINITY;
    const folded = byReason.get(e.reason);
    if (!folded) {
      const message = e.message.slice(0, MESSAGE_MAX);
      byReason.set(e.reason, {
        e: { reason: e.reason, count: e.count, firstTime: e.first, lastTime: e.last, message },
        newest: time,
      });
      continue;
    }
    folded.e.count += e.count;
    folded.e.firstTime = minTime(folded.e.firstTime, e.first);
    folded.e.lastTime = maxTime(folded.e.lastTime, e.last);
    if (time > folded.newest || (time === folded.newest && e.message < folded.e.message)) {
      folded.newest = time;
      folded.e.message = e.message.slice(0, MESSAGE_MAX);
    }
  }
  return [...byReason.values()]
    .map((f) => f.e)
    .sort((a, b) => (a.firstTime ?? 0) - (b.firstTime ?? 0) || compareText(a.reason, b.reason));
}

const minTime = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxTime = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** A probe of a container spec with Kubernetes' defaults (delay 0, period 10, timeout 1, failureThreshold 3). */
export function probeEvidence(
  container: Raw | undefined,
  probe: ProbeEvidence["probe"],
  observedStartSeconds: number | null = null,
): ProbeEvidence | null {
  const p = at(container, `${probe}Probe`);
  if (typeof p !== "object" || p === null) return null;
  const initialDelaySeconds = num(at(p, "initialDelaySeconds")) ?? 0;
  const periodSeconds = num(at(p, "periodSeconds")) ?? 10;
  const timeoutSeconds = num(at(p, "timeoutSeconds")) ?? 1;
  const failureThreshold = num(at(p, "failureThreshold")) ?? 3;
  return {
    probe,
    initialDelaySeconds,
    periodSeconds,
    timeoutSeconds,
    failureThreshold,
    killAfterSeconds: initialDelaySeconds + periodSeconds * failureThreshold,
    observedStartSeconds,
  };
}

/** Bytes as MiB/GiB for a sentence. */
export function formatBytes(bytes: number): string {
  const mib = bytes / 2 ** 20;
  if (mib >= 1024) return `${Math.round((mib / 1024) * 100) / 100} GiB`;
  return `${Math.round(mib * 10) / 10} MiB`;
}
