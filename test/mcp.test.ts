// `kopt mcp` driven by the MCP SDK's own client, as kagent and kubectl-ai would: over stdio (the client spawns
// `node bin/kopt.js mcp`) and over Streamable HTTP (the server on an ephemeral port of 127.0.0.1), against a
// temporary copy of the demo repository. Every figure checked is the demo's own.
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { cleanups } from "./support/cleanups.ts";
import { git, PROJECT_ROOT, runKopt } from "./support/repo.ts";

const KOPT = join(PROJECT_ROOT, "bin/kopt.js");
const READ_ONLY = [
  "kopt_diagnose",
  "kopt_explain_phr",
  "kopt_list_proposals",
  "kopt_plan_preview",
  "kopt_recommend",
  "kopt_report",
];
/** Spawning kopt through tsx and running the pipeline take seconds each on a loaded 2-core machine. */
const SLOW = 180_000;

/** The demo repository (charts, cluster, PHRs) committed on main in a temp directory. */
function demoCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "kopt-mcp-"));
  for (const d of ["helm", "clusters", "phr"])
    cpSync(join(PROJECT_ROOT, d), join(dir, d), { recursive: true });
  // The local forge keeps its pull requests under .kopt/, out of the repository's history.
  writeFileSync(join(dir, ".gitignore"), ".kopt/\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "demo");
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function stdioClient(dir: string, ...flags: string[]): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [KOPT, "--repo", dir, "mcp", "--cluster", "demo", ...flags],
    cwd: dir,
    stderr: "pipe",
  });
  const client = new Client({ name: "kopt-test", version: "1.0.0" });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return client;
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args }, undefined, { timeout: SLOW })) as CallToolResult;
}

/** The structured content of a successful call. */
async function structured(client: Client, name: string, args: Record<string, unknown> = {}) {
  const r = await call(client, name, args);
  expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
  expect((r.content[0] as { text: string }).text.length).toBeGreaterThan(0);
  // biome-ignore lint/suspicious/noExplicitAny: the test reads fields the output schema guarantees
  return r.structuredContent as any;
}

const errorText = (r: CallToolResult) => (r.content[0] as { text: string }).text;

