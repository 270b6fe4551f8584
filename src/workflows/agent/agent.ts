// The in-cluster agent's loop (`kopt agent`, issue 15): watch changes become failure triggers, triggers of one
// target coalesce into one reaction, and only the leader, unpaused and within the hourly limits, reacts. The
// parts it talks to (watch, lease, control ConfigMap, reactor) come in as ports (ports.ts), so this file is
// only the decisions between them; metrics, the HTTP endpoints and the log are its own small modules.
import {
  type BudgetLedger,
  budgetAt,
  EMPTY_LEDGER,
  recordSpent,
  spentBy,
} from "../../decide/agent-budget.ts";
import { type AgentConfig, durationSeconds } from "../../formats/config.ts";
import type { AgentTrigger, WatchChange } from "../../model/agent.ts";
import { REPORT_KINDS, type ReportKind } from "../../model/report.ts";
import { type AgentMetrics, createAgentMetrics } from "./metrics.ts";
import type {
  AgentLog,
  ClusterWatchPort,
  ControlPort,
  LeaderPort,
  RawObject,
  ReactBudget,
  ReactOutcome,
  ReactPort,
  ReactTarget,
} from "./ports.ts";
import { type Backoff, type QueuedWork, ReactionQueue } from "./queue.ts";
import type { ActionsPort } from "./restarts.ts";
import { checkSchedules, type Schedule, startSchedule } from "./schedule.ts";
import { type AgentServer, startServer } from "./server.ts";

export type ObjectLookup = (kind: string, namespace: string, name: string) => RawObject | undefined;

export interface AgentDeps {
  cluster: string;
  config: AgentConfig;
  /** source.kubernetes.namespaces: triggers elsewhere are dropped (the watch should not see them at all). */
  namespaces: { include?: string[]; exclude?: string[] };
  watch: ClusterWatchPort;
  leader: LeaderPort;
  control: ControlPort;
  reactor: ReactPort;
  triggersOf: (change: WatchChange, lookup: ObjectLookup) => AgentTrigger[];
  listen: { host: string; port: number };
  log: AgentLog;
  /** ms since the epoch; default Date.now. */
  clock?: () => number;
  /** The agent's own actions (agent.actions.restartPods), held like reactions: leader only, not paused. */
  actions?: ActionsPort;
  /** The periodic whole plan, run on config.plan.schedule. */
  plan?: () => Promise<unknown>;
  /** The weekly reports, each run on config.reports[kind] (published as `kopt report` publishes them). */
  reports?: Partial<Record<ReportKind, () => Promise<unknown>>>;
  /** The periodic `kopt verify`, run every config.verify.every (leader only, not paused). */
  verify?: () => Promise<unknown>;
  /** Retry backoff of a failed reaction; default 1 s doubling to 5 min. */
  retry?: Backoff;
  /** How often paused (or held) work and the control ConfigMap are looked at again; default 1 s. */
  recheckMs?: number;
  /** How long stop() waits for the in-flight reaction; default 10 s. */
  stopTimeoutMs?: number;
  /** Runs the plan and the reports on their schedules; default croner. Tests hand in one they tick by hand. */
  scheduler?: (expr: string, tick: () => Promise<void>) => Schedule;
}

export interface RunningAgent {
  /** http://host:port of the metrics and probe endpoints (the bound port when listen.port is 0). */
  url: string;
  stop(reason?: string): Promise<void>;
  /** Resolves when the watch has started and nothing is pending or in flight (for tests). */
  idle(): Promise<void>;
  metrics(): Promise<string>;
}

const DEFAULT_RETRY: Backoff = { initialMs: 1000, maxMs: 300_000 };

/** Whether a namespace is one the agent may act on. */
export function namespaceWatched(ns: string, namespaces: AgentDeps["namespaces"]): boolean {
  const { include, exclude } = namespaces;
  if (include && include.length > 0 && !include.includes(ns)) return false;
  return !exclude?.includes(ns);
}

