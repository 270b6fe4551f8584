// The agent's loop (src/workflows/agent/agent.ts) with fakes of its ports: what it reacts to, when, how often,
// and what it says on /metrics, /healthz, /readyz and in its log. The real watch, lease and reactor are tested
// against the simulators elsewhere.
import { afterEach, describe, expect, it, vi } from "vitest";
import { KoptError } from "../src/errors.ts";
import { ClusterConfigSchema } from "../src/formats/config.ts";
import { type AgentDeps, type RunningAgent, runAgent } from "../src/workflows/agent/agent.ts";
import type { ReactBudget, ReactOutcome, ReactPort } from "../src/workflows/agent/ports.ts";
import type { Schedule } from "../src/workflows/agent/schedule.ts";
import {
  deferred,
  FakeControl,
  FakeLeader,
  FakeReactor,
  FakeWatch,
  failingPod,
  fakeTriggersOf,
  NOTHING,
} from "./support/agent-fakes.ts";

const WAIT = { timeout: 20_000, interval: 10 };
const T0 = Date.UTC(2026, 11, 3, 12);

interface LogLine {
  event: string;
  fields: Record<string, unknown>;
}

interface Harness {
  agent: RunningAgent;
  watch: FakeWatch;
  leader: FakeLeader;
  control: FakeControl;
  reactor: FakeReactor;
  logs: LogLine[];
  logged: (event: string, match?: Record<string, unknown>) => LogLine[];
  now: { ms: number };
}

const running: RunningAgent[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop("test over")));
});

function agentConfig(raw: Record<string, unknown> = {}) {
  return ClusterConfigSchema.shape.agent.parse({ watch: { settle: "0.05s" }, ...raw });
}

async function start(
  opts: { config?: Record<string, unknown>; deps?: Partial<AgentDeps>; watch?: FakeWatch } = {},
): Promise<Harness> {
  const watch = opts.watch ?? new FakeWatch();
  const leader = new FakeLeader();
  const control = new FakeControl();
  const reactor = new FakeReactor();
  const logs: LogLine[] = [];
  const now = { ms: T0 };
  const agent = await runAgent({
    cluster: "demo",
    config: agentConfig(opts.config),
    namespaces: {},
    watch,
    leader,
    control,
    reactor,
    triggersOf: fakeTriggersOf,
    listen: { host: "127.0.0.1", port: 0 },
    log: (event, fields = {}) => logs.push({ event, fields }),
    clock: () => now.ms,
    retry: { initialMs: 20, maxMs: 80 },
    recheckMs: 20,
    ...opts.deps,
  });
  running.push(agent);
  const logged = (event: string, match: Record<string, unknown> = {}) =>
    logs.filter((l) => l.event === event && Object.entries(match).every(([k, v]) => l.fields[k] === v));
  return { agent, watch, leader, control, reactor, logs, logged, now };
}

/** Starts an agent and makes it the leader once its watch has listed. */
async function leading(opts: Parameters<typeof start>[0] = {}): Promise<Harness> {
  const h = await start(opts);
  await vi.waitFor(() => expect(h.leader.started).toBe(true), WAIT);
  h.leader.set(true);
  return h;
}

const outcome = (o: Partial<ReactOutcome>): ReactOutcome => ({ ...NOTHING, ...o });

