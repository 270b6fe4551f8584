// Git smart HTTP on the simulator's own port, as github.com serves it: `git clone/fetch/push
// http://127.0.0.1:PORT/<owner>/<repo>.git` reaches a real `git http-backend` (CGI) on the bare
// repository. Authentication is GitHub's: a token as the Basic password (`x-access-token:<token>`)
// or an `Authorization: Bearer|token <token>` header; without one, 401 with a Basic challenge, so git
// fails with an authentication error and nothing is fetched or pushed. These paths are not REST
// operations: they are recorded in `requests` (as `git: true`) but never validated against OpenAPI.
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { basename, dirname } from "node:path";
import { loginFor } from "./auth.ts";
import { refresh } from "./handler.ts";
import type { RecordedRequest, ServerContext } from "./server.ts";

export interface GitPath {
  owner: string;
  repo: string;
  /** "info/refs", "git-upload-pack" or "git-receive-pack". */
  rest: string;
}

// GitHub answers with and without the ".git" suffix; only the smart protocol (no dumb HTTP).
const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export function matchGitPath(pathname: string): GitPath | undefined {
  const m = GIT_PATH.exec(pathname);
  if (!m) return undefined;
  const [, owner = "", repo = "", rest = ""] = m;
  return { owner: decodeURIComponent(owner), repo: decodeURIComponent(repo), rest };
}

export async function serveGit(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: GitPath,
): Promise<void> {
  const method = req.method ?? "GET";
  const record: RecordedRequest = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    body: undefined,
    git: true,
    ...(req.headers["content-encoding"] ? { contentEncoding: req.headers["content-encoding"] } : {}),
  };
  ctx.requests.push(record);
  const refuse = (status: number, text: string, headers: Record<string, string> = {}) => {
    record.status = status;
    req.resume();
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
    res.end(text);
  };
  const login = loginFor(ctx.tokens, req.headers.authorization);
  // The repository is private: no valid token, no fetch either (and no hint whether it exists).
  if (!login) {
    return refuse(
      401,
      "Invalid username or token. Password authentication is not supported for Git operations.\n",
      {
        "www-authenticate": 'Basic realm="GitHub"',
      },
    );
  }
  record.login = login;
  const { state } = ctx;
  if (
    path.owner.toLowerCase() !== state.owner.toLowerCase() ||
    path.repo.toLowerCase() !== state.repo.toLowerCase()
  ) {
    return refuse(404, "Repository not found.\n");
  }
  const service = path.rest === "info/refs" ? url.searchParams.get("service") : path.rest;
  if (service !== "git-upload-pack" && service !== "git-receive-pack") {
    return refuse(403, "Please upgrade your git client. GitHub does not support the dumb HTTP protocol.\n");
  }
  // A push moves branches: open pull requests follow their head right away, as on GitHub. They are
  // refreshed before the response ends, so a client that sees its push done sees the pull requests moved.
  const afterPush =
    service === "git-receive-pack" && path.rest !== "info/refs"
      ? async () => {
          for (const p of state.pulls) await refresh(ctx, p);
        }
      : undefined;
  record.status = await cgi(ctx, req, res, url, `/${basename(ctx.dir)}/${path.rest}`, login, afterPush);
}

/** Runs `git http-backend` for one request; resolves with the HTTP status it answered. */
function cgi(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  pathInfo: string,
  login: string,
  /** Runs once http-backend is done, before the response ends. */
  beforeEnd?: () => Promise<void>,
): Promise<number> {
  const h = req.headers;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LC_ALL: "C",
    GIT_PROJECT_ROOT: dirname(ctx.dir),
    GIT_HTTP_EXPORT_ALL: "1",
    // Pushing over HTTP is off by default for http-backend; GitHub allows it, whatever the repo's config.
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.receivepack",
    GIT_CONFIG_VALUE_0: "true",
    PATH_INFO: pathInfo,
    REQUEST_METHOD: req.method ?? "GET",
    QUERY_STRING: url.search.replace(/^\?/, ""),
    CONTENT_TYPE: h["content-type"] ?? "",
    REMOTE_USER: login,
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    // Without CONTENT_LENGTH (git sends large packs chunked) http-backend reads the body to EOF.
    ...(h["content-length"] ? { CONTENT_LENGTH: h["content-length"] } : {}),
    // git gzips fetch negotiation; http-backend inflates it itself when told.
    ...(h["content-encoding"] ? { HTTP_CONTENT_ENCODING: h["content-encoding"] } : {}),
    // Protocol v2 (git's default) is negotiated through this header.
    ...(typeof h["git-protocol"] === "string" ? { HTTP_GIT_PROTOCOL: h["git-protocol"] } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let head = Buffer.alloc(0);
    let status = 0;
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      if (status === 0) {
        head = Buffer.concat([head, d]);
        const parsed = parseCgiHead(head);
        if (!parsed) return;
        status = parsed.status;
        res.writeHead(parsed.status, parsed.headers);
        d = parsed.rest;
      }
      if (d.length > 0 && !res.write(d)) {
        child.stdout.pause();
        res.once("drain", () => child.stdout.resume());
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (status === 0) {
        status = 500;
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end(`git http-backend failed (${code}): ${stderr}`);
        resolve(status);
        return;
      }
      (beforeEnd ?? (async () => {}))().then(
        () => {
          res.end();
          resolve(status);
        },
        (err: unknown) => {
          res.end();
          reject(err);
        },
      );
    });
    // http-backend may exit without reading the whole body (a refused request): not an error here.
    child.stdin.on("error", () => {});
    req.pipe(child.stdin);
  });
}

/** The CGI response head ("Status: 200 OK", headers, blank line), once all of it has arrived. */
function parseCgiHead(
  buf: Buffer,
): { status: number; headers: Record<string, string>; rest: Buffer } | undefined {
  const text = buf.toString("latin1");
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return undefined;
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, m.index).split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 200;
    else headers[name] = value;
  }
  return { status, headers, rest: buf.subarray(m.index + m[0].length) };
}
