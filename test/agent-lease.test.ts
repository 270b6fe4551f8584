// Leader election against the Kubernetes simulator with the real client stack: one of several replicas
// leads, a stopped leader hands over at once, a killed or partitioned one only after its lease expired and
// after it stopped leading itself, and two replicas never lead at the same time.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Lease } from "kubernetes-models/coordination.k8s.io/v1/Lease";
import { describe, expect, it, vi } from "vitest";
import { type Connection, connect } from "../src/observe/kube/connection.ts";
import { createLeaderElector, type LeaderElectorOptions, microTime } from "../src/observe/kube/lease.ts";
import type { LeaderPort } from "../src/workflows/agent/ports.ts";
import { cleanups } from "./support/cleanups.ts";
import { startCutProxy } from "./support/cut-proxy.ts";
import { type KubeSim, startKubeSim } from "./support/kube-sim/index.ts";

// Short, but with room for a slow shared machine: a leader misses its deadline only after 1 s without a renewal.
const TIMING = { leaseDurationMs: 1800, renewDeadlineMs: 1200, retryPeriodMs: 150 };
const LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/kopt/leases/kopt-agent";
/** Generous: takeovers need a lease duration plus a few retries, on a machine running other suites. */
const WAIT = { timeout: 30_000, interval: 20 };
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

interface Transition {
  who: string;
  leading: boolean;
  at: number;
}

interface World {
  sim: KubeSim;
  direct: Connection;
  transitions: Transition[];
  logs: { who: string; event: string; fields: Record<string, unknown> }[];
  elector(conn: Connection, identity: string, extra?: Partial<LeaderElectorOptions>): LeaderPort;
  proxied(): Promise<{ conn: Connection; proxy: Awaited<ReturnType<typeof startCutProxy>> }>;
  lease(): Promise<{ metadata: Record<string, unknown>; spec: Record<string, unknown> }>;
}

