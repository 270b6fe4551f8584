// `kopt mcp --transport http`: MCP over Streamable HTTP on node:http, stateless (no session id: a new server
// and transport per request, as the SDK's stateless example does). POST /mcp only. With a token
// (KOPT_MCP_TOKEN) every request must carry `Authorization: Bearer <token>` or gets 401; without one the
// server refuses to listen anywhere but loopback.
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { KoptError } from "../errors.ts";

export const MCP_PATH = "/mcp";
/** A request body larger than this is refused (413): tool inputs are a few short strings. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface McpHttpOptions {
  host: string;
  port: number;
  /** The bearer token requests must carry; none: no authentication (loopback only). */
  token?: string;
  /** A new server for each request. */
  server: () => McpServer;
  /** Where a failed request is told (stderr), never the token. */
  log: (line: string) => void;
}

export interface McpHttpServer {
  /** http://host:port/mcp */
  url: string;
  close: () => Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(req.headers.authorization ?? "");
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function jsonRpcError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
) {
  res
    .writeHead(status, { "content-type": "application/json", ...headers })
    .end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RangeError("request body too large");
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: McpHttpOptions): Promise<void> {
  const path = new URL(req.url ?? "/", "http://kopt").pathname;
  if (path !== MCP_PATH) return jsonRpcError(res, 404, `not found: the MCP endpoint is ${MCP_PATH}`);
  if (!authorized(req, opts.token)) {
    return jsonRpcError(
      res,
      401,
      "unauthorized: send the KOPT_MCP_TOKEN as a bearer token in the Authorization header",
      {
        "www-authenticate": 'Bearer realm="kopt"',
      },
    );
  }
  // Stateless: no SSE stream to resume and no session to end.
  if (req.method !== "POST")
    return jsonRpcError(res, 405, "method not allowed: POST only (stateless server)", { allow: "POST" });
  let body: unknown;
  try {
    body = await readBody(req);
  } catch (err) {
    return jsonRpcError(
      res,
      err instanceof RangeError ? 413 : 400,
      `bad request body: ${(err as Error).message}`,
    );
  }
  const server = opts.server();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

/** Listens; refuses a non-loopback address without a token (anyone who reaches it could ask about the cluster). */
export function startMcpHttp(opts: McpHttpOptions): Promise<McpHttpServer> {
  if (!isLoopback(opts.host) && !opts.token) {
    throw new KoptError("usage", `kopt mcp will not listen on ${opts.host} without a token`, {
      hint: "set KOPT_MCP_TOKEN (clients then send it as a bearer token), or listen on 127.0.0.1",
    });
  }
  const http = createServer((req, res) => {
    handle(req, res, opts).catch((err: unknown) => {
      opts.log(`kopt mcp: request failed: ${(err as Error).message}`);
      if (!res.headersSent) jsonRpcError(res, 500, "internal error");
    });
  });
  return new Promise((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.port, opts.host, () => {
      http.off("error", reject);
      const { port } = http.address() as AddressInfo;
      const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
      resolve({
        url: `http://${host}:${port}${MCP_PATH}`,
        close: () =>
          new Promise<void>((done) => {
            http.closeAllConnections();
            http.close(() => done());
          }),
      });
    });
  });
}
