// The GitHub API simulator, checked against the client kopt uses: the real @octokit/rest (with the
// throttling and retry plugins where they matter) and real git pushing to the simulator's bare
// repository. Each test starts its own simulator on a random port of 127.0.0.1.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { afterEach, describe, expect, it } from "vitest";
import { git } from "./support/git.ts";
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

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  // Every cleanup runs (temp dirs go even when a check fails); the first failure then fails the test.
  const errors: unknown[] = [];
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) throw errors[0];
});

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
