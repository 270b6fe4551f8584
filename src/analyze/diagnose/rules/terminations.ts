// Containers that ran and died: killed at their memory limit (OOMKilled), killed by their liveness probe
// (exit 137/143 after Unhealthy + Killing events — never an OOM), or exited on their own (app-exit), which
// is a dependency failure when the crash lines name a host:port it cannot reach.
import { APP_EXIT_CODES, appExitCodeMeaning, SIGKILL_EXIT } from "../../../model/diagnosis.ts";
import { DEFAULT_OOM_POLICY } from "../../../model/policy.ts";
import { parseQuantity, roundMemoryUp } from "../../../model/quantity.ts";
import { type Candidate, candidate, formatBytes } from "../candidate.ts";
import { type ContainerContext, withLogs, workloadName } from "../container-context.ts";
import { at, clause, num, str, unixTime } from "../read.ts";
import { findDependencyFailure } from "./dependency.ts";
import { memoryShape } from "./memory-shape.ts";

export const terminationBase = (ctx: ContainerContext) => {
  const exitCode = num(ctx.terminated?.exitCode) ?? null;
  return {
    workload: ctx.pod.workload,
    container: ctx.name,
    pod: ctx.pod.meta.name,
    restarts: ctx.restarts,
    exitCode,
    terminationReason: str(ctx.terminated?.reason) ?? null,
    waitingReason: str(ctx.waiting?.reason) ?? null,
    events: ctx.events,
    seen: [unixTime(ctx.terminated?.startedAt), unixTime(ctx.terminated?.finishedAt)].filter(
      (t): t is number => t !== undefined,
    ),
  };
};

function memoryLimitOf(ctx: ContainerContext): number | null {
  const raw = at(ctx.spec, "resources", "limits", "memory");
  const bytes = typeof raw === "string" || typeof raw === "number" ? parseQuantity(raw) : undefined;
  return bytes ?? null;
}

/** The history with the most memory samples over the workload's pods for this container, this pod first. */
function memoryHistory(ctx: ContainerContext) {
  const pods = new Set(ctx.siblings.map((p) => p.meta.name));
  const histories = ctx.input.history.filter(
    (h) => h.namespace === ctx.pod.meta.namespace && h.container === ctx.name && pods.has(h.pod),
  );
  return histories.sort(
    (a, b) =>
      Number(b.pod === ctx.pod.meta.name) - Number(a.pod === ctx.pod.meta.name) ||
      b.memory.times.length - a.memory.times.length,
  )[0];
}

