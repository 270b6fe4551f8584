// The agent's Prometheus metrics (/metrics), on a registry of its own so two agents in one process (tests)
// do not share counters. Gauges and the watch's counters are read from the loop when scraped.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { WatchStats } from "./ports.ts";

/** What the metrics read when scraped. */
export interface MetricsSources {
  leader: () => boolean;
  paused: () => boolean;
  queueDepth: () => number;
  watchStats: () => WatchStats;
}

export interface AgentMetrics {
  registry: Registry;
  events: Counter<"kind">;
  triggers: Counter<"reason">;
  findings: Counter<"class">;
  pullRequests: Counter<"status">;
  issues: Counter<"action">;
  detectionSeconds: Histogram;
  reactions: Counter<"result">;
  forgeErrors: Counter;
  /** What the agent did itself (agent.actions): restarted, refused (a PDB), failed, or a skip's reason. */
  actions: Counter<"action" | "result">;
  /** Looks for stuck pods to restart, held (paused, not leading) or not. */
  actionChecks: Counter;
  render: () => Promise<string>;
  contentType: string;
}

/** A counter that mirrors a running total kept elsewhere (the watch's stats). */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): Counter {
  let seen = 0;
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > seen) this.inc(now - seen);
      seen = Math.max(seen, now);
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export function createAgentMetrics(src: MetricsSources): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers });
  gauge(registry, "kopt_agent_leader", "1 while this replica holds the lease", () => Number(src.leader()));
  gauge(registry, "kopt_agent_paused", "1 while the kill switch is on", () => Number(src.paused()));
  gauge(registry, "kopt_agent_queue_depth", "Targets waiting for or in a reaction", src.queueDepth);
  mirroredCounter(
    registry,
    "kopt_agent_informer_restarts_total",
    "Informers restarted after an error",
    () => src.watchStats().restarts,
  );
  mirroredCounter(
    registry,
    "kopt_agent_relists_total",
    "Re-lists after a 410 Gone or a silent watch",
    () => src.watchStats().relists,
  );
  return {
    registry,
    events: counter("kopt_agent_events_total", "Changes seen on the watches, by kind", ["kind"]),
    triggers: counter("kopt_agent_triggers_total", "Failure transitions seen, by reason", ["reason"]),
    findings: counter("kopt_agent_findings_total", "Findings of the agent's diagnoses, by class", ["class"]),
    pullRequests: counter("kopt_agent_pull_requests_total", "Pull requests, by status", ["status"]),
    issues: counter("kopt_agent_issues_total", "Incident issues, by action", ["action"]),
    detectionSeconds: new Histogram({
      name: "kopt_agent_detection_seconds",
      help: "From the failure's timestamp to the finding",
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    reactions: counter("kopt_agent_reactions_total", "Reactions, by result (ok, failed)", ["result"]),
    forgeErrors: new Counter({
      name: "kopt_agent_forge_errors_total",
      help: "Reactions that failed (forge unreachable, 5xx, rate-limited, push failed)",
      registers,
    }),
    actions: counter("kopt_agent_actions_total", "The agent's own actions (restart), by result", [
      "action",
      "result",
    ]),
    actionChecks: new Counter({
      name: "kopt_agent_action_checks_total",
      help: "Times the agent looked for stuck pods to restart (agent.actions.restartPods), held or not",
      registers,
    }),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
