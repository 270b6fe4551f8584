import {
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import { request as httpsRequest } from "node:https";
import { listenLocal } from "../local-server.ts";

export interface ProxiedRequest {
  method: string;
  /** The path as received (with the prefix), without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** The request body (a POSTed query is form-encoded here). */
  body: string;
}

export type Fault =
  | undefined
  | { status: number; body?: string; contentType?: string; delayMs?: number }
  | { delayMs: number }
  | "reset";

export interface FaultProxyOptions {
  /** The real Prometheus url. */
  target: string;
  /** Require "Authorization: Bearer <token>"; otherwise 401 with Prometheus-like text "Unauthorized". */
  bearerToken?: string;
  /** Require basic auth with these credentials; otherwise 401. */
  basicAuth?: { username: string; password: string };
  /** Headers that must be present with these values (e.g. X-Scope-OrgID for Mimir); otherwise 401 "no org id". */
  requireHeaders?: Record<string, string>;
  /**
   * Called for every request, before any check (index = its position in `requests`): undefined passes it
   * on; a status answers with it (after delayMs if given); { delayMs } hangs that long, then passes it on
   * (to trigger client timeouts); "reset" destroys the socket without an answer.
   */
  fault?: (index: number, req: ProxiedRequest) => Fault;
  /** Serve HTTPS with test/support/kube-sim/tls/server.crt + server.key (self-signed for 127.0.0.1). */
  tls?: boolean;
  /**
   * Path prefix the proxy serves under (like Thanos/Mimir's /prometheus): <prefix>/api/v1/... is forwarded
   * to <target>/api/v1/...; anything else is 404.
   */
  pathPrefix?: string;
}

export interface FaultProxy {
  /** http(s)://127.0.0.1:PORT, with the path prefix if any. */
  url: string;
  /** With `tls`: the server certificate (PEM), which is also its own CA. */
  ca?: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

// Hop-by-hop headers belong to one connection and are not forwarded (RFC 9110 section 7.6.1).
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "host",
]);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function answer(res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(body);
}

function header(req: ProxiedRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The first credential check that fails, as the 401 a real gateway would send; undefined when all pass. */
function authFailure(
  opts: FaultProxyOptions,
  req: ProxiedRequest,
): { body: string; headers?: OutgoingHttpHeaders } | undefined {
  const authorization = header(req, "authorization") ?? "";
  if (opts.bearerToken !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization);
    if (match?.[1] !== opts.bearerToken) return { body: "Unauthorized\n" };
  }
  if (opts.basicAuth) {
    const match = /^Basic\s+(.+)$/i.exec(authorization);
    const expected = `${opts.basicAuth.username}:${opts.basicAuth.password}`;
    if (!match?.[1] || Buffer.from(match[1], "base64").toString("utf8") !== expected) {
      // Prometheus's own web.config basic auth answers exactly this.
      return { body: "Unauthorized\n", headers: { "www-authenticate": "Basic" } };
    }
  }
  for (const [name, value] of Object.entries(opts.requireHeaders ?? {})) {
    if (header(req, name) !== value) return { body: "no org id\n" };
  }
  return undefined;
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  const targetBase = target.pathname.replace(/\/+$/, "");
  const prefix = (opts.pathPrefix ?? "").replace(/\/+$/, "");
  const requests: ProxiedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const forward = (req: ProxiedRequest, rawPath: string, res: ServerResponse) => {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    }
    headers["content-length"] = String(Buffer.byteLength(req.body));
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const upstream = send(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: `${targetBase}${rawPath}`,
        headers,
      },
      (up) => {
        if (res.destroyed) {
          up.resume();
          return;
        }
        const outHeaders = { ...up.headers };
        for (const name of HOP_BY_HOP) delete outHeaders[name];
        res.writeHead(up.statusCode ?? 502, outHeaders);
        up.pipe(res);
      },
    );
    upstream.on("error", (error) => answer(res, 502, `fault-proxy: upstream error: ${error.message}\n`));
    upstream.end(req.body);
  };

  const handle = async (raw: IncomingMessage, res: ServerResponse) => {
    const url = new URL(raw.url ?? "/", "http://proxy");
    const req: ProxiedRequest = {
      method: raw.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: { ...raw.headers },
      body: await readBody(raw),
    };
    const index = requests.push(req) - 1;

    const fault = opts.fault?.(index, req);
    if (fault === "reset") {
      raw.socket.destroy();
      return;
    }
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (res.destroyed) return;
    if (fault && "status" in fault) {
      answer(
        res,
        fault.status,
        fault.body ?? "",
        fault.contentType ? { "content-type": fault.contentType } : {},
      );
      return;
    }

    let rest = url.pathname;
    if (prefix) {
      if (!rest.startsWith(`${prefix}/api/v1/`)) return answer(res, 404, "404 page not found\n");
      rest = rest.slice(prefix.length);
    }
    const denied = authFailure(opts, req);
    if (denied) return answer(res, 401, denied.body, denied.headers);
    forward(req, `${rest}${url.search}`, res);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: Error) => answer(res, 500, `fault-proxy: ${error.message}\n`));
  };
  const { server, url, ca } = await listenLocal(onRequest, opts.tls);

  return {
    url: `${url}${prefix}`,
    ...(ca ? { ca } : {}),
    requests,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