export function oomKilled(ctx: ContainerContext): Candidate | undefined {
  if (str(ctx.terminated?.reason) !== "OOMKilled") return undefined;
  const limit = memoryLimitOf(ctx);
  const history = memoryHistory(ctx);
  const shape = history ? memoryShape(history.memory, limit) : null;
  const who = `container ${ctx.name} of ${workloadName(ctx.pod.workload)}`;
  const limitText = limit !== null ? formatBytes(limit) : "its memory limit";
  const figures: Record<string, string> = {};
  if (limit !== null) figures["memory limit"] = formatBytes(limit);
  const p = DEFAULT_OOM_POLICY;
  const peak = shape?.figures.peak ?? 0;
  const newLimit =
    limit !== null
      ? roundMemoryUp(Math.max(limit * (1 + p.raiseFraction), limit + p.raiseMin, peak * p.overP99))
      : null;
  if (shape?.subCause === "steady-growth") {
    const perHour = shape.figures.growthPerHour ?? 0;
    figures["memory growth per hour"] = formatBytes(perHour);
    figures["memory from"] = formatBytes(shape.figures.from ?? 0);
    figures["memory to"] = formatBytes(shape.figures.to ?? 0);
    return candidate({
      ...terminationBase(ctx),
      class: "oom-killed",
      subCause: "steady-growth",
      fix: "incident",
      rootCause: `${cap(who)} leaks memory: it grows about ${formatBytes(perHour)} per hour until it is killed at ${limitText}.`,
      suggestedFix:
        "Find and fix the leak (heap profile of a long-running instance); a higher limit only delays the kill.",
      expectedOutcome: "With the leak fixed, memory levels off below the limit and the OOM kills stop.",
      confidence: 0.85,
      figures,
    });
  }
  if (shape?.subCause === "spike") {
    figures["typical memory"] = formatBytes(shape.figures.typical ?? 0);
    figures["peak memory"] = formatBytes(shape.figures.peak ?? 0);
  }
  if (newLimit !== null) figures["proposed memory limit"] = formatBytes(newLimit);
  const spike = shape?.subCause === "spike";
  return candidate({
    ...terminationBase(ctx),
    class: "oom-killed",
    subCause: spike ? "spike" : null,
    fix: newLimit !== null ? "values" : "incident",
    rootCause: spike
      ? `${cap(who)} is killed at ${limitText}: usage sits near ${formatBytes(shape.figures.typical ?? 0)} and spikes to the limit.`
      : `${cap(who)} was killed for reaching ${limitText} (OOMKilled, exit 137).`,
    suggestedFix:
      newLimit !== null
        ? `Raise the memory limit of ${ctx.name} to ${formatBytes(newLimit)}.`
        : "Set a memory limit and request that fit the container's peak usage.",
    expectedOutcome: "The container's peaks fit under the new limit and the OOM kills stop.",
    confidence: shape ? 0.9 : 0.7,
    figures,
    valuesFix: newLimit !== null ? { kind: "oom", container: ctx.name, memoryLimitBytes: newLimit } : null,
  });
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** app-exit, or dependency-unreachable when the crash lines name a host:port it cannot reach. */
export function appExit(ctx: ContainerContext): Candidate | undefined {
  const t = ctx.terminated;
  const exitCode = num(t?.exitCode);
  if (!t || exitCode === undefined || exitCode === 0) return undefined;
  const reading = ctx.logs();
  const dependency = findDependencyFailure([...reading.errorLines, ...reading.lastLines.slice(-5)]);
  const who = `container ${ctx.name} of ${workloadName(ctx.pod.workload)}`;
  if (dependency) {
    const target = dependency.port ? `${dependency.host}:${dependency.port}` : dependency.host;
    const how = {
      "connection-refused": "is refused",
      timeout: "times out",
      "name-resolution": "does not resolve",
    }[dependency.subCause];
    const subjects: Record<string, string> = { host: dependency.host };
    if (dependency.port) subjects.port = dependency.port;
    return candidate({
      ...terminationBase(ctx),
      class: "dependency-unreachable",
      subCause: dependency.subCause,
      fix: "incident",
      rootCause: `${cap(who)} exits with code ${exitCode} because its connection to ${target} ${how}.`,
      suggestedFix: `Make ${target} reachable from ${ctx.pod.meta.namespace} (is the service up, its endpoints ready, the name and port right, a NetworkPolicy in the way?).`,
      expectedOutcome: `Once ${target} answers, the container starts on its next restart and stays up.`,
      confidence: 0.9,
      logs: reading,
      subjects,
      cause: `host:${target}`,
    });
  }
  const meaning = appExitCodeMeaning(exitCode) ?? (exitCode === SIGKILL_EXIT.code ? SIGKILL_EXIT : undefined);
  const known = APP_EXIT_CODES.some((e) => e.code === exitCode);
  const crash = reading.crashLine ? `; its last error: "${clause(reading.crashLine, 160)}"` : "";
  return candidate({
    ...terminationBase(ctx),
    class: "app-exit",
    subCause: null,
    fix: "incident",
    rootCause: `${cap(who)} exits with code ${exitCode}${meaning ? ` (${meaning.meaning})` : ""}${crash}.`,
    suggestedFix:
      exitCode === 139
        ? "Fix the crash in the application or its native libraries (a core dump or a debug build shows where); more memory does not help."
        : "Fix the error the crash line shows (configuration, arguments, a failing start-up check) and roll out again.",
    expectedOutcome: "With the cause fixed, the container stays up and its restart count stops growing.",
    confidence: withLogs(known ? 0.85 : 0.7, reading),
    logs: reading,
  });
}
