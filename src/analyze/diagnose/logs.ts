// Log evidence of a failing container (issue 14, log analysis): the dead instance's tail mined with Drain,
// its error-level templates ranked for the crash, which of them are new since the other instance, the crash
// line (the last error-level line of the dead instance), and the signs that an instance did start.
import type { LogEvidence } from "../../model/finding.ts";
import { cleanLine, detectLevel } from "../log-lines.ts";
import { mineTemplates, newSince, rankForCrash, tailOfText } from "../log-templates.ts";

/** How many ranked templates a finding shows. */
const TEMPLATES_SHOWN = 5;

export interface LogReading {
  /** Logs were unavailable (not readable, or none captured for this container). */
  unavailable: boolean;
  templates: LogEvidence[];
  crashLine: string | null;
  /** The dead instance's last lines, cleaned, oldest first. */
  lastLines: string[];
  /** The last error- or fatal-level lines of the dead instance, oldest first. */
  errorLines: string[];
}

export interface ContainerLogs {
  /** The instance that died (the previous one, or the current one while it waits to restart). */
  dead: string | undefined;
  /** The other instance, when there is one. */
  other: string | undefined;
}

export const logKey = (namespace: string, pod: string, container: string) =>
  `${namespace}/${pod}/${container}`;

export function containerLogs(
  logs: Readonly<Record<string, string>>,
  previousLogs: Readonly<Record<string, string>>,
  key: string,
): ContainerLogs {
  const previous = typeof previousLogs[key] === "string" ? previousLogs[key] : undefined;
  const current = typeof logs[key] === "string" ? logs[key] : undefined;
  return previous !== undefined ? { dead: previous, other: current } : { dead: current, other: undefined };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A log line fit to print and store: escapes and control bytes neutralized, lone surrogates replaced. */
const printable = (line: string) => cleanLine(line).replace(LONE_SURROGATE, "\uFFFD");

const isError = (line: string) => {
  const level = detectLevel(line);
  return level === "error" || level === "fatal";
};

/** Mines the dead instance (and the other, for what is new); reads nothing when logs are unavailable. */
export function readContainerLogs(logs: ContainerLogs, readable: boolean): LogReading {
  if (!readable || logs.dead === undefined) {
    return { unavailable: true, templates: [], crashLine: null, lastLines: [], errorLines: [] };
  }
  const lines = tailOfText(logs.dead).lines.map(printable);
  const mined = mineTemplates(lines);
  const fresh =
    logs.other !== undefined
      ? new Set(newSince(mineTemplates(tailOfText(logs.other).lines), mined).map((t) => t.id))
      : new Set<string>();
  const templates = rankForCrash(mined)
    .slice(0, TEMPLATES_SHOWN)
    .map((t) => ({ template: t.template, count: t.count, level: t.level ?? null, new: fresh.has(t.id) }));
  const nonBlank = lines.filter((l) => l.trim() !== "");
  const errorLines = nonBlank.filter(isError).slice(-5);
  return {
    unavailable: false,
    templates,
    crashLine: errorLines.at(-1) ?? null,
    lastLines: nonBlank.slice(-30),
    errorLines,
  };
}

const STARTED_IN = /\bstarted\b.*?\bin\s+(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds)\b/i;
const START_MARKER =
  /\b(?:listening on|ready to accept connections|server started|started server|application started|startup complete|ready in)\b/i;
const LEADING_TIME = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/;

/**
 * How long an instance took to start, from its log: the N of "Started X in N seconds", else the time of a
 * start line ("listening on :8080", "ready to accept connections") minus the instance's start. Null when the
 * log shows no start; `seconds` is null when it started but its log does not say when.
 */
export function observedStart(
  text: string | undefined,
  startedAt: number | undefined,
): { seconds: number | null } | null {
  if (text === undefined) return null;
  for (const raw of tailOfText(text).lines) {
    const line = cleanLine(raw);
    const inSeconds = STARTED_IN.exec(line);
    if (inSeconds) return { seconds: Number(inSeconds[1]) };
    if (!START_MARKER.test(line)) continue;
    const stamp = LEADING_TIME.exec(line)?.[1];
    const when = stamp ? Date.parse(stamp.replace(",", ".").replace(" ", "T")) / 1000 : Number.NaN;
    const known = startedAt !== undefined && Number.isFinite(when) && when >= startedAt;
    return { seconds: known ? Math.round((when - startedAt) * 10) / 10 : null };
  }
  return null;
}
