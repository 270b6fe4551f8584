// `kopt agent` end to end with the real parts (issue 15): the Kubernetes API simulator serving watches and
// Leases, the GitHub simulator, real git, and agents started in-process with short durations. A pod that
// fails in the simulator becomes the pull request or incident issue `kopt plan` would make, on the same
// branch and fingerprint, once, whatever restarts, GitHub faults and bursts happen on the way.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  AGENT_NS,
  type AgentWorld,
  agentWorld,
  crashLoop,
  failingPod,
  leading,
  linesOf,
  missingSecret,
  OOM_BRANCH,
  objectName,
  oomWorker,
  settled,
  TEST_TIMEOUT_MS,
  theOomPullRequest,
  until,
} from "./support/agent-world.ts";
import { git } from "./support/repo.ts";

function memoryLimitOn(w: AgentWorld, branch: string): string {
  const values = parse(git(w.github.repoDir, "show", `${branch}:clusters/demo/values.yaml`)) as {
    worker: { resources: { limits: { memory: string } } };
  };
  return values.worker.resources.limits.memory;
}

describe("kopt agent reacts to failures in the cluster", { timeout: TEST_TIMEOUT_MS }, () => {
  it("a pod OOM-killed: the OOM pull request, on the branch kopt plan names, with a higher limit; /metrics counts it", async () => {
    const w = await agentWorld();
    const agent = await w.startAgent();
    await leading(agent);

    const pod = oomWorker(w);
    const pr = await theOomPullRequest(w);
    expect(pr.state).toBe("open");
    expect(pr.base).toBe("main");
    expect(memoryLimitOn(w, "main")).toBe("256Mi");
    expect(memoryLimitOn(w, OOM_BRANCH)).not.toBe("256Mi");
    await settled(agent, pod);
    expect(w.pulls().map((p) => p.head)).toEqual([OOM_BRANCH]);
    expect(await agent.metric("kopt_agent_pull_requests_total", { status: "created" })).toBe(1);
    expect(await agent.metric("kopt_agent_findings_total", { class: "oom-killed" })).toBeGreaterThanOrEqual(
      1,
    );
    expect(await agent.metric("kopt_agent_detection_seconds_count")).toBeGreaterThanOrEqual(1);
  });

  it("a missing Secret (CreateContainerConfigError): one incident issue and no pull request", async () => {
    const w = await agentWorld();
    const agent = await w.startAgent();
    await leading(agent);

    const failing = failingPod(w.cluster.controllers.mailer.replicaSet, "config", missingSecret());
    w.kube.apply(failing);
    const issue = await until("the incident issue", () => w.incidents()[0]);
    expect(issue.state).toBe("open");
    expect(`${issue.title}\n${issue.body}`).toContain("mailer-smtp");
    // The same failure seen again (the kubelet retries): still one issue.
    const again = failingPod(w.cluster.controllers.mailer.replicaSet, "config-2", missingSecret());
    w.kube.apply(again);
    await settled(agent, again.metadata.name);
    expect(w.incidents()).toHaveLength(1);
    expect(w.pulls()).toEqual([]);
    expect(await agent.metric("kopt_agent_issues_total", { action: "created" })).toBe(1);
  });

  it("a burst of 50 failing pods of one Deployment: one incident issue, at most one pull request", async () => {
    const w = await agentWorld();
    const agent = await w.startAgent();
    await leading(agent);

    const rs = w.cluster.controllers.notifier.replicaSet;
    const pods = Array.from({ length: 50 }, (_, i) => failingPod(rs, `burst-${i}`, crashLoop(2 + (i % 3))));
    for (const p of pods) w.kube.apply(p);
    await until("the incident issue", () => w.incidents()[0]);
    await settled(agent, pods.at(-1)?.metadata.name ?? "");
    expect(w.incidents()).toHaveLength(1);
    expect(w.pulls().length).toBeLessThanOrEqual(1);
    // Coalesced: far fewer reactions than failing pods.
    expect(linesOf(agent, "reaction").length).toBeLessThan(10);
  });
});

