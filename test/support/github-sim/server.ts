// The HTTP side of the simulator: authentication, injected faults, routing against GitHub's path
// templates, request validation (a mismatch is a 422 and a recorded violation), the handlers, and a
// check of every response against GitHub's schema before it is sent. Git smart HTTP paths are handed
// to git-http.ts before any of that.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { JWT_OPERATIONS, verifyAppJwt } from "./app-auth.ts";
import { loginFor } from "./auth.ts";
import {
  badCredentials,
  GitHubError,
  invalidRequest,
  notFound,
  rateLimited,
  secondaryRateLimited,
  serverError,
} from "./errors.ts";
import { matchGitPath, serveGit } from "./git-http.ts";
import type { Call, HandlerContext, Reply, SimApp } from "./handler.ts";
import type { GitHubDescription, Operation } from "./openapi.ts";
import { HANDLERS } from "./routes.ts";
import type { SimState } from "./state.ts";

export interface RecordedRequest {
  method: string;
  /** The path as sent (percent-encoded, as Octokit sends `heads%2Fmain`). */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** GitHub's operationId, when the path and method name an operation. */
  operationId?: string;
  /** Git smart HTTP (clone, fetch, push): not a REST operation, never validated. */
  git?: boolean;
  /** The login the token authenticated, if it did. */
  login?: string;
  /** The GitHub App whose JWT authenticated the request (creating an installation token). */
  app?: number;
  /** The status the simulator answered with. */
  status?: number;
  /** The request body's Content-Encoding (git gzips fetch requests over 1 KiB), git requests only. */
  contentEncoding?: string;
}

/** A request that does not match GitHub's description: unknown route, bad parameter or body. */
export interface Violation {
  method: string;
  path: string;
  operationId?: string;
  problems: string[];
}

export interface FaultRequest {
  method: string;
  path: string;
  operationId: string;
  /** 1 for the first request with this method and path, 2 for the second, ... */
  count: number;
}

export type Fault =
  /** 403 with x-ratelimit-remaining: 0 and x-ratelimit-reset `resetInSeconds` (default 0) from now. */
  | { kind: "rate-limit"; resetInSeconds?: number }
  /** A secondary rate limit: 403 or 429 (default) with retry-after. */
  | { kind: "secondary-rate-limit"; status?: 403 | 429; retryAfter: number }
  | { kind: "server-error"; status?: 500 | 502 | 503 | 504 }
  /**
   * A server that reflects the caller's credentials in its error (as some proxies and GitHub Enterprise
   * misconfigurations do): `status` (default 422) with the Authorization header and the bare token in the message.
   */
  | { kind: "echo-credentials"; status?: 403 | 422 };

export interface ServerContext {
  state: SimState;
  description: GitHubDescription;
  dir: string;
  url: () => string;
  now: () => Date;
  /** token -> login */
  tokens: Map<string, string>;
  app: SimApp | undefined;
  faults: ((req: FaultRequest) => Fault | undefined) | undefined;
  requests: RecordedRequest[];
  violations: Violation[];
  /** Responses that failed GitHub's schema and simulator errors: stop() fails with these. */
  failures: string[];
  counts: Map<string, number>;
}

async function readBody(req: IncomingMessage): Promise<{ body?: unknown; malformed?: boolean }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return { body: JSON.parse(text) };
  } catch {
    return { malformed: true };
  }
}

function fault(f: Fault, authorization: string | undefined): GitHubError {
  switch (f.kind) {
    case "echo-credentials": {
      const bare = (authorization ?? "").replace(/^\S+\s+/, "");
      const status = f.status ?? 422;
      return new GitHubError(status, {
        message: `Request refused for Authorization: ${authorization}; the token ${bare} may not do this`,
        documentation_url: "https://docs.github.com/rest",
        status: String(status),
      });
    }
    case "rate-limit":
      return rateLimited(Math.floor(Date.now() / 1000) + (f.resetInSeconds ?? 0));
    case "secondary-rate-limit":
      return secondaryRateLimited(f.status ?? 429, f.retryAfter);
    case "server-error":
      return serverError(f.status ?? 500);
  }
}

