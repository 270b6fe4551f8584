// The simulator's issues (test/support/github-sim/issues.ts) through the real @octokit/rest: every request and
// response is checked against GitHub's OpenAPI description (a drift fails stop()). Each test has its own simulator.
import { Octokit } from "@octokit/rest";
import { describe, expect, it } from "vitest";
import { cleanups } from "./support/cleanups.ts";
import { git } from "./support/git.ts";
import { type GitHubSim, startGitHubSim } from "./support/github-sim/index.ts";

const OWNER = "acme";
const REPO = "platform";
const TOKEN = "ghs_kopt_issues_token";
const ALICE = "ghp_alice_issues_token";
const silent = { debug() {}, info() {}, warn() {}, error() {} };

async function harness(): Promise<{ sim: GitHubSim; kopt: Octokit; alice: Octokit }> {
  let t = Date.parse("2026-12-03T12:00:00Z");
  const sim = await startGitHubSim({
    owner: OWNER,
    repo: REPO,
    token: TOKEN,
    tokens: { [ALICE]: "alice" },
    users: ["kopt-ci", "alice"],
    // A second per request: creation order is also time order.
    now: () => {
      t += 1000;
      return new Date(t);
    },
  });
  cleanups.push(() => sim.stop());
  cleanups.push(() => expect(sim.violations).toEqual([]));
  const client = (auth: string) => new Octokit({ baseUrl: sim.url, auth, log: silent });
  return { sim, kopt: client(TOKEN), alice: client(ALICE) };
}

const repo = { owner: OWNER, repo: REPO };

describe("github-sim issues", () => {
  it("creates, gets and updates an issue: title, body, labels, and state with who closed it and why", async () => {
    const { sim, kopt, alice } = await harness();
    const { data: made, status } = await kopt.issues.create({
      ...repo,
      title: "orders-db down",
      body: "evidence",
      labels: ["kopt", "kopt/incident"],
    });
    expect(status).toBe(201);
    expect(made).toMatchObject({ number: 1, state: "open", title: "orders-db down", body: "evidence" });
    expect(made.labels.map((l) => (typeof l === "string" ? l : l.name))).toEqual(["kopt", "kopt/incident"]);
    expect(made.html_url).toBe(`${sim.url}/${OWNER}/${REPO}/issues/1`);
    expect(made.user?.login).toBe("kopt-ci");

    const { data: edited } = await kopt.issues.update({
      ...repo,
      issue_number: 1,
      title: "orders-db refuses connections",
      labels: ["kopt/incident"],
    });
    expect(edited.title).toBe("orders-db refuses connections");
    expect(edited.body).toBe("evidence");
    expect(edited.labels.map((l) => (typeof l === "string" ? l : l.name))).toEqual(["kopt/incident"]);

    const { data: closed } = await alice.issues.update({
      ...repo,
      issue_number: 1,
      state: "closed",
      state_reason: "not_planned",
    });
    expect(closed).toMatchObject({ state: "closed", state_reason: "not_planned" });
    expect(closed.closed_by?.login).toBe("alice");
    expect(closed.closed_at).not.toBeNull();
    const { data: got } = await kopt.issues.get({ ...repo, issue_number: 1 });
    expect(got.closed_by?.login).toBe("alice");

    const { data: reopened } = await kopt.issues.update({ ...repo, issue_number: 1, state: "open" });
    expect(reopened).toMatchObject({
      state: "open",
      state_reason: "reopened",
      closed_at: null,
      closed_by: null,
    });
    // Comments work on issues as on pull requests.
    await kopt.issues.createComment({ ...repo, issue_number: 1, body: "still failing" });
    expect(sim.state.comments.map((c) => [c.issueNumber, c.body])).toEqual([[1, "still failing"]]);
  });

  it("refuses an empty title, a body over 65,536 characters and an unknown number, as GitHub does", async () => {
    const { kopt } = await harness();
    const err = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: { status?: number; message?: string }) => e,
      );
    expect((await err(kopt.issues.create({ ...repo, title: " " })))?.status).toBe(422);
    const long = await err(kopt.issues.create({ ...repo, title: "x", body: "a".repeat(65_537) }));
    expect(long?.status).toBe(422);
    expect(long?.message).toContain("body is too long");
    expect((await err(kopt.issues.get({ ...repo, issue_number: 99 })))?.status).toBe(404);
    expect((await err(kopt.issues.update({ ...repo, issue_number: 99, title: "x" })))?.status).toBe(404);
  });

  it("lists the repository's issues by state and labels, newest first, with pull requests marked, page by page", async () => {
    const { sim, kopt } = await harness();
    for (let i = 1; i <= 5; i++) {
      await kopt.issues.create({
        ...repo,
        title: `incident ${i}`,
        labels: i % 2 ? ["kopt", "kopt/incident"] : ["kopt"],
      });
    }
    await kopt.issues.update({ ...repo, issue_number: 3, state: "closed" });
    // A pull request is an issue too: number 6, labelled like an incident.
    const sha = git(sim.repoDir, "commit-tree", "main^{tree}", "-p", "main", "-m", "a change");
    git(sim.repoDir, "update-ref", "refs/heads/kopt/x", sha);
    const { data: pull } = await kopt.pulls.create({
      ...repo,
      head: "kopt/x",
      base: "main",
      title: "a pull",
    });
    await kopt.issues.addLabels({ ...repo, issue_number: pull.number, labels: ["kopt/incident"] });
    expect(pull.number).toBe(6);

    const open = await kopt.issues.listForRepo({ ...repo, labels: "kopt/incident" });
    expect(open.data.map((i) => i.number)).toEqual([6, 5, 1]);
    const all = await kopt.paginate(kopt.issues.listForRepo, {
      ...repo,
      state: "all",
      labels: "KOPT,kopt/incident",
      per_page: 1,
    });
    expect(all.filter((i) => !i.pull_request).map((i) => i.number)).toEqual([5, 3, 1]);
    expect(open.data.find((i) => i.number === 6)?.pull_request?.url).toContain("/pulls/6");
    expect(open.data.find((i) => i.number === 5)?.pull_request).toBeUndefined();
    const closed = await kopt.issues.listForRepo({ ...repo, state: "closed", direction: "asc" });
    expect(closed.data.map((i) => [i.number, i.state])).toEqual([[3, "closed"]]);
    // Paging sends a Link header Octokit follows: 5 issues (+ the pull) at 2 a page.
    const paged = await kopt.paginate(kopt.issues.listForRepo, {
      ...repo,
      state: "all",
      labels: "kopt",
      per_page: 2,
    });
    expect(paged.map((i) => i.number)).toEqual([5, 4, 3, 2, 1]);
    expect(
      sim.requests.filter((r) => r.operationId === "issues/list-for-repo" && r.query.per_page === "2"),
    ).toHaveLength(3);
  });
});