describe("kopt mcp over stdio", () => {
  it(
    "lists the read-only tools with their annotations and schemas, and no kopt_propose without --allow-propose",
    async () => {
      const client = await stdioClient(demoCopy());
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(READ_ONLY);
      for (const t of tools) {
        expect(t.annotations, t.name).toMatchObject({ readOnlyHint: true, destructiveHint: false });
        expect(t.inputSchema.type).toBe("object");
        expect(t.outputSchema?.type, t.name).toBe("object");
      }
      const recommend = tools.find((t) => t.name === "kopt_recommend");
      expect(Object.keys(recommend?.inputSchema.properties ?? {})).toEqual(["workload", "namespace"]);
      expect(recommend?.outputSchema?.required).toContain("recommendations");
      const report = tools.find((t) => t.name === "kopt_report");
      expect(report?.inputSchema.required).toEqual(["kind"]);
    },
    SLOW,
  );

  it(
    "answers recommend, diagnose and both reports with the demo's figures",
    async () => {
      const client = await stdioClient(demoCopy());
      const rec = await structured(client, "kopt_recommend", { workload: "backend", namespace: "todo" });
      expect(rec.cluster).toBe("demo");
      expect(rec.observedAt).toBe("2026-11-20T12:00:00.000Z");
      expect(rec.recommendations).toHaveLength(1);
      expect(rec.recommendations[0]).toMatchObject({
        workload: { namespace: "todo", kind: "Deployment", name: "backend" },
        container: "backend",
        current: { requests: { cpu: "1", memory: "2Gi" } },
        recommended: { requests: { cpu: "270m", memory: "464Mi" }, limits: { memory: "560Mi" } },
      });

      const diag = await structured(client, "kopt_diagnose", { namespace: "todo" });
      const causes = Object.fromEntries(
        diag.findings.map((f: { workload: { name: string }; class: string }) => [f.workload.name, f.class]),
      );
      expect(causes).toEqual({
        mailer: "create-container-config-error",
        notifier: "app-exit",
        search: "liveness-probe-kill",
        worker: "oom-killed",
      });
      expect(diag.findings.find((f: { class: string }) => f.class === "liveness-probe-kill").runbook).toBe(
        "runbooks/liveness-probe-kill.md",
      );

      const health = await structured(client, "kopt_report", { kind: "health" });
      expect(health).toMatchObject({ kind: "health", cluster: "demo", period: "2026-W47" });
      const figure = (id: string) => health.headlines.find((h: { id: string }) => h.id === id)?.value;
      expect([figure("pods.running"), figure("pods.failing"), figure("nodes.count")]).toEqual([14, 3, 3]);
      expect(figure("cost.monthlyRequests")).toBe(152.09);

      const security = await structured(client, "kopt_report", { kind: "security" });
      expect(security.severityCounts).toEqual({ critical: 3, high: 4, medium: 44, low: 26 });
      expect(security.findings[1]).toEqual({
        severity: "critical",
        check: "rbac-cluster-admin-binding",
        resource: "ClusterRoleBinding ci-deployer-admin",
        detail: "binds cluster-admin to ServiceAccount ci-deployer",
      });
    },
    SLOW,
  );

  it(
    "previews the plan (tiers, cost) writing nothing, explains a PHR, and lists no open proposals yet",
    async () => {
      const dir = demoCopy();
      const client = await stdioClient(dir);
      const preview = await structured(client, "kopt_plan_preview");
      expect(preview.dryRun).toBe(true);
      const byId = Object.fromEntries(preview.proposals.map((p: { id: string }) => [p.id, p]));
      expect(byId["6ea4683a"]).toMatchObject({
        kind: "rightsize",
        tier: "critical",
        status: "created",
        branch: "kopt/demo/todo/backend/rightsize",
        cost: { currency: "USD", monthlyDelta: -43.9 },
      });
      expect(byId.cbb92def).toMatchObject({ kind: "oom", tier: "medium", status: "created" });
      expect(preview.proposals).toHaveLength(6);
      expect(preview.monthlyDelta).toBe(-13.79);
      // Nothing written: no branch, no file, no commit.
      expect(git(dir, "branch", "--format=%(refname:short)").trim()).toBe("main");
      expect(git(dir, "status", "--porcelain", "--untracked-files=all")).toBe("");
      expect(git(dir, "rev-list", "--count", "HEAD").trim()).toBe("1");

      const phr = await structured(client, "kopt_explain_phr", { id: "69231a26" });
      expect(phr).toMatchObject({
        path: "phr/demo/2026-10-30-69231a26-rightsize-todo-frontend.md",
        kind: "rightsize",
        tier: "medium",
        status: "rejected",
        cost: { monthlyBefore: 10.78, monthlyAfter: 22.28 },
      });
      expect(phr.changes[0]).toEqual({
        file: "clusters/demo/values.yaml",
        path: "frontend.resources.requests.cpu",
        from: "100m",
        to: "210m",
      });
      expect(phr.why.evidence).toContain("frontend CPU: p95.5 of usage (189m");

      const merged = await structured(client, "kopt_explain_phr", {
        path: "phr/demo/2026-10-16-6ea4683a-rightsize-todo-backend.md",
      });
      expect(merged.approvals).toEqual([{ user: "alice", at: "2026-10-16T14:00:00Z", as: ["architects"] }]);
      expect(merged.merge).toMatchObject({ pullRequest: 1, by: "alice", approvalLatencyMinutes: 120 });
      expect(merged.outcome).toMatchObject({ validation: "validated", appliedAt: "2026-10-16T14:04:00Z" });

      expect(await structured(client, "kopt_list_proposals")).toEqual({ proposals: [] });
    },
    SLOW,
  );

  it(
    "turns kopt's errors into tool errors that say what and how to fix, and lists the PHRs an id is ambiguous between",
    async () => {
      const client = await stdioClient(demoCopy());
      const ambiguous = await call(client, "kopt_explain_phr", { id: "6ea4683a" });
      expect(ambiguous.isError).toBe(true);
      expect(errorText(ambiguous)).toContain(
        "2 PHRs have id 6ea4683a: phr/demo/2026-10-16-6ea4683a-rightsize-todo-backend.md, phr/demo/2026-10-30-6ea4683a-rightsize-todo-backend.md",
      );
      const unknown = await call(client, "kopt_recommend", { workload: "todo/nope" });
      expect(unknown.isError).toBe(true);
      expect(errorText(unknown)).toMatch(/unknown workload "todo\/nope"[\s\S]*fix: .*todo\/backend/);
      const both = await call(client, "kopt_explain_phr", {});
      expect(errorText(both)).toContain("takes an id or a path");
      // The server is still there after the errors.
      expect((await client.listTools()).tools).toHaveLength(6);
    },
    SLOW,
  );

  it(
    "with --allow-propose, serves kopt_propose, which opens the pull request on the local forge; then it is listed",
    async () => {
      const dir = demoCopy();
      // The local forge's teams: a critical change needs an architect and security.
      mkdirSync(join(dir, ".kopt"));
      writeFileSync(join(dir, ".kopt/teams.yaml"), "architects: [alice]\nsecurity: [bob]\n");
      const client = await stdioClient(dir, "--allow-propose");
      const { tools } = await client.listTools();
      const propose = tools.find((t) => t.name === "kopt_propose");
      expect(propose?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });

      const run = await structured(client, "kopt_propose", { workload: "todo/backend" });
      expect(run.dryRun).toBe(false);
      expect(run.proposals).toEqual([
        expect.objectContaining({
          id: "6ea4683a",
          tier: "critical",
          status: "created",
          branch: "kopt/demo/todo/backend/rightsize",
        }),
      ]);
      expect(git(dir, "branch", "--list", "kopt/*", "--format=%(refname:short)").trim()).toBe(
        "kopt/demo/todo/backend/rightsize",
      );

      const listed = await structured(client, "kopt_list_proposals");
      expect(listed.proposals).toHaveLength(1);
      expect(listed.proposals[0]).toMatchObject({
        branch: "kopt/demo/todo/backend/rightsize",
        cluster: "demo",
        tier: "critical",
        approval: { state: "pending", approvedBy: [] },
        sla: { state: "within" },
      });
      expect(listed.proposals[0].approval.missing.length).toBeGreaterThan(0);
    },
    SLOW,
  );
});

