// The GitHub API simulator, checked against the client kopt uses: the real @octokit/rest (with the
// throttling and retry plugins where they matter) and real git pushing to the simulator's bare
// repository. Each test starts its own simulator on a random port of 127.0.0.1.
import { execFile, execFileSync } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { describe, expect, it } from "vitest";
import { cleanups } from "./support/cleanups.ts";
import { GIT_ENV, git } from "./support/git.ts";
import {
  type Fault,
  type FaultRequest,
  type GitHubSim,
  type GitHubSimOptions,
  startGitHubSim,
} from "./support/github-sim/index.ts";
import { gitHubDescription } from "./support/github-sim/openapi.ts";

const OWNER = "acme";
const REPO = "platform";
const TOKEN = "ghs_kopt_test_token";
const BRANCH = "kopt/shop/web-rightsize";
const USERS = ["kopt-ci", "alice", "bob", "carol", "renovate[bot]"];
const TEAMS = { architects: ["alice"], security: ["bob"] };
const silent = { debug() {}, info() {}, warn() {}, error() {} };

// ---------------------------------------------------------------------------------------------------------
// Harness: a simulator, a working clone of its bare repository, and an Octokit pointed at it.

interface Harness {
  sim: GitHubSim;
  octokit: Octokit;
  /** A clone of the simulator's bare repository. */
  work: string;
  /** Commits a file on a new branch in the clone and pushes it to the bare repository; returns the SHA. */
  pushBranch(branch: string, file?: string, content?: string): string;
}

/** `violations: "expected"` for tests that provoke them; otherwise any violation fails the test. */
async function harness(opts: Partial<GitHubSimOptions> & { violations?: "expected" } = {}): Promise<Harness> {
  const { violations, ...simOpts } = opts;
  const sim = await startGitHubSim({
    owner: OWNER,
    repo: REPO,
    token: TOKEN,
    users: USERS,
    teams: TEAMS,
    ...simOpts,
  });
  const work = mkdtempSync(join(tmpdir(), "github-sim-work-"));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  cleanups.push(() => sim.stop());
  if (violations !== "expected") cleanups.push(() => expect(sim.violations).toEqual([]));
  git(work, "clone", "-q", sim.repoDir, ".");
  return {
    sim,
    octokit: new Octokit({ baseUrl: sim.url, auth: TOKEN, log: silent }),
    work,
    pushBranch(branch, file = "clusters/demo/values.yaml", content = "replicas: 2\n") {
      git(work, "checkout", "-q", "-B", branch, "origin/main");
      execFileSync("mkdir", ["-p", join(work, file, "..")]);
      writeFileSync(join(work, file), content);
      git(work, "add", "-A");
      git(work, "commit", "-q", "-m", `kopt: ${branch}`);
      git(work, "push", "-q", "origin", `HEAD:refs/heads/${branch}`);
      return git(work, "rev-parse", "HEAD");
    },
  };
}

async function openPull(h: Harness, branch = BRANCH) {
  const sha = h.pushBranch(branch);
  const { data } = await h.octokit.pulls.create({
    owner: OWNER,
    repo: REPO,
    head: branch,
    base: "main",
    title: "kopt: right-size shop/web",
    body: "Lowers the CPU request of web from 500m to 200m.",
  });
  return { pull: data, sha };
}

/**
 * git with a token as kopt passes it: an Authorization header from GIT_CONFIG_* variables, so the token
 * is in neither the URL nor argv. Asynchronous: the simulator answers from this same process.
 */
