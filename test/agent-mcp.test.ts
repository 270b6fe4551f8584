// `kopt agent --mcp-listen`: the in-cluster agent serves kopt's read-only MCP tools on their own port (what the
// chart's kagent RemoteMCPServer points at), behind KOPT_MCP_TOKEN, and closes it when it stops. The agent's
// parts are fakes; the cluster's address is one nothing listens on, so a tool's read fails as a tool error.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it, vi } from "vitest";
import { main } from "../src/cli.ts";
import type { AgentParts } from "../src/workflows/agent/start.ts";
import {
  deferred,
  FakeControl,
  FakeLeader,
  FakeReactor,
  FakeWatch,
  fakeTriggersOf,
} from "./support/agent-fakes.ts";
import { cleanups } from "./support/cleanups.ts";
import { startKubeSim } from "./support/kube-sim/index.ts";
import { PROJECT_ROOT } from "./support/repo.ts";

const WAIT = { timeout: 30_000, interval: 20 };
const TOKEN = "agent-mcp-token-7c1e9b";

function setup(kubeconfig?: (dir: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "kopt-agent-mcp-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = kubeconfig ? kubeconfig(dir) : join(dir, "kubeconfig");
  if (!kubeconfig)
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: sim, cluster: {server: 'http://127.0.0.1:1'}}]",
        "users: [{name: u, user: {token: abcdefghijkl}}]",
        "contexts: [{name: sim, context: {cluster: sim, user: u}}]",
        "current-context: sim",
      ].join("\n"),
    );
  writeFileSync(
    join(dir, "kopt.yaml"),
    `apiVersion: kopt.dev/v1alpha1\nkind: ClusterConfig\ncluster: prod\nsource:\n  kubernetes:\n    kubeconfig: ${file}\nforge:\n  type: github\n  github:\n    owner: acme\n    repo: platform\n`,
  );
  return dir;
}

function fakeParts(made: string[]): AgentParts {
  return {
    watch: () => {
      made.push("watch");
      return new FakeWatch();
    },
    leader: () => new FakeLeader("agent-test"),
    control: () => new FakeControl(),
    reactor: () => new FakeReactor(),
    triggersOf: fakeTriggersOf,
  };
}

function agent(args: string[], env: NodeJS.ProcessEnv) {
  let stdout = "";
  let stderr = "";
  const made: string[] = [];
  const stop = deferred<string>();
  const code = main(["node", "kopt", "agent", ...args], {
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    env: { POD_NAME: "agent-pod-0", ...env },
    agent: { parts: fakeParts(made), stopWhen: () => ({ until: stop.promise, cancel: () => undefined }) },
  });
  return { code, out: () => stdout, err: () => stderr, made, stop };
}

describe("kopt agent --mcp-listen", () => {
  it("serves the agent's MCP tools behind the token, answers a failed read as a tool error, and stops with the agent", async () => {
    const dir = setup();
    const r = agent(
      [
        "--config",
        join(dir, "kopt.yaml"),
        "--repo-dir",
        join(dir, "repo"),
        "--listen",
        "127.0.0.1:0",
        "--mcp-listen",
        "127.0.0.1:0",
      ],
      { KOPT_MCP_TOKEN: TOKEN },
    );
    cleanups.push(async () => {
      r.stop.resolve("SIGTERM");
      await r.code;
    });
    await vi.waitFor(() => expect(r.out()).toContain('"event":"agent.mcp"'), WAIT);
    const event = r
      .out()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .find((l) => l.event === "agent.mcp");
    expect(event).toMatchObject({ token: true });
    expect(event.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(r.out()).not.toContain(TOKEN);

    expect((await fetch(event.url, { method: "POST", body: "{}" })).status).toBe(401);
    const client = new Client({ name: "kagent-like", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(event.url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    cleanups.push(() => client.close());
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      "kopt_recommend",
      "kopt_diagnose",
      "kopt_plan_preview",
      "kopt_list_proposals",
    ]);
    const failed = (await client.callTool({ name: "kopt_diagnose", arguments: {} })) as CallToolResult;
    expect(failed.isError).toBe(true);
    expect((failed.content[0] as { text: string }).text).toMatch(/^kopt: error: /);

    r.stop.resolve("SIGTERM");
    expect(await r.code).toBe(0);
    await expect(fetch(event.url, { method: "POST", body: "{}" })).rejects.toThrow();
  });

  it("answers from the live cluster with the config file it was started with (no clusters/ in its repository)", async () => {
    const snapshot = JSON.parse(
      gunzipSync(readFileSync(join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"))).toString(),
    );
    const sim = await startKubeSim({ objects: snapshot.objects.items });
    cleanups.push(() => sim.stop());
    const dir = setup((d) => sim.writeKubeconfig(d));
    const r = agent(
      [
        "--config",
        join(dir, "kopt.yaml"),
        "--repo-dir",
        join(dir, "repo"),
        "--listen",
        "127.0.0.1:0",
        "--mcp-listen",
        "127.0.0.1:0",
      ],
      {},
    );
    cleanups.push(async () => {
      r.stop.resolve("SIGTERM");
      await r.code;
    });
    await vi.waitFor(() => expect(r.out()).toContain('"event":"agent.mcp"'), WAIT);
    const url = JSON.parse(
      r
        .out()
        .split("\n")
        .find((l) => l.includes('"event":"agent.mcp"')) ?? "{}",
    ).url;
    const client = new Client({ name: "kagent-like", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    cleanups.push(() => client.close());
    const d = (await client.callTool({
      name: "kopt_diagnose",
      arguments: { workload: "todo/mailer" },
    })) as CallToolResult;
    expect(d.isError, JSON.stringify(d.content)).toBeFalsy();
    expect(d.structuredContent).toMatchObject({
      cluster: "prod",
      findings: [{ class: "create-container-config-error", workload: { namespace: "todo", name: "mailer" } }],
    });
  });

  it("refuses a non-loopback --mcp-listen without KOPT_MCP_TOKEN before anything starts (exit 2)", async () => {
    const dir = setup();
    const r = agent(
      ["--config", join(dir, "kopt.yaml"), "--repo-dir", join(dir, "repo"), "--mcp-listen", "0.0.0.0:8090"],
      {},
    );
    expect(await r.code).toBe(2);
    expect(r.err()).toContain("--mcp-listen 0.0.0.0:8090 needs KOPT_MCP_TOKEN");
    expect(r.made).toEqual([]);
  });
});
