// `kopt agent` with a bad configuration exits 2 with a message that says what and where, before anything
// starts: no request reaches the Kubernetes API or GitHub, nothing listens on --listen, the repository
// directory is not created. Through main() as the CLI runs it.
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type AgentWorld, agentEnv, agentWorld, freePort, TEST_TIMEOUT_MS } from "./support/agent-world.ts";
import { runKopt } from "./support/repo.ts";

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function agentWith(w: AgentWorld, config: string) {
  const port = await freePort();
  const repoDir = join(w.dir, "repo-never");
  const r = await runKopt(
    ["agent", "--config", config, "--repo-dir", repoDir, "--listen", `127.0.0.1:${port}`, "--identity", "a"],
    { env: agentEnv() },
  );
  // Nothing started: no request to either API, no listener, no repository.
  expect(w.kube.requests).toEqual([]);
  expect(w.github.requests).toEqual([]);
  expect(await listening(port)).toBe(false);
  expect(existsSync(repoDir)).toBe(false);
  return r;
}

describe("kopt agent with a bad configuration: exit 2 before anything starts", {
  timeout: TEST_TIMEOUT_MS,
}, () => {
  it("a missing config file", async () => {
    const w = await agentWorld();
    const file = join(w.dir, "nope.yaml");
    const r = await agentWith(w, file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nope.yaml");
    expect(r.stdout).toBe("");
  });

  it("a schema error: names the field and the rule", async () => {
    const w = await agentWorld();
    const file = w.writeConfig({
      agent: { leaderElection: { leaseDuration: "1s", renewDeadline: "2s", retryPeriod: "0.2s" } },
    });
    const r = await agentWith(w, file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("leaderElection");
    expect(r.stderr).toContain("leaseDuration > renewDeadline > retryPeriod");
  });

  it("an unknown key under agent: names it", async () => {
    const w = await agentWorld();
    const r = await agentWith(w, w.writeConfig({ agent: { pasued: true } }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("pasued");
  });

  it("a restart of stuck pods in a namespace the agent does not watch: names it and the fix", async () => {
    const w = await agentWorld();
    const r = await agentWith(
      w,
      w.writeConfig({ agent: { actions: { restartPods: { namespaces: ["todo", "shop"] } } } }),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("agent.actions.restartPods.namespaces lists shop");
    expect(r.stderr).toContain("source.kubernetes.namespaces.include");
  });

  it("a cron schedule that is not one: names agent.plan.schedule", async () => {
    const w = await agentWorld();
    const r = await agentWith(w, w.writeConfig({ agent: { plan: { schedule: "61 25 * * *" } } }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/schedule/);
    expect(r.stderr).toContain("61 25 * * *");
  });
});
