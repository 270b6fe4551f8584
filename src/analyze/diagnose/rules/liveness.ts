// Exit 137/143 after Unhealthy "Liveness probe failed" and Killing "failed liveness probe" is the kubelet's
// liveness kill, never an OOM. It is a values fix (a startupProbe allowing the observed start × margin) only
// when the dead instance was still starting (no error line at its end) and some instance of the workload shows
// it does start, later than the probe allows. Otherwise the app never becomes healthy: an incident.
import type { ValuesFix } from "../../../model/finding.ts";
import { type Candidate, candidate, probeEvidence } from "../candidate.ts";
import {
  type ContainerContext,
  containerSpecOf,
  terminationTimes,
  withLogs,
  workloadName,
} from "../container-context.ts";
import { logKey, observedStart } from "../logs.ts";
import { at, objs, type Raw, str, unixTime } from "../read.ts";
import { terminationBase } from "./terminations.ts";

const LIVENESS_UNHEALTHY = /liveness probe failed/i;
const LIVENESS_KILLING = /failed liveness probe/i;
const HANDLERS = ["httpGet", "tcpSocket", "exec", "grpc"];

/**
 * The kubelet's liveness kill: Unhealthy/Killing liveness events, or (events expired) a dead instance that ran
 * the probe's kill time, within one period and timeout.
 */
function livenessKillEvidence(ctx: ContainerContext): "events" | "timing" | undefined {
  const code = ctx.terminated?.exitCode;
  if (str(ctx.terminated?.reason) === "OOMKilled") return undefined;
  if (code !== 137 && code !== 143) return undefined;
  const byEvents = ctx.events.some(
    (e) =>
      (e.reason === "Killing" && LIVENESS_KILLING.test(e.message)) ||
      (e.reason === "Unhealthy" && LIVENESS_UNHEALTHY.test(e.message)),
  );
  if (byEvents) return "events";
  const probe = probeEvidence(ctx.spec, "liveness");
  const { started, finished } = terminationTimes(ctx.terminated);
  if (!probe || started === undefined || finished === undefined) return undefined;
  const ran = finished - started;
  return Math.abs(ran - probe.killAfterSeconds) <= probe.periodSeconds + probe.timeoutSeconds
    ? "timing"
    : undefined;
}

/** The slowest start any instance of the workload shows in its log (null seconds: started, time unknown). */
function slowestStart(ctx: ContainerContext): { seconds: number | null } | null {
  let best: { seconds: number | null } | null = null;
  for (const pod of ctx.siblings) {
    const key = logKey(pod.meta.namespace, pod.meta.name, ctx.name);
    const status = [...objs(pod.status.containerStatuses)].find((s) => s.name === ctx.name);
    const instances: [string | undefined, number | undefined][] = [
      [ctx.input.logs[key], unixTime(at(status, "state", "running", "startedAt"))],
      [ctx.input.previousLogs[key], unixTime(at(status, "lastState", "terminated", "startedAt"))],
    ];
    for (const [text, startedAt] of instances) {
      const seen = observedStart(typeof text === "string" ? text : undefined, startedAt);
      if (!seen) continue;
      if (!best || (seen.seconds ?? -1) > (best.seconds ?? -1)) best = seen;
    }
  }
  return best;
}

function handlerOf(probe: Raw | undefined): Record<string, unknown> | null {
  if (!probe) return null;
  const handler: Record<string, unknown> = {};
  for (const key of HANDLERS) if (probe[key] !== undefined) handler[key] = probe[key];
  return Object.keys(handler).length > 0 ? handler : null;
}

export function livenessKill(ctx: ContainerContext): Candidate | undefined {
  const evidence = livenessKillEvidence(ctx);
  if (!evidence) return undefined;
  const reading = ctx.logs();
  const spec = ctx.spec ?? containerSpecOf(ctx.pod.raw, ctx.name);
  const start = ctx.input.logsReadable ? slowestStart(ctx) : null;
  const probe = probeEvidence(spec, "liveness", start?.seconds ?? null);
  const { started, finished } = terminationTimes(ctx.terminated);
  const figures: Record<string, string> = {};
  if (started !== undefined && finished !== undefined) figures["instance ran"] = `${finished - started} s`;
  if (probe) figures["liveness kills after"] = `${probe.killAfterSeconds} s`;
  if (start?.seconds != null) figures["observed start"] = `${start.seconds} s`;
  const who = `container ${ctx.name} of ${workloadName(ctx.pod.workload)}`;
  const stillStarting =
    !reading.unavailable && !reading.lastLines.slice(-10).some((l) => reading.errorLines.includes(l));
  // An instance that survives started inside the probe's window, so its start time is at most killAfter. The
  // app is a slow starter when its starts take a good part of that window (at least half) and the killed
  // instance was still starting, without errors, when it was killed: a slower node or a bigger data set pushes
  // a start past the window. A quick start followed by silence is a hang, not slowness: no probe relaxation.
  const ran = started !== undefined && finished !== undefined ? finished - started : 0;
  const slow =
    probe !== null && start?.seconds != null && start.seconds >= probe.killAfterSeconds / 2 && stillStarting;
  let valuesFix: ValuesFix | null = null;
  if (slow && probe && start?.seconds != null) {
    // The killed instance needed more than it ran; the observed start is the floor.
    const allows = Math.ceil(Math.max(start.seconds, ran) * ctx.input.policy.startupMargin);
    valuesFix = {
      kind: "probe",
      container: ctx.name,
      handler: handlerOf(at(spec, "livenessProbe") as Raw | undefined),
      startupProbe: {
        periodSeconds: probe.periodSeconds,
        failureThreshold: Math.ceil(allows / probe.periodSeconds),
      },
      liveness: {},
      allowsStartSeconds: allows,
    };
    figures["startupProbe allows"] = `${allows} s`;
  }
  const killAfter = probe ? `${probe.killAfterSeconds} s` : "its liveness deadline";
  return candidate({
    ...terminationBase(ctx),
    class: "liveness-probe-kill",
    subCause: null,
    fix: valuesFix ? "values" : "incident",
    rootCause: valuesFix
      ? `The liveness probe kills ${who} after ${killAfter}, while it is still starting: an instance that got through started in ${start?.seconds} s, a killed one was still starting after ${ran} s.`
      : `The liveness probe kills ${who} after ${killAfter}, and no instance shows it becomes healthy later${stillStarting ? "" : " (its log ends in errors)"}.`,
    suggestedFix: valuesFix
      ? `Add a startupProbe to ${ctx.name} allowing ${valuesFix.allowsStartSeconds} s to start (period ${probe?.periodSeconds} s × ${valuesFix.startupProbe?.failureThreshold}).`
      : "Find why the application does not answer its liveness probe (its log, the probe's endpoint); do not relax the probe.",
    expectedOutcome: valuesFix
      ? "The container finishes starting before liveness checks begin; the kills and restarts stop."
      : "With the application answering its probe, the kills stop.",
    confidence: withLogs((valuesFix ? 0.9 : 0.75) - (evidence === "timing" ? 0.15 : 0), reading),
    probe,
    logs: reading,
    figures,
    valuesFix,
  });
}