/** The queue key and reaction target of a trigger: its workload, or the whole cluster for node pressure. */
export function targetOf(t: AgentTrigger): { key: string; target: ReactTarget } {
  if (!t.workload) return { key: "cluster", target: { cluster: true } };
  const w = t.workload;
  return { key: `${w.namespace}/${w.kind}/${w.name}`, target: { workload: { ...w } } };
}

/** Kind of a cached object: as the API sent it, or a Pod/Node recognised by its shape (list items lack it). */
function kindOf(o: RawObject): string | undefined {
  if (typeof o.kind === "string") return o.kind;
  const spec = o.spec as Record<string, unknown> | undefined;
  const status = o.status as Record<string, unknown> | undefined;
  if (Array.isArray(spec?.containers)) return "Pod";
  if (status?.nodeInfo) return "Node";
  return undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A job the agent runs on a cron schedule: its log event and the fields that tell it apart. */
interface ScheduledJob {
  event: "plan" | "report";
  fields: Record<string, string>;
}

class AgentLoop {
  readonly metrics: AgentMetrics;
  readonly queue: ReactionQueue;
  private readonly clock: () => number;
  private leading = false;
  private paused = false;
  private running = true;
  private ledger: BudgetLedger = EMPTY_LEDGER;
  private recheck: NodeJS.Timeout | undefined;
  private schedules: Schedule[] = [];
  /** The scheduled jobs running now (plan, report.health, ...): a job never runs twice at once. */
  private jobsRunning = new Set<string>();
  private verifyTimer: NodeJS.Timeout | undefined;
  private verifyRunning = false;
  /** Why the last verify was skipped: logged when it changes, not every interval. */
  private verifySkip: string | undefined;
  /** The reason work was last held for, so a hold is logged once, not at every re-check. */
  private lastHold: string | undefined;
  /** Ends when the reaction last given a budget has recorded what it spent. */
  private forgeTurn: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AgentDeps) {
    this.clock = deps.clock ?? Date.now;
    this.metrics = createAgentMetrics({
      leader: () => this.leading,
      paused: () => this.paused,
      queueDepth: () => this.queue.depth(),
      watchStats: () => deps.watch.stats(),
    });
    this.queue = new ReactionQueue({
      settleMs: durationSeconds(deps.config.watch.settle) * 1000,
      retry: deps.retry ?? DEFAULT_RETRY,
      holdRecheckMs: deps.recheckMs ?? 1000,
      run: (work, release) => this.react(work, release),
      holdReason: () => this.holdReason(),
      onFailure: (work, err, retryInMs) => this.failed(work, err, retryInMs),
      onHold: (reason) => this.held(reason),
    });
  }

  /** Wires the listeners; the watch's changes flow from here on. */
  listen(): void {
    this.deps.watch.onChange((change) => this.onChange(change));
    this.deps.leader.onChange((leading) => this.onLeader(leading));
  }

  /** Starts the re-check timer (kill switch) and the plan schedule. */
  startTimers(): void {
    this.checkPaused();
    this.recheck = setInterval(() => this.checkPaused(), this.deps.recheckMs ?? 1000);
    this.deps.actions?.start({ holdReason: () => this.holdReason(), metrics: this.metrics });
    this.startVerify();
    const { plan, reports } = this.deps.config;
    this.startJob({ event: "plan", fields: {} }, "agent.plan.schedule", plan.schedule, this.deps.plan);
    for (const kind of REPORT_KINDS) {
      const job: ScheduledJob = { event: "report", fields: { kind } };
      this.startJob(job, `agent.reports.${kind}`, reports[kind], this.deps.reports?.[kind]);
    }
  }

  /** Schedules `run` on `expr` (the config's `field`), when both are there; says so when only the cron is. */
  private startJob(
    job: ScheduledJob,
    field: string,
    expr: string | undefined,
    run: (() => Promise<unknown>) | undefined,
  ): void {
    if (!expr) return;
    if (!run) {
      this.deps.log(job.event, {
        level: "warn",
        ...job.fields,
        skipped: `${field} is set but no runner was given`,
      });
      return;
    }
    const scheduler = this.deps.scheduler ?? startSchedule;
    const schedule = scheduler(expr, () => this.runScheduled(job, run));
    this.schedules.push(schedule);
    this.deps.log(job.event, { ...job.fields, schedule: expr, next: schedule.next()?.toISOString() ?? null });
  }

  stopTimers(): void {
    this.running = false;
    if (this.recheck) clearInterval(this.recheck);
    if (this.verifyTimer) clearInterval(this.verifyTimer);
    for (const schedule of this.schedules) schedule.stop();
  }

  isRunning(): boolean {
    return this.running;
  }

  isLeading(): boolean {
    return this.leading;
  }

  private canAct(): boolean {
    return this.running && this.leading && this.deps.leader.isLeader();
  }

  private isPaused(): boolean {
    return this.deps.config.paused || this.deps.control.paused();
  }

  /** Logs each change of the kill switch once, and looks at held work at once when it is lifted. */
  private checkPaused(): void {
    const now = this.isPaused();
    if (now === this.paused) return;
    this.paused = now;
    const source = this.deps.config.paused ? "config" : "control";
    this.deps.log("agent.paused", { paused: now, ...(now ? { source } : {}) });
    if (!now) this.queue.poke();
  }

  private holdReason(): string | undefined {
    this.checkPaused();
    if (this.paused) return "paused";
    if (!this.canAct()) return "not the leader";
    return undefined;
  }

  private onChange(change: WatchChange): void {
    this.metrics.events.inc({ kind: change.kind });
    let triggers: AgentTrigger[];
    try {
      triggers = this.deps.triggersOf(change, (k, ns, n) => this.deps.watch.get(k, ns, n));
    } catch (err) {
      this.deps.log("trigger.failed", { level: "error", kind: change.kind, error: errorMessage(err) });
      return;
    }
    for (const t of triggers) this.accept(t, "watch");
  }

  /** One trigger: counted always, queued only by the leader and only for a watched namespace. */
  private accept(t: AgentTrigger, source: "watch" | "leadership"): void {
    this.metrics.triggers.inc({ reason: t.reason });
    const { key, target } = targetOf(t);
    const ns = t.workload?.namespace ?? t.object.namespace;
    const fields = { reason: t.reason, target: key, object: t.object, at: t.at, source };
    if (ns !== undefined && !namespaceWatched(ns, this.deps.namespaces)) {
      this.deps.log("trigger", { ...fields, queued: false, why: `namespace ${ns} is not watched` });
      return;
    }
    if (!this.running || !this.leading) {
      this.deps.log("trigger", {
        ...fields,
        queued: false,
        why: this.running ? "not the leader" : "stopping",
      });
      return;
    }
    this.queue.add(key, target, t);
    this.deps.log("trigger", { ...fields, queued: true });
  }

  private onLeader(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.deps.log("leader", { leading, identity: this.deps.leader.identity });
    if (!leading) {
      this.queue.clear();
      return;
    }
    // Nothing but the cluster is the source of truth: what failed before this replica led is in the cache.
    for (const object of this.deps.watch.objects()) {
      const kind = kindOf(object);
      if (kind !== "Pod" && kind !== "Node") continue;
      const change: WatchChange = { type: "ADDED", kind, object: { kind, ...object } };
      let triggers: AgentTrigger[] = [];
      try {
        triggers = this.deps.triggersOf(change, (k, ns, n) => this.deps.watch.get(k, ns, n));
      } catch (err) {
        this.deps.log("trigger.failed", { level: "error", kind, error: errorMessage(err) });
      }
      for (const t of triggers) this.accept(t, "leadership");
    }
  }

  private held(reason: string): void {
    if (reason === this.lastHold) return;
    this.lastHold = reason;
    this.deps.log("reaction.held", { reason, queued: this.queue.depth() });
  }

  private async react(work: QueuedWork, release: () => void): Promise<void> {
    this.lastHold = undefined;
    const started = this.clock();
    let budget: ReactBudget | undefined;
    let done: () => void = () => {};
    const first = Math.min(...work.triggers.map((t) => t.at));
    let detection: number | null = null;
    const diagnosed = (findings: ReactOutcome["findings"]) => {
      release(); // the next target may be diagnosed while this one's forge calls go on
      if (findings.length === 0) return;
      // From the failure's own timestamp to the finding, before anything goes to the forge.
      detection = Math.max(0, this.clock() / 1000 - first);
      this.metrics.detectionSeconds.observe(detection);
      this.deps.log("diagnosis", { target: work.key, findings, detectionSeconds: detection });
    };
    // The budget is what the reactions before this one left: taken at its turn at the forge, after theirs.
    const turn = async () => {
      const before = this.forgeTurn;
      this.forgeTurn = new Promise<void>((resolve) => {
        done = resolve;
      });
      await before;
      budget = budgetAt(this.ledger, this.deps.config.limits, this.clock());
      return budget;
    };
    let outcome: ReactOutcome;
    try {
      outcome = await this.deps.reactor.react(
        work.target,
        this.deps.watch.objects(),
        new Date(started),
        turn,
        diagnosed,
      );
      this.ledger = recordSpent(this.ledger, spentBy(outcome), this.clock());
    } finally {
      done();
    }
    const ended = this.clock();
    const m = this.metrics;
    m.reactions.inc({ result: "ok" });
    for (const f of outcome.findings) m.findings.inc({ class: f.class });
    for (const p of outcome.pullRequests) m.pullRequests.inc({ status: p.status });
    for (const i of outcome.issues) m.issues.inc({ action: i.action });
    this.deps.log("reaction", {
      target: work.key,
      triggers: work.triggers.length,
      reasons: [...new Set(work.triggers.map((t) => t.reason))],
      attempts: work.attempts + 1,
      budget,
      findings: outcome.findings,
      pullRequests: outcome.pullRequests,
      issues: outcome.issues,
      warnings: outcome.warnings,
      detectionSeconds: detection,
      reactionSeconds: (ended - started) / 1000,
    });
  }

  private failed(work: QueuedWork, err: unknown, retryInMs: number): void {
    this.metrics.reactions.inc({ result: "failed" });
    this.metrics.forgeErrors.inc();
    this.deps.log("reaction.failed", {
      target: work.key,
      attempts: work.attempts + 1,
      error: errorMessage(err),
      retryInSeconds: retryInMs / 1000,
    });
  }

  /**
   * One scheduled job (the plan, a report): leader only, not while paused, never two of one job at once
   * (croner's protect does that too; a test's manual schedule does not).
   */
  async runScheduled(job: ScheduledJob, run: () => Promise<unknown>): Promise<void> {
    const key = [job.event, ...Object.values(job.fields)].join(".");
    if (this.jobsRunning.has(key)) return;
    this.checkPaused();
    if (!this.canAct() || this.paused) {
      this.deps.log(job.event, { ...job.fields, skipped: this.paused ? "paused" : "not the leader" });
      return;
    }
    this.jobsRunning.add(key);
    const started = this.clock();
    this.deps.log(job.event, { ...job.fields, started: new Date(started).toISOString() });
    try {
      await run();
      this.deps.log(job.event, { ...job.fields, done: true, seconds: (this.clock() - started) / 1000 });
    } catch (err) {
      this.deps.log(`${job.event}.failed`, { ...job.fields, error: errorMessage(err) });
    } finally {
      this.jobsRunning.delete(key);
    }
  }

  /** The verify timer, when a verify runner was given. */
  private startVerify(): void {
    if (!this.deps.verify) return;
    const every = this.deps.config.verify.every;
    this.verifyTimer = setInterval(() => void this.runVerify(), durationSeconds(every) * 1000);
    this.deps.log("verify", { every });
  }

  /** One periodic verify: leader only, not while paused, never two at once (a slow one skips a tick). */
  async runVerify(): Promise<void> {
    const verify = this.deps.verify;
    if (!verify || this.verifyRunning || !this.running) return;
    this.checkPaused();
    const skip = this.paused ? "paused" : this.canAct() ? undefined : "not the leader";
    if (skip) {
      if (skip !== this.verifySkip) this.deps.log("verify", { skipped: skip });
      this.verifySkip = skip;
      return;
    }
    this.verifySkip = undefined;
    this.verifyRunning = true;
    const started = this.clock();
    try {
      await verify();
      this.deps.log("verify", { done: true, seconds: (this.clock() - started) / 1000 });
    } catch (err) {
      this.deps.log("verify.failed", { error: errorMessage(err) });
    } finally {
      this.verifyRunning = false;
    }
  }
}

