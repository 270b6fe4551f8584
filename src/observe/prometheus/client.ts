// A client for the Prometheus HTTP API (/api/v1/query, /api/v1/query_range), as Prometheus, Thanos, Mimir
// and Cortex serve it: auth, extra headers, a CA bundle, a timeout per request, and retries with backoff
// on 5xx, 429 and timeouts. Errors quote Prometheus's own error text and say which query and URL failed; every
// credential it is given (token, password, URL userinfo and query) is registered with src/redact.ts, so an
// error or warning that echoes one is scrubbed wherever kopt prints or stores it.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { z } from "zod";
import { KoptError } from "../../errors.ts";
import { type PromMatrix, PromMatrixSchema } from "../../formats/snapshot.ts";
import {
  isCredentialHeader,
  isCredentialName,
  redact,
  registerBasicAuth,
  registerSecret,
} from "../../redact.ts";
import { retry } from "../retry.ts";

export interface PrometheusClientOptions {
  /** Base URL; a path prefix (Thanos, Mimir's /prometheus) is kept. */
  url: string;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  headers?: Record<string, string>;
  /** PEM CA bundle. */
  ca?: string;
  insecureSkipTLSVerify?: boolean;
  timeoutMs: number;
  /** Retries after the first attempt, for 5xx, 429, timeouts and dropped connections. */
  retries: number;
  /** First backoff; doubled per retry, with jitter from `random`. Default 500 ms. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const promVector = z.object({
  resultType: z.literal("vector"),
  result: z.array(
    z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }),
  ),
});
export type PromVector = z.output<typeof promVector>;

const envelope = z.object({
  status: z.enum(["success", "error"]),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});

/** What went wrong on one attempt, and whether another attempt may go better. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The HTTP status, or how the request failed without one. */
    readonly status: number | "timeout" | "connect",
  ) {
    super(message);
  }
}

export class PrometheusClient {
  /** HTTP requests sent, retries included. */
  requests = 0;
  /** Warnings Prometheus attached to answers (e.g. a partial response from Thanos). */
  readonly warnings: string[] = [];
  private readonly base: URL;

  constructor(private readonly opts: PrometheusClientOptions) {
    registerCredentials(opts);
    // The API paths are resolved against the base, so it must end in "/" (before any query).
    this.base = new URL(opts.url);
    if (!this.base.pathname.endsWith("/")) this.base.pathname += "/";
  }

  /** The URL without credentials, for messages and audit records. */
  get displayUrl(): string {
    return displayUrl(this.opts.url);
  }

  async query(query: string, time: number): Promise<PromVector> {
    const data = await this.call("api/v1/query", { query, time: String(time) }, query);
    return parseData(promVector, data, query, this.displayUrl);
  }

  async queryRange(query: string, start: number, end: number, step: number): Promise<PromMatrix> {
    const params = { query, start: String(start), end: String(end), step: String(step) };
    const data = await this.call("api/v1/query_range", params, query);
    return parseData(PromMatrixSchema, data, query, this.displayUrl);
  }

  private async call(path: string, params: Record<string, string>, query: string): Promise<unknown> {
    const url = new URL(path, this.base);
    // Parameters of the configured URL (a gateway's access_token, say) go with every request.
    for (const [k, v] of this.base.searchParams) url.searchParams.set(k, v);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const backoff = this.opts.backoffMs ?? 500;
    const random = this.opts.random ?? Math.random;
    try {
      return await retry(
        () => {
          this.requests++;
          return this.attempt(url);
        },
        {
          retries: this.opts.retries,
          retryable: (err) => err instanceof AttemptError && err.retryable,
          delayMs: (failed) => backoff * 2 ** (failed - 1) * (0.5 + random()),
          sleep: this.opts.sleep,
          waitingOn: "Prometheus",
        },
      );
    } catch (err) {
      if (err instanceof AttemptError) throw failure(err, query, this.displayUrl, this.opts.retries);
      throw err;
    }
  }

