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
  method: "GET" | "POST" | "PUT";
  /** The API path, e.g. /apis/coordination.k8s.io/v1/namespaces/kopt/leases/kopt-agent. */
  path: string;
  body?: unknown;
  /** The whole exchange is abandoned after this long (a cut connection can hang rather than fail). */
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

/** Resolves with any HTTP answer; rejects when the server cannot be reached, or on timeout or abort. */
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
  if (payload !== undefined) headers["Content-Type"] = "application/json";
  // The server URL may carry a path prefix (a proxy such as Rancher's /k8s/clusters/ID).
  const url = new URL(conn.server.replace(/\/+$/, "") + req.path);
  const signals = [AbortSignal.timeout(req.timeoutMs), ...(req.signal ? [req.signal] : [])];
  const send = url.protocol === "https:" ? https.request : http.request;
  return new Promise<JsonAnswer>((resolve, reject) => {
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
