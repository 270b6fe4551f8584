// The agent's periodic `kopt verify` (agent.verify.every) with fakes of the agent's ports and a fake verify:
// it runs on the leader only, not while paused, never two at once, and goes on after a failure.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ClusterConfigSchema } from "../src/formats/config.ts";
import { type RunningAgent, runAgent } from "../src/workflows/agent/agent.ts";
import {
  deferred,
  FakeControl,
  FakeLeader,
  FakeReactor,
  FakeWatch,
  fakeTriggersOf,
} from "./support/agent-fakes.ts";

const WAIT = { timeout: 20_000, interval: 10 };

const running: RunningAgent[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop("test over")));
});

async function start(verify: () => Promise<unknown>, every = "0.02s") {
  const leader = new FakeLeader();
  const control = new FakeControl();
  const logs: { event: string; fields: Record<string, unknown> }[] = [];
  const agent = await runAgent({
    cluster: "demo",
    config: ClusterConfigSchema.shape.agent.parse({ watch: { settle: "0.05s" }, verify: { every } }),
    namespaces: {},
    watch: new FakeWatch(),
    leader,
    control,
    reactor: new FakeReactor(),
    triggersOf: fakeTriggersOf,
    listen: { host: "127.0.0.1", port: 0 },
    log: (event, fields = {}) => logs.push({ event, fields }),
    recheckMs: 20,
    verify,
  });
  running.push(agent);
  const logged = (event: string, match: Record<string, unknown> = {}) =>
    logs.filter((l) => l.event === event && Object.entries(match).every(([k, v]) => l.fields[k] === v));
  return { agent, leader, control, logged };
}

describe("the agent's periodic verify", () => {
  it("defaults to every minute", () => {
    expect(ClusterConfigSchema.shape.agent.parse({}).verify).toEqual({ every: "1m" });
    expect(() => ClusterConfigSchema.shape.agent.parse({ verify: { every: "soon" } })).toThrow(
      /not a duration/,
    );
  });

  it("runs on the leader only and not while paused, saying why once", async () => {
    let runs = 0;
    const h = await start(async () => {
      runs++;
    });
    await vi.waitFor(() => expect(h.logged("verify", { skipped: "not the leader" })).toHaveLength(1), WAIT);
    expect(runs).toBe(0);
    await vi.waitFor(() => expect(h.leader.started).toBe(true), WAIT);
    h.leader.set(true);
    await vi.waitFor(() => expect(runs).toBeGreaterThanOrEqual(2), WAIT);
    expect(h.logged("verify", { done: true }).length).toBeGreaterThanOrEqual(2);

    h.control.isPaused = true;
    await vi.waitFor(() => expect(h.logged("verify", { skipped: "paused" })).toHaveLength(1), WAIT);
    const whilePaused = runs;
    // Still paused: no run, and the skip is not logged again.
    await vi.waitFor(() => expect(h.logged("agent.paused", { paused: true })).toHaveLength(1), WAIT);
    expect(runs).toBe(whilePaused);
    expect(h.logged("verify", { skipped: "paused" })).toHaveLength(1);
    h.control.isPaused = false;
    await vi.waitFor(() => expect(runs).toBeGreaterThan(whilePaused), WAIT);
  });

  it("never runs two at once, logs a failure and goes on", async () => {
    let runs = 0;
    let inFlight = 0;
    let most = 0;
    const slow = deferred<void>();
    const h = await start(async () => {
      runs++;
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        if (runs === 1) await slow.promise;
        if (runs === 2) throw new Error("the forge is down");
      } finally {
        inFlight--;
      }
    });
    await vi.waitFor(() => expect(h.leader.started).toBe(true), WAIT);
    h.leader.set(true);
    await vi.waitFor(() => expect(runs).toBe(1), WAIT);
    slow.resolve();
    await vi.waitFor(
      () => expect(h.logged("verify.failed", { error: "the forge is down" })).toHaveLength(1),
      WAIT,
    );
    await vi.waitFor(() => expect(runs).toBeGreaterThanOrEqual(3), WAIT);
    expect(most).toBe(1);
  });
});
