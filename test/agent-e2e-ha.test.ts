// `kopt agent` end to end when things break: two replicas (one acts; the leader cut off from the API stops
// acting and the other takes over within the lease), and the watch losing its connection, getting 410 Gone
// or going silent — in each case the failure made during the outage is still acted on. Real parts: the
// Kubernetes API simulator (Leases, watches, fault injection), a TCP cut-proxy, the GitHub simulator, git.
import { describe, expect, it, onTestFinished } from "vitest";
import {
  agentWorld,
  failingPod,
  leading,
  linesOf,
  missingSecret,
  OOM_BRANCH,
  oomWorker,
  ready,
  settled,
  TEST_TIMEOUT_MS,
  theOomPullRequest,
  until,
} from "./support/agent-world.ts";
import { startCutProxy } from "./support/cut-proxy.ts";

describe("two agents", { timeout: TEST_TIMEOUT_MS }, () => {
  it("one acts; the leader cut off from the API stops, the other leads within the lease and acts on the next failure", async () => {
    const w = await agentWorld();
    const proxy = await startCutProxy(w.kube.url);
    onTestFinished(() => proxy.stop());
    // A lease of 3 s (not 1.5 s): a stall of the one process both agents and the simulators share must not
    // pass for a lost leader here.
    const lease = { leaderElection: { leaseDuration: "3s", renewDeadline: "2s", retryPeriod: "0.25s" } };
    const a = await w.startAgent({
      identity: "agent-a",
      config: w.writeConfig({ kubeconfig: w.kubeconfigVia(proxy.url), agent: lease }),
    });
    await leading(a);
    const b = await w.startAgent({ identity: "agent-b", config: w.writeConfig({ agent: lease }) });
    await ready(b);

    const oomPod = oomWorker(w);
    await theOomPullRequest(w);
    await settled(a, oomPod);
    await settled(b, oomPod);
    // b saw the failure and left it to the leader.
    expect(linesOf(b, "trigger").filter((l) => l.queued === true)).toEqual([]);
    expect(linesOf(b, "reaction")).toEqual([]);
    expect(await b.metric("kopt_agent_leader")).toBe(0);
    expect(await a.metric("kopt_agent_pull_requests_total", { status: "created" })).toBe(1);

    // a loses the API without releasing its lease: it stops acting, b takes over once the lease expires.
    proxy.cut();
    await until("agent-a to stop leading", async () => (await a.metric("kopt_agent_leader")) === 0);
    await leading(b);

    const failing = failingPod(w.cluster.controllers.mailer.replicaSet, "after-cut", missingSecret());
    w.kube.apply(failing);
    const issue = await until("the incident issue", () => w.incidents()[0]);
    expect(issue.state).toBe("open");
    await settled(b, failing.metadata.name);
    expect(linesOf(b, "reaction").some((l) => l.target === "todo/Deployment/mailer")).toBe(true);
    expect(linesOf(a, "reaction").some((l) => l.target === "todo/Deployment/mailer")).toBe(false);
    // b re-derived the worker's OOM from the cluster when it took over: still the one pull request.
    expect(w.pulls().map((p) => p.head)).toEqual([OOM_BRANCH]);
    expect(w.incidents()).toHaveLength(1);
  });
});

describe("the watch breaks; the failure made meanwhile is still acted on", {
  timeout: TEST_TIMEOUT_MS,
}, () => {
  it("the API down (connections reset): /readyz is 503 while down, 200 after, and the failure is acted on", async () => {
    const w = await agentWorld();
    const agent = await w.startAgent();
    await leading(agent);

    w.kube.setDown(true);
    await until("/readyz 503", async () => (await agent.get("/readyz")).status === 503);
    expect((await agent.get("/healthz")).status).toBe(200);
    const pod = oomWorker(w);
    w.kube.setDown(false);
    await until("/readyz 200", async () => (await agent.get("/readyz")).status === 200);
    await theOomPullRequest(w);
    await settled(agent, pod);
    expect(await agent.metric("kopt_agent_informer_restarts_total")).toBeGreaterThanOrEqual(1);
    expect(w.pulls().map((p) => p.head)).toEqual([OOM_BRANCH]);
  });

  it("every watch connection dropped (a network cut): resumed, the failure is acted on", async () => {
    const w = await agentWorld();
    const agent = await w.startAgent();
    await leading(agent);

    w.kube.dropWatches();
    const pod = oomWorker(w);
    await theOomPullRequest(w);
    await settled(agent, pod);
    expect(w.pulls().map((p) => p.head)).toEqual([OOM_BRANCH]);
  });

  it("410 Gone (the history moved on while the watches were cut): re-listed, the failure is acted on", async () => {
    const w = await agentWorld({ kube: { watchHistory: 5 } });
    const agent = await w.startAgent();
    await leading(agent);

    w.kube.dropWatches();
    const pod = oomWorker(w);
    // More changes than the history keeps: a watch resuming from before them gets 410 Gone.
    for (const p of w.cluster.pods.mailer.concat(w.cluster.pods.notifier)) {
      for (let i = 0; i < 4; i++) {
        w.kube.apply({
          ...p,
          metadata: { ...p.metadata, labels: { ...p.metadata.labels, touch: String(i) } },
        });
      }
    }
    await theOomPullRequest(w);
    await settled(agent, pod);
    expect(linesOf(agent, "watch.relist").some((l) => l.reason === "410 Gone")).toBe(true);
    expect(await agent.metric("kopt_agent_relists_total")).toBeGreaterThanOrEqual(1);
    expect(w.pulls().map((p) => p.head)).toEqual([OOM_BRANCH]);
  });

  it("a silent watch (connected, nothing more sent): the watchdog re-lists, the failure is acted on", async () => {
    const w = await agentWorld();
    const agent = await w.startAgent();
    await leading(agent);

    w.kube.stallWatches();
    const pod = oomWorker(w);
    await theOomPullRequest(w);
    await settled(agent, pod);
    expect(linesOf(agent, "watch.relist").some((l) => String(l.reason).startsWith("silent"))).toBe(true);
    expect(await agent.metric("kopt_agent_relists_total")).toBeGreaterThanOrEqual(1);
    expect(w.pulls().map((p) => p.head)).toEqual([OOM_BRANCH]);
  });
});
