// The agent's one action of its own (agent.actions.restartPods, the trivial tier): every intervalMs it looks
// at the watch's cache for pods stuck not ready (src/decide/restart-pods.ts decides), evicts them, and lands a
// PHR with status executed for each. A stuck pod produces no watch event while it stays stuck, hence a scan,
// not a trigger. Only the leader acts and the kill switch stops it (the loop's holdReason, read before each
// eviction); one JSON log line per decision, and kopt_agent_actions_total{action="restart",result}.
import {
  decideRestarts,
  EMPTY_RESTART_LEDGER,
  holdPod,
  type RestartLedger,
  type RestartPolicy,
  recordRestart,
  type StuckPod,
  workloadKey,
} from "../../decide/restart-pods.ts";
import type { AgentConfig } from "../../formats/config.ts";
import { durationSeconds } from "../../formats/config.ts";
import type { EvictionResult } from "../../observe/kube/eviction.ts";
import type { AgentMetrics } from "./metrics.ts";
import type { AgentLog, RawObject } from "./ports.ts";

/** What the agent's loop gives the actions when it starts them. */
export interface ActionContext {
  /** Why the agent may not act now (paused, not the leader, stopping), or undefined. */
  holdReason: () => string | undefined;
  metrics: AgentMetrics;
}

/** The agent's own actions, started and stopped with its loop (agent.ts). */
export interface ActionsPort {
  start(ctx: ActionContext): void;
  /** Stops the scan and waits for the one in flight. */
  stop(): Promise<void>;
}

/** Where an executed restart's PHR landed. */
export interface RestartRecordOutcome {
  phr: string;
  /** The pull request or commit; "already" when the PHR was on the base already (a retry). */
  location: string;
  merged: boolean;
  warnings: string[];
}

export interface RestarterOptions {
  settings: AgentConfig["actions"]["restartPods"];
  /** source.kubernetes.namespaces: outside them nothing is acted on. */
  watched: (namespace: string) => boolean;
  objects: () => RawObject[];
  lookup: (kind: string, namespace: string, name: string) => RawObject | undefined;
  evict: (pod: StuckPod) => Promise<EvictionResult>;
  record: (pod: StuckPod, executedAt: Date) => Promise<RestartRecordOutcome>;
  log: AgentLog;
  /** ms since the epoch; default Date.now. */
  clock?: () => number;
  /** How often the cache is scanned; default 30 s. */
  intervalMs?: number;
}

const DEFAULT_INTERVAL_MS = 30_000;

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const podFields = (pod: StuckPod) => ({
  pod: `${pod.namespace}/${pod.name}`,
  workload: workloadKey(pod.workload),
  container: pod.container,
  notReadySince: new Date(pod.notReadySince).toISOString(),
});

export function createRestarter(opts: RestarterOptions): ActionsPort {
  const clock = opts.clock ?? Date.now;
  const s = opts.settings;
  const policy: RestartPolicy = {
    namespaces: s.namespaces,
    watched: opts.watched,
    stuckForMs: durationSeconds(s.stuckFor) * 1000,
    cooldownMs: durationSeconds(s.cooldown) * 1000,
    perHour: s.perHour,
  };
  let ledger: RestartLedger = EMPTY_RESTART_LEDGER;
  /** Restarts done whose PHR has not landed yet (the forge failed): tried again at every scan. */
  let unrecorded: { pod: StuckPod; at: Date }[] = [];
  /** "uid reason" of skips already logged, so a pod skipped at every scan is logged once. */
  const logged = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let ctx: ActionContext | undefined;

  const count = (result: string) => ctx?.metrics.actions.inc({ action: "restart", result });
  const skipped = (pod: StuckPod, reason: string, detail: string) => {
    const key = `${pod.uid} ${reason}`;
    if (logged.has(key)) return;
    logged.add(key);
    count(reason);
    opts.log("restart", { result: "skipped", reason, detail, ...podFields(pod) });
  };

  const record = async (pod: StuckPod, at: Date): Promise<boolean> => {
    try {
      const r = await opts.record(pod, at);
      opts.log("restart.recorded", { ...podFields(pod), ...r });
      return true;
    } catch (err) {
      opts.log("restart.record.failed", { level: "warn", ...podFields(pod), error: errorMessage(err) });
      return false;
    }
  };

  const evict = async (pod: StuckPod, now: number): Promise<void> => {
    let r: EvictionResult;
    try {
      r = await opts.evict(pod);
    } catch (err) {
      r = { outcome: "failed", status: 0, message: errorMessage(err) };
    }
    if (r.outcome === "evicted") {
      ledger = recordRestart(ledger, pod, now, policy);
      count("restarted");
      opts.log("restart", { result: "restarted", readyPeers: pod.readyPeers, ...podFields(pod) });
      const at = new Date(now);
      if (!(await record(pod, at))) unrecorded.push({ pod, at });
    } else if (r.outcome === "gone") {
      opts.log("restart", { result: "skipped", reason: "gone", ...podFields(pod) });
    } else {
      // Refused by a PodDisruptionBudget, or failed: asked again after the cooldown, not in a loop.
      ledger = holdPod(ledger, pod.uid, now + policy.cooldownMs);
      const result = r.outcome === "refused" ? "refused" : "failed";
      count(result);
      opts.log("restart", {
        level: r.outcome === "refused" ? "info" : "warn",
        result,
        ...(r.outcome === "failed" ? { status: r.status } : {}),
        error: r.message,
        retryAfter: new Date(now + policy.cooldownMs).toISOString(),
        ...podFields(pod),
      });
    }
  };

  const scan = async (): Promise<void> => {
    if (!ctx || ctx.holdReason()) return;
    const pending = unrecorded;
    unrecorded = [];
    for (const u of pending) if (!(await record(u.pod, u.at))) unrecorded.push(u);
    const now = clock();
    for (const d of decideRestarts(opts.objects(), opts.lookup, now, policy, ledger)) {
      if (d.action === "skip") skipped(d.pod, d.reason, d.detail);
      // Leadership or the kill switch may have changed during the eviction before this one.
      else if (!ctx.holdReason()) await evict(d.pod, now);
    }
  };

  const tick = () => {
    ctx?.metrics.actionChecks.inc();
    if (inFlight) return;
    inFlight = scan()
      .catch((err: unknown) => opts.log("restart.failed", { level: "error", error: errorMessage(err) }))
      .finally(() => {
        inFlight = undefined;
      });
  };

  return {
    start(c) {
      ctx = c;
      if (policy.namespaces.length === 0) return;
      opts.log("restart.enabled", { ...s });
      timer = setInterval(tick, opts.intervalMs ?? DEFAULT_INTERVAL_MS);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
