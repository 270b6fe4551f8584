import { afterEach, describe, expect, it } from "vitest";
import type { StuckPod } from "../../decide/restart-pods.ts";
import type { EvictionResult } from "../../observe/kube/eviction.ts";
import { createAgentMetrics } from "./metrics.ts";
import type { RawObject } from "./ports.ts";
import { type ActionsPort, createRestarter, type RestartRecordOutcome } from "./restarts.ts";

const NOW = Date.parse("2026-12-03T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

function pod(name: string, ready: boolean): RawObject {
  return {
    kind: "Pod",
    metadata: {
      namespace: "shop",
      name,
      uid: `uid-${name}`,
      ownerReferences: [{ kind: "StatefulSet", name: "db", controller: true }],
    },
    spec: { containers: [{ name: "db" }] },
    status: {
      phase: "Running",
      conditions: [
        { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: iso(NOW - 3_600_000) },
      ],
      containerStatuses: [{ name: "db", ready, state: { running: {} } }],
    },
  };
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Harness {
  port: ActionsPort;
  lines: { event: string; fields: Record<string, unknown> }[];
  evicted: string[];
  recorded: string[];
  checks: () => Promise<number>;
}

const running: ActionsPort[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop();
});

function harness(o: {
  hold?: () => string | undefined;
  evict?: (pod: StuckPod) => Promise<EvictionResult>;
  record?: (pod: StuckPod) => Promise<RestartRecordOutcome>;
  objects?: RawObject[];
}): Harness {
  const lines: Harness["lines"] = [];
  const evicted: string[] = [];
  const recorded: string[] = [];
  const metrics = createAgentMetrics({
    leader: () => true,
    paused: () => false,
    queueDepth: () => 0,
    watchStats: () => ({ events: 0, restarts: 0, relists: 0 }),
  });
  const port = createRestarter({
    settings: { namespaces: ["shop"], stuckFor: "10m", cooldown: "30m", perHour: 3 },
    watched: () => true,
    objects: () => o.objects ?? [pod("db-0", false), pod("db-1", true)],
    lookup: () => undefined,
    evict: async (p) => {
      evicted.push(p.name);
      return o.evict ? o.evict(p) : { outcome: "evicted" };
    },
    record: async (p) => {
      const r = o.record
        ? await o.record(p)
        : { phr: `phr/${p.name}.md`, location: "x", merged: true, warnings: [] };
      recorded.push(p.name);
      return r;
    },
    log: (event, fields = {}) => lines.push({ event, fields }),
    clock: () => NOW,
    intervalMs: 10,
  });
  port.start({ holdReason: o.hold ?? (() => undefined), metrics });
  running.push(port);
  const checks = async () => {
    const m = /kopt_agent_action_checks_total (\d+)/.exec(await metrics.render());
    return Number(m?.[1] ?? 0);
  };
  return { port, lines, evicted, recorded, checks };
}

async function afterChecks(h: Harness, n: number): Promise<void> {
  const target = (await h.checks()) + n;
  await until(`${n} checks`, async () => (await h.checks()) >= target);
}

describe("createRestarter: the agent's scan for stuck pods", () => {
  it("evicts a stuck pod once and records it once, however many scans follow", async () => {
    const h = harness({});
    await until("the record", () => h.recorded.length === 1);
    await afterChecks(h, 5);
    expect(h.evicted).toEqual(["db-0"]);
    expect(h.recorded).toEqual(["db-0"]);
    expect(h.lines.filter((l) => l.event === "restart").map((l) => l.fields.result)).toEqual(["restarted"]);
  });

  it("held (paused, not the leader): evicts nothing", async () => {
    const h = harness({ hold: () => "paused" });
    await afterChecks(h, 5);
    expect(h.evicted).toEqual([]);
  });

  it("a record that failed (GitHub down) is tried again at the next scans until it lands; the pod is not evicted again", async () => {
    let failures = 2;
    const h = harness({
      record: async (p) => {
        if (failures-- > 0) throw new Error("GitHub answered 503");
        return { phr: `phr/${p.name}.md`, location: "x", merged: true, warnings: [] };
      },
    });
    await until("the record", () => h.recorded.length === 1);
    expect(h.lines.filter((l) => l.event === "restart.record.failed")).toHaveLength(2);
    expect(h.evicted).toEqual(["db-0"]);
  });

  it("an eviction that throws (API unreachable) is logged as failed and not retried before the cooldown", async () => {
    const h = harness({
      evict: async () => {
        throw new Error("socket hang up");
      },
    });
    await until("the failure", () => h.lines.some((l) => l.fields.result === "failed"));
    await afterChecks(h, 5);
    expect(h.evicted).toEqual(["db-0"]);
    expect(h.recorded).toEqual([]);
  });

  it("a skip (no other ready pod) is logged once, not at every scan", async () => {
    const h = harness({ objects: [pod("db-0", false)] });
    await until("the skip", () => h.lines.some((l) => l.event === "restart"));
    await afterChecks(h, 5);
    expect(h.lines.filter((l) => l.event === "restart").map((l) => l.fields.reason)).toEqual([
      "no-ready-peer",
    ]);
    expect(h.evicted).toEqual([]);
  });
});
