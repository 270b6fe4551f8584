// What the bench watches for after each pod change: the agent's log lines about the incident's workload
// (the trigger, then the diagnosis) and the pull request the GitHub simulator records for it.
import type { GitHubSim } from "../../support/github-sim/index.ts";
import type { LogLine } from "./agent-process.ts";

/**
 * Log events that carry a diagnosis's findings, earliest first. The runtime (src/workflows/agent/agent.ts)
 * logs "reaction" once the reactor is done, pull requests included; a line logged as soon as the diagnosis
 * is made, before the forge calls (the reactor's), is the finding's own time, so the first one of these
 * that names the workload counts.
 */
export const FINDING_EVENTS = ["react.diagnosed", "react.diagnosis", "diagnosis", "finding", "reaction"];
/** The runtime's line for a failure transition seen on the watch and queued. */
export const TRIGGER_EVENT = "trigger";

/** Whether `text` names `name` as a whole word of a Kubernetes name (svc-15 is not svc-153). */
export function mentions(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^a-z0-9.-])${escaped}([^a-z0-9.-]|$)`).test(text);
}

/** A diagnosis line of the workload `namespace/name` with at least one finding (or no findings field). */
export function isFinding(line: Pick<LogLine, "event" | "fields" | "text">, name: string): boolean {
  if (!FINDING_EVENTS.includes(line.event) || !mentions(line.text, name)) return false;
  const findings = line.fields.findings;
  return findings === undefined || (Array.isArray(findings) && findings.length > 0);
}

export function isTrigger(line: Pick<LogLine, "event" | "fields" | "text">, name: string): boolean {
  return line.event === TRIGGER_EVENT && line.fields.queued !== false && mentions(line.text, name);
}

/** A pull request as the simulator created it, with the bench's clock. */
export interface CreatedPull {
  at: number;
  number: number;
  head: string;
  title: string;
}

/** Records every pull request the simulator creates, at the moment it is created (not when polled). */
export function recordPulls(sim: GitHubSim): CreatedPull[] {
  const created: CreatedPull[] = [];
  const pulls = sim.state.pulls;
  const push = pulls.push.bind(pulls);
  pulls.push = (...items) => {
    const at = Date.now();
    for (const p of items) created.push({ at, number: p.number, head: p.head, title: p.title });
    return push(...items);
  };
  return created;
}

/** The earliest time at or after `since` something matching was seen. */
export function firstAt<T extends { at: number }>(
  seen: readonly T[],
  since: number,
  match: (x: T) => boolean,
): T | undefined {
  return seen.find((x) => x.at >= since && match(x));
}