async function world(): Promise<World> {
  const sim = await startKubeSim({ objects: [] });
  cleanups.push(() => sim.stop());
  const dir = mkdtempSync(join(tmpdir(), "kopt-lease-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = sim.writeKubeconfig(dir);
  const transitions: Transition[] = [];
  const logs: World["logs"] = [];
  let proxies = 0;
  return {
    sim,
    direct: connect({ kubeconfig }),
    transitions,
    logs,
    elector(conn, identity, extra = {}) {
      const e = createLeaderElector(conn, {
        namespace: "kopt",
        name: "kopt-agent",
        identity,
        ...TIMING,
        log: (event, fields = {}) => logs.push({ who: identity, event, fields }),
        ...extra,
      });
      e.onChange((leading) => transitions.push({ who: identity, leading, at: performance.now() }));
      cleanups.push(() => e.stop());
      return e;
    },
    async proxied() {
      const proxy = await startCutProxy(sim.url);
      cleanups.push(() => proxy.stop());
      const file = join(dir, `kubeconfig-proxy-${++proxies}`);
      writeFileSync(file, readFileSync(kubeconfig, "utf8").replace(sim.url, proxy.url));
      return { conn: connect({ kubeconfig: file }), proxy };
    },
    async lease() {
      const res = await fetch(sim.url + LEASE_PATH);
      expect(res.status).toBe(200);
      return (await res.json()) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    },
  };
}

const leaders = (electors: LeaderPort[]) => electors.filter((e) => e.isLeader());

/** Samples isLeader() of every elector until stopped; records the most that ever led at once. */
/**
 * Agent-a leads through a proxy, agent-b waits directly; `fault` breaks a's connection. Checks b took over, never
 * both leading at once, and a stepped down before b won.
 */
async function handover(
  w: World,
  options: Parameters<World["elector"]>[2],
  fault: (proxy: Awaited<ReturnType<typeof startCutProxy>>) => void,
) {
  const { conn, proxy } = await w.proxied();
  const a = w.elector(conn, "agent-a", options);
  a.start();
  await vi.waitFor(() => expect(a.isLeader()).toBe(true), WAIT);
  const b = w.elector(w.direct, "agent-b");
  const sample = sampler([a, b]);
  b.start();
  await renewals(w, 2);

  fault(proxy);
  await vi.waitFor(() => expect(b.isLeader()).toBe(true), WAIT);
  sample.stop();
  expect(sample.most()).toBe(1);
  const lost = w.transitions.find((t) => t.who === "agent-a" && !t.leading);
  const won = w.transitions.find((t) => t.who === "agent-b" && t.leading);
  expect(lost).toBeDefined();
  expect(won).toBeDefined();
  expect((lost as Transition).at).toBeLessThan((won as Transition).at);
  return { a, b, proxy };
}

function sampler(electors: LeaderPort[]): { most: () => number; stop: () => void } {
  let most = 0;
  const timer = setInterval(() => {
    most = Math.max(most, leaders(electors).length);
  }, 2);
  cleanups.push(() => clearInterval(timer));
  return { most: () => most, stop: () => clearInterval(timer) };
}

/** Resolves once the Lease has been written `times` more times (renewals), whatever the speed. */
async function renewals(w: World, times: number): Promise<void> {
  const start = Number((await w.lease()).metadata.resourceVersion);
  await vi.waitFor(async () => {
    const rv = Number((await w.lease()).metadata.resourceVersion);
    expect(rv - start).toBeGreaterThanOrEqual(times);
  }, WAIT);
}

describe("leader election on a Lease", () => {
  it("one of two replicas leads, the other does not, and the Lease it writes is valid", async () => {
    const w = await world();
    const a = w.elector(w.direct, "agent-a");
    const b = w.elector(w.direct, "agent-b");
    const sample = sampler([a, b]);
    a.start();
    b.start();
    await vi.waitFor(() => expect(leaders([a, b])).toHaveLength(1), WAIT);
    const leader = leaders([a, b])[0] as LeaderPort;
    await renewals(w, 5);
    sample.stop();
    expect(sample.most()).toBe(1);
    expect(leaders([a, b])).toEqual([leader]);

    const lease = await w.lease();
    expect(() => new Lease(lease as never).validate()).not.toThrow();
    expect(lease.spec).toMatchObject({
      holderIdentity: leader.identity,
      leaseDurationSeconds: 2,
      leaseTransitions: 0,
    });
    expect(lease.spec.renewTime).toMatch(MICRO_TIME);
    expect(lease.spec.acquireTime).toMatch(MICRO_TIME);
    // Renewals move renewTime, not acquireTime.
    expect(Date.parse(String(lease.spec.renewTime))).toBeGreaterThan(
      Date.parse(String(lease.spec.acquireTime)),
    );
    expect(w.transitions).toEqual([{ who: leader.identity, leading: true, at: expect.any(Number) }]);
  });

  it("a leader's stop() releases the lease, and the other replica takes over at its next retry", async () => {
    const w = await world();
    const a = w.elector(w.direct, "agent-a");
    a.start();
    await vi.waitFor(() => expect(a.isLeader()).toBe(true), WAIT);
    const b = w.elector(w.direct, "agent-b");
    b.start();
    await renewals(w, 3);
    expect(b.isLeader()).toBe(false);

    await a.stop();
    expect(a.isLeader()).toBe(false);
    expect(w.logs).toContainEqual(expect.objectContaining({ who: "agent-a", event: "lease.released" }));
    await vi.waitFor(() => expect(b.isLeader()).toBe(true), WAIT);
    expect(w.transitions.map(({ who, leading }) => `${who} ${leading}`)).toEqual([
      "agent-a true",
      "agent-a false",
      "agent-b true",
    ]);
    const lease = await w.lease();
    expect(() => new Lease(lease as never).validate()).not.toThrow();
    expect(lease.spec).toMatchObject({
      holderIdentity: "agent-b",
      leaseDurationSeconds: 2,
      leaseTransitions: 1,
    });
  });

  it("a released lease as client-go writes it: no holder, a 1 s lease, transitions kept", async () => {
    const w = await world();
    const a = w.elector(w.direct, "agent-a");
    a.start();
    await vi.waitFor(() => expect(a.isLeader()).toBe(true), WAIT);
    await a.stop();
    const lease = await w.lease();
    expect(() => new Lease(lease as never).validate()).not.toThrow();
    expect(lease.spec).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1, leaseTransitions: 0 });
    expect(lease.spec.renewTime).toMatch(MICRO_TIME);
  });

  it("releases even when a renewal it cut short reached the server (the resourceVersion it holds is stale)", async () => {
    const w = await world();
    // A long retry period: between the bump below and stop() the leader does not renew by itself.
    const a = w.elector(w.direct, "agent-a", {
      leaseDurationMs: 9000,
      renewDeadlineMs: 6000,
      retryPeriodMs: 3000,
    });
    a.start();
    await vi.waitFor(() => expect(a.isLeader()).toBe(true), WAIT);
    // What a renewal that reached the server but whose answer never came back leaves: same holder, newer version.
    const held = await w.lease();
    w.sim.apply({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "kopt-agent", namespace: "kopt" },
      spec: { ...held.spec, renewTime: microTime(new Date()) },
    });
    await a.stop();
    expect(w.logs.filter((l) => l.event.startsWith("lease.rel")).map((l) => l.event)).toEqual([
      "lease.released",
    ]);
    expect((await w.lease()).spec.holderIdentity).toBe("");
  });

  it("a killed leader (no release) is replaced only after its lease expired", async () => {
    const w = await world();
    const a = w.elector(w.direct, "agent-a", { releaseOnStop: false });
    a.start();
    await vi.waitFor(() => expect(a.isLeader()).toBe(true), WAIT);
    const b = w.elector(w.direct, "agent-b");
    b.start();
    await renewals(w, 2);
    await a.stop();
    // Nothing was released: the Lease still names the dead leader, and b must wait out its duration.
    expect((await w.lease()).spec.holderIdentity).toBe("agent-a");
    expect(b.isLeader()).toBe(false);
    await vi.waitFor(() => expect(b.isLeader()).toBe(true), WAIT);
    const lease = await w.lease();
    expect(lease.spec).toMatchObject({ holderIdentity: "agent-b", leaseTransitions: 1 });
    expect(w.logs.some((l) => l.event === "lease.released")).toBe(false);
  });

  it("a leader cut off from the API stops leading by itself, before the other replica takes over", async () => {
    const w = await world();
    const { a } = await handover(w, {}, (proxy) => proxy.cut());
    expect(a.isLeader()).toBe(false);
    expect(w.logs).toContainEqual({
      who: "agent-a",
      event: "lease.lost",
      fields: expect.objectContaining({ reason: "renew deadline passed" }),
    });
    expect((await w.lease()).spec).toMatchObject({ holderIdentity: "agent-b", leaseTransitions: 1 });
  });

  it("a lone leader cut off from the API loses leadership, and takes it back when the API returns", async () => {
    const w = await world();
    const { conn, proxy } = await w.proxied();
    const a = w.elector(conn, "agent-a");
    a.start();
    await vi.waitFor(() => expect(a.isLeader()).toBe(true), WAIT);
    proxy.cut();
    await vi.waitFor(() => expect(a.isLeader()).toBe(false), WAIT);
    await vi.waitFor(() => expect(w.transitions.map((t) => t.leading)).toEqual([true, false]), WAIT);
    expect(w.logs).toContainEqual(expect.objectContaining({ who: "agent-a", event: "lease.error" }));
    // Nobody else wrote: the Lease still names it, so it renews rather than takes over.
    expect((await w.lease()).spec.holderIdentity).toBe("agent-a");

    proxy.restore();
    await vi.waitFor(() => expect(a.isLeader()).toBe(true), WAIT);
    expect(w.transitions.map((t) => t.leading)).toEqual([true, false, true]);
    expect((await w.lease()).spec).toMatchObject({ holderIdentity: "agent-a", leaseTransitions: 0 });
    expect(w.logs).toContainEqual(expect.objectContaining({ who: "agent-a", event: "lease.recovered" }));
  });

  it("a leader whose renewal the API accepts and never answers stops leading before the other can take over, and keeps trying", async () => {
    const w = await world();
    const { proxy } = await handover(w, { requestTimeoutMs: 300 }, (proxy) => proxy.hang());
    // Each hung request was given up and another sent: without a timeout the first would hang for ever.
    await vi.waitFor(() => expect(proxy.held).toBeGreaterThanOrEqual(3), WAIT);
    expect(w.logs).toContainEqual({
      who: "agent-a",
      event: "lease.error",
      fields: expect.objectContaining({ error: "ETIMEDOUT" }),
    });
  });

  it("a renewal that hangs once is given up after the request timeout and sent again in time: the leader keeps leading", async () => {
    const w = await world();
    const { conn, proxy } = await w.proxied();
    // A deadline far above timeout + retry: one lost request must not cost leadership, even on a slow machine.
    const timing = {
      leaseDurationMs: 4000,
      renewDeadlineMs: 3000,
      retryPeriodMs: 150,
      requestTimeoutMs: 300,
    };
    const a = w.elector(conn, "agent-a", timing);
    a.start();
    await vi.waitFor(() => expect(a.isLeader()).toBe(true), WAIT);
    await renewals(w, 2);

    proxy.hang();
    await vi.waitFor(() => expect(proxy.held).toBeGreaterThanOrEqual(1), WAIT);
    proxy.restore();
    await renewals(w, 3);
    expect(a.isLeader()).toBe(true);
    expect(w.transitions.map((t) => t.leading)).toEqual([true]);
    expect(w.logs.map((l) => l.event)).toEqual(["lease.acquired", "lease.error", "lease.recovered"]);
  });

  it("five replicas started together: never two leaders at any sample, exactly one in the end", async () => {
    const w = await world();
    const electors = ["a", "b", "c", "d", "e"].map((n) => w.elector(w.direct, `agent-${n}`));
    const sample = sampler(electors);
    for (const e of electors) e.start();
    await vi.waitFor(() => expect(leaders(electors)).toHaveLength(1), WAIT);
    await renewals(w, 5);
    const first = leaders(electors)[0] as LeaderPort;
    await first.stop();
    await vi.waitFor(() => expect(leaders(electors)).toHaveLength(1), WAIT);
    await renewals(w, 3);
    sample.stop();
    expect(sample.most()).toBe(1);
    expect(leaders(electors)).toHaveLength(1);
    expect(leaders(electors)[0]).not.toBe(first);
    // Only the two winners ever led; everyone else lost its races (409) without an error.
    expect(new Set(w.transitions.map((t) => t.who)).size).toBe(2);
    expect(w.logs.filter((l) => l.event === "lease.error")).toEqual([]);
  });
});

