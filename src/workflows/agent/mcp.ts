// The agent's optional MCP endpoint (--mcp-listen): kopt's read-only MCP tools over Streamable HTTP on their
// own port, for in-cluster agents (kagent's RemoteMCPServer). Only the tools that work from the agent's config
// and the live cluster: recommend, diagnose, plan preview, open proposals. Never kopt_propose: the agent's own
// loop is what opens pull requests, within its limits. A token (KOPT_MCP_TOKEN) is required off loopback.
import { KoptError } from "../../errors.ts";
import type { McpContext } from "../../mcp/context.ts";
import { isLoopback, startMcpHttp } from "../../mcp/http.ts";
import { MCP_TOKEN_ENV } from "../../mcp/names.ts";
import { AGENT_TOOLS, createMcpServer } from "../../mcp/server.ts";
import { registerSecret } from "../../redact.ts";
import type { RunningAgent } from "./agent.ts";
import type { AgentLog } from "./ports.ts";

export interface AgentMcpSettings {
  host: string;
  port: number;
  token?: string;
}

/** --mcp-listen checked with its token before anything starts: off loopback, no token is exit 2. */
export function checkAgentMcp(
  listen: { host: string; port: number },
  env: NodeJS.ProcessEnv,
): AgentMcpSettings {
  const token = env[MCP_TOKEN_ENV] || undefined;
  if (!token && !isLoopback(listen.host)) {
    throw new KoptError("usage", `--mcp-listen ${listen.host}:${listen.port} needs ${MCP_TOKEN_ENV}`, {
      hint: `set ${MCP_TOKEN_ENV} (the chart's mcp.tokenSecret), or listen on 127.0.0.1`,
    });
  }
  if (token) registerSecret(token);
  return { ...listen, ...(token ? { token } : {}) };
}

/** Starts the MCP endpoint beside the running agent; the agent's stop closes it too. */
export async function withMcp(
  running: RunningAgent,
  settings: AgentMcpSettings,
  ctx: Omit<McpContext, "allowPropose">,
  log: AgentLog,
  version: string,
): Promise<RunningAgent> {
  const http = await startMcpHttp({
    host: settings.host,
    port: settings.port,
    token: settings.token,
    server: () => createMcpServer({ ...ctx, allowPropose: false }, version, AGENT_TOOLS),
    log: (line) => log("mcp.request-failed", { error: line }),
  });
  log("agent.mcp", { url: http.url, token: settings.token !== undefined });
  return {
    url: running.url,
    idle: () => running.idle(),
    metrics: () => running.metrics(),
    stop: async (reason) => {
      await http.close();
      await running.stop(reason);
    },
  };
}
