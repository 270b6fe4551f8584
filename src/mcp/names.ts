// The names kopt's MCP endpoints share (the CLI's help, `kopt mcp`, the agent's --mcp-listen, the chart):
// a leaf module, so the command line can name them without loading the MCP SDK.

/** The environment variable holding the bearer token HTTP clients must send. */
export const MCP_TOKEN_ENV = "KOPT_MCP_TOKEN";

/** `kopt mcp --transport http`'s port, and the agent chart's `mcp.port`. */
export const MCP_DEFAULT_PORT = 8090;