describe("leader election over TLS with a bearer token", () => {
  it("uses the kubeconfig's CA and token (the simulator answers 401 without the token)", async () => {
    const token = "lease-test-token-5f2c9a";
    const sim = await startKubeSim({ objects: [], tls: true, token });
    cleanups.push(() => sim.stop());
    const dir = mkdtempSync(join(tmpdir(), "kopt-lease-tls-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const e = createLeaderElector(connect({ kubeconfig: sim.writeKubeconfig(dir) }), {
      namespace: "kopt",
      name: "kopt-agent",
      identity: "agent-a",
      ...TIMING,
    });
    cleanups.push(() => e.stop());
    e.start();
    await vi.waitFor(() => expect(e.isLeader()).toBe(true), WAIT);
    expect(sim.requests.filter((r) => r.path === LEASE_PATH).length).toBeGreaterThan(0);
  });
});

describe("leader election options", () => {
  it("refuses timings where a leader could still act after its lease expired", async () => {
    const w = await world();
    expect(() =>
      createLeaderElector(w.direct, {
        namespace: "kopt",
        name: "kopt-agent",
        identity: "a",
        leaseDurationMs: 10_000,
        renewDeadlineMs: 15_000,
        retryPeriodMs: 2_000,
      }),
    ).toThrow(
      "leader election needs leaseDuration > renewDeadline > retryPeriod > 0, got 10000 ms, 15000 ms",
    );
  });

  it("writes MicroTime with six fractional digits", () => {
    expect(microTime(new Date("2026-12-03T10:00:01.234Z"))).toBe("2026-12-03T10:00:01.234000Z");
  });
});
