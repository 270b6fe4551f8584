// A GitHub REST API simulator for tests: plain HTTP on 127.0.0.1 and a random port, serving one
// repository whose branches live in a real bare git repository (push to it with git, over the
// filesystem or smart HTTP at `gitUrl` with a token; merge into it through the API). Every request is checked against GitHub's published OpenAPI description (a
// mismatch is a 422 and a recorded violation) and so is every response the simulator sends (a mismatch
// fails stop()), so a test fails when kopt calls the API wrongly or the simulator drifts from GitHub.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listenLocal } from "../local-server.ts";
import { initBareRepo, resolveCommit } from "./git.ts";
import { iso, type SimApp } from "./handler.ts";
import { gitHubDescription } from "./openapi.ts";
import type { Fault, FaultRequest, RecordedRequest, ServerContext, Violation } from "./server.ts";
import { handle } from "./server.ts";
import { findUser, newId, type ReviewState, type SimReview, type SimState } from "./state.ts";

export type { Fault, FaultRequest, RecordedRequest, Violation } from "./server.ts";
export type * from "./state.ts";

export interface GitHubSimOptions {
  owner: string;
  repo: string;
  /** A bare repository to serve; default: a new one in a temp dir (removed by stop()) whose default branch has one commit. */
  bareRepoDir?: string;
  /** Default "main". */
  defaultBranch?: string;
  /** Authenticates as the first of `users`. */
  token: string;
  /** More tokens, e.g. for a human who closes a pull request: token -> login. */
  tokens?: Record<string, string>;
  /** The repository's collaborators; a login ending in "[bot]" is a Bot. */
  users: string[];
  /** Team slug -> member logins. */
  teams?: Record<string, string[]>;
  /** Commit emails (login -> email) that map commits to users, besides `<login>@users.noreply.github.com`. */
  emails?: Record<string, string>;
  /** Repository admins: branch protection does not stop their merges unless it enforces admins. */
  admins?: string[];
  /**
   * A GitHub App installed on the repository: POST /app/installations/{installationId}/access_tokens
   * with a JWT (RS256, iss = appId) signed by the key whose public half this is returns a token that
   * authenticates (REST and git) as `login`, a Bot in `users` (default "kopt[bot]").
   */
  app?: { appId: number; installationId: number; publicKeyPem: string; login?: string };
  /** Labels the repository already has. */
  labels?: { name: string; color?: string; description?: string }[];
  /** Called for each routed request; a returned fault is answered instead. */
  faults?: (req: FaultRequest) => Fault | undefined;
  /** The clock for timestamps (created_at, submitted_at, merge commits); default the real one. */
  now?: () => Date;
}

export interface AddReview {
  user: string;
  state: ReviewState;
  /** Default: the pull request's current head. */
  commitId?: string;
  /** Default: now. */
  submittedAt?: Date | string;
  body?: string;
}

export interface GitHubSim {
  /** http://127.0.0.1:PORT: Octokit's baseUrl. */
  url: string;
  /** The bare repository: `git push <repoDir> HEAD:refs/heads/x` creates a branch the simulator serves. */
  repoDir: string;
  /** http://127.0.0.1:PORT/<owner>/<repo>.git: git smart HTTP, authenticated by a token (see git-http.ts). */
  gitUrl: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Requests that did not match GitHub's description. */
  violations: Violation[];
  /** Everything the simulator knows besides git. */
  state: SimState;
  /** A review as a reviewer submits it in GitHub's UI (the API cannot submit on someone else's behalf). */
  addReview(pullNumber: number, review: AddReview): Promise<SimReview>;
  /** Closes the server (and removes a temp repository); rejects when a response drifted from GitHub's schema. */
  stop(): Promise<void>;
}

