// The agent's opt-in restart of stuck pods (agent.actions.restartPods) end to end, with the real parts: the
// Kubernetes simulator (watches, pods/eviction, PodDisruptionBudgets), the GitHub simulator and real git.
// A pod running but not ready past stuckFor, in a listed namespace, is evicted once and its PHR (status
// executed) lands on main through a trivial pull request kopt merges; the same pod in a namespace that is
// watched but not listed is untouched; a PDB's 429 is skipped and logged, not retried in a loop; paused, the
// agent evicts nothing.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  type AgentHandle,
  type AgentWorld,
  agentWorld,
  CLUSTER,
  leading,
  linesOf,
  TEST_TIMEOUT_MS,
  until,
} from "./support/agent-world.ts";
import { git } from "./support/repo.ts";
import {
  deployment,
  type KubeObject,
  namespace,
  type PodController,
  pod,
  replicaSet,
} from "./support/snapshot-builder.ts";

const nowSec = () => Math.floor(Date.now() / 1000);
const RESTART = { actions: { restartPods: { namespaces: ["todo"] } } };

/** A pod of `rs` whose container runs but has not been ready for 20 minutes (past the default stuckFor 10m). */
function stuckPod(rs: PodController, seed: string): KubeObject {
  return pod({
    owner: rs,
    nodeName: "worker-1",
    created: nowSec() - 20 * 60,
    seed,
    statuses: [{ restartCount: 0, ready: false }],
  });
}

/** A second watched namespace, shop, with a Deployment "api": one ready pod and one stuck like `stuck`. */
function addShop(w: AgentWorld): KubeObject {
  const created = nowSec() - 30 * 86_400;
  w.kube.apply(namespace({ name: "shop", created }));
  const d = deployment({
    namespace: "shop",
    name: "api",
    created,
    replicas: 2,
    labels: { "app.kubernetes.io/name": "api" },
    containers: [{ name: "api", image: "ghcr.io/example/shop-api:1.0.0", resources: {} }],
  });
  const rs = replicaSet({ deployment: d, revision: 1, replicas: 2, created });
  w.kube.apply(d);
  w.kube.apply(rs);
  w.kube.apply(pod({ owner: rs, nodeName: "worker-1", created: nowSec() - 86_400, seed: "ok" }));
  const stuck = stuckPod(rs, "stuck");
  w.kube.apply(stuck);
  return stuck;
}

const evictions = (w: AgentWorld) =>
  w.kube.requests.filter((r) => r.method === "POST" && r.path.endsWith("/eviction")).map((r) => r.path);

const podExists = async (w: AgentWorld, ns: string, name: string) =>
  (await fetch(`${w.kube.url}/api/v1/namespaces/${ns}/pods/${name}`)).status === 200;

/** Waits until the agent has looked for stuck pods `n` more times. */
async function checks(agent: AgentHandle, n: number): Promise<void> {
  const from = await agent.metric("kopt_agent_action_checks_total");
  await until(`${n} more checks for stuck pods`, async () => {
    return (await agent.metric("kopt_agent_action_checks_total")) >= from + n;
  });
}

describe("kopt agent restarts stuck pods, only where enabled", { timeout: TEST_TIMEOUT_MS }, () => {
  it("evicts a stuck pod once in a listed namespace, lands its PHR (executed) on main, leaves the unlisted namespace alone", async () => {
    const w = await agentWorld({ agent: RESTART });
    const shopPod = addShop(w);
    const stuck = stuckPod(w.cluster.controllers.worker.replicaSet, "stuck");
    w.kube.apply(stuck);
    const name = stuck.metadata.name;
    const agent = await w.startAgent({ config: w.writeConfig({ watch: ["todo", "shop"] }) });
    await leading(agent);

    const recorded = await until("the restart's PHR to land", () => linesOf(agent, "restart.recorded")[0]);
    expect(evictions(w)).toEqual([`/api/v1/namespaces/todo/pods/${name}/eviction`]);
    expect(await podExists(w, "todo", name)).toBe(false);
    // One scan saw both pods: the one in shop (watched, not listed) was never asked for.
    expect(await podExists(w, "shop", shopPod.metadata.name)).toBe(true);
    expect(linesOf(agent, "restart")).toEqual([
      expect.objectContaining({
        result: "restarted",
        pod: `todo/${name}`,
        workload: "todo/Deployment/worker",
        readyPeers: 2,
      }),
    ]);

    const phr = String(recorded.phr);
    expect(phr).toMatch(
      new RegExp(`^phr/${CLUSTER}/\\d{4}-\\d{2}-\\d{2}-[0-9a-f]{8}-restart-todo-${name}\\.md$`),
    );
    const text = git(w.github.repoDir, "show", `main:${phr}`);
    const front = parse(text.split("---\n")[1] ?? "") as Record<string, unknown>;
    expect(front).toMatchObject({ kind: "restart", tier: "trivial", status: "executed", changes: [] });
    expect(front.action).toMatchObject({ type: "evict", pod: `todo/${name}`, by: agent.identity });
    const pr = w.pulls().find((p) => p.head.startsWith(`kopt/${CLUSTER}/actions/`));
    expect(pr?.merged).toBe(true);
    expect(pr?.labels).toContain("kopt/tier:trivial");

    await checks(agent, 3);
    expect(evictions(w)).toHaveLength(1);
    expect(await agent.metric("kopt_agent_actions_total", { action: "restart", result: "restarted" })).toBe(
      1,
    );
  });

  it("a PodDisruptionBudget refuses (429): skipped and logged once, not retried in a loop, no PHR", async () => {
    const w = await agentWorld({ agent: RESTART });
    w.kube.apply({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { namespace: "todo", name: "worker" },
      spec: { minAvailable: 3, selector: { matchLabels: { "app.kubernetes.io/name": "worker" } } },
    });
    const stuck = stuckPod(w.cluster.controllers.worker.replicaSet, "stuck");
    w.kube.apply(stuck);
    const agent = await w.startAgent();
    await leading(agent);

    const line = await until("the refusal", () =>
      linesOf(agent, "restart").find((l) => l.result === "refused"),
    );
    expect(line.error).toContain("disruption budget");
    await checks(agent, 3);
    expect(evictions(w)).toHaveLength(1);
    expect(await podExists(w, "todo", stuck.metadata.name)).toBe(true);
    expect(linesOf(agent, "restart")).toHaveLength(1);
    expect(await agent.metric("kopt_agent_actions_total", { action: "restart", result: "refused" })).toBe(1);
    expect(w.pulls()).toEqual([]);
  });

  it("paused (the kill switch): looks, evicts nothing", async () => {
    const w = await agentWorld({ agent: { ...RESTART, paused: true } });
    const stuck = stuckPod(w.cluster.controllers.worker.replicaSet, "stuck");
    w.kube.apply(stuck);
    const agent = await w.startAgent();
    await leading(agent);
    await checks(agent, 5);
    expect(evictions(w)).toEqual([]);
    expect(linesOf(agent, "restart")).toEqual([]);
    expect(await podExists(w, "todo", stuck.metadata.name)).toBe(true);
  });
});