describe("no duplicates across restarts, and GitHub's faults are retried", {
  timeout: TEST_TIMEOUT_MS,
}, () => {
  it("restarted after the pull request: the new agent derives the failure from the cluster and opens nothing new", async () => {
    const w = await agentWorld();
    const first = await w.startAgent({ identity: "agent-a" });
    await leading(first);
    oomWorker(w);
    const pr = await theOomPullRequest(w);
    const head = pr.headSha;
    await first.stop();

    const second = await w.startAgent({ identity: "agent-b" });
    await leading(second);
    // On becoming leader it re-derives its work from the cluster: the OOM-killed pod is still there.
    await until("agent-b's reaction to the OOM", () =>
      linesOf(second, "reaction").find((l) => l.target === "todo/Deployment/worker"),
    );
    await second.idle();
    expect(w.pulls().map((p) => [p.number, p.head, p.state])).toEqual([[pr.number, OOM_BRANCH, "open"]]);
    expect(git(w.github.repoDir, "rev-parse", `refs/heads/${OOM_BRANCH}`)).toBe(head);
    expect(await second.metric("kopt_agent_pull_requests_total", { status: "created" })).toBe(0);
  });

  it("stopped after the trigger, before the pull request could be opened: the next agent opens exactly one", async () => {
    let pullsDown = true;
    const w = await agentWorld({
      github: {
        faults: (r) =>
          pullsDown && r.operationId === "pulls/create" ? { kind: "server-error", status: 503 } : undefined,
      },
    });
    const first = await w.startAgent({ identity: "agent-a" });
    await leading(first);
    const pod = oomWorker(w);
    await until("agent-a to have tried to open the pull request", () =>
      w.github.requests.some((r) => r.operationId === "pulls/create"),
    );
    await until("agent-a's failed reaction", () => linesOf(first, "reaction.failed").length > 0);
    expect(linesOf(first, "trigger").some((l) => objectName(l) === pod)).toBe(true);
    await first.stop();
    expect(w.pulls()).toEqual([]);

    pullsDown = false;
    const second = await w.startAgent({ identity: "agent-b" });
    await leading(second);
    await theOomPullRequest(w);
    await second.idle();
    expect(w.pulls().map((p) => p.head)).toEqual([OOM_BRANCH]);
  });

  it("GitHub answers 503 past Octokit's retries, then a rate limit: the reaction is retried, exactly one pull request", async () => {
    const w = await agentWorld({
      github: {
        faults: (r) => {
          if (r.operationId !== "pulls/create") return undefined;
          // 1 + 3 retries: the first reaction fails; the agent's queue retries it with backoff.
          if (r.count <= 4) return { kind: "server-error", status: 503 };
          if (r.count === 5) return { kind: "rate-limit", resetInSeconds: 1 };
          return undefined;
        },
      },
    });
    const agent = await w.startAgent();
    await leading(agent);
    const pod = oomWorker(w);
    await theOomPullRequest(w);
    await settled(agent, pod);
    const tries = w.github.requests.filter((r) => r.operationId === "pulls/create");
    expect(tries.length).toBeGreaterThanOrEqual(6);
    expect(linesOf(agent, "reaction.failed").length).toBeGreaterThanOrEqual(1);
    expect(await agent.metric("kopt_agent_forge_errors_total")).toBeGreaterThanOrEqual(1);
    expect(w.pulls().map((p) => p.head)).toEqual([OOM_BRANCH]);
  });
});

describe("the kill switch", { timeout: TEST_TIMEOUT_MS }, () => {
  const control = (paused: boolean) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "kopt-agent-control", namespace: AGENT_NS },
    data: { paused: String(paused) },
  });

  it("the control ConfigMap, read live: while paused a failure waits in the queue; unpaused, it is acted on", async () => {
    const w = await agentWorld();
    w.kube.apply(control(true));
    const agent = await w.startAgent();
    await leading(agent);
    await until("the agent to be paused", async () => (await agent.metric("kopt_agent_paused")) === 1);

    const pod = oomWorker(w);
    await until("the trigger, queued", () =>
      linesOf(agent, "trigger").some((l) => objectName(l) === pod && l.queued === true),
    );
    // The agent goes on (ten more rounds of its lease, well past the settle time) and the failure waits.
    const leaseRounds = () => w.kube.requests.filter((r) => r.path.includes("/leases/")).length;
    const before = leaseRounds();
    await until("ten more lease rounds", () => leaseRounds() >= before + 10);
    expect(await agent.metric("kopt_agent_queue_depth")).toBe(1);
    expect(w.github.requests.filter((r) => r.operationId === "pulls/create")).toEqual([]);

    w.kube.apply(control(false));
    await theOomPullRequest(w);
    await settled(agent, pod);
    expect(w.pulls().map((p) => p.head)).toEqual([OOM_BRANCH]);
  });
});
