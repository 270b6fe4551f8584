// The agent's HTTP endpoints (node:http): /metrics for Prometheus, /healthz (the loop runs) and /readyz
// (informers synced and, for the leader, the lease held) for the kubelet's probes. Anything else is 404.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** ok, or why not, in one line. */
export type Check = () => { ok: true } | { ok: false; reason: string };

export interface ServerOptions {
  host: string;
  port: number;
  metrics: () => Promise<string>;
  metricsContentType: string;
  healthy: Check;
  ready: Check;
}

export interface AgentServer {
  url: string;
  close: () => Promise<void>;
}

function answer(res: import("node:http").ServerResponse, status: number, body: string, type = "text/plain") {
  res.writeHead(status, { "content-type": `${type}; charset=utf-8` }).end(body);
}

function probe(res: import("node:http").ServerResponse, check: Check): void {
  const r = check();
  answer(res, r.ok ? 200 : 503, r.ok ? "ok\n" : `${r.reason}\n`);
}

export function startServer(opts: ServerOptions): Promise<AgentServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://agent").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") return answer(res, 405, "method not allowed\n");
    if (path === "/healthz") return probe(res, opts.healthy);
    if (path === "/readyz") return probe(res, opts.ready);
    if (path === "/metrics") {
      opts.metrics().then(
        (text) => res.writeHead(200, { "content-type": opts.metricsContentType }).end(text),
        (err: unknown) => answer(res, 500, `metrics failed: ${(err as Error).message}\n`),
      );
      return;
    }
    answer(res, 404, "not found: try /metrics, /healthz or /readyz\n");
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
      resolve({
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
