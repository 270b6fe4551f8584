// The agent's work queue (src/workflows/agent/queue.ts): a quiet target reacts at once (leading edge), what
// arrives during its reaction or its settle time is one follow-up, and a reaction that releases its slot
// (once diagnosed) lets the next target start while its own target still waits for its end.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AgentTrigger } from "../src/model/agent.ts";
import { type QueuedWork, ReactionQueue } from "../src/workflows/agent/queue.ts";

const WAIT = { timeout: 10_000, interval: 5 };

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const trigger = (name: string, at: number): AgentTrigger =>
  ({
    reason: "OOMKilled",
    at,
    object: { kind: "Pod", namespace: "shop", name },
    workload: { namespace: "shop", kind: "Deployment", name: name.split("-")[0] as string },
  }) as AgentTrigger;

const queues: ReactionQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.stop(1000);
});

function queue(settleMs: number, run: (work: QueuedWork, release: () => void) => Promise<void>) {
  const q = new ReactionQueue({
    settleMs,
    retry: { initialMs: 10, maxMs: 100 },
    run,
    holdReason: () => undefined,
    holdRecheckMs: 50,
  });
  queues.push(q);
  return q;
}

const add = (q: ReactionQueue, name: string, at = 1) => {
  const t = trigger(name, at);
  q.add(`shop/Deployment/${t.workload?.name}`, { workload: t.workload as never }, t);
};

describe("the reaction queue", () => {
  it("reacts to the first trigger of a quiet target at once, not after the settle time", async () => {
    const runs: QueuedWork[] = [];
    const q = queue(600_000, async (work) => {
      runs.push(work);
    });
    add(q, "web-1");
    // A settle of ten minutes would outlast this wait: the reaction started at once.
    await vi.waitFor(() => expect(runs).toHaveLength(1), WAIT);
    await q.idle();
  });

  it("coalesces what arrives during a reaction into one follow-up after it", async () => {
    const first = deferred();
    const runs: number[] = [];
    const q = queue(50, async (work) => {
      runs.push(work.triggers.length);
      if (runs.length === 1) await first.promise;
    });
    add(q, "web-1");
    await vi.waitFor(() => expect(runs).toEqual([1]), WAIT);
    for (let i = 2; i <= 10; i++) add(q, `web-${i}`, i);
    expect(q.depth()).toBe(1);
    first.resolve();
    await vi.waitFor(() => expect(runs).toEqual([1, 9]), WAIT);
    await q.idle();
    expect(runs).toEqual([1, 9]);
  });

  it("a released reaction lets another target start; its own target's follow-up waits for its end", async () => {
    const webDone = deferred();
    const events: string[] = [];
    const q = queue(20, async (work, release) => {
      const name = work.key.split("/")[2] as string;
      events.push(`${name} start`);
      if (name === "web" && events.filter((e) => e === "web start").length === 1) {
        release();
        await webDone.promise;
      }
      events.push(`${name} end`);
    });
    add(q, "web-1");
    await vi.waitFor(() => expect(events).toEqual(["web start"]), WAIT);
    add(q, "api-1");
    add(q, "web-2");
    await vi.waitFor(() => expect(events).toEqual(["web start", "api start", "api end"]), WAIT);
    expect(q.inFlightKey()).toBe("shop/Deployment/web");
    expect(q.depth()).toBe(1);
    webDone.resolve();
    await vi.waitFor(() => expect(events.filter((e) => e === "web start")).toHaveLength(2), WAIT);
    await q.idle();
    expect(events).toEqual(["web start", "api start", "api end", "web end", "web start", "web end"]);
  });

  it("no more than two reactions in flight: a third target waits for the first to end", async () => {
    const ends = new Map([
      ["web", deferred()],
      ["api", deferred()],
    ]);
    const events: string[] = [];
    const q = queue(20, async (work, release) => {
      const name = work.key.split("/")[2] as string;
      events.push(`${name} start`);
      release();
      await ends.get(name)?.promise;
      events.push(`${name} end`);
    });
    add(q, "web-1");
    add(q, "api-1");
    add(q, "db-1");
    await vi.waitFor(() => expect(events).toEqual(["web start", "api start"]), WAIT);
    expect(q.depth()).toBe(3);
    ends.get("web")?.resolve();
    await vi.waitFor(
      () => expect(events).toEqual(["web start", "api start", "web end", "db start", "db end"]),
      WAIT,
    );
    ends.get("api")?.resolve();
    await q.idle();
    expect(events.at(-1)).toBe("api end");
  });

  it("without a release, one reaction at a time", async () => {
    const webDone = deferred();
    const events: string[] = [];
    const q = queue(20, async (work) => {
      const name = work.key.split("/")[2] as string;
      events.push(`${name} start`);
      if (name === "web") await webDone.promise;
      events.push(`${name} end`);
    });
    add(q, "web-1");
    await vi.waitFor(() => expect(events).toEqual(["web start"]), WAIT);
    add(q, "api-1");
    expect(q.depth()).toBe(2);
    webDone.resolve();
    await vi.waitFor(() => expect(events).toHaveLength(4), WAIT);
    expect(events).toEqual(["web start", "web end", "api start", "api end"]);
  });
});