/** Each step of a shutdown runs even when one before it failed; failures are logged. */
async function each(log: AgentLog, steps: [string, () => Promise<void>][]): Promise<void> {
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (err) {
      log("agent.stop", { level: "warn", step: name, error: errorMessage(err) });
    }
  }
}

/**
 * Starts the agent: the HTTP endpoints and the control ConfigMap at once, then the watch and, once it has
 * listed, the leader election. Config errors (a bad cron) are thrown before anything starts.
 */
export async function runAgent(deps: AgentDeps): Promise<RunningAgent> {
  const { config, log } = deps;
  checkSchedules(config);
  const loop = new AgentLoop(deps);
  const server: AgentServer = await startServer({
    ...deps.listen,
    metrics: () => loop.metrics.render(),
    metricsContentType: loop.metrics.contentType,
    healthy: () => (loop.isRunning() ? { ok: true } : { ok: false, reason: "stopping" }),
    ready: () => readiness(deps, loop),
  });
  loop.listen();
  log("agent.start", {
    cluster: deps.cluster,
    identity: deps.leader.identity,
    url: server.url,
    paused: config.paused,
    settle: config.watch.settle,
    limits: config.limits,
    schedule: config.plan.schedule ?? null,
  });
  await deps.control.start().catch(async (err: unknown) => {
    await server.close();
    throw err;
  });
  loop.startTimers();
  const started = startWatchThenLead(deps, loop);
  let stopping: Promise<void> | undefined;
  const stop = (reason = "stopped") => {
    stopping ??= shutdown(deps, loop, server, reason);
    return stopping;
  };
  return {
    url: server.url,
    stop,
    idle: async () => {
      await started;
      await loop.queue.idle();
    },
    metrics: () => loop.metrics.render(),
  };
}

