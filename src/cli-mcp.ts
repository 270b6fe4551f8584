// `kopt mcp`: kopt's MCP server, for agents that speak the Model Context Protocol (kagent, kubectl-ai, IDEs).
// stdio by default (the client spawns `kopt mcp`; stdout carries the protocol and nothing else, notes go to
// stderr), or Streamable HTTP (stateless, 127.0.0.1 by default, bearer token from KOPT_MCP_TOKEN). The server
// itself (src/mcp/serve.ts, the MCP SDK) loads only when the command runs.
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import type { McpContext } from "./mcp/context.ts";
import { MCP_DEFAULT_PORT, MCP_TOKEN_ENV } from "./mcp/names.ts";

export interface McpShell {
  now: () => Date;
  env: NodeJS.ProcessEnv;
  repoDir: () => string;
  /** Prints each line to stderr. */
  note: (lines: readonly string[]) => void;
  version: string;
  prometheusUrl: (value: string | undefined) => string | undefined;
}

const MCP_HELP = `
Tools: kopt_recommend, kopt_diagnose, kopt_plan_preview, kopt_explain_phr, kopt_list_proposals, kopt_report
(read-only), and kopt_propose (opens pull requests) with --allow-propose only.
stdio: stdout carries the protocol only; kopt's notes go to stderr. The server ends when stdin closes.
http: POST http://HOST:PORT/mcp, stateless. With ${MCP_TOKEN_ENV} set, requests must send that token as a
bearer token in the Authorization header (401 otherwise); a HOST other than loopback needs the token.
SIGTERM or SIGINT stops it.
`;

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
      const { serveHttp, serveStdio } = await import("./mcp/serve.ts");
      if (o.transport === "http") await serveHttp(ctx, s, o);
      else await serveStdio(ctx, s);
    });
}