  private attempt(url: URL): Promise<unknown> {
    const headers: Record<string, string> = { Accept: "application/json", ...this.opts.headers };
    if (this.opts.bearerToken) headers.Authorization = `Bearer ${this.opts.bearerToken}`;
    else if (this.opts.basicAuth) {
      const { username, password } = this.opts.basicAuth;
      headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    }
    const https = url.protocol === "https:";
    const send = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method: "GET",
          headers,
          timeout: this.opts.timeoutMs,
          ...(https ? { ca: this.opts.ca, rejectUnauthorized: !this.opts.insecureSkipTLSVerify } : {}),
        },
        (res) => {
          readBody(res).then((body) => {
            try {
              resolve(answerOf(res.statusCode ?? 0, res.headers["content-type"], body, this.warnings));
            } catch (err) {
              reject(err);
            }
          }, reject);
        },
      );
      req.on("timeout", () => {
        req.destroy(new AttemptError(`no answer within ${this.opts.timeoutMs / 1000}s`, true, "timeout"));
      });
      req.on("error", (err) => {
        if (err instanceof AttemptError) return reject(err);
        const code = (err as NodeJS.ErrnoException).code ?? err.message;
        // A refused connection will not fix itself within seconds; a reset or a TLS hiccup may.
        const retryable = code !== "ECONNREFUSED" && code !== "ENOTFOUND";
        reject(new AttemptError(`cannot connect (${code})`, retryable, "connect"));
      });
      req.end();
    });
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
  });
}

/** The `data` of a success; otherwise an AttemptError quoting Prometheus's errorType and error. */
function answerOf(
  status: number,
  contentType: string | undefined,
  body: string,
  warnings: string[],
): unknown {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const parsed = envelope.safeParse(json);
  const retryable = status >= 500 || status === 429;
  if (!parsed.success) {
    const text = body.trim().slice(0, 300) || "(empty body)";
    throw new AttemptError(
      `HTTP ${status}: ${text} (not a Prometheus API answer: ${contentType ?? "no content type"})`,
      retryable,
      status,
    );
  }
  const env = parsed.data;
  if (env.status === "error" || status >= 400) {
    // Prometheus answers timeouts of its own query engine with 503 errorType "timeout": retry those too.
    throw new AttemptError(
      `${env.errorType ?? "error"}: ${env.error ?? "(no error text)"} (HTTP ${status})`,
      retryable || env.errorType === "timeout",
      status,
    );
  }
  for (const w of env.warnings ?? []) if (!warnings.includes(w)) warnings.push(w);
  return env.data;
}

function parseData<T>(schema: z.ZodType<T>, data: unknown, query: string, url: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  throw new KoptError("prometheus", `unexpected answer from ${url}: ${r.error.issues[0]?.message}`, {
    hint: `check that source.prometheus.url points at the Prometheus HTTP API; query: ${query}`,
  });
}

function failure(err: AttemptError, query: string, url: string, retries: number): KoptError {
  const tries = err.retryable && retries > 0 ? ` (after ${retries + 1} attempts)` : "";
  const hints: Record<string, string> = {
    401: "check source.prometheus credentials (bearerTokenFile/Env, basicAuth) and headers (e.g. X-Scope-OrgID)",
    403: "check source.prometheus credentials (bearerTokenFile/Env, basicAuth) and headers (e.g. X-Scope-OrgID)",
    400: "check source.prometheus.metrics and selector in kopt.yaml",
    422: "check source.prometheus.metrics and selector in kopt.yaml",
    404: "check source.prometheus.url: it must be the API's base (Thanos or Mimir: with the path prefix)",
    connect: "check source.prometheus.url (or --prometheus-url) and that Prometheus is reachable from here",
    timeout: "raise source.prometheus.timeout, or read less at once (a shorter history, a larger step)",
  };
  const hint = hints[String(err.status)] ?? "Prometheus had a problem: see its logs, or retry later";
  return new KoptError(
    "prometheus",
    `Prometheus at ${url} failed${tries}: ${err.message}\n  query: ${query}`,
    {
      hint,
    },
  );
}

/** Every secret the client will send, for src/redact.ts. */
function registerCredentials(opts: PrometheusClientOptions): void {
  registerSecret(opts.bearerToken);
  if (opts.basicAuth) registerBasicAuth(opts.basicAuth.username, opts.basicAuth.password);
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (isCredentialHeader(name)) registerSecret(value);
  }
  if (!URL.canParse(opts.url)) return;
  const u = new URL(opts.url);
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  registerSecret(decode(u.password));
  // A userinfo without a password may be a token (https://TOKEN@host); a short one is a user's name, which
  // would blank out words if it were searched for everywhere (the URL rule still hides it in URLs).
  if (!u.password && u.username.length >= 16) registerSecret(decode(u.username));
  for (const [name, value] of u.searchParams) {
    if (isCredentialName(name)) registerSecret(value);
  }
}

/** A URL without user:password, and without the values of credential parameters (access_token=...). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return redact(u.toString().replace(/\/$/, ""));
  } catch {
    return redact(url);
  }
}
