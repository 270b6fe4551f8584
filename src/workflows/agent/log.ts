// The agent's log: one JSON line per decision, {"time","level","event",...fields}, through src/redact.ts so
// no token or Secret value can reach it whatever a field holds (an error from the forge, say).
import { redact } from "../../redact.ts";
import type { AgentLog } from "./ports.ts";

/** Events that are errors or warnings; everything else is info. A `level` field overrides. */
const LEVELS: Record<string, "error" | "warn"> = {
  "reaction.failed": "warn",
  "plan.failed": "error",
  "agent.failed": "error",
};

function errorText(value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

export function jsonLog(write: (line: string) => void, clock: () => number = Date.now): AgentLog {
  return (event, fields = {}) => {
    const { level, ...rest } = fields;
    const body: Record<string, unknown> = {
      time: new Date(clock()).toISOString(),
      level: typeof level === "string" ? level : (LEVELS[event] ?? "info"),
      event,
    };
    for (const [k, v] of Object.entries(rest)) body[k] = errorText(v);
    write(`${redact(JSON.stringify(body))}\n`);
  };
}
