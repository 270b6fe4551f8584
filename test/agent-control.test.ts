// The live kill switch against the Kubernetes simulator: creating, changing and deleting the control
// ConfigMap is followed by paused(); an unreadable ConfigMap keeps the last known value and is logged once.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { connect } from "../src/observe/kube/connection.ts";
import { type ControlOptions, controlRules, createControl, pausedBy } from "../src/observe/kube/control.ts";
import { createLeaderElector, leaseRules } from "../src/observe/kube/lease.ts";
import type { ControlPort } from "../src/workflows/agent/ports.ts";
import { cleanups } from "./support/cleanups.ts";
import { type CutProxy, startCutProxy } from "./support/cut-proxy.ts";
import { type KubeSim, type KubeSimOptions, startKubeSim } from "./support/kube-sim/index.ts";

const WAIT = { timeout: 20_000, interval: 20 };
const POLL_MS = 50;
const CM_PATH = "/api/v1/namespaces/kopt/configmaps/kopt-agent-control";

const configMap = (data?: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "kopt-agent-control", namespace: "kopt" },
  ...(data ? { data } : {}),
});

interface World {
  sim: KubeSim;
  proxy: CutProxy;
  control: ControlPort;
  logs: { event: string; fields: Record<string, unknown> }[];
}

async function world(
  opts: Partial<KubeSimOptions> = {},
  control: Partial<ControlOptions> = {},
): Promise<World> {
  const sim = await startKubeSim({ objects: [], ...opts });
  cleanups.push(() => sim.stop());
  const proxy = await startCutProxy(sim.url);
  cleanups.push(() => proxy.stop());
  const dir = mkdtempSync(join(tmpdir(), "kopt-control-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "kubeconfig-proxy");
  writeFileSync(file, readFileSync(sim.writeKubeconfig(dir), "utf8").replace(sim.url, proxy.url));
  const logs: World["logs"] = [];
  const c = createControl(connect({ kubeconfig: file }), {
    namespace: "kopt",
    configMap: "kopt-agent-control",
    pollMs: POLL_MS,
    log: (event, fields = {}) => logs.push({ event, fields }),
    ...control,
  });
  cleanups.push(() => c.stop());
  return { sim, proxy, control: c, logs };
}

const reads = (sim: KubeSim) => sim.requests.filter((r) => r.method === "GET" && r.path === CM_PATH).length;

describe("the control ConfigMap (kill switch)", () => {
  it("is followed through create, update and delete", async () => {
    const w = await world();
    await w.control.start();
    expect(w.control.paused()).toBe(false);

    w.sim.apply(configMap({ paused: " TRUE\n" }));
    await vi.waitFor(() => expect(w.control.paused()).toBe(true), WAIT);
    w.sim.apply(configMap({ paused: "false" }));
    await vi.waitFor(() => expect(w.control.paused()).toBe(false), WAIT);
    w.sim.apply(configMap({ paused: "true" }));
    await vi.waitFor(() => expect(w.control.paused()).toBe(true), WAIT);
    w.sim.remove("ConfigMap", "kopt", "kopt-agent-control");
    await vi.waitFor(() => expect(w.control.paused()).toBe(false), WAIT);
    expect(w.logs.map((l) => `${l.event} ${String(l.fields.paused)}`)).toEqual([
      "control.changed true",
      "control.changed false",
      "control.changed true",
      "control.changed false",
    ]);
  });

  it("reads the ConfigMap before start() resolves", async () => {
    const w = await world({ objects: [configMap({ paused: "true" })] });
    await w.control.start();
    expect(w.control.paused()).toBe(true);
  });

  it("keeps the last known value while the API is unreachable, logs it once, and follows again after", async () => {
    const w = await world({ objects: [configMap({ paused: "true" })] });
    await w.control.start();
    expect(w.control.paused()).toBe(true);

    w.proxy.cut();
    const tried = w.proxy.attempts;
    await vi.waitFor(() => expect(w.proxy.attempts - tried).toBeGreaterThanOrEqual(4), WAIT);
    expect(w.control.paused()).toBe(true);
    expect(w.logs.filter((l) => l.event === "control.unreadable")).toEqual([
      {
        event: "control.unreadable",
        fields: expect.objectContaining({ configMap: "ConfigMap kopt/kopt-agent-control", paused: true }),
      },
    ]);

    w.sim.apply(configMap({ paused: "false" }));
    w.proxy.restore();
    await vi.waitFor(() => expect(w.control.paused()).toBe(false), WAIT);
    expect(w.logs.map((l) => l.event)).toEqual([
      "control.changed",
      "control.unreadable",
      "control.readable",
      "control.changed",
    ]);
  });

  it("gives up a read the API accepts and never answers, keeps the last known value, and follows again after", async () => {
    const w = await world({ objects: [configMap({ paused: "true" })] }, { requestTimeoutMs: 300 });
    await w.control.start();
    w.proxy.hang();
    // Each held connection is a poll given up and sent again: without a timeout the first would hang for ever.
    await vi.waitFor(() => expect(w.proxy.held).toBeGreaterThanOrEqual(3), WAIT);
    expect(w.control.paused()).toBe(true);
    expect(w.logs.filter((l) => l.event === "control.unreadable")).toEqual([
      { event: "control.unreadable", fields: expect.objectContaining({ error: "ETIMEDOUT", paused: true }) },
    ]);
    w.sim.apply(configMap({ paused: "false" }));
    w.proxy.restore();
    await vi.waitFor(() => expect(w.control.paused()).toBe(false), WAIT);
  });

  it("a ConfigMap it may not read (403) neither pauses nor unpauses, and is logged once with the reason", async () => {
    const w = await world({
      objects: [configMap({ paused: "true" })],
      rbac: [
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
      ],
    });
    await w.control.start();
    await vi.waitFor(() => expect(reads(w.sim)).toBeGreaterThanOrEqual(4), WAIT);
    expect(w.control.paused()).toBe(false);
    const unreadable = w.logs.filter((l) => l.event === "control.unreadable");
    expect(unreadable).toHaveLength(1);
    expect(String(unreadable[0]?.fields.error)).toMatch(
      /^HTTP 403: configmaps "kopt-agent-control" is forbidden: User "system:serviceaccount:kopt:kopt" cannot get resource "configmaps"/,
    );
  });

  it("stops polling at stop()", async () => {
    const w = await world();
    await w.control.start();
    await vi.waitFor(() => expect(reads(w.sim)).toBeGreaterThanOrEqual(2), WAIT);
    await w.control.stop();
    const after = reads(w.sim);
    // Polls run every 50 ms: wait for well over that, as counted by a second, independent poller's reads.
    const other = await world({ objects: [] });
    await other.control.start();
    await vi.waitFor(() => expect(reads(other.sim)).toBeGreaterThanOrEqual(6), WAIT);
    expect(reads(w.sim)).toBe(after);
  });
});

describe("RBAC", () => {
  it("the lease and the kill switch work with only their own rules (a Role in the agent's namespace)", async () => {
    const rules = [...leaseRules("kopt-agent"), ...controlRules("kopt-agent-control")];
    expect(rules).toEqual([
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: ["kopt-agent"],
        verbs: ["get", "update"],
      },
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["kopt-agent-control"], verbs: ["get"] },
    ]);
    // The simulator does not check resourceNames: this proves the verbs and resources are enough.
    const w = await world({
      objects: [configMap({ paused: "true" })],
      rbac: rules.map(({ resourceNames: _names, ...rule }) => rule),
    });
    await w.control.start();
    expect(w.control.paused()).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "kopt-control-rbac-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const elector = createLeaderElector(connect({ kubeconfig: w.sim.writeKubeconfig(dir) }), {
      namespace: "kopt",
      name: "kopt-agent",
      identity: "agent-a",
      leaseDurationMs: 1800,
      renewDeadlineMs: 1200,
      retryPeriodMs: 150,
      log: (event, fields = {}) => w.logs.push({ event, fields }),
    });
    cleanups.push(() => elector.stop());
    elector.start();
    await vi.waitFor(() => expect(elector.isLeader()).toBe(true), WAIT);
    const renewals = () => w.sim.requests.filter((r) => r.method === "PUT").length;
    await vi.waitFor(() => expect(renewals()).toBeGreaterThanOrEqual(2), WAIT);
    await elector.stop();
    expect(w.logs.map((l) => l.event)).toEqual([
      "control.changed",
      "lease.acquired",
      "lease.lost",
      "lease.released",
    ]);
  });
});

describe("data.paused", () => {
  it.each([
    [{ data: { paused: "true" } }, true],
    [{ data: { paused: " True \n" } }, true],
    [{ data: { paused: "TRUE" } }, true],
    [{ data: { paused: "false" } }, false],
    [{ data: { paused: "yes" } }, false],
    [{ data: { paused: "" } }, false],
    [{ data: {} }, false],
    [{}, false],
    [undefined, false],
  ])("%j pauses: %s", (cm, expected) => {
    expect(pausedBy(cm as Record<string, unknown> | undefined)).toBe(expected);
  });
});
