// `kopt mcp`: kopt's MCP server, for agents that speak the Model Context Protocol (kagent, kubectl-ai, IDEs).
// stdio by default (the client spawns `kopt mcp`; stdout carries the protocol and nothing else, notes go to
// stderr), or Streamable HTTP (stateless, 127.0.0.1 by default, bearer token from KOPT_MCP_TOKEN).
import { resolve } from "node:path";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { type Command, Option } from "commander";
import { KoptError } from "./errors.ts";
import type { McpContext } from "./mcp/context.ts";
import { startMcpHttp } from "./mcp/http.ts";
import { createMcpServer } from "./mcp/server.ts";
import { registerSecret } from "./redact.ts";

export interface McpShell {
  now: () => Date;
  env: NodeJS.ProcessEnv;
  repoDir: () => string;
  /** Prints each line to stderr. */
  note: (lines: readonly string[]) => void;
  version: string;
  prometheusUrl: (value: string | undefined) => string | undefined;
}

export const MCP_TOKEN_ENV = "KOPT_MCP_TOKEN";
export const MCP_DEFAULT_PORT = 8090;

const MCP_HELP = `
Tools: kopt_recommend, kopt_diagnose, kopt_plan_preview, kopt_explain_phr, kopt_list_proposals, kopt_report
(read-only), and kopt_propose (opens pull requests) with --allow-propose only.
stdio: stdout carries the protocol only; kopt's notes go to stderr. The server ends when stdin closes.
http: POST http://HOST:PORT/mcp, stateless. With ${MCP_TOKEN_ENV} set, requests must send that token as a
bearer token in the Authorization header (401 otherwise); a HOST other than loopback needs the token.
SIGTERM or SIGINT stops it.
`;

/** Resolves on SIGTERM or SIGINT, or when `also` resolves; the listeners go then. */
function until(also: Promise<void>): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      done();
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    void also.then(stop);
  });
}

function portOf(value: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535) {
    throw new KoptError("usage", `--port is not a TCP port: ${value}`, {
      hint: `e.g. --port ${MCP_DEFAULT_PORT} (0 picks a free one)`,
    });
  }
  return port;
}

async function serveStdio(ctx: McpContext, s: McpShell): Promise<void> {
  const server = createMcpServer(ctx, s.version);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((done) => {
    server.server.onclose = done;
  });
  // The transport does not notice stdin's end by itself: the client is gone, so is the server.
  const ended = () => void transport.close();
  process.stdin.once("end", ended);
  await server.connect(transport);
  await until(closed);
  process.stdin.off("end", ended);
  await server.close();
}

async function serveHttp(ctx: McpContext, s: McpShell, o: { host: string; port: string }): Promise<void> {
  const token = s.env[MCP_TOKEN_ENV] || undefined;
  if (token) registerSecret(token);
  const http = await startMcpHttp({
    host: o.host,
    port: portOf(o.port),
    token,
    server: () => createMcpServer(ctx, s.version),
    log: (line) => s.note([line]),
  });
  s.note([`mcp: listening on ${http.url}${token ? " (bearer token required)" : ""}`]);
  await until(new Promise<void>(() => undefined));
  await http.close();
}

export function mcpCommand(program: Command, s: McpShell): void {
  program
    .command("mcp")
    .description(
      "serve kopt's tools over the Model Context Protocol, for kagent, kubectl-ai and other agents",
    )
    .addOption(
      new Option("--transport <kind>", "stdio, or Streamable HTTP")
        .choices(["stdio", "http"])
        .default("stdio"),
    )
    .option("--port <n>", "http: the port (0 picks a free one)", String(MCP_DEFAULT_PORT))
    .option("--host <address>", "http: the address to listen on", "127.0.0.1")
    .option("--cluster <name>", "cluster config clusters/<name>/kopt.yaml (default: the only one)")
    .option(
      "--snapshot <file>",
      "read this snapshot instead of the config's source (relative to the current directory; with no --cluster: default policy)",
    )
    .option(
      "--prometheus-url <url>",
      "use this Prometheus API URL instead of source.prometheus.url in kopt.yaml",
    )
    .option("--allow-propose", "also serve kopt_propose, which opens and updates pull requests", false)
    .addHelpText("after", MCP_HELP)
    .action(async (o) => {
      const ctx: McpContext = {
        repoDir: s.repoDir(),
        cluster: o.cluster,
        snapshot: o.snapshot ? resolve(o.snapshot) : undefined,
        prometheusUrl: s.prometheusUrl(o.prometheusUrl),
        env: s.env,
        now: s.now,
        allowPropose: o.allowPropose === true,
      };
      if (o.transport === "http") await serveHttp(ctx, s, o);
      else await serveStdio(ctx, s);
    });
}
