// The one place kopt talks to the GitHub REST API: Octokit with the throttling and retry plugins, token or
// GitHub App authentication, github.com or an Enterprise server, and errors a user can act on. A token is
// read from the environment when the connection is made and never printed, stored or put in a URL: it, the
// App's key and each installation token are registered with src/redact.ts, so a GitHub message that echoes
// one is scrubbed too.
import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import Bottleneck from "bottleneck/light.js";
import { KoptError } from "../../errors.ts";
import type { GitHubForgeConfig } from "../../formats/config.ts";
import { progress } from "../../progress.ts";
import { registerSecret } from "../../redact.ts";
import { retryWaits } from "./waits.ts";

// retryWaits first: its error hook then sees each attempt, inside the retry plugin's loop.
export const KoptOctokit = Octokit.plugin(retryWaits, throttling, retry);
export type GitHubClient = InstanceType<typeof KoptOctokit>;

export interface GitHubConnection {
  octokit: GitHubClient;
  owner: string;
  repo: string;
  /** Where git fetches and pushes (no credentials in it). */
  gitUrl: string;
  /** The login the credentials act as: the author of kopt's pull requests, whose reviews never count. */
  login: string;
  /** A token for git over HTTPS (an App's installation token is refreshed by Octokit as needed). */
  gitToken(): Promise<string>;
  /** The repository's default branch. */
  defaultBranch: string;
}

export interface ConnectOptions {
  /** The environment to read the token or the App's key from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Resolves relative key files; the repository root. */
  root: string;
  /** How often to retry after a rate limit or a 5xx; default 3. */
  retries?: number;
}

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

/** The clone URL for a repository: github.com, an Enterprise host (apiUrl https://host/api/v3), or explicit. */
export function gitUrlFor(cfg: Pick<GitHubForgeConfig, "apiUrl" | "gitUrl" | "owner" | "repo">): string {
  if (cfg.gitUrl) return cfg.gitUrl;
  const api = new URL(cfg.apiUrl);
  const host = api.hostname === "api.github.com" ? `${api.protocol}//github.com` : api.origin;
  const prefix = api.pathname.replace(/\/api\/v3\/?$/, "").replace(/\/$/, "");
  return `${host}${prefix}/${cfg.owner}/${cfg.repo}.git`;
}

const TOKEN_PERMISSIONS =
  "contents, pull requests, issues and commit statuses: read and write (a fine-grained token, or a GitHub App installation)";

/** Connects and checks the credentials and the repository with one request, before anything is pushed. */
export async function connectGitHub(cfg: GitHubForgeConfig, opts: ConnectOptions): Promise<GitHubConnection> {
  checkFetchablePort(cfg.apiUrl);
  const env = opts.env ?? process.env;
  const retries = opts.retries ?? 3;
  const common = {
    baseUrl: cfg.apiUrl.replace(/\/$/, ""),
    userAgent: "kopt/0.1.0",
    log: SILENT,
    retry: { retries, ...retryPacing(env) },
    throttle: {
      ...pacing(env),
      // Wait out primary and secondary rate limits a few times, then fail with GitHub's message.
      onRateLimit: (after: number, _o: unknown, _k: unknown, retryCount: number) =>
        rateLimitWait("rate limit", after, retryCount, retries),
      onSecondaryRateLimit: (after: number, _o: unknown, _k: unknown, retryCount: number) =>
        rateLimitWait("secondary rate limit", after, retryCount, retries),
    },
  };
  let octokit: GitHubClient;
  let gitToken: () => Promise<string>;
  if ("app" in cfg.auth) {
    const app = cfg.auth.app;
    const privateKey = await readAppKey(app, env, opts.root);
    registerSecret(privateKey);
    octokit = new KoptOctokit({
      ...common,
      authStrategy: createAppAuth,
      auth: { appId: app.appId, privateKey, installationId: app.installationId },
    });
    gitToken = async () => {
      const auth = (await octokit.auth({ type: "installation" })) as { token: string };
      registerSecret(auth.token);
      return auth.token;
    };
    // The REST calls use the same (cached) installation token: know it before the first one can echo it.
    await gitToken().catch(() => undefined);
  } else {
    const name = cfg.auth.tokenEnv;
    const token = env[name];
    if (!token) {
      throw new KoptError("forge", `no GitHub token: the environment variable ${name} is not set`, {
        where: { field: "forge.github.auth.tokenEnv" },
        hint: `export ${name}=<token> with ${TOKEN_PERMISSIONS}; in GitHub Actions pass env ${name}: \${{ secrets.GITHUB_TOKEN }}`,
      });
    }
    registerSecret(token);
    octokit = new KoptOctokit({ ...common, auth: token });
    gitToken = async () => token;
  }

  const target = `${cfg.owner}/${cfg.repo}`;
  let defaultBranch: string;
  try {
    const { data } = await octokit.repos.get({ owner: cfg.owner, repo: cfg.repo });
    defaultBranch = data.default_branch;
  } catch (e) {
    throw gitHubError(e, `reading repository ${target}`, cfg.apiUrl);
  }
  let login: string;
  if ("app" in cfg.auth) {
    // An installation cannot call GET /user; its pull requests are authored by the App's bot user.
    // auth-app signs GET /app with the App's JWT.
    try {
      const { data } = await octokit.apps.getAuthenticated();
      login = `${data?.slug ?? "app"}[bot]`;
    } catch (e) {
      throw gitHubError(e, `reading GitHub App ${cfg.auth.app.appId}`, cfg.apiUrl);
    }
  } else {
    try {
      login = (await octokit.users.getAuthenticated()).data.login;
    } catch (e) {
      throw gitHubError(e, "reading the token's user", cfg.apiUrl);
    }
  }
  return {
    octokit,
    owner: cfg.owner,
    repo: cfg.repo,
    gitUrl: gitUrlFor(cfg),
    login,
    gitToken,
    defaultBranch,
  };
}

