// Serving kopt's MCP tools for `kopt mcp` (src/cli-mcp.ts loads this module only when the command runs, so
// the MCP SDK stays out of every other command's startup): stdio, or stateless Streamable HTTP.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { KoptError } from "../errors.ts";
import { registerSecret } from "../redact.ts";
import type { McpContext } from "./context.ts";
import { startMcpHttp } from "./http.ts";
import { MCP_DEFAULT_PORT, MCP_TOKEN_ENV } from "./names.ts";
import { createMcpServer } from "./server.ts";

/** What serving needs from the shell. */
export interface ServeShell {
  version: string;
  env: NodeJS.ProcessEnv;
  /** Prints each line to stderr. */
  note: (lines: readonly string[]) => void;
}

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

export async function serveStdio(ctx: McpContext, s: ServeShell): Promise<void> {
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

export async function serveHttp(
  ctx: McpContext,
  s: ServeShell,
  o: { host: string; port: string },
): Promise<void> {
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