export async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", ctx.url());
  const gitPath = matchGitPath(url.pathname);
  if (gitPath) return serveGit(ctx, req, res, url, gitPath);
  const rawPath = url.pathname;
  const query = Object.fromEntries(url.searchParams);
  const { body, malformed } = await readBody(req);
  const record: RecordedRequest = { method, path: rawPath, query, body };
  ctx.requests.push(record);
  let op: Operation | undefined;
  let reply: Reply;
  try {
    reply = await answer(ctx, record, req.headers.authorization, url, malformed === true, (o) => {
      op = o;
    });
  } catch (e) {
    if (e instanceof GitHubError) {
      reply = { status: e.status, body: e.body, headers: e.headers };
    } else {
      const message = `github-sim: ${method} ${rawPath}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
      ctx.failures.push(message);
      reply = { status: 500, body: { message } };
    }
  }
  if (op) {
    const problems = ctx.description.checkResponse(op, reply.status, reply.body);
    if (problems.length > 0) {
      // The simulator drifted from GitHub: fail loudly (stop() rethrows) instead of answering wrongly.
      const message = `github-sim response drift: ${op.operationId} ${reply.status}:\n  ${problems.join("\n  ")}`;
      ctx.failures.push(message);
      reply = { status: 500, body: { message } };
    }
  }
  record.status = reply.status;
  send(res, reply);
}

async function answer(
  ctx: ServerContext,
  record: RecordedRequest,
  authorization: string | undefined,
  url: URL,
  malformed: boolean,
  matched: (op: Operation) => void,
): Promise<Reply> {
  const { method, path } = record;
  const route = ctx.description.match(method, path);
  let who: string;
  if ("op" in route && JWT_OPERATIONS.has(route.op.operationId)) {
    // Real clock: the JWT was signed with the caller's clock, not the simulated one.
    verifyAppJwt(ctx.app, authorization, Math.floor(Date.now() / 1000));
    who = ctx.app?.login as string;
    record.app = ctx.app?.appId;
  } else {
    const login = loginFor(ctx.tokens, authorization);
    if (!login) throw badCredentials();
    who = login;
    record.login = who;
  }

  if (!("op" in route)) {
    const problem = route.pathKnown
      ? `GitHub has no ${method} operation on this path`
      : "GitHub's description has no such path";
    ctx.violations.push({ method, path, problems: [problem] });
    throw notFound();
  }
  const { op, params } = route;
  record.operationId = op.operationId;
  matched(op);

  const key = `${method} ${path}`;
  const count = (ctx.counts.get(key) ?? 0) + 1;
  ctx.counts.set(key, count);
  const f = ctx.faults?.({ method, path, operationId: op.operationId, count });
  if (f) throw fault(f, authorization);

  if (malformed) {
    ctx.violations.push({ method, path, operationId: op.operationId, problems: ["body is not JSON"] });
    throw new GitHubError(400, {
      message: "Problems parsing JSON",
      documentation_url: "https://docs.github.com/rest",
      status: "400",
    });
  }
  const problems = ctx.description.checkRequest(op, params, record.query, record.body);
  if (problems.length > 0) {
    ctx.violations.push({ method, path, operationId: op.operationId, problems });
    throw invalidRequest(problems);
  }
  const { state } = ctx;
  if (
    params.owner !== undefined &&
    (params.owner.toLowerCase() !== state.owner.toLowerCase() ||
      params.repo?.toLowerCase() !== state.repo.toLowerCase())
  ) {
    throw notFound();
  }
  const handler = HANDLERS[op.operationId];
  if (!handler) {
    ctx.violations.push({
      method,
      path,
      operationId: op.operationId,
      problems: [`github-sim does not simulate ${op.operationId}`],
    });
    throw notFound(`github-sim does not simulate ${op.operationId}`);
  }
  const c: HandlerContext = {
    state,
    api: ctx.url(),
    dir: ctx.dir,
    now: ctx.now,
    login: who,
    tokens: ctx.tokens,
    app: ctx.app,
  };
  const call: Call = { params, query: record.query, body: record.body, url };
  return handler(c, call);
}

function send(res: ServerResponse, reply: Reply): void {
  const text = reply.body === undefined ? "" : JSON.stringify(reply.body);
  const reset = Math.floor(Date.now() / 1000) + 3600;
  res.writeHead(reply.status, {
    ...(text ? { "content-type": "application/json; charset=utf-8" } : {}),
    "content-length": Buffer.byteLength(text),
    "x-github-request-id": randomUUID(),
    "x-github-media-type": "github.v3; format=json",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(reset),
    "x-ratelimit-used": "1",
    "x-ratelimit-resource": "core",
    ...reply.headers,
  });
  res.end(text);
}