/** Whether to wait out a rate limit (retries left), saying so: "GitHub: rate limit, retry 1/3 in 60 s". */
function rateLimitWait(what: string, afterSeconds: number, retryCount: number, retries: number): boolean {
  if (retryCount >= retries) return false;
  progress().wait(`GitHub: ${what}, retry ${retryCount + 1}/${retries} in ${afterSeconds} s`);
  return true;
}

/**
 * GitHub asks integrations to space out requests that write (1 s) or notify people (3 s), and Octokit's
 * throttling plugin does so. KOPT_GITHUB_UNPACED=1 turns the spacing off (tests against a simulator), and
 * shortens the waits before retrying a 5xx; rate-limit answers are still waited out.
 */
function pacing(env: NodeJS.ProcessEnv): Record<string, unknown> {
  if (env.KOPT_GITHUB_UNPACED !== "1") return {};
  const unpaced = () => new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 });
  return { write: unpaced(), notifications: unpaced(), search: unpaced() };
}

/** The retry plugin waits 1, 4, 9 s after a 5xx; unpaced (a simulator), 10, 40, 90 ms. */
function retryPacing(env: NodeJS.ProcessEnv): { retryAfterBaseValue?: number } {
  return env.KOPT_GITHUB_UNPACED === "1" ? { retryAfterBaseValue: 10 } : {};
}

async function readAppKey(
  app: { privateKeyFile?: string; privateKeyEnv?: string },
  env: NodeJS.ProcessEnv,
  root: string,
): Promise<string> {
  if (app.privateKeyEnv) {
    const key = env[app.privateKeyEnv];
    if (!key) {
      throw new KoptError(
        "forge",
        `no GitHub App key: the environment variable ${app.privateKeyEnv} is not set`,
        {
          where: { field: "forge.github.auth.app.privateKeyEnv" },
          hint: "set it to the App's private key (PEM), e.g. from a repository secret",
        },
      );
    }
    return key.replaceAll("\\n", "\n");
  }
  const file = app.privateKeyFile as string;
  const path = isAbsolute(file) ? file : join(root, file);
  try {
    return await readFile(path, "utf8");
  } catch {
    throw new KoptError("forge", `cannot read the GitHub App's private key ${path}`, {
      where: { field: "forge.github.auth.app.privateKeyFile" },
      hint: "download a private key from the App's settings page and point privateKeyFile at it",
    });
  }
}

interface RequestErrorLike {
  status?: number;
  message?: string;
  response?: { data?: { message?: string; errors?: { message?: string; code?: string; field?: string }[] } };
}