/** The value of one sample of the agent's /metrics text, e.g. `kopt_agent_reactions_total{result="ok"}`. */
async function metric(agent: RunningAgent, sample: string): Promise<number | undefined> {
  const text = await agent.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

describe("coalescing: one reaction per target", () => {
  it("50 failing pods of one Deployment are one reaction, the earliest failure kept", async () => {
    const h = await leading();
    h.reactor.answer = () => outcome({ findings: [{ fingerprint: "f1", class: "oom" }] });
    for (let i = 0; i < 50; i++) {
      h.watch.emit(failingPod("shop", "web", `web-${i}`, "OOMKilled", T0 / 1000 - 50 + i));
    }
    await h.agent.idle();
    expect(h.reactor.calls.map((c) => c.target)).toEqual([
      { workload: { namespace: "shop", kind: "Deployment", name: "web" } },
    ]);
    const [reaction] = h.logged("reaction");
    expect(reaction?.fields).toMatchObject({
      target: "shop/Deployment/web",
      triggers: 50,
      reasons: ["OOMKilled"],
    });
    expect(reaction?.fields.detectionSeconds).toBe(50);
    expect(await metric(h.agent, 'kopt_agent_triggers_total{reason="OOMKilled"}')).toBe(50);
    expect(await metric(h.agent, 'kopt_agent_events_total{kind="Pod"}')).toBe(50);
    expect(await metric(h.agent, "kopt_agent_detection_seconds_count")).toBe(1);
  });

  it("different targets get their own reactions, one at a time", async () => {
    const h = await leading();
    let inFlight = 0;
    let most = 0;
    h.reactor.answer = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return NOTHING;
    };
    h.watch.emit(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    h.watch.emit(failingPod("shop", "api", "api-1", "CrashLoopBackOff", 1));
    h.watch.emit({ kind: "Node", metadata: { name: "n1" }, status: { failure: "NodePressure", at: 1 } });
    await h.agent.idle();
    expect(h.reactor.calls.map((c) => c.target)).toHaveLength(3);
    expect(h.reactor.calls.map((c) => c.target)).toContainEqual({ cluster: true });
    expect(most).toBe(1);
  });

  it("triggers during a target's reaction make exactly one follow-up after it", async () => {
    const h = await leading();
    const first = deferred<ReactOutcome>();
    h.reactor.answer = (_c, n) => (n === 1 ? first.promise : NOTHING);
    h.watch.emit(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    await vi.waitFor(() => expect(h.reactor.calls).toHaveLength(1), WAIT);
    for (let i = 2; i < 10; i++) h.watch.emit(failingPod("shop", "web", `web-${i}`, "OOMKilled", i));
    first.resolve(NOTHING);
    await h.agent.idle();
    expect(h.reactor.calls).toHaveLength(2);
    expect(h.logged("reaction").map((l) => l.fields.triggers)).toEqual([1, 8]);
  });
});

describe("only the leader reacts", () => {
  it("a replica that is not the leader counts triggers and queues nothing", async () => {
    const h = await start();
    h.watch.emit(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    expect(h.logged("trigger", { queued: false, why: "not the leader" })).toHaveLength(1);
    await h.agent.idle();
    expect(h.reactor.calls).toEqual([]);
    expect(await metric(h.agent, "kopt_agent_queue_depth")).toBe(0);
    expect(await metric(h.agent, "kopt_agent_leader")).toBe(0);
  });

  it("on gaining leadership it derives the work from the cache: nothing is lost across a failover", async () => {
    const h = await start();
    h.watch.put(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    h.watch.put(failingPod("shop", "web", "web-2", "OOMKilled", 2));
    h.watch.put(failingPod("shop", "ok", "ok-1", undefined as never, 0));
    await vi.waitFor(() => expect(h.leader.started).toBe(true), WAIT);
    h.leader.set(true);
    await h.agent.idle();
    expect(h.reactor.calls.map((c) => c.target)).toEqual([
      { workload: { namespace: "shop", kind: "Deployment", name: "web" } },
    ]);
    expect(h.logged("trigger", { source: "leadership", queued: true })).toHaveLength(2);
    expect(await metric(h.agent, "kopt_agent_leader")).toBe(1);
  });

  it("on losing leadership pending work is dropped and the in-flight reaction finishes", async () => {
    const h = await leading();
    const first = deferred<ReactOutcome>();
    h.reactor.answer = (_c, n) => (n === 1 ? first.promise : NOTHING);
    h.watch.emit(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    await vi.waitFor(() => expect(h.reactor.calls).toHaveLength(1), WAIT);
    h.watch.emit(failingPod("shop", "api", "api-1", "OOMKilled", 1));
    h.leader.set(false);
    first.resolve(NOTHING);
    await h.agent.idle();
    expect(h.reactor.calls).toHaveLength(1);
    expect(h.logged("reaction")).toHaveLength(1);
    expect(h.logged("leader").map((l) => l.fields.leading)).toEqual([true, false]);
  });

  it("never acts on a namespace it does not watch", async () => {
    const h = await leading({ deps: { namespaces: { include: ["shop"], exclude: [] } } });
    h.watch.emit(failingPod("other", "web", "web-1", "OOMKilled", 1));
    h.watch.emit(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    await h.agent.idle();
    expect(h.reactor.calls.map((c) => c.target)).toEqual([
      { workload: { namespace: "shop", kind: "Deployment", name: "web" } },
    ]);
    expect(h.logged("trigger", { queued: false, why: "namespace other is not watched" })).toHaveLength(1);
  });
});

describe("the kill switch", () => {
  it("the control ConfigMap pauses: work stays queued, and runs once unpaused", async () => {
    const h = await leading();
    h.control.isPaused = true;
    h.watch.emit(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    await vi.waitFor(() => expect(h.logged("reaction.held", { reason: "paused" })).toHaveLength(1), WAIT);
    expect(h.reactor.calls).toEqual([]);
    expect(await metric(h.agent, "kopt_agent_paused")).toBe(1);
    expect(await metric(h.agent, "kopt_agent_queue_depth")).toBe(1);
    h.control.isPaused = false;
    await h.agent.idle();
    expect(h.reactor.calls).toHaveLength(1);
    expect(h.logged("agent.paused").map((l) => l.fields.paused)).toEqual([true, false]);
  });

  it("paused: true in the config holds every reaction", async () => {
    const h = await leading({ config: { paused: true } });
    h.watch.emit(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    await vi.waitFor(() => expect(h.logged("reaction.held", { reason: "paused" })).toHaveLength(1), WAIT);
    expect(h.reactor.calls).toEqual([]);
    expect(h.logged("agent.paused", { paused: true, source: "config" })).toHaveLength(1);
  });
});

describe("the hourly limits", () => {
  it("hand the reactor what is left of the hour, and give it back as the window slides", async () => {
    const h = await leading({ config: { limits: { pullRequestsPerHour: 1, issuesPerHour: 2 } } });
    h.reactor.answer = () =>
      outcome({
        pullRequests: [{ branch: "kopt/oom/shop/web", status: "created" }],
        issues: [{ fingerprint: "f1", action: "opened" }],
      });
    const fail = (name: string) => h.watch.emit(failingPod("shop", name, `${name}-1`, "OOMKilled", 1));
    fail("web");
    await h.agent.idle();
    fail("api");
    await h.agent.idle();
    h.now.ms += 3_600_000;
    fail("db");
    await h.agent.idle();
    expect(h.reactor.calls.map((c) => c.budget)).toEqual([
      { pullRequests: 1, issues: 2 },
      { pullRequests: 0, issues: 1 },
      { pullRequests: 1, issues: 2 },
    ]);
    expect(await metric(h.agent, 'kopt_agent_pull_requests_total{status="created"}')).toBe(3);
    expect(await metric(h.agent, 'kopt_agent_issues_total{action="opened"}')).toBe(3);
  });
});

describe("a target diagnosed while the one before it is still at the forge", () => {
  it("is diagnosed at once, and gets its budget only after the one before has recorded its spending", async () => {
    const webAtForge = deferred<void>();
    const budgets: ReactBudget[] = [];
    const reactor: ReactPort = {
      async react(target, _objects, _now, budget, onDiagnosis) {
        const name = "workload" in target ? target.workload.name : "cluster";
        onDiagnosis?.([{ fingerprint: name, class: "oom-killed" }]);
        budgets.push(typeof budget === "function" ? await budget() : budget);
        if (name === "web") await webAtForge.promise;
        return outcome({ pullRequests: [{ branch: `kopt/oom/shop/${name}`, status: "created" }] });
      },
    };
    const h = await leading({ config: { limits: { pullRequestsPerHour: 1 } }, deps: { reactor } });
    h.watch.emit(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    await vi.waitFor(() => expect(budgets).toHaveLength(1), WAIT);
    h.watch.emit(failingPod("shop", "api", "api-1", "OOMKilled", 1));
    // api's finding is logged while web's pull request is still being opened.
    await vi.waitFor(
      () => expect(h.logged("diagnosis", { target: "shop/Deployment/api" })).toHaveLength(1),
      WAIT,
    );
    expect(h.logged("reaction")).toHaveLength(0);
    expect(budgets).toHaveLength(1);
    webAtForge.resolve();
    await h.agent.idle();
    expect(budgets).toEqual([
      { pullRequests: 1, issues: 10 },
      { pullRequests: 0, issues: 10 },
    ]);
    expect(h.logged("reaction").map((l) => l.fields.target)).toEqual([
      "shop/Deployment/web",
      "shop/Deployment/api",
    ]);
  });
});

describe("a failing reactor (forge unreachable, 5xx, rate-limited)", () => {
  it("is retried with doubling backoff until it succeeds, once, with nothing lost", async () => {
    const h = await leading();
    h.reactor.answer = (_c, n) => {
      if (n <= 4) throw new Error(`GitHub answered 503 (attempt ${n})`);
      return outcome({ pullRequests: [{ branch: "kopt/oom/shop/web", status: "created" }] });
    };
    h.watch.emit(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    await vi.waitFor(() => expect(h.logged("reaction.failed")).toHaveLength(1), WAIT);
    h.watch.emit(failingPod("shop", "web", "web-2", "OOMKilled", 2));
    await vi.waitFor(() => expect(h.logged("reaction")).toHaveLength(1), WAIT);
    await h.agent.idle();
    expect(h.reactor.calls).toHaveLength(5);
    expect(h.logged("reaction.failed").map((l) => l.fields.retryInSeconds)).toEqual([0.02, 0.04, 0.08, 0.08]);
    expect(h.logged("reaction.failed")[0]?.fields.error).toBe("GitHub answered 503 (attempt 1)");
    expect(h.logged("reaction")[0]?.fields).toMatchObject({ attempts: 5, triggers: 2 });
    expect(await metric(h.agent, "kopt_agent_forge_errors_total")).toBe(4);
    expect(await metric(h.agent, 'kopt_agent_reactions_total{result="ok"}')).toBe(1);
    expect(await metric(h.agent, 'kopt_agent_reactions_total{result="failed"}')).toBe(4);
  });
});

describe("HTTP endpoints", () => {
  const get = async (h: Harness, path: string) => {
    const res = await fetch(`${h.agent.url}${path}`);
    return { status: res.status, body: await res.text(), type: res.headers.get("content-type") };
  };

  it("/readyz waits for the informers' first list; /healthz answers while the loop runs", async () => {
    const watch = new FakeWatch();
    const listed = deferred<void>();
    watch.start = async () => {
      await listed.promise;
      watch.isSynced = true;
    };
    const h = await start({ watch });
    expect(h.agent.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get(h, "/healthz")).toMatchObject({ status: 200, body: "ok\n" });
    const notYet = await get(h, "/readyz");
    expect(notYet.status).toBe(503);
    expect(notYet.body).toMatch(/^informers not synced/);
    listed.resolve();
    await vi.waitFor(async () => expect((await get(h, "/readyz")).status).toBe(200), WAIT);
    expect((await get(h, "/nope")).status).toBe(404);
  });

  it("/readyz fails while the Kubernetes API is down, and for a leader whose lease was not renewed", async () => {
    const h = await leading();
    await vi.waitFor(async () => expect((await get(h, "/readyz")).status).toBe(200), WAIT);
    h.watch.isSynced = false;
    expect((await get(h, "/readyz")).status).toBe(503);
    h.watch.isSynced = true;
    // The lease expired but the elector has not said so yet.
    h.leader.isLeader = () => false;
    const r = await get(h, "/readyz");
    expect(r).toMatchObject({ status: 503, body: "leader without a renewed lease: stopped acting\n" });
  });

  it("/metrics serves every agent metric and the process metrics in Prometheus's text format", async () => {
    const h = await leading();
    h.watch.counters.restarts = 3;
    h.watch.counters.relists = 2;
    const r = await get(h, "/metrics");
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain/);
    for (const name of [
      "kopt_agent_events_total",
      "kopt_agent_triggers_total",
      "kopt_agent_findings_total",
      "kopt_agent_pull_requests_total",
      "kopt_agent_issues_total",
      "kopt_agent_detection_seconds",
      "kopt_agent_reactions_total",
      "kopt_agent_leader",
      "kopt_agent_paused",
      "kopt_agent_informer_restarts_total",
      "kopt_agent_relists_total",
      "kopt_agent_forge_errors_total",
      "kopt_agent_queue_depth",
      "process_resident_memory_bytes",
    ]) {
      expect(r.body).toContain(`# TYPE ${name} `);
    }
    expect(await metric(h.agent, "kopt_agent_informer_restarts_total")).toBe(3);
    expect(await metric(h.agent, "kopt_agent_relists_total")).toBe(2);
    expect(await metric(h.agent, "kopt_agent_leader")).toBe(1);
  });
});

describe("stop (SIGTERM)", () => {
  it("waits for the in-flight reaction, then releases the lease and stops the parts and the server", async () => {
    const h = await leading();
    const inFlight = deferred<ReactOutcome>();
    h.reactor.answer = () => inFlight.promise;
    h.watch.emit(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    await vi.waitFor(() => expect(h.reactor.calls).toHaveLength(1), WAIT);
    const stopped = h.agent.stop("SIGTERM");
    await vi.waitFor(() => expect(h.logged("agent.stop", { reason: "SIGTERM" })).toHaveLength(1), WAIT);
    expect(h.leader.released).toBe(false);
    inFlight.resolve(NOTHING);
    await stopped;
    expect(h.logged("reaction")).toHaveLength(1);
    expect(h.leader.released).toBe(true);
    expect(h.control.stopped).toBe(true);
    expect(h.watch.stopped).toBe(true);
    await expect(fetch(`${h.agent.url}/healthz`)).rejects.toThrow();
    expect(h.logged("agent.stopped", { reason: "SIGTERM" })).toHaveLength(1);
  });

  it("gives up on a reaction that outlives the timeout, and still releases the lease", async () => {
    const h = await leading({ deps: { stopTimeoutMs: 50 } });
    h.reactor.answer = () => new Promise<ReactOutcome>(() => undefined);
    h.watch.emit(failingPod("shop", "web", "web-1", "OOMKilled", 1));
    await vi.waitFor(() => expect(h.reactor.calls).toHaveLength(1), WAIT);
    await h.agent.stop("SIGTERM");
    expect(h.logged("agent.stop", { inFlight: "shop/Deployment/web" })).toHaveLength(1);
    expect(h.leader.released).toBe(true);
  });
});

describe("the periodic plan", () => {
  /** A schedule the test ticks by hand. */
  function manual() {
    const ticks: (() => Promise<void>)[] = [];
    const scheduler = (_expr: string, tick: () => Promise<void>): Schedule => {
      ticks.push(tick);
      return { next: () => null, stop: () => undefined };
    };
    return { scheduler, tick: () => (ticks[0] as () => Promise<void>)() };
  }

  it("runs on the leader only, not while paused, and never two at once", async () => {
    const m = manual();
    let plans = 0;
    const slow = deferred<void>();
    const h = await start({
      config: { plan: { schedule: "0 6 * * 1" } },
      deps: {
        scheduler: m.scheduler,
        plan: async () => {
          plans++;
          await slow.promise;
        },
      },
    });
    await m.tick();
    expect(h.logged("plan", { skipped: "not the leader" })).toHaveLength(1);
    await vi.waitFor(() => expect(h.leader.started).toBe(true), WAIT);
    h.leader.set(true);
    h.control.isPaused = true;
    await m.tick();
    expect(h.logged("plan", { skipped: "paused" })).toHaveLength(1);
    h.control.isPaused = false;
    const first = m.tick();
    const second = m.tick();
    slow.resolve();
    await Promise.all([first, second]);
    expect(plans).toBe(1);
    expect(h.logged("plan", { done: true })).toHaveLength(1);
  });

  it("an invalid cron is a config error before anything starts", async () => {
    const watch = new FakeWatch();
    const attempt = start({ watch, config: { plan: { schedule: "61 * * * *" } } });
    await expect(attempt).rejects.toThrow(KoptError);
    await expect(attempt).rejects.toThrow(
      /agent\.plan\.schedule "61 \* \* \* \*" is not a valid cron schedule/,
    );
    expect(watch.started).toBe(false);
  });
});

describe("the scheduled reports", () => {
  /** A schedule per cron expression, ticked by hand. */
  function manualByExpr() {
    const ticks = new Map<string, () => Promise<void>>();
    const scheduler = (expr: string, tick: () => Promise<void>): Schedule => {
      ticks.set(expr, tick);
      return { next: () => null, stop: () => undefined };
    };
    const tick = (expr: string) => {
      const t = ticks.get(expr);
      if (!t) throw new Error(`nothing scheduled on ${expr}`);
      return t();
    };
    return { scheduler, tick, exprs: () => [...ticks.keys()] };
  }

  it("runs each report on its own schedule, on the leader only, not while paused, never twice at once", async () => {
    const m = manualByExpr();
    const runs: string[] = [];
    const slow = deferred<void>();
    const h = await start({
      config: { plan: { schedule: "0 6 * * *" }, reports: { health: "0 0 * * 1", security: "0 0 * * 5" } },
      deps: {
        scheduler: m.scheduler,
        plan: async () => {
          runs.push("plan");
        },
        reports: {
          health: async () => {
            runs.push("health");
            await slow.promise;
          },
          security: async () => {
            runs.push("security");
            throw new Error("GitHub said 502");
          },
        },
      },
    });
    expect(m.exprs()).toEqual(["0 6 * * *", "0 0 * * 1", "0 0 * * 5"]);
    expect(h.logged("report", { kind: "health", schedule: "0 0 * * 1" })).toHaveLength(1);
    await m.tick("0 0 * * 1");
    expect(h.logged("report", { kind: "health", skipped: "not the leader" })).toHaveLength(1);
    await vi.waitFor(() => expect(h.leader.started).toBe(true), WAIT);
    h.leader.set(true);
    h.control.isPaused = true;
    await m.tick("0 0 * * 5");
    expect(h.logged("report", { kind: "security", skipped: "paused" })).toHaveLength(1);
    expect(runs).toEqual([]);
    h.control.isPaused = false;
    const first = m.tick("0 0 * * 1");
    const second = m.tick("0 0 * * 1");
    // Another job runs beside a report that is still running: only the same job waits its turn.
    await m.tick("0 6 * * *");
    await m.tick("0 0 * * 5");
    slow.resolve();
    await Promise.all([first, second]);
    expect(runs).toEqual(["health", "plan", "security"]);
    expect(h.logged("report", { kind: "health", done: true })).toHaveLength(1);
    expect(h.logged("report.failed", { kind: "security", error: "GitHub said 502" })).toHaveLength(1);
    expect(h.logged("plan", { done: true })).toHaveLength(1);
  });

  it("a report's invalid cron is a config error naming its field, before anything starts", async () => {
    const watch = new FakeWatch();
    const attempt = start({ watch, config: { reports: { security: "0 0 * * 8" } } });
    await expect(attempt).rejects.toThrow(
      /agent\.reports\.security "0 0 \* \* 8" is not a valid cron schedule/,
    );
    expect(watch.started).toBe(false);
  });

  it("a report scheduled with no runner is logged once as a warning, not run", async () => {
    const m = manualByExpr();
    const h = await start({ config: { reports: { health: "0 0 * * 1" } }, deps: { scheduler: m.scheduler } });
    expect(m.exprs()).toEqual([]);
    expect(
      h.logged("report", { kind: "health", skipped: "agent.reports.health is set but no runner was given" }),
    ).toHaveLength(1);
  });
});