describe("kopt mcp's stdio process", () => {
  it(
    "writes nothing but JSON-RPC on stdout and exits 0 when the client closes stdin",
    async () => {
      const dir = demoCopy();
      const child = spawn(process.execPath, [KOPT, "--repo", dir, "mcp", "--cluster", "demo"], { cwd: dir });
      cleanups.push(() => {
        if (child.exitCode === null) child.kill("SIGKILL");
      });
      let stdout = "";
      let answered: () => void = () => undefined;
      const bothAnswered = new Promise<void>((done) => {
        answered = done;
      });
      child.stdout.on("data", (d) => {
        stdout += String(d);
        if (stdout.split("\n").length > 2) answered();
      });
      const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
      const init = {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      };
      child.stdin.write(`${JSON.stringify(init)}\n`);
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })}\n`);
      await bothAnswered;
      child.stdin.end();
      expect(await exited).toBe(0);
      const messages = stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(messages.map((m) => m.id)).toEqual([1, 2]);
      expect(messages[0].result.serverInfo).toMatchObject({ name: "kopt" });
      expect(messages[1].result.tools).toHaveLength(6);
    },
    SLOW,
  );
});

/** `kopt mcp --transport http --port 0`: the child and the URL it says it listens on (stderr). */
async function httpServer(
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const child = spawn(
    process.execPath,
    [KOPT, "--repo", dir, "mcp", "--transport", "http", "--port", "0", "--cluster", "demo"],
    { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  child.stdout?.on("data", (d) => {
    stdout += String(d);
  });
  cleanups.push(
    () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
      }),
  );
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (d) => {
      stderr += String(d);
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1] as string);
    });
    child.once("exit", (code) => reject(new Error(`kopt mcp exited ${code}: ${stderr}`)));
  });
  cleanups.push(() => expect(stdout).toBe(""));
  return { url, child, output: () => stdout + stderr };
}

async function httpClient(url: string, token?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
  });
  const client = new Client({ name: "kopt-test", version: "1.0.0" });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return client;
}

describe("kopt mcp over Streamable HTTP", () => {
  it(
    "listens on 127.0.0.1, stateless: each request answered by a fresh server",
    async () => {
      const { url } = await httpServer(demoCopy(), { KOPT_MCP_TOKEN: "" });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const client = await httpClient(url);
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(READ_ONLY);
      const rec = await structured(client, "kopt_recommend", { workload: "todo/frontend" });
      expect(rec.recommendations[0]).toMatchObject({
        container: "frontend",
        recommended: { requests: { cpu: "210m", memory: "240Mi" } },
      });
      const get = await fetch(url, { method: "GET" });
      expect(get.status).toBe(405);
    },
    SLOW,
  );

  it(
    "with KOPT_MCP_TOKEN: 401 without the bearer token, 200 with it, and the token never printed",
    async () => {
      const token = "mcp-token-4f9d2c7e1a";
      const { url, output } = await httpServer(demoCopy(), { KOPT_MCP_TOKEN: token });
      const init = {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "curl", version: "1" },
        },
      };
      const post = (headers: Record<string, string>) =>
        fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...headers,
          },
          body: JSON.stringify(init),
        });
      const without = await post({});
      expect(without.status).toBe(401);
      expect(without.headers.get("www-authenticate")).toContain("Bearer");
      expect((await post({ authorization: "Bearer wrong-token-0000" })).status).toBe(401);
      const withToken = await post({ authorization: `Bearer ${token}` });
      expect(withToken.status).toBe(200);
      await withToken.text();

      const client = await httpClient(url, token);
      const diag = await structured(client, "kopt_diagnose", { workload: "todo/worker" });
      expect(diag.findings.map((f: { class: string }) => f.class)).toEqual(["oom-killed"]);
      await expect(httpClient(url)).rejects.toThrow();
      expect(output()).toContain("(bearer token required)");
      expect(output()).not.toContain(token);
    },
    SLOW,
  );

  it("refuses to listen beyond loopback without a token (exit 2, nothing opened)", async () => {
    const r = await runKopt(["mcp", "--transport", "http", "--host", "0.0.0.0", "--port", "0"], { env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("kopt mcp will not listen on 0.0.0.0 without a token");
    expect(r.stderr).toContain("set KOPT_MCP_TOKEN");
  });
});