/** A GitHub API failure as a KoptError: GitHub's own message, what kopt was doing, and how to fix it. */
export function gitHubError(e: unknown, doing: string, apiUrl?: string): KoptError {
  if (e instanceof KoptError) return e;
  const err = e as RequestErrorLike;
  const status = err.status;
  const data = err.response?.data;
  const details = (data?.errors ?? [])
    .map((x) => x.message ?? [x.field, x.code].filter(Boolean).join(" "))
    .filter(Boolean);
  const text = [data?.message ?? err.message ?? String(e), ...details].join("; ");
  const where = apiUrl ? ` at ${apiUrl}` : "";
  if (refusedPort(e)) return badPort(apiUrl, doing);
  // Octokit reports a request that got no answer at all (refused, DNS, TLS) as a 500 without a response.
  if (status === 500 && err.response === undefined) {
    return new KoptError("forge", `cannot reach GitHub${where} while ${doing}: ${err.message ?? String(e)}`, {
      hint: "check forge.github.apiUrl in kopt.yaml (GitHub Enterprise: https://<host>/api/v3) and the network",
    });
  }
  const hint =
    status === 401
      ? `the token is invalid or expired: create a new one with ${TOKEN_PERMISSIONS}`
      : status === 403
        ? `the token lacks a permission, or a rate limit was hit: it needs ${TOKEN_PERMISSIONS}`
        : status === 404
          ? "check forge.github.owner and repo in kopt.yaml, and that the token can see the repository"
          : status === 422
            ? "GitHub refused the request as sent; the message above says which field"
            : status !== undefined && status >= 500
              ? "GitHub had a server error; kopt retried. Run again later"
              : "check forge.github.apiUrl and the network";
  return new KoptError(
    "forge",
    `GitHub${where} failed while ${doing}: ${text}${status ? ` (HTTP ${status})` : ""}`,
    { hint },
  );
}

/**
 * The Fetch standard's "bad ports", reserved for other protocols: fetch (undici in Node, under Octokit)
 * refuses to connect to them and says only "bad port".
 */
export const FETCH_BAD_PORTS: readonly number[] = [
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
];

/** Refuses an apiUrl on a bad port up front: Octokit would retry fetch's refusal for seconds first. */
function checkFetchablePort(apiUrl: string): void {
  const port = Number(portOf(apiUrl));
  if (FETCH_BAD_PORTS.includes(port)) throw badPort(apiUrl);
}

function badPort(apiUrl: string | undefined, doing?: string): KoptError {
  const port = portOf(apiUrl);
  const high = portRanges(FETCH_BAD_PORTS.filter((p) => p > 1023));
  return new KoptError(
    "forge",
    `cannot reach GitHub${apiUrl ? ` at ${apiUrl}` : ""}${doing ? ` while ${doing}` : ""}: ${port ? `port ${port}` : "its port"} is one that fetch refuses to connect to (a "bad port", reserved for another protocol)`,
    {
      hint: `serve the API on another port and point forge.github.apiUrl in kopt.yaml (or GITHUB_API_URL) at it: 8080, say, or any above 1023 except ${high}`,
    },
  );
}

/** `1, 2, 5, 6, 7` as "1, 2, 5-7": runs of three or more as a range. */
function portRanges(ports: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ports.length; ) {
    let j = i;
    while (ports[j + 1] === (ports[j] as number) + 1) j++;
    if (j - i >= 2) parts.push(`${ports[i]}-${ports[j]}`);
    else parts.push(...ports.slice(i, j + 1).map(String));
    i = j + 1;
  }
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : (parts[0] ?? "");
}

/** fetch's own words (Octokit passes on the cause of fetch's "fetch failed"). */
function refusedPort(e: unknown): boolean {
  const err = e as { message?: unknown; cause?: { message?: unknown } };
  return err.message === "bad port" || err.cause?.message === "bad port";
}

function portOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).port || undefined : undefined;
  } catch {
    return undefined;
  }
}

/** GitHub's status for a failed request, or undefined. */
export function httpStatus(e: unknown): number | undefined {
  return (e as RequestErrorLike).status;
}

/**
 * The GitHub target of a cluster config: forge.github, or, in GitHub Actions, the repository the workflow
 * runs in (GITHUB_REPOSITORY, GITHUB_API_URL) with defaults for the rest.
 */
export function resolveGitHubConfig(
  github: GitHubForgeConfig | undefined,
  env: NodeJS.ProcessEnv,
  configFile: string,
): GitHubForgeConfig {
  if (github) return github;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
  if (owner && repo) {
    return {
      owner,
      repo,
      apiUrl: env.GITHUB_API_URL ?? "https://api.github.com",
      auth: { tokenEnv: "GITHUB_TOKEN" },
      maxOpenPullRequests: 10,
      afterMerge: { record: "pull-request" },
    };
  }
  throw new KoptError("config", "no GitHub repository configured for the github forge", {
    where: { file: configFile, field: "forge.github" },
    hint: "add forge.github: { owner: <org>, repo: <name> } to kopt.yaml (in GitHub Actions, GITHUB_REPOSITORY is used when it is absent)",
  });
}