export async function startGitHubSim(opts: GitHubSimOptions): Promise<GitHubSim> {
  if (opts.users.length === 0) throw new Error("github-sim: users must name at least the token's user");
  const now = opts.now ?? (() => new Date());
  const defaultBranch = opts.defaultBranch ?? "main";
  const temp = opts.bareRepoDir === undefined ? mkdtempSync(join(tmpdir(), "github-sim-")) : undefined;
  const dir = opts.bareRepoDir ?? join(temp as string, `${opts.repo}.git`);
  if (!existsSync(join(dir, "HEAD"))) await initBareRepo(dir, defaultBranch, now());

  const state: SimState = {
    owner: opts.owner,
    repo: opts.repo,
    repoId: 100,
    defaultBranch,
    viewer: opts.users[0] as string,
    users: opts.users.map((login, i) => ({
      login,
      id: 1000 + i,
      type: login.endsWith("[bot]") ? "Bot" : "User",
      admin: (opts.admins ?? []).includes(login),
      ...(opts.emails?.[login] ? { email: opts.emails[login] } : {}),
    })),
    teams: [],
    labels: [],
    pulls: [],
    issues: [],
    comments: [],
    reviews: [],
    events: [],
    statuses: [],
    branchProtection: {},
    installationTokens: [],
    nextNumber: 1,
    nextId: 10_000,
  };
  for (const [slug, members] of Object.entries(opts.teams ?? {})) {
    for (const m of members) {
      if (!findUser(state, m)) throw new Error(`github-sim: team ${slug} member ${m} is not in users`);
    }
    state.teams.push({ slug, name: slug, id: newId(state), members });
  }
  for (const l of opts.labels ?? []) {
    state.labels.push({
      id: newId(state),
      name: l.name,
      color: l.color ?? "ededed",
      description: l.description ?? null,
      default: false,
    });
  }
  for (const login of [...(opts.admins ?? []), ...Object.keys(opts.emails ?? {})]) {
    if (!findUser(state, login)) throw new Error(`github-sim: ${login} (admins/emails) is not in users`);
  }
  let app: SimApp | undefined;
  if (opts.app) {
    const login = opts.app.login ?? "kopt[bot]";
    if (findUser(state, login)?.type !== "Bot") {
      throw new Error(`github-sim: the app's installation acts as ${login}, which must be a Bot in users`);
    }
    app = { ...opts.app, login };
  }
  const tokens = new Map<string, string>([[opts.token, state.viewer]]);
  for (const [token, login] of Object.entries(opts.tokens ?? {})) {
    if (!findUser(state, login)) throw new Error(`github-sim: token for ${login}, who is not in users`);
    tokens.set(token, login);
  }

  let url = "";
  const ctx: ServerContext = {
    state,
    description: gitHubDescription(),
    dir,
    url: () => url,
    now,
    tokens,
    app,
    faults: opts.faults,
    requests: [],
    violations: [],
    failures: [],
    counts: new Map(),
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(ctx, req, res).catch((e: unknown) => {
      ctx.failures.push(
        `github-sim: ${req.method} ${req.url}: ${e instanceof Error ? e.message : String(e)}`,
      );
      res.destroy();
    });
  };
  const local = await listenLocal(onRequest);
  const { server } = local;
  url = local.url;

  return {
    url,
    repoDir: dir,
    gitUrl: `${url}/${opts.owner}/${opts.repo}.git`,
    requests: ctx.requests,
    violations: ctx.violations,
    state,
    async addReview(pullNumber, r) {
      const p = state.pulls.find((x) => x.number === pullNumber);
      if (!p) throw new Error(`github-sim addReview: no pull request #${pullNumber}`);
      const u = findUser(state, r.user);
      if (!u) throw new Error(`github-sim addReview: ${r.user} is not in users`);
      if (u.login === p.user && r.state !== "COMMENTED") {
        throw new Error(
          `github-sim addReview: ${u.login} cannot approve or request changes on their own pull request`,
        );
      }
      const head = p.state === "open" ? await resolveCommit(dir, `refs/heads/${p.head}`) : undefined;
      if (head) p.headSha = head;
      const submitted = r.submittedAt ?? now();
      const review: SimReview = {
        id: newId(state),
        pullNumber,
        user: u.login,
        state: r.state,
        body: r.body ?? "",
        commitId: r.commitId ?? p.headSha,
        submittedAt: typeof submitted === "string" ? submitted : iso(submitted),
      };
      state.reviews.push(review);
      // Submitting a review answers the request for it.
      p.requestedReviewers = p.requestedReviewers.filter((x) => x !== u.login);
      return review;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (temp) rmSync(temp, { recursive: true, force: true });
      if (ctx.failures.length > 0) {
        throw new Error(`github-sim: ${ctx.failures.length} failure(s):\n${ctx.failures.join("\n")}`);
      }
    },
  };
}
