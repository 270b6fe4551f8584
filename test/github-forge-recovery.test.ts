// `kopt plan --forge github` after things went wrong: a run that failed half-way through a pull request
// (GitHub answering 5xx past the retries) is completed by the next run. Against the GitHub simulator,
// which validates every request and response against GitHub's OpenAPI description (worldForTest fails a
// test on any violation).
import { describe, expect, it } from "vitest";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import type { FaultRequest } from "./support/github-sim/index.ts";
import { OWNER, REPO, type World, type WorldOptions, worldForTest } from "./support/github-world.ts";

const BACKEND = "kopt/demo/todo/backend/rightsize";

async function planJson(w: World, ...extra: string[]): Promise<PlanOutcome> {
  const r = await w.kopt(["plan", "--cluster", "demo", "--output", "json", ...extra]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as PlanOutcome;
}

const pullOf = (w: World, branch: string) => {
  const open = w.sim.state.pulls.filter((p) => p.head === branch && p.state === "open");
  expect(open).toHaveLength(1);
  return open[0] as (typeof open)[number];
};
/** Requests that change anything on GitHub: REST calls other than GET, and git pushes. */
const writes = (w: World) =>
  w.sim.requests.filter((r) =>
    r.git
      ? r.path.endsWith("git-receive-pack") || r.query.service === "git-receive-pack"
      : r.method !== "GET",
  );
const pushes = (w: World) =>
  w.sim.requests.filter((r) => r.git && r.path.endsWith("git-receive-pack") && r.status === 200);
const approvalStatuses = (w: World, sha: string) =>
  w.sim.state.statuses.filter((s) => s.sha === sha && s.context === "kopt/approval");

describe("kopt plan --forge github completes what a failed run left out", () => {
  it("a pull request whose labels, review request and approval status failed (5xx past the retries) is repaired by the next run; a third run writes nothing", async () => {
    let failing = true;
    // Everything kopt does to pull request #1 once it exists fails, as long as `failing`: 4 answers of 502
    // are one request and its 3 retries.
    const broken = (r: FaultRequest) => {
      if (!failing) return undefined;
      const first = w.sim.state.pulls.find((p) => p.number === 1);
      const onFirst =
        r.path.endsWith("/issues/1/labels") ||
        r.path.endsWith("/pulls/1/requested_reviewers") ||
        (first !== undefined && r.path.endsWith(`/statuses/${first.headSha}`));
      return onFirst && r.method === "POST"
        ? { kind: "server-error" as const, status: 502 as const }
        : undefined;
    };
    const w: World = await worldForTest({ sim: { faults: broken } });

    const first = await w.kopt(["plan", "--cluster", "demo", "--output", "json"]);
    // The pull request exists, so the run warns and goes on with the other proposals.
    expect(first.code).toBe(0);
    const out = JSON.parse(first.stdout) as PlanOutcome;
    expect(out.proposals.map((p) => p.status)).toEqual([
      "created",
      "created",
      "created",
      "created",
      "created",
    ]);
    const broke = out.proposals.find((p) => p.pullRequest === 1);
    expect(broke).toBeDefined();
    const warnings = first.stderr.trim().split("\n");
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(
      /^kopt: warning: #1: its labels are incomplete .*\(HTTP 502\); the next run tries again$/,
    );
    expect(warnings[1]).toMatch(
      /^kopt: warning: #1: could not request reviews from team architects: .*\(HTTP 502\)$/,
    );
    expect(warnings[2]).toMatch(
      /^kopt: warning: #1: could not set the kopt\/approval status: .*\(HTTP 502\)/,
    );
    const pull = pullOf(w, broke?.branch as string);
    expect(pull.labels).toEqual([]);
    expect(pull.requestedTeams).toEqual([]);
    expect(approvalStatuses(w, pull.headSha)).toEqual([]);
    // The four others are complete.
    for (const p of w.sim.state.pulls.filter((x) => x.number !== 1)) {
      expect(p.labels).toHaveLength(3);
      expect(p.requestedTeams).toEqual(["architects"]);
      expect(approvalStatuses(w, p.headSha)).toHaveLength(1);
    }

    failing = false;
    const writesBefore = writes(w).length;
    const dry = await planJson(w, "--dry-run");
    expect(dry.proposals.find((p) => p.pullRequest === 1)?.status).toBe("repaired");
    expect(writes(w)).toHaveLength(writesBefore);

    const pushed = pushes(w).length;
    const second = await planJson(w);
    const repaired = second.proposals.find((p) => p.pullRequest === 1);
    expect(repaired?.status).toBe("repaired");
    expect(repaired?.reason).toBe(
      "labels kopt, kopt/tier:medium, kopt/kind:oom added; review requested from team architects; its head had no kopt/approval status",
    );
    expect(second.proposals.filter((p) => p.pullRequest !== 1).map((p) => p.status)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
    expect([...pull.labels].sort()).toEqual(["kopt", "kopt/kind:oom", "kopt/tier:medium"]);
    expect(pull.requestedTeams).toEqual(["architects"]);
    expect(approvalStatuses(w, pull.headSha).map((s) => s.state)).toEqual(["pending"]);
    // The same pull request, the same commit: nothing pushed, nothing opened.
    expect(pushes(w)).toHaveLength(pushed);
    expect(w.sim.state.pulls).toHaveLength(5);
    expect(repaired?.commit).toBe(broke?.commit);

    const writesAfter = writes(w).length;
    const third = await planJson(w);
    expect(third.proposals.map((p) => p.status)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
    expect(writes(w).slice(writesAfter)).toEqual([]);
  }, 120_000);

  it("replaces a stale kopt/tier label and keeps the labels people added", async () => {
    const w = await worldForTest();
    await planJson(w, "--workload", "todo/backend");
    const pull = pullOf(w, BACKEND);
    await w.octokit("alice").issues.setLabels({
      owner: OWNER,
      repo: REPO,
      issue_number: pull.number,
      labels: ["kopt", "kopt/tier:low", "needs-docs"],
    });
    const out = await planJson(w, "--workload", "todo/backend");
    expect(out.proposals[0]?.status).toBe("repaired");
    expect(out.proposals[0]?.reason).toBe(
      "labels kopt/tier:medium, kopt/kind:rightsize added, kopt/tier:low removed",
    );
    expect([...pull.labels].sort()).toEqual([
      "kopt",
      "kopt/kind:rightsize",
      "kopt/tier:medium",
      "needs-docs",
    ]);
  });

  it("asks each of the tier's reviewers once: not again after they reviewed or a person withdrew the request", async () => {
    const opts: WorldOptions = { configExtra: "    reviewers:\n      medium: { users: [alice, carol] }\n" };
    const w = await worldForTest(opts);
    await planJson(w, "--workload", "todo/backend");
    const pull = pullOf(w, BACKEND);
    expect(pull.requestedReviewers).toEqual(["alice", "carol"]);
    await w.sim.addReview(pull.number, { user: "alice", state: "COMMENTED", body: "Why 500m?" });
    await w.octokit("alice").pulls.removeRequestedReviewers({
      owner: OWNER,
      repo: REPO,
      pull_number: pull.number,
      reviewers: ["carol"],
    });
    expect(pull.requestedReviewers).toEqual([]);
    const asked = w.sim.requests.filter((r) => r.operationId === "pulls/request-reviewers").length;
    const out = await planJson(w, "--workload", "todo/backend");
    expect(out.proposals[0]?.status).toBe("unchanged");
    expect(pull.requestedReviewers).toEqual([]);
    expect(w.sim.requests.filter((r) => r.operationId === "pulls/request-reviewers")).toHaveLength(asked);
  });
});
