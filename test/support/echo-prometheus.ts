// A stand-in for Prometheus that reflects what it was sent — the Authorization header and the query string —
// in a `warnings` field of a successful answer (with the usage it was given, so kopt has history to size
// from), in an API error, or in an HTML error page: what a misconfigured proxy or gateway may do. For tests
// that kopt prints and stores none of it.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { PromMatrix, SnapshotUsage } from "../../src/formats/snapshot.ts";
import { listenLocal } from "./local-server.ts";

export type EchoMode = "warn" | "error" | "html";

export interface EchoPrometheus {
  url: string;
  requests: { authorization?: string; search: string }[];
  setMode(mode: EchoMode): void;
  close(): Promise<void>;
}

export async function echoPrometheus(usage: Pick<SnapshotUsage, "cpu" | "memory">): Promise<EchoPrometheus> {
  let mode: EchoMode = "warn";
  const requests: EchoPrometheus["requests"] = [];
  const matrix = (all: PromMatrix, ns: string): PromMatrix => ({
    resultType: "matrix",
    result: all.result.filter((s) => s.metric.namespace === ns),
  });
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const authorization = req.headers.authorization;
    requests.push({ authorization, search: url.search });
    const bare = (authorization ?? "").replace(/^\S+\s+/, "");
    const echo = `Authorization: ${authorization} (credential ${bare}) for ${url.search}`;
    if (mode === "html") {
      res.writeHead(502, { "content-type": "text/html" });
      res.end(`<html><body>bad gateway: ${echo}</body></html>`);
      return;
    }
    res.writeHead(mode === "error" ? 400 : 200, { "content-type": "application/json" });
    if (mode === "error") {
      res.end(JSON.stringify({ status: "error", errorType: "bad_data", error: `refused ${echo}` }));
      return;
    }
    const query = url.searchParams.get("query") ?? "";
    const ns = /namespace="([^"]+)"/.exec(query)?.[1] ?? "";
    const data = query.includes("container_cpu_usage_seconds_total{")
      ? matrix(usage.cpu, ns)
      : query.includes("max_over_time(container_memory_working_set_bytes{")
        ? matrix(usage.memory, ns)
        : { resultType: "matrix", result: [] };
    res.end(
      JSON.stringify({ status: "success", data, warnings: [`partial answer; you sent ${echo}`, bare] }),
    );
  };
  const { server, url } = await listenLocal(onRequest);
  return {
    url,
    requests,
    setMode(m: EchoMode) {
      mode = m;
    },
    close: () => new Promise<void>((resolve) => (server as Server).close(() => resolve())),
  };
}
