// `kopt plan --forge github` end to end: real git pushing over HTTP to the GitHub API simulator, which
// checks every request against GitHub's OpenAPI description. Each test starts its own simulator.

import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { streamProgress, useProgress } from "../src/progress.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import { plan } from "../src/workflows/plan.ts";
import type { Fault, FaultRequest } from "./support/github-sim/index.ts";
import {
  OWNER,
  REPO,
  type World,
  type WorldOptions,
  worldEnv,
  worldForTest,
} from "./support/github-world.ts";
import { git } from "./support/repo.ts";

const world = (opts: WorldOptions = {}): Promise<World> => worldForTest(opts);

async function planJson(w: World, ...extra: string[]): Promise<PlanOutcome> {
  const r = await w.kopt(["plan", "--cluster", "demo", "--output", "json", ...extra]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as PlanOutcome;
}

// The diagnosis's probe fix for todo/search (liveness kills while it starts) is a proposal among the others.
const EXPECTED = [
  "worker/oom",
  "search/probe",
  "backend/rightsize",
  "frontend/rightsize",
  "frontend/hpa",
  "worker/rightsize",
];
const key = (p: PlanOutcome["proposals"][number]) => `${p.workload.name}/${p.kind}`;
/** The demo's failures no values change cures, each with its own incident issue: its class, by fingerprint order. */
const INCIDENT_CLASSES = ["oom-killed", "create-container-config-error", "app-exit"];
/** Who reviews each tier the demo's proposals have (the world's policy.approval). */
const TEAMS_BY_TIER: Record<string, string[]> = {
  medium: ["architects"],
  critical: ["architects", "security"],
};
const APPROVAL_BY_TIER: Record<string, RegExp> = {
  medium: /^medium: needs 1 approval from @acme\/architects$/,
  critical: /^critical: needs 1 approval from @acme\/security and 1 from @acme\/architects$/,
};
const openPulls = (w: World) => w.sim.state.pulls.filter((p) => p.state === "open");
const incidentIssues = (w: World) => w.sim.state.issues.filter((i) => i.labels.includes("kopt/incident"));
const receivePacks = (w: World) =>
  w.sim.requests.filter((r) => r.git && r.path.endsWith("git-receive-pack") && r.status === 200);

/** What `run` returns, with the waits it said on stderr (as a log, not a terminal, gets them). */
async function withWaits<T extends object>(run: () => Promise<T>): Promise<T & { waits: string[] }> {
  const lines: string[] = [];
  const restore = useProgress(streamProgress({ isTTY: false, write: (s) => lines.push(s) }));
  try {
    const out = await run();
    return { ...out, waits: lines.join("").split("\n").filter(Boolean) };
  } finally {
    restore();
  }
}

describe("kopt plan --forge github", () => {
  it("opens one pull request per proposal, labelled, with reviewers per tier, and a second run changes nothing", async () => {
    const w = await world();
    const first = await planJson(w);
    expect(first.forge).toBe("github");
    expect(first.proposals.map(key)).toEqual(EXPECTED);
    expect(first.proposals.map((p) => p.status)).toEqual(EXPECTED.map(() => "created"));
    expect(first.proposals.map((p) => p.tier)).toEqual(
      EXPECTED.map((k) => (k === "search/probe" ? "critical" : "medium")),
    );
    expect(openPulls(w)).toHaveLength(6);
    for (const p of first.proposals) {
      const pull = w.sim.state.pulls.find((x) => x.head === p.branch);
      expect(pull, p.branch).toBeDefined();
      expect(p.draft).toMatch(new RegExp(`/${OWNER}/${REPO}/pull/${pull?.number}$`));
      expect(pull?.title).toBe(p.title);
      expect(pull?.user).toBe("kopt-ci");
      expect(pull?.labels.sort()).toEqual(["kopt", `kopt/kind:${p.kind}`, `kopt/tier:${p.tier}`].sort());
      // medium: the architects team is asked; critical (the probe, todo is production): security too.
      expect([...(pull?.requestedTeams ?? [])].sort()).toEqual(TEAMS_BY_TIER[p.tier]);
      // The body is the one-screen summary plus kopt's fingerprint.
      expect(pull?.body).toContain("**Tier:**");
      expect(pull?.body).toContain("### Roll back");
      expect(pull?.body).toMatch(/<!-- kopt:proposal \{.*"id":"[0-9a-f]{8}".*\} -->/);
      // The branch holds the values edit and the PHR, one commit by kopt on main.
      git(w.work, "fetch", "-q", "origin");
      const files = git(w.work, "diff", "--name-only", "origin/main", p.commit as string).split("\n");
      expect(files.sort()).toEqual(["clusters/demo/values.yaml", p.phr].sort());
    }
    // Each new head has the gate's status: pending, saying what approval it needs.
    for (const p of first.proposals) {
      const head = w.sim.state.pulls.find((x) => x.head === p.branch)?.headSha;
      const status = w.sim.state.statuses.filter((s) => s.sha === head && s.context === "kopt/approval");
      expect(status.map((s) => s.state)).toEqual(["pending"]);
      expect(status[0]?.description).toMatch(APPROVAL_BY_TIER[p.tier] as RegExp);
    }
    // The labels were created with a colour and a description.
    const tierLabel = w.sim.state.labels.find((l) => l.name === "kopt/tier:medium");
    expect(tierLabel?.color).toBe("fbca04");
    expect(tierLabel?.description).toContain("architect");
    // After the pull requests, one incident issue per failure no values change cures, numbered on from them
    // (issues and pull requests share GitHub's numbering).
    expect(first.incidentIssues.map((i) => [i.status, i.number])).toEqual([
      ["created", 7],
      ["created", 8],
      ["created", 9],
    ]);
    expect(incidentIssues(w).map((i) => [i.number, i.state, i.user, [...i.labels].sort()])).toEqual(
      INCIDENT_CLASSES.map((c, n) => [
        7 + n,
        "open",
        "kopt-ci",
        ["kopt", `kopt/class:${c}`, "kopt/incident"],
      ]),
    );

    const pushes = receivePacks(w).length;
    const requests = w.sim.requests.length;
    const second = await planJson(w);
    expect(second.proposals.map((p) => p.status)).toEqual(EXPECTED.map(() => "unchanged"));
    expect(w.sim.state.pulls).toHaveLength(6);
    expect(receivePacks(w)).toHaveLength(pushes);
    expect(second.closed).toEqual([]);
    // Nor is an incident issue opened, edited or closed again.
    expect(second.incidentIssues.map((i) => [i.status, i.number])).toEqual([
      ["unchanged", 7],
      ["unchanged", 8],
      ["unchanged", 9],
    ]);
    expect(w.sim.state.issues).toHaveLength(3);
    const wrote = w.sim.requests.slice(requests).filter((r) => !r.git && r.method !== "GET");
    expect(wrote).toEqual([]);
  }, 120_000); // two whole plans through paced GitHub writes: ~15 s alone, over 30 s on a loaded 2-core machine

  it("two runs at once open no duplicate: the same commit, and GitHub's one pull request per branch", async () => {
    const w = await world();
    const other = join(w.person, "..", `${w.person.split("/").pop()}-second`);
    git(w.person, "clone", "-q", w.sim.repoDir, other);
    onTestFinished(() => rmSync(other, { recursive: true, force: true }));
    const env = worldEnv();
    const run = (dir: string) => plan({ repoDir: dir, cluster: "demo", dryRun: false, env, forge: "github" });
    const [a, b] = await Promise.all([run(w.work), run(other)]);
    const statuses = [...a.proposals, ...b.proposals].map((p) => p.status);
    expect(statuses.filter((s) => s === "created").length).toBeGreaterThanOrEqual(6);
    expect(w.sim.state.pulls).toHaveLength(6);
    expect(new Set(w.sim.state.pulls.map((p) => p.head)).size).toBe(6);
    // Both runs may open an issue for the same incident (GitHub has no one issue per anything): the newer
    // closes itself as a duplicate, so one kopt/incident issue per failure stays, and both runs name it.
    const open = incidentIssues(w).filter((i) => i.state === "open");
    expect(open.map((i) => i.labels.find((l) => l.startsWith("kopt/class:")))).toEqual(
      INCIDENT_CLASSES.map((c) => `kopt/class:${c}`),
    );
    expect(incidentIssues(w)).toEqual(open);
    expect(a.incidentIssues.map((i) => i.number)).toEqual(open.map((i) => i.number));
    expect(b.incidentIssues.map((i) => i.number)).toEqual(open.map((i) => i.number));
    for (const dup of w.sim.state.issues.filter((i) => !open.includes(i))) {
      expect(dup.state).toBe("closed");
      expect(dup.stateReason).toBe("duplicate");
    }
    for (const p of a.proposals) {
      const q = b.proposals.find((x) => x.branch === p.branch);
      expect(q?.commit).toBe(p.commit);
    }
  });

  it("leaves a pull request alone when it has kopt/hold or a person pushed to its branch", async () => {
    const w = await world();
    await planJson(w);
    const [held, pushed] = [
      w.sim.state.pulls.find((p) => p.head === "kopt/demo/todo/backend/rightsize"),
      w.sim.state.pulls.find((p) => p.head === "kopt/demo/todo/frontend/rightsize"),
    ];
    await w.octokit("alice").issues.addLabels({
      owner: OWNER,
      repo: REPO,
      issue_number: held?.number as number,
      labels: ["kopt/hold"],
    });
    git(w.person, "fetch", "-q", "origin");
    git(w.person, "checkout", "-q", "-B", "fix", "origin/kopt/demo/todo/frontend/rightsize");
    writeFileSync(join(w.person, "NOTE.md"), "a person's change\n");
    git(w.person, "add", "-A");
    git(w.person, "commit", "-q", "-m", "a person's commit");
    git(w.person, "push", "-q", "origin", "HEAD:refs/heads/kopt/demo/todo/frontend/rightsize");
    const personHead = git(w.person, "rev-parse", "HEAD");

    const out = await planJson(w);
    const by = Object.fromEntries(out.proposals.map((p) => [key(p), p]));
    expect(by["backend/rightsize"]?.status).toBe("held");
    expect(by["backend/rightsize"]?.reason).toContain("kopt/hold");
    expect(by["frontend/rightsize"]?.status).toBe("held");
    expect(by["frontend/rightsize"]?.reason).toContain("person@example.com");
    expect(pushed?.headSha).toBe(personHead);
    expect(w.sim.state.pulls).toHaveLength(6);
  });

  it("does not reopen or recreate a pull request a person closed", async () => {
    const w = await world();
    await planJson(w);
    const pull = w.sim.state.pulls.find((p) => p.head === "kopt/demo/todo/worker/rightsize");
    await w.octokit("alice").pulls.update({
      owner: OWNER,
      repo: REPO,
      pull_number: pull?.number as number,
      state: "closed",
    });
    const out = await planJson(w);
    const worker = out.proposals.find((p) => key(p) === "worker/rightsize");
    expect(worker?.status).toBe("held");
    expect(worker?.reason).toMatch(
      /was closed without merging .* unless the recommendation changes materially/,
    );
    expect(w.sim.state.pulls).toHaveLength(6);
    expect(w.sim.state.pulls.find((p) => p.number === pull?.number)?.state).toBe("closed");
  });

  it("opens a new pull request where a person closed one, once the recommendation changed materially", async () => {
    const w = await world();
    await planJson(w, "--workload", "todo/worker");
    const pull = w.sim.state.pulls.find((p) => p.head === "kopt/demo/todo/worker/rightsize");
    // What the closed pull request proposed: a CPU request 30% below today's recommendation.
    const body = (pull?.body ?? "").replace(/("to":")270m(")/, "$1190m$2");
    expect(body).not.toBe(pull?.body);
    await w.octokit().pulls.update({ owner: OWNER, repo: REPO, pull_number: pull?.number as number, body });
    await w.octokit("alice").pulls.update({
      owner: OWNER,
      repo: REPO,
      pull_number: pull?.number as number,
      state: "closed",
    });
    const out = await planJson(w, "--workload", "todo/worker");
    const worker = out.proposals.find((p) => key(p) === "worker/rightsize");
    expect(worker?.status).toBe("created");
    const heads = w.sim.state.pulls.filter((p) => p.head === "kopt/demo/todo/worker/rightsize");
    expect(heads.map((p) => p.state)).toEqual(["closed", "open"]);
  });

  it("closes its pull request whose recommendation disappeared, with a comment saying why", async () => {
    const w = await world();
    // A kopt pull request from an earlier run, for a workload that no longer needs a change.
    git(w.person, "checkout", "-q", "-B", "ghost", "origin/main");
    writeFileSync(join(w.person, "clusters/demo/ghost.yaml"), "x: 1\n");
    git(w.person, "add", "-A");
    execFileSync("git", ["commit", "-q", "-m", "kopt: ghost"], {
      cwd: w.person,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "kopt",
        GIT_AUTHOR_EMAIL: "kopt@noreply.kopt.dev",
        GIT_COMMITTER_NAME: "kopt",
        GIT_COMMITTER_EMAIL: "kopt@noreply.kopt.dev",
      },
    });
    git(w.person, "push", "-q", "origin", "HEAD:refs/heads/kopt/demo/todo/ghost/rightsize");
    const { data: ghost } = await w.octokit().pulls.create({
      owner: OWNER,
      repo: REPO,
      head: "kopt/demo/todo/ghost/rightsize",
      base: "main",
      title: "Right-size todo/ghost on demo",
      body: "old",
    });
    // A rollback and an after-merge record are kopt's too, but no run "recommends" them: they stay open.
    const others: number[] = [];
    for (const head of ["kopt/demo/rollback/1234abcd", "kopt/demo/records"]) {
      git(w.person, "push", "-q", "origin", `HEAD:refs/heads/${head}`);
      const { data } = await w
        .octokit()
        .pulls.create({ owner: OWNER, repo: REPO, head, base: "main", title: head });
      others.push(data.number);
    }
    const out = await planJson(w);
    expect(out.closed).toHaveLength(1);
    expect(out.closed[0]?.branch).toBe("kopt/demo/todo/ghost/rightsize");
    for (const n of others) expect(w.sim.state.pulls.find((p) => p.number === n)?.state).toBe("open");
    const closed = w.sim.state.pulls.find((p) => p.number === ghost.number);
    expect(closed?.state).toBe("closed");
    const comment = w.sim.state.comments.find((c) => c.issueNumber === ghost.number);
    expect(comment?.body).toContain(
      "kopt closed this pull request: the latest analysis no longer recommends a rightsize change for todo/ghost",
    );
    expect(git(w.work, "ls-remote", w.sim.repoDir, "refs/heads/kopt/demo/todo/ghost/rightsize")).toBe("");
    // The next run does not try again.
    const again = await planJson(w);
    expect(again.closed).toEqual([]);
  });

  it("opens no new pull request beyond maxOpenPullRequests, and says so", async () => {
    const w = await world({ githubExtra: "    maxOpenPullRequests: 2\n" });
    const out = await planJson(w);
    expect(out.proposals.map((p) => p.status)).toEqual([
      "created",
      "created",
      "held",
      "held",
      "held",
      "held",
    ]);
    expect(out.proposals[2]?.reason).toContain("maxOpenPullRequests: 2");
    expect(openPulls(w)).toHaveLength(2);
    // The cap is on pull requests (reviews asked of people): incident issues are not held back by it.
    expect(out.incidentIssues.map((i) => i.status)).toEqual(["created", "created", "created"]);
    expect(incidentIssues(w)).toHaveLength(3);
  });

  describe("GitHub failing", () => {
    const once =
      (operationId: string, fault: Fault) =>
      (r: FaultRequest): Fault | undefined =>
        r.operationId === operationId && r.count === 1 ? fault : undefined;

    it("waits out a secondary rate limit (429 retry-after) and a primary one (403, reset), then succeeds", async () => {
      const w = await world({
        sim: {
          faults: (r) =>
            once("pulls/create", { kind: "secondary-rate-limit", status: 429, retryAfter: 1 })(r) ??
            once("issues/add-labels", { kind: "rate-limit", resetInSeconds: 1 })(r),
        },
      });
      const out = await withWaits(() => planJson(w));
      // Each wait said on stderr (src/progress.ts), once: the retry plugin does not also retry the 429.
      expect(out.waits).toEqual([
        "kopt: GitHub: secondary rate limit, retry 1/3 in 1 s",
        expect.stringMatching(/^kopt: GitHub: rate limit, retry 1\/3 in \d+ s$/),
      ]);
      expect(out.proposals.map((p) => p.status)).toEqual(EXPECTED.map(() => "created"));
      const statuses = w.sim.requests.filter((r) => r.operationId === "pulls/create").map((r) => r.status);
      expect(statuses.slice(0, 2)).toEqual([429, 201]);
      const labels = w.sim.requests.filter((r) => r.operationId === "issues/add-labels").map((r) => r.status);
      expect(labels.slice(0, 2)).toEqual([403, 200]);
      expect(w.sim.state.pulls).toHaveLength(6);
      expect(out.incidentIssues.map((i) => i.status)).toEqual(["created", "created", "created"]);
      // It waits out real seconds of rate limits on top of a whole plan (about 20 s on a quiet 2-core
      // machine): the default 30 s would make it fail at random on a busy one.
    }, 120_000);

    it("retries a 5xx", async () => {
      const w = await world({ sim: { faults: once("pulls/list", { kind: "server-error", status: 502 }) } });
      const out = await withWaits(() => planJson(w));
      // Unpaced (a simulator): the first retry after 10 ms, not 1 s.
      expect(out.waits).toEqual(["kopt: GitHub: HTTP 502, retry 1/3 in 10 ms"]);
      expect(out.proposals.map(key)).toEqual(EXPECTED);
      const statuses = w.sim.requests.filter((r) => r.operationId === "pulls/list").map((r) => r.status);
      expect(statuses.slice(0, 2)).toEqual([502, 200]);
    });

    it("a bad token: a clear error, the token never printed, nothing pushed", async () => {
      const w = await world();
      const bad = "ghp_wrong_token_do_not_print";
      const r = await w.kopt(["plan", "--cluster", "demo"], { token: bad });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("failed while reading repository acme/platform: Bad credentials (HTTP 401)");
      expect(r.stderr).toContain("fix: the token is invalid or expired");
      expect(r.stderr + r.stdout).not.toContain(bad);
      expect(receivePacks(w)).toEqual([]);
      expect(w.sim.state.pulls).toEqual([]);
      expect(git(w.work, "ls-remote", w.sim.repoDir).split("\n")).toHaveLength(2); // HEAD and main
    });

    it("no token at all: names the variable to set", async () => {
      const w = await world();
      const r = await w.kopt(["plan", "--cluster", "demo"], { token: "" });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("no GitHub token: the environment variable GITHUB_TOKEN is not set");
      expect(w.sim.requests).toEqual([]);
    });
  });
});