function readiness(deps: AgentDeps, loop: AgentLoop): { ok: true } | { ok: false; reason: string } {
  if (!loop.isRunning()) return { ok: false, reason: "stopping" };
  if (!deps.watch.synced()) {
    return { ok: false, reason: "informers not synced: listing, or the Kubernetes API is unreachable" };
  }
  if (loop.isLeading() && !deps.leader.isLeader()) {
    return { ok: false, reason: "leader without a renewed lease: stopped acting" };
  }
  return { ok: true };
}

/** The watch lists first, so a replica that becomes leader derives its work from a full cache. */
async function startWatchThenLead(deps: AgentDeps, loop: AgentLoop): Promise<void> {
  try {
    await deps.watch.start();
  } catch (err) {
    deps.log("agent.failed", { step: "watch.start", error: errorMessage(err) });
    return;
  }
  if (loop.isRunning()) deps.leader.start();
}

async function shutdown(
  deps: AgentDeps,
  loop: AgentLoop,
  server: AgentServer,
  reason: string,
): Promise<void> {
  deps.log("agent.stop", { reason });
  loop.stopTimers();
  const timeoutMs = deps.stopTimeoutMs ?? 10_000;
  const finished = await loop.queue.stop(timeoutMs);
  if (!finished) {
    deps.log("agent.stop", {
      level: "warn",
      inFlight: loop.queue.inFlightKey(),
      abandonedAfterMs: timeoutMs,
    });
  }
  // Not waiting for the watch's first list: with the API down it may never end; leader.start() is skipped.
  await each(deps.log, [
    ["actions.stop", async () => deps.actions?.stop()],
    ["leader.stop", () => deps.leader.stop()],
    ["control.stop", () => deps.control.stop()],
    ["watch.stop", () => deps.watch.stop()],
    ["server.close", () => server.close()],
  ]);
  deps.log("agent.stopped", { reason });
}
