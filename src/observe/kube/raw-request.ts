// One JSON request to the Kubernetes API with the kubeconfig's credentials, for the few writes the agent makes
// (its Lease) and the one object it reads live (its control ConfigMap). Raw JSON, not client-node's model
// classes: their Date fields serialize a Lease's MicroTime (renewTime, acquireTime) without its microseconds.
// The Authorization a request carries is registered with src/redact.ts, as client.ts does.
import * as http from "node:http";
import * as https from "node:https";
import { registerSecret } from "../../redact.ts";
import type { Connection } from "./connection.ts";

export interface JsonAnswer {
  status: number;
  /** The parsed body; undefined when it was not JSON. */
  body: Record<string, unknown> | undefined;
}

export interface JsonRequest {
  method: "GET" | "POST" | "PUT" | "PATCH";
  /** The API path, e.g. /apis/coordination.k8s.io/v1/namespaces/kopt/leases/kopt-agent. */
  path: string;
  body?: unknown;
  /** The body's media type; default application/json (a PATCH names its patch type). */
  contentType?: string;
  /**
   * The whole exchange (answer and body) is abandoned after this long: a connection the server accepted
   * and never answers would otherwise hang the caller for ever. Rejects with code ETIMEDOUT.
   */
  timeoutMs: number;
  /** Aborts the request (stop()). */
  signal?: AbortSignal;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves with any HTTP answer; rejects when the server cannot be reached, on timeout (ETIMEDOUT) or abort. */
export async function requestJson(conn: Connection, req: JsonRequest): Promise<JsonAnswer> {
  const options: https.RequestOptions = {};
  await conn.kc.applyToHTTPSOptions(options);
  const headers: Record<string, string> = { Accept: "application/json" };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : String(value);
    if (name.toLowerCase() === "authorization") registerSecret(text.replace(/^\S+\s+/, ""));
    headers[name] = text;
  }
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (payload !== undefined) headers["Content-Type"] = req.contentType ?? "application/json";
  // The server URL may carry a path prefix (a proxy such as Rancher's /k8s/clusters/ID).
  const url = new URL(conn.server.replace(/\/+$/, "") + req.path);
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signals = [timeout, ...(req.signal ? [req.signal] : [])];
  const send = url.protocol === "https:" ? https.request : http.request;
  return new Promise<JsonAnswer>((resolve, fail) => {
    // Node says only "AbortError" for both: say which, so a log line tells a hung server from stop().
    const reject = (err: unknown) =>
      fail(
        timeout.aborted && !req.signal?.aborted
          ? Object.assign(new Error(`${req.method} ${req.path}: no answer within ${req.timeoutMs} ms`), {
              code: "ETIMEDOUT",
            })
          : err,
      );
    const request = send(
      url,
      { ...options, method: req.method, headers, signal: AbortSignal.any(signals) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: parse(Buffer.concat(chunks).toString("utf8")) }),
        );
        res.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}