function gitEnv(token: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...GIT_ENV, GIT_TERMINAL_PROMPT: "0" };
  if (token === undefined) return env;
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  return {
    ...env,
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

function gitHttp(
  cwd: string,
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, env, encoding: "utf8" }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function statusOf(e: unknown): number | undefined {
  return (e as { status?: number }).status;
}

// ---------------------------------------------------------------------------------------------------------

describe("github-sim", () => {
  it("serves branches pushed to its bare repository with real git, and creates refs git then sees", async () => {
    const h = await harness();
    const sha = h.pushBranch(BRANCH);
    const { data: ref } = await h.octokit.git.getRef({ owner: OWNER, repo: REPO, ref: `heads/${BRANCH}` });
    expect(ref).toMatchObject({ ref: `refs/heads/${BRANCH}`, object: { sha, type: "commit" } });
    // Octokit sends the slashes of the ref encoded.
    expect(h.sim.requests.at(-1)?.path).toBe(
      `/repos/${OWNER}/${REPO}/git/ref/heads%2Fkopt%2Fshop%2Fweb-rightsize`,
    );

    const { data: matching } = await h.octokit.git.listMatchingRefs({
      owner: OWNER,
      repo: REPO,
      ref: "heads/kopt/",
    });
    expect(matching.map((r) => r.ref)).toEqual([`refs/heads/${BRANCH}`]);

    await h.octokit.git.createRef({ owner: OWNER, repo: REPO, ref: "refs/heads/kopt/copy", sha });
    expect(git(h.work, "ls-remote", "origin", "refs/heads/kopt/copy")).toBe(`${sha}\trefs/heads/kopt/copy`);
    await expect(
      h.octokit.git.createRef({ owner: OWNER, repo: REPO, ref: "refs/heads/kopt/copy", sha }),
    ).rejects.toMatchObject({ status: 422, message: expect.stringContaining("Reference already exists") });
    await expect(h.octokit.git.getRef({ owner: OWNER, repo: REPO, ref: "heads/nope" })).rejects.toMatchObject(
      {
        status: 404,
      },
    );
  });

  it("opens a pull request and finds it by owner:branch; a head without the owner is ignored, as on GitHub", async () => {
    const h = await harness();
    const { pull, sha } = await openPull(h);
    expect(pull).toMatchObject({
      number: 1,
      state: "open",
      head: { ref: BRANCH, sha, label: `${OWNER}:${BRANCH}` },
      base: { ref: "main" },
      user: { login: "kopt-ci" },
      mergeable: true,
      commits: 1,
    });
    const other = h.pushBranch("kopt/shop/db-memory", "clusters/demo/db.yaml");
    await h.octokit.pulls.create({
      owner: OWNER,
      repo: REPO,
      head: "kopt/shop/db-memory",
      base: "main",
      title: "db",
    });

    const found = await h.octokit.pulls.list({
      owner: OWNER,
      repo: REPO,
      state: "open",
      head: `${OWNER}:${BRANCH}`,
    });
    expect(found.data.map((p) => p.number)).toEqual([1]);
    const unfiltered = await h.octokit.pulls.list({ owner: OWNER, repo: REPO, head: BRANCH });
    expect(unfiltered.data.map((p) => p.number)).toEqual([2, 1]);
    const byBase = await h.octokit.pulls.list({ owner: OWNER, repo: REPO, base: "release", state: "all" });
    expect(byBase.data).toEqual([]);

    // A push to the branch moves the pull request's head, as a human's push would.
    git(h.work, "checkout", "-q", BRANCH);
    writeFileSync(join(h.work, "human.txt"), "edit\n");
    git(h.work, "add", "-A");
    git(h.work, "commit", "-q", "-m", "human edit");
    git(h.work, "push", "-q", "origin", BRANCH);
    const { data: again } = await h.octokit.pulls.get({ owner: OWNER, repo: REPO, pull_number: 1 });
    expect(again.head.sha).not.toBe(sha);
    expect(again.head.sha).toBe(git(h.work, "rev-parse", "HEAD"));
    expect(again.commits).toBe(2);
    expect(other).not.toBe(sha);
  });

  it("refuses a second open pull request for the same branch, also when two are opened concurrently", async () => {
    const h = await harness();
    h.pushBranch(BRANCH);
    const create = () =>
      h.octokit.pulls.create({
        owner: OWNER,
        repo: REPO,
        head: BRANCH,
        base: "main",
        title: "kopt: right-size",
      });
    const results = await Promise.allSettled([create(), create()]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ status: 422 });
    expect(String(refused.reason.message)).toContain(`A pull request already exists for ${OWNER}:${BRANCH}.`);
    expect(h.sim.state.pulls).toHaveLength(1);
    await expect(create()).rejects.toMatchObject({ status: 422 });
  });

  it("updates a pull request in place and manages its labels", async () => {
    const h = await harness({ labels: [{ name: "kopt", color: "0e8a16", description: "Opened by kopt" }] });
    const { pull } = await openPull(h);
    const n = pull.number;
    const { data: updated } = await h.octokit.pulls.update({
      owner: OWNER,
      repo: REPO,
      pull_number: n,
      title: "kopt: right-size shop/web (updated)",
      body: "New numbers.",
    });
    expect(updated).toMatchObject({
      number: n,
      title: "kopt: right-size shop/web (updated)",
      body: "New numbers.",
    });

    const { data: created } = await h.octokit.issues.createLabel({
      owner: OWNER,
      repo: REPO,
      name: "kopt/tier:low",
      color: "fbca04",
      description: "Needs one approval",
    });
    expect(created).toMatchObject({
      name: "kopt/tier:low",
      color: "fbca04",
      description: "Needs one approval",
    });
    await expect(
      h.octokit.issues.createLabel({ owner: OWNER, repo: REPO, name: "KOPT", color: "000000" }),
    ).rejects.toMatchObject({ status: 422, response: { data: { errors: [{ code: "already_exists" }] } } });

    const { data: added } = await h.octokit.issues.addLabels({
      owner: OWNER,
      repo: REPO,
      issue_number: n,
      labels: ["kopt", "kopt/tier:low", "kopt/kind:rightsize"],
    });
    expect(added.map((l) => l.name)).toEqual(["kopt", "kopt/tier:low", "kopt/kind:rightsize"]);
    // A label added to an issue before it exists is created grey, as GitHub does.
    expect(h.sim.state.labels.find((l) => l.name === "kopt/kind:rightsize")?.color).toBe("ededed");

    const { data: left } = await h.octokit.issues.removeLabel({
      owner: OWNER,
      repo: REPO,
      issue_number: n,
      name: "kopt/tier:low",
    });
    expect(left.map((l) => l.name)).toEqual(["kopt", "kopt/kind:rightsize"]);
    await expect(
      h.octokit.issues.removeLabel({ owner: OWNER, repo: REPO, issue_number: n, name: "kopt/tier:low" }),
    ).rejects.toMatchObject({ status: 404 });

    const { data: repoLabels } = await h.octokit.issues.listLabelsForRepo({ owner: OWNER, repo: REPO });
    expect(repoLabels.map((l) => l.name)).toEqual(["kopt", "kopt/tier:low", "kopt/kind:rightsize"]);
    const { data: listed } = await h.octokit.pulls.list({
      owner: OWNER,
      repo: REPO,
      head: `${OWNER}:${BRANCH}`,
    });
    expect(listed[0]?.labels.map((l) => l.name)).toEqual(["kopt", "kopt/kind:rightsize"]);

    const { data: comment } = await h.octokit.issues.createComment({
      owner: OWNER,
      repo: REPO,
      issue_number: n,
      body: "Closing: the recommendation no longer applies.",
    });
    expect(comment.user?.login).toBe("kopt-ci");
    const { data: comments } = await h.octokit.issues.listComments({
      owner: OWNER,
      repo: REPO,
      issue_number: n,
    });
    expect(comments.map((x) => x.body)).toEqual(["Closing: the recommendation no longer applies."]);

    const { data: closed } = await h.octokit.pulls.update({
      owner: OWNER,
      repo: REPO,
      pull_number: n,
      state: "closed",
    });
    expect(closed).toMatchObject({ state: "closed", merged: false, closed_at: expect.any(String) });
  });

  it("requests reviewers and teams, and lists reviews submitted through the test helper", async () => {
    const h = await harness({ now: () => new Date("2025-03-01T10:00:00Z") });
    const { pull, sha } = await openPull(h);
    const n = pull.number;
    const { data: requested } = await h.octokit.pulls.requestReviewers({
      owner: OWNER,
      repo: REPO,
      pull_number: n,
      reviewers: ["alice", "carol"],
      team_reviewers: ["security"],
    });
    expect(requested.requested_reviewers?.map((u) => u.login)).toEqual(["alice", "carol"]);
    expect(requested.requested_teams?.map((t) => t.slug)).toEqual(["security"]);
    await expect(
      h.octokit.pulls.requestReviewers({ owner: OWNER, repo: REPO, pull_number: n, reviewers: ["mallory"] }),
    ).rejects.toMatchObject({ status: 422, message: expect.stringContaining("collaborators") });
    await expect(
      h.octokit.pulls.requestReviewers({ owner: OWNER, repo: REPO, pull_number: n, reviewers: ["kopt-ci"] }),
    ).rejects.toMatchObject({ status: 422, message: expect.stringContaining("pull request author") });

    await h.sim.addReview(n, { user: "alice", state: "APPROVED", submittedAt: "2025-03-01T10:05:00Z" });
    await h.sim.addReview(n, {
      user: "bob",
      state: "CHANGES_REQUESTED",
      commitId: "0".repeat(40),
      body: "No.",
    });
    const { data: reviews } = await h.octokit.pulls.listReviews({ owner: OWNER, repo: REPO, pull_number: n });
    expect(reviews.map((r) => [r.user?.login, r.state, r.commit_id, r.submitted_at])).toEqual([
      ["alice", "APPROVED", sha, "2025-03-01T10:05:00Z"],
      ["bob", "CHANGES_REQUESTED", "0".repeat(40), "2025-03-01T10:00:00Z"],
    ]);
    const { data: still } = await h.octokit.pulls.listRequestedReviewers({
      owner: OWNER,
      repo: REPO,
      pull_number: n,
    });
    expect(still.users.map((u) => u.login)).toEqual(["carol"]);
    await expect(h.sim.addReview(n, { user: "kopt-ci", state: "APPROVED" })).rejects.toThrow(
      /own pull request/,
    );
  });

  it("records who asked whom for a review, and who withdrew it, as issue events", async () => {
    const h = await harness({ tokens: { ghp_alice: "alice" } });
    const { pull } = await openPull(h);
    const n = pull.number;
    const asKopt = { owner: OWNER, repo: REPO, pull_number: n };
    await h.octokit.pulls.requestReviewers({ ...asKopt, reviewers: ["carol"], team_reviewers: ["security"] });
    // Asking again someone already asked records nothing new.
    await h.octokit.pulls.requestReviewers({ ...asKopt, reviewers: ["carol"] });
    const alice = new Octokit({ baseUrl: h.sim.url, auth: "ghp_alice", log: silent });
    const { data: after } = await alice.pulls.removeRequestedReviewers({
      ...asKopt,
      reviewers: ["carol"],
      team_reviewers: [],
    });
    expect(after.requested_reviewers?.map((u) => u.login)).toEqual([]);
    expect(after.requested_teams?.map((t) => t.slug)).toEqual(["security"]);
    const { data: events } = await h.octokit.issues.listEvents({ owner: OWNER, repo: REPO, issue_number: n });
    expect(
      events.map((e) => {
        const x = e as {
          event: string;
          actor: { login: string };
          requested_reviewer?: { login: string };
          requested_team?: { slug: string };
        };
        return [x.event, x.actor.login, x.requested_reviewer?.login ?? `team ${x.requested_team?.slug}`];
      }),
    ).toEqual([
      ["review_requested", "kopt-ci", "carol"],
      ["review_requested", "kopt-ci", "team security"],
      ["review_request_removed", "alice", "carol"],
    ]);
  });

  it("sets a commit status on the head and reads it back, one by one and combined", async () => {
    const h = await harness();
    const { sha } = await openPull(h);
    const set = (state: "pending" | "success", description: string) =>
      h.octokit.repos.createCommitStatus({
        owner: OWNER,
        repo: REPO,
        sha,
        state,
        context: "kopt/approval",
        description,
      });
    await set("pending", "Needs 1 approval from architects");
    const { data: s } = await set("success", "Approved by alice (architects)");
    expect(s).toMatchObject({ state: "success", context: "kopt/approval", creator: { login: "kopt-ci" } });

    const { data: list } = await h.octokit.repos.listCommitStatusesForRef({
      owner: OWNER,
      repo: REPO,
      ref: BRANCH,
    });
    expect(list.map((x) => x.state)).toEqual(["success", "pending"]);
    const { data: combined } = await h.octokit.repos.getCombinedStatusForRef({
      owner: OWNER,
      repo: REPO,
      ref: sha,
    });
    expect(combined).toMatchObject({ state: "success", sha, total_count: 1 });

    await expect(
      h.octokit.repos.createCommitStatus({ owner: OWNER, repo: REPO, sha: "f".repeat(40), state: "success" }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(set("pending", "x".repeat(141))).rejects.toMatchObject({ status: 422 });
  });

  it("merges with a real merge commit on the base branch whose second parent is the head", async () => {
    const h = await harness();
    const { pull, sha } = await openPull(h);
    const mainBefore = git(h.work, "rev-parse", "origin/main");
    await expect(
      h.octokit.pulls.merge({ owner: OWNER, repo: REPO, pull_number: pull.number, sha: mainBefore }),
    ).rejects.toMatchObject({ status: 409 });

    const { data: merged } = await h.octokit.pulls.merge({
      owner: OWNER,
      repo: REPO,
      pull_number: pull.number,
      sha,
    });
    expect(merged).toMatchObject({ merged: true, message: "Pull Request successfully merged" });

    git(h.work, "fetch", "-q", "origin");
    expect(git(h.work, "rev-parse", "origin/main")).toBe(merged.sha);
    expect(git(h.work, "rev-list", "--parents", "-n", "1", "origin/main").split(" ")).toEqual([
      merged.sha,
      mainBefore,
      sha,
    ]);
    expect(git(h.work, "log", "-1", "--format=%s", "origin/main")).toBe(
      `Merge pull request #${pull.number} from ${OWNER}/${BRANCH}`,
    );
    expect(git(h.work, "show", "origin/main:clusters/demo/values.yaml")).toBe("replicas: 2");

    const { data: after } = await h.octokit.pulls.get({ owner: OWNER, repo: REPO, pull_number: pull.number });
    expect(after).toMatchObject({
      state: "closed",
      merged: true,
      merge_commit_sha: merged.sha,
      merged_by: { login: "kopt-ci" },
    });
    await expect(
      h.octokit.pulls.merge({ owner: OWNER, repo: REPO, pull_number: pull.number }),
    ).rejects.toMatchObject({
      status: 405,
    });
  });

  it("answers a bad or missing token with 401 Bad credentials", async () => {
    const h = await harness();
    const { data: me } = await h.octokit.users.getAuthenticated();
    expect(me.login).toBe("kopt-ci");
    const wrong = new Octokit({ baseUrl: h.sim.url, auth: "ghp_wrong", log: silent });
    await expect(wrong.repos.get({ owner: OWNER, repo: REPO })).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining("Bad credentials"),
    });
    const none = new Octokit({ baseUrl: h.sim.url, log: silent });
    await expect(none.users.getAuthenticated()).rejects.toMatchObject({ status: 401 });
    const bearer = await fetch(`${h.sim.url}/repos/${OWNER}/${REPO}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(bearer.status).toBe(200);
  });

  it("answers requests GitHub's description does not allow with 422 (or 404) and records each as a violation", async () => {
    const h = await harness({ violations: "expected" });
    h.pushBranch(BRANCH);
    // Octokit's typed methods would not compile with these parameters; untyped requests go through.
    const raw = (route: string, params: Record<string, unknown>) =>
      h.octokit.request(route, { owner: OWNER, repo: REPO, ...params });
    await expect(raw("POST /repos/{owner}/{repo}/pulls", { base: "main", title: "x" })).rejects.toMatchObject(
      {
        status: 422,
        message: expect.stringContaining("head"),
      },
    );
    await expect(raw("GET /repos/{owner}/{repo}/pulls", { labels: "kopt" })).rejects.toMatchObject({
      status: 422,
    });
    await expect(
      raw("GET /repos/{owner}/{repo}/pulls/{pull_number}", { pull_number: "one" }),
    ).rejects.toMatchObject({
      status: 422,
    });
    await expect(raw("GET /repos/{owner}/{repo}/no-such-thing", {})).rejects.toMatchObject({ status: 404 });
    expect(h.sim.violations).toEqual([
      {
        method: "POST",
        path: `/repos/${OWNER}/${REPO}/pulls`,
        operationId: "pulls/create",
        problems: ["body must have required property 'head'"],
      },
      {
        method: "GET",
        path: `/repos/${OWNER}/${REPO}/pulls`,
        operationId: "pulls/list",
        problems: ["request/query must NOT have additional properties (labels)"],
      },
      {
        method: "GET",
        path: `/repos/${OWNER}/${REPO}/pulls/one`,
        operationId: "pulls/get",
        problems: ["request/path/pull_number must be integer"],
      },
      {
        method: "GET",
        path: `/repos/${OWNER}/${REPO}/no-such-thing`,
        problems: ["GitHub's description has no such path"],
      },
    ]);
    expect(h.sim.state.pulls).toEqual([]);
  });

  it("checks its own responses against GitHub's schemas", () => {
    const d = gitHubDescription();
    const op = d.operations.get("pulls/get");
    if (!op) throw new Error("pulls/get is missing from the description");
    expect(d.checkResponse(op, 200, { number: 1, state: "open" })).toContain(
      "response must have required property '_links'",
    );
    expect(d.checkResponse(op, 201, {})).toEqual(["pulls/get has no 201 response in GitHub's description"]);
    expect(
      d.checkResponse(op, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" }),
    ).toEqual([]);
  });

  describe("rate limits and server errors", () => {
    const once = (fault: Fault) => (r: FaultRequest) =>
      r.operationId === "repos/get" && r.count === 1 ? fault : undefined;

    it("retries a 429 secondary rate limit after retry-after through the throttling plugin", async () => {
      const h = await harness({ faults: once({ kind: "secondary-rate-limit", status: 429, retryAfter: 7 }) });
      const seen: number[] = [];
      const Throttled = Octokit.plugin(throttling);
      const octokit = new Throttled({
        baseUrl: h.sim.url,
        auth: TOKEN,
        log: silent,
        throttle: {
          retryAfterBaseValue: 1,
          onRateLimit: () => false,
          onSecondaryRateLimit: (retryAfter) => {
            seen.push(retryAfter);
            return true;
          },
        },
      });
      const { data } = await octokit.repos.get({ owner: OWNER, repo: REPO });
      expect(data.full_name).toBe(`${OWNER}/${REPO}`);
      expect(seen).toEqual([7]);
      expect(h.sim.requests.map((r) => r.status)).toEqual([429, 200]);
    });

    it("retries a 403 with x-ratelimit-remaining 0 after the reset, with throttling and retry together", async () => {
      const h = await harness({ faults: once({ kind: "rate-limit", resetInSeconds: 2 }) });
      const seen: number[] = [];
      const Client = Octokit.plugin(throttling, retry);
      const octokit = new Client({
        baseUrl: h.sim.url,
        auth: TOKEN,
        log: silent,
        retry: { retryAfterBaseValue: 1 },
        throttle: {
          retryAfterBaseValue: 1,
          onRateLimit: (retryAfter) => {
            seen.push(retryAfter);
            return true;
          },
          onSecondaryRateLimit: () => false,
        },
      });
      const { data } = await octokit.repos.get({ owner: OWNER, repo: REPO });
      expect(data.name).toBe(REPO);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeGreaterThanOrEqual(2);
      expect(h.sim.requests.map((r) => r.status)).toEqual([403, 200]);
      const first = h.sim.requests[0];
      expect(first?.operationId).toBe("repos/get");
    });

    it("retries 5xx through the retry plugin and gives up after its retries", async () => {
      const h = await harness({
        faults: (r) => (r.count <= 2 ? { kind: "server-error", status: 502 } : undefined),
      });
      const Retrying = Octokit.plugin(retry);
      const octokit = new Retrying({
        baseUrl: h.sim.url,
        auth: TOKEN,
        log: silent,
        retry: { retryAfterBaseValue: 1 },
      });
      const { data } = await octokit.repos.get({ owner: OWNER, repo: REPO });
      expect(data.default_branch).toBe("main");
      expect(h.sim.requests.map((r) => r.status)).toEqual([502, 502, 200]);

      const always = await harness({ faults: () => ({ kind: "server-error", status: 503 }) });
      const failing = new Retrying({
        baseUrl: always.sim.url,
        auth: TOKEN,
        log: silent,
        retry: { retryAfterBaseValue: 1, retries: 2 },
      });
      const err = await failing.repos.get({ owner: OWNER, repo: REPO }).catch((e: unknown) => e);
      expect(statusOf(err)).toBe(503);
      expect(always.sim.requests).toHaveLength(3);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("github-sim: git smart HTTP", () => {
  it("clones, fetches and pushes over HTTP with a token from GIT_CONFIG_* and refuses a bad or missing one", async () => {
    const h = await harness();
    const { pull } = await openPull(h);
    const clone = tempDir("github-sim-http-");
    const good = gitEnv(TOKEN);
    expect((await gitHttp(clone, good, "clone", "-q", h.sim.gitUrl, ".")).code).toBe(0);
    expect(git(clone, "remote", "get-url", "origin")).not.toContain(TOKEN);

    git(clone, "checkout", "-q", BRANCH);
    writeFileSync(join(clone, "over-http.txt"), "pushed over http\n");
    git(clone, "add", "-A");
    git(clone, "commit", "-q", "-m", "over http");
    const pushed = git(clone, "rev-parse", "HEAD");
    const push = await gitHttp(clone, good, "push", "-q", "origin", `HEAD:refs/heads/${BRANCH}`);
    expect(push).toMatchObject({ code: 0 });
    const { data: ref } = await h.octokit.git.getRef({ owner: OWNER, repo: REPO, ref: `heads/${BRANCH}` });
    expect(ref.object.sha).toBe(pushed);
    // The open pull request follows its pushed head without any REST call in between.
    expect(h.sim.state.pulls[0]?.headSha).toBe(pushed);
    const { data: again } = await h.octokit.pulls.get({ owner: OWNER, repo: REPO, pull_number: pull.number });
    expect(again.head.sha).toBe(pushed);

    // A bad token: git gets 401 with a Basic challenge, cannot prompt, and nothing is pushed.
    writeFileSync(join(clone, "refused.txt"), "no\n");
    git(clone, "add", "-A");
    git(clone, "commit", "-q", "-m", "refused");
    const bad = await gitHttp(clone, gitEnv("ghs_wrong"), "push", "origin", `HEAD:refs/heads/${BRANCH}`);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/could not read Username .*terminal prompts disabled/);
    const none = await gitHttp(clone, gitEnv(undefined), "fetch", "origin");
    expect(none.code).not.toBe(0);
    // With the token from a credential helper instead, git reports the refusal as such.
    const helper = "!f() { echo username=x-access-token; echo password=ghs_wrong; }; f";
    const viaHelper = await gitHttp(
      clone,
      gitEnv(undefined),
      "-c",
      `credential.helper=${helper}`,
      "push",
      "origin",
      `HEAD:refs/heads/${BRANCH}`,
    );
    expect(viaHelper.code).not.toBe(0);
    expect(viaHelper.stderr).toContain("Authentication failed");
    const { data: still } = await h.octokit.git.getRef({ owner: OWNER, repo: REPO, ref: `heads/${BRANCH}` });
    expect(still.object.sha).toBe(pushed);

    const gitRequests = h.sim.requests.filter((r) => r.git);
    expect(gitRequests.every((r) => r.operationId === undefined)).toBe(true);
    expect(
      gitRequests.map((r) => [r.method, r.path.replace(/^\/acme\/platform\.git/, ""), r.status]),
    ).toEqual(
      expect.arrayContaining([
        ["GET", "/info/refs", 200],
        ["POST", "/git-upload-pack", 200],
        ["POST", "/git-receive-pack", 200],
        ["GET", "/info/refs", 401],
      ]),
    );
    expect(gitRequests.filter((r) => r.status === 401).every((r) => r.login === undefined)).toBe(true);
    const challenge = await fetch(`${h.sim.gitUrl}/info/refs?service=git-receive-pack`);
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get("www-authenticate")).toBe('Basic realm="GitHub"');
    const elsewhere = await fetch(`${h.sim.url}/acme/other.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(elsewhere.status).toBe(404);
  });

  it("serves a fetch whose negotiation git sends gzipped", async () => {
    const h = await harness();
    const clone = tempDir("github-sim-http-");
    expect((await gitHttp(clone, gitEnv(TOKEN), "clone", "-q", h.sim.gitUrl, ".")).code).toBe(0);
    // git (remote-curl.c, post_rpc) gzips a fetch request whose body is over 1024 bytes (and fits
    // http.postBuffer). Every protocol v2 fetch request repeats all "want" lines, 50 bytes each, so
    // 30 new branches make even the first request ~1.7 KB. "have" lines would not do: the first
    // request carries at most 16 (800 bytes), and a second round happens only when the server has
    // not yet found a common commit, which depends on commit dates.
    git(h.work, "checkout", "-q", "-B", "many", "origin/main");
    const tips: string[] = [];
    for (let i = 0; i < 30; i++) {
      git(h.work, "commit", "-q", "--allow-empty", "-m", `many ${i}`);
      tips.push(git(h.work, "rev-parse", "HEAD"));
      git(h.work, "branch", "-q", `kopt/many/${i}`);
    }
    git(h.work, "push", "-q", "origin", "refs/heads/kopt/many/*:refs/heads/kopt/many/*");

    const fetched = await gitHttp(clone, gitEnv(TOKEN), "fetch", "-q", "origin");
    expect(fetched).toMatchObject({ code: 0, stderr: "" });
    const fetches = h.sim.requests.filter(
      (r) => r.git && r.method === "POST" && r.path.endsWith("/git-upload-pack"),
    );
    // The fetch request arrived gzipped, and http-backend (told so) answered it.
    expect(fetches.map((r) => [r.contentEncoding, r.status])).toContainEqual(["gzip", 200]);
    tips.forEach((sha, i) => {
      expect(git(clone, "rev-parse", `refs/remotes/origin/kopt/many/${i}`)).toBe(sha);
    });
  });
});

describe("github-sim: GitHub App installation tokens", () => {
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKey = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const publicKeyPem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
  const APP = { appId: 4242, installationId: 77, publicKeyPem, login: "kopt[bot]" };
  const appUsers = [...USERS, "kopt[bot]"];

  function jwt(claims: Record<string, unknown>, key = privateKey): string {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const body = `${enc({ alg: "RS256", typ: "JWT" })}.${enc(claims)}`;
    return `${body}.${sign("RSA-SHA256", Buffer.from(body), key).toString("base64url")}`;
  }

  it("trades a JWT from @octokit/auth-app for a token that authenticates REST and git as the bot", async () => {
    const h = await harness({ users: appUsers, app: APP });
    const sha = h.pushBranch(BRANCH);
    const bot = new Octokit({
      baseUrl: h.sim.url,
      log: silent,
      authStrategy: createAppAuth,
      auth: { appId: APP.appId, privateKey, installationId: APP.installationId },
    });
    const { data: status } = await bot.repos.createCommitStatus({
      owner: OWNER,
      repo: REPO,
      sha,
      state: "success",
      context: "kopt/approval",
    });
    expect(status.creator?.login).toBe("kopt[bot]");
    expect(status.creator?.type).toBe("Bot");
    const tokenRequest = h.sim.requests.find(
      (r) => r.operationId === "apps/create-installation-access-token",
    );
    expect(tokenRequest).toMatchObject({ status: 201, app: APP.appId });
    expect(tokenRequest?.login).toBeUndefined();
    const [issued] = h.sim.state.installationTokens;
    expect(issued?.token).toMatch(/^ghs_/);
    expect(issued?.login).toBe("kopt[bot]");

    // The same token pushes over HTTP.
    const { token } = (await bot.auth({ type: "installation" })) as { token: string };
    expect(token).toBe(issued?.token);
    const clone = tempDir("github-sim-http-");
    expect((await gitHttp(clone, gitEnv(token), "clone", "-q", h.sim.gitUrl, ".")).code).toBe(0);
    git(clone, "commit", "-q", "--allow-empty", "-m", "by the bot");
    expect(
      (await gitHttp(clone, gitEnv(token), "push", "-q", "origin", "HEAD:refs/heads/kopt/bot")).code,
    ).toBe(0);
    expect(
      h.sim.requests.filter((r) => r.git && r.status === 200).every((r) => r.login === "kopt[bot]"),
    ).toBe(true);
  });

  it("answers GET /app with the app itself, authenticated by the JWT (not a token)", async () => {
    const h = await harness({ users: appUsers, app: APP });
    const bot = new Octokit({
      baseUrl: h.sim.url,
      log: silent,
      authStrategy: createAppAuth,
      auth: { appId: APP.appId, privateKey, installationId: APP.installationId },
    });
    const { data } = await bot.apps.getAuthenticated();
    expect(data).toMatchObject({ id: APP.appId, slug: "kopt", name: "kopt" });
    expect(data?.owner).toMatchObject({ login: OWNER });
    const request = h.sim.requests.find((r) => r.operationId === "apps/get-authenticated");
    expect(request).toMatchObject({ method: "GET", path: "/app", status: 200, app: APP.appId });
    expect(request?.login).toBeUndefined();
    // Signed with the JWT itself: no installation token was needed.
    expect(h.sim.state.installationTokens).toEqual([]);
    // Another login gives another slug.
    const other = await harness({
      users: [...USERS, "ops-bot[bot]"],
      app: { ...APP, login: "ops-bot[bot]" },
    });
    const { data: otherApp } = await new Octokit({
      baseUrl: other.sim.url,
      log: silent,
      authStrategy: createAppAuth,
      auth: { appId: APP.appId, privateKey },
    }).apps.getAuthenticated();
    expect(otherApp?.slug).toBe("ops-bot");
    // A token is not a JWT: GitHub answers 401.
    const asToken = await h.octokit.apps.getAuthenticated().catch((e: unknown) => e);
    expect(statusOf(asToken)).toBe(401);
  });

  it("refuses a JWT signed by another key, an expired one, one valid too long, and an unknown installation", async () => {
    const h = await harness({ users: appUsers, app: APP });
    const now = Math.floor(Date.now() / 1000);
    const create = (token: string, installation = APP.installationId) =>
      fetch(`${h.sim.url}/app/installations/${installation}/access_tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json" },
      });
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const cases: [string, number, string][] = [
      [
        jwt(
          { iat: now - 30, exp: now + 540, iss: APP.appId },
          other.export({ type: "pkcs8", format: "pem" }).toString(),
        ),
        401,
        "could not be decoded",
      ],
      [
        jwt({ iat: now - 700, exp: now - 100, iss: APP.appId }),
        401,
        "'Expiration time' claim ('exp') must be",
      ],
      [jwt({ iat: now - 30, exp: now + 3600, iss: APP.appId }), 401, "too far in the future"],
      [jwt({ iat: now - 30, exp: now + 540, iss: 1 }), 401, "'Issuer' claim"],
      [TOKEN, 401, "could not be decoded"],
    ];
    for (const [token, status, message] of cases) {
      const res = await create(token);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { message: string }).message).toContain(message);
    }
    // iss may be the app id as a string too.
    const ok = await create(jwt({ iat: now - 30, exp: now + 540, iss: String(APP.appId) }));
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({
      token: expect.stringMatching(/^ghs_/),
      expires_at: expect.any(String),
    });
    expect((await create(jwt({ iat: now - 30, exp: now + 540, iss: APP.appId }), 78)).status).toBe(404);
    expect(h.sim.state.installationTokens).toHaveLength(1);
  });
});

describe("github-sim: contents, pull request files and commits, teams", () => {
  it("reads a file or a directory at a branch, tag or commit, and answers 404 for what is not there", async () => {
    const h = await harness();
    const sha = h.pushBranch(BRANCH, "clusters/demo/values.yaml", "replicas: 3\n");
    git(h.work, "tag", "v1");
    git(h.work, "push", "-q", "origin", "v1");
    const get = (path: string, ref?: string) =>
      h.octokit.repos.getContent({ owner: OWNER, repo: REPO, path, ...(ref ? { ref } : {}) });

    for (const ref of [BRANCH, "v1", sha, sha.slice(0, 12)]) {
      const { data } = await get("clusters/demo/values.yaml", ref);
      if (Array.isArray(data) || data.type !== "file") throw new Error("expected a file");
      expect(Buffer.from(data.content, "base64").toString("utf8")).toBe("replicas: 3\n");
      expect(data).toMatchObject({
        name: "values.yaml",
        path: "clusters/demo/values.yaml",
        encoding: "base64",
      });
      expect(data.sha).toBe(git(h.work, "rev-parse", `${sha}:clusters/demo/values.yaml`));
    }
    expect(h.sim.requests.at(-1)?.path).toBe(
      `/repos/${OWNER}/${REPO}/contents/clusters%2Fdemo%2Fvalues.yaml`,
    );

    const { data: dir } = await get("clusters", BRANCH);
    expect(Array.isArray(dir) && dir.map((e) => [e.name, e.type, e.path])).toEqual([
      ["demo", "dir", "clusters/demo"],
    ]);
    const { data: readme } = await get("README.md");
    expect(
      !Array.isArray(readme) && readme.type === "file" && Buffer.from(readme.content, "base64").toString(),
    ).toBe("# test repository\n");
    await expect(get("clusters/demo/values.yaml")).rejects.toMatchObject({ status: 404 });
    await expect(get("clusters/demo/nope.yaml", BRANCH)).rejects.toMatchObject({ status: 404 });
    await expect(get("README.md", "no-such-branch")).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining("No commit found for the ref no-such-branch"),
    });
  });

  it("lists a pull request's files and commits, mapping commit emails to users", async () => {
    const h = await harness({ emails: { alice: "alice@acme.example" } });
    git(h.work, "checkout", "-q", "-B", BRANCH, "origin/main");
    writeFileSync(join(h.work, "README.md"), "# test repository\nmore\n");
    writeFileSync(join(h.work, "new.yaml"), "a: 1\nb: 2\n");
    git(h.work, "add", "-A");
    const as = (name: string, email: string, ...args: string[]) =>
      execFileSync("git", args, {
        cwd: h.work,
        env: { ...GIT_ENV, GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email },
      });
    as("Alice", "alice@acme.example", "commit", "-q", "-m", "first\n\nwith a body");
    git(h.work, "rm", "-q", "README.md");
    as("Bob", "1002+bob@users.noreply.github.com", "commit", "-q", "-m", "second");
    git(h.work, "push", "-q", "origin", `HEAD:refs/heads/${BRANCH}`);
    const { data: pull } = await h.octokit.pulls.create({
      owner: OWNER,
      repo: REPO,
      head: BRANCH,
      base: "main",
      title: "two commits",
    });
    expect(pull).toMatchObject({ commits: 2, changed_files: 2, additions: 2, deletions: 1 });

    const { data: files } = await h.octokit.pulls.listFiles({
      owner: OWNER,
      repo: REPO,
      pull_number: pull.number,
    });
    expect(files.map((f) => [f.filename, f.status, f.additions, f.deletions, f.changes])).toEqual([
      ["README.md", "removed", 0, 1, 1],
      ["new.yaml", "added", 2, 0, 2],
    ]);
    expect(files[1]?.patch).toBe("@@ -0,0 +1,2 @@\n+a: 1\n+b: 2");

    const { data: commits } = await h.octokit.pulls.listCommits({
      owner: OWNER,
      repo: REPO,
      pull_number: pull.number,
    });
    expect(commits.map((x) => [x.commit.message, x.commit.author?.name, x.author?.login ?? null])).toEqual([
      ["first\n\nwith a body", "Alice", "alice"],
      ["second", "Bob", "bob"],
    ]);
    // The committer's email maps to no user.
    expect(commits[0]?.committer).toBeNull();
    expect(commits[1]?.parents.map((p) => p.sha)).toEqual([commits[0]?.sha]);

    // Merged, the pull request keeps its files and commits (compared with the base it was merged onto).
    const { data: merged } = await h.octokit.pulls.merge({
      owner: OWNER,
      repo: REPO,
      pull_number: pull.number,
    });
    const { data: after } = await h.octokit.pulls.listFiles({
      owner: OWNER,
      repo: REPO,
      pull_number: pull.number,
    });
    expect(after).toHaveLength(2);
    const { data: afterCommits } = await h.octokit.pulls.listCommits({
      owner: OWNER,
      repo: REPO,
      pull_number: pull.number,
    });
    expect(afterCommits).toHaveLength(2);

    const byCommit = (commit_sha: string) =>
      h.octokit.repos.listPullRequestsAssociatedWithCommit({ owner: OWNER, repo: REPO, commit_sha });
    expect((await byCommit(merged.sha)).data.map((p) => p.number)).toEqual([pull.number]);
    expect((await byCommit(commits[0]?.sha as string)).data.map((p) => p.number)).toEqual([pull.number]);
    const initial = git(h.work, "rev-list", "--max-parents=0", "origin/main");
    expect((await byCommit(initial)).data).toEqual([]);
  });

  it("lists team members and answers team memberships, 404 for an unknown team, user or organization", async () => {
    const h = await harness();
    const { data: members } = await h.octokit.teams.listMembersInOrg({ org: OWNER, team_slug: "architects" });
    expect(members.map((m) => m.login)).toEqual(["alice"]);
    const { data: membership } = await h.octokit.teams.getMembershipForUserInOrg({
      org: OWNER,
      team_slug: "architects",
      username: "alice",
    });
    expect(membership).toMatchObject({ state: "active", role: "member" });
    const missing = [
      h.octokit.teams.getMembershipForUserInOrg({ org: OWNER, team_slug: "architects", username: "bob" }),
      h.octokit.teams.getMembershipForUserInOrg({ org: OWNER, team_slug: "architects", username: "mallory" }),
      h.octokit.teams.listMembersInOrg({ org: OWNER, team_slug: "nope" }),
      h.octokit.teams.listMembersInOrg({ org: "other-org", team_slug: "architects" }),
    ];
    for (const m of missing) await expect(m).rejects.toMatchObject({ status: 404 });
  });
});

describe("github-sim: branch protection and merge methods", () => {
  it("stores branch protection and refuses merges it does not allow, as GitHub does", async () => {
    const h = await harness({ admins: ["carol"], tokens: { ghp_carol: "carol" } });
    await expect(
      h.octokit.repos.getBranchProtection({ owner: OWNER, repo: REPO, branch: "main" }),
    ).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining("Branch not protected"),
    });
    const { data: set } = await h.octokit.repos.updateBranchProtection({
      owner: OWNER,
      repo: REPO,
      branch: "main",
      required_status_checks: { strict: false, contexts: ["kopt/approval"] },
      enforce_admins: false,
      required_pull_request_reviews: {
        dismiss_stale_reviews: true,
        require_code_owner_reviews: false,
        required_approving_review_count: 1,
      },
      restrictions: null,
    });
    expect(set.required_status_checks).toMatchObject({
      contexts: ["kopt/approval"],
      checks: [{ context: "kopt/approval", app_id: null }],
    });
    expect(h.sim.state.branchProtection.main).toMatchObject({
      requiredStatusChecks: { strict: false, contexts: ["kopt/approval"] },
      enforceAdmins: false,
      requiredPullRequestReviews: { dismissStaleReviews: true, requiredApprovingReviewCount: 1 },
      restrictions: null,
    });
    const { data: got } = await h.octokit.repos.getBranchProtection({
      owner: OWNER,
      repo: REPO,
      branch: "main",
    });
    expect(got.required_pull_request_reviews).toMatchObject({ required_approving_review_count: 1 });
    await expect(
      h.octokit.repos.getBranchProtection({ owner: OWNER, repo: REPO, branch: "nope" }),
    ).rejects.toMatchObject({ status: 404, message: expect.stringContaining("Branch not found") });

    const { pull, sha } = await openPull(h);
    const merge = () => h.octokit.pulls.merge({ owner: OWNER, repo: REPO, pull_number: pull.number });
    await expect(merge()).rejects.toMatchObject({
      status: 405,
      message: expect.stringContaining(
        "At least 1 approving review is required by reviewers with write access.",
      ),
    });
    await h.sim.addReview(pull.number, { user: "alice", state: "APPROVED" });
    await expect(merge()).rejects.toMatchObject({
      status: 405,
      message: expect.stringContaining('Required status check "kopt/approval" is expected.'),
    });
    const status = (state: "failure" | "success") =>
      h.octokit.repos.createCommitStatus({ owner: OWNER, repo: REPO, sha, state, context: "kopt/approval" });
    await status("failure");
    await expect(merge()).rejects.toMatchObject({
      message: expect.stringContaining('Required status check "kopt/approval" is failing.'),
    });
    // An admin bypasses protection that does not enforce admins.
    const carol = new Octokit({ baseUrl: h.sim.url, auth: "ghp_carol", log: silent });
    await h.octokit.repos.updateBranchProtection({
      owner: OWNER,
      repo: REPO,
      branch: "main",
      required_status_checks: { strict: false, contexts: [], checks: [{ context: "kopt/approval" }] },
      enforce_admins: true,
      required_pull_request_reviews: null,
      restrictions: null,
    });
    expect(h.sim.state.branchProtection.main?.requiredStatusChecks?.contexts).toEqual(["kopt/approval"]);
    await expect(
      carol.pulls.merge({ owner: OWNER, repo: REPO, pull_number: pull.number }),
    ).rejects.toMatchObject({ status: 405 });
    await status("success");
    const { data: merged } = await merge();
    expect(merged.merged).toBe(true);
  });

  it("squash-merges into a one-parent commit and records it as the merge commit", async () => {
    const h = await harness();
    const { pull, sha } = await openPull(h);
    const mainBefore = git(h.work, "rev-parse", "origin/main");
    const { data: merged } = await h.octokit.pulls.merge({
      owner: OWNER,
      repo: REPO,
      pull_number: pull.number,
      merge_method: "squash",
    });
    git(h.work, "fetch", "-q", "origin");
    expect(git(h.work, "rev-list", "--parents", "-n", "1", "origin/main").split(" ")).toEqual([
      merged.sha,
      mainBefore,
    ]);
    expect(git(h.work, "log", "-1", "--format=%s", "origin/main")).toBe(`${pull.title} (#${pull.number})`);
    expect(git(h.work, "rev-parse", "origin/main^{tree}")).toBe(git(h.work, "rev-parse", `${sha}^{tree}`));
    const { data: after } = await h.octokit.pulls.get({ owner: OWNER, repo: REPO, pull_number: pull.number });
    expect(after).toMatchObject({ merged: true, merge_commit_sha: merged.sha });
    expect(h.sim.state.pulls[0]?.mergeCommitSha).toBe(merged.sha);
  });
});
