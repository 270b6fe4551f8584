// `kopt plan --forge github` after things went wrong: a run that failed half-way through a pull request
// (GitHub answering 5xx past the retries) is completed by the next run, and a pull request whose base
// moved under it is rebuilt when it conflicts, closed when the base already holds its change, and left
// alone when the base moved elsewhere. Against the GitHub simulator, which validates every request and
// response against GitHub's OpenAPI description (worldForTest fails a test on any violation).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it, onTestFinished } from "vitest";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import type { FaultRequest } from "./support/github-sim/index.ts";
import { OWNER, REPO, type World, type WorldOptions, worldForTest } from "./support/github-world.ts";
import { git, PROJECT_ROOT } from "./support/repo.ts";

const BACKEND = "kopt/demo/todo/backend/rightsize";
const VALUES = "clusters/demo/values.yaml";

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

/** A person's commit on main, pushed to GitHub: `edit` rewrites clusters/demo/values.yaml (or `file`). */
function personCommitsToMain(w: World, edit: (text: string) => string, file = VALUES): string {
  w.sync();
  const path = join(w.person, file);
  const before = (() => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  })();
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(path, after);
  git(w.person, "add", "-A");
  git(w.person, "commit", "-q", "-m", `a person's change of ${file}`);
  git(w.person, "push", "-q", "origin", "HEAD:refs/heads/main");
  return git(w.person, "rev-parse", "HEAD");
}

/**
 * The demo snapshot with the backend running other resources (Argo CD synced a person's change), written
 * to a temporary file for --snapshot.
 */
function backendRunning(r: { cpu: string; memory?: string; memoryLimit?: string }): string {
  const text = gunzipSync(readFileSync(join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"))).toString();
  const from = '"limits":{"cpu":"2","memory":"4Gi"},"requests":{"cpu":"1","memory":"2Gi"}';
  const to = `"limits":{"cpu":"2","memory":"${r.memoryLimit ?? "4Gi"}"},"requests":{"cpu":"${r.cpu}","memory":"${r.memory ?? "2Gi"}"}`;
  const changed = text.replaceAll(from, to);
  expect(changed).not.toBe(text);
  const dir = mkdtempSync(join(tmpdir(), "kopt-snapshot-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "snapshot.json.gz");
  writeFileSync(file, gzipSync(changed));
  return file;
}

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
    // The demo's five resource proposals and the probe fix for todo/search (critical: todo is production).
    expect(out.proposals.map((p) => p.status)).toEqual([
      "created",
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
    // The five others are complete: the critical probe fix asks security as well as the architects.
    for (const p of w.sim.state.pulls.filter((x) => x.number !== 1)) {
      expect(p.labels).toHaveLength(3);
      const critical = p.labels.includes("kopt/tier:critical");
      expect(p.requestedTeams).toEqual(critical ? ["architects", "security"] : ["architects"]);
      expect(approvalStatuses(w, p.headSha)).toHaveLength(1);
    }
    expect(w.sim.state.pulls.filter((p) => p.labels.includes("kopt/tier:critical"))).toHaveLength(1);
    // The incident issues, opened after the pull requests, were not touched by the faults on #1.
    expect(out.incidentIssues.map((i) => [i.status, i.number])).toEqual([
      ["created", 7],
      ["created", 8],
      ["created", 9],
    ]);

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
      "unchanged",
    ]);
    expect(second.incidentIssues.map((i) => i.status)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect([...pull.labels].sort()).toEqual(["kopt", "kopt/kind:oom", "kopt/tier:medium"]);
    expect(pull.requestedTeams).toEqual(["architects"]);
    expect(approvalStatuses(w, pull.headSha).map((s) => s.state)).toEqual(["pending"]);
    // The same pull request, the same commit: nothing pushed, nothing opened.
    expect(pushes(w)).toHaveLength(pushed);
    expect(w.sim.state.pulls).toHaveLength(6);
    expect(w.sim.state.issues).toHaveLength(3);
    expect(repaired?.commit).toBe(broke?.commit);

    const writesAfter = writes(w).length;
    const third = await planJson(w);
    expect(third.proposals.map((p) => p.status)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
    expect(third.incidentIssues.map((i) => i.status)).toEqual(["unchanged", "unchanged", "unchanged"]);
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

describe("kopt plan --forge github when the base branch moved under a pull request", () => {
  it("rebuilds a pull request that conflicts with a person's change of the same values line, in place", async () => {
    const w = await worldForTest();
    const before = await planJson(w, "--workload", "todo/backend");
    expect(before.proposals[0]?.changes[0]).toMatchObject({
      path: "backend.resources.requests.cpu",
      from: "1",
    });
    const pull = pullOf(w, BACKEND);
    const oldHead = pull.headSha;
    // A person lowered the CPU request by hand, and Argo CD rolled it out: kopt's recommendation moves
    // by less than the material threshold, but its branch no longer merges.
    const main = personCommitsToMain(w, (t) => t.replace('cpu: "1"', "cpu: 950m"));
    expect(() => git(w.sim.repoDir, "merge-tree", "--write-tree", main, oldHead)).toThrow();
    const snapshot = backendRunning({ cpu: "950m" });

    const out = await planJson(w, "--workload", "todo/backend", "--snapshot", snapshot);
    const p = out.proposals[0];
    expect(p?.status).toBe("updated");
    expect(p?.reason).toBe(`it conflicted with main in ${VALUES}: rebuilt on main at ${main.slice(0, 7)}`);
    expect(p?.pullRequest).toBe(pull.number);
    expect(w.sim.state.pulls).toHaveLength(1);
    expect(pull.headSha).toBe(p?.commit);
    expect(pull.headSha).not.toBe(oldHead);
    expect(git(w.sim.repoDir, "rev-parse", `${pull.headSha}^`)).toBe(main);
    git(w.sim.repoDir, "merge-tree", "--write-tree", "main", pull.headSha); // throws on a conflict
    expect(git(w.sim.repoDir, "log", "--format=%ae", `main..${pull.headSha}`)).toBe("kopt@noreply.kopt.dev");
    expect(pull.body).toMatch(/\| `backend\.resources\.requests\.cpu` \| `950m` \|/);
    expect(pull.title).toMatch(/cpu 950m→/);
    expect(approvalStatuses(w, pull.headSha).map((s) => s.state)).toEqual(["pending"]);

    // Rebuilt once: the next run finds nothing to do.
    const pushed = pushes(w).length;
    const again = await planJson(w, "--workload", "todo/backend", "--snapshot", snapshot);
    expect(again.proposals[0]?.status).toBe("unchanged");
    expect(pushes(w)).toHaveLength(pushed);
  });

  it("finishes a rebuild whose body update failed: the next run writes the body for the branch's head", async () => {
    let failing = false;
    const w: World = await worldForTest({
      sim: {
        faults: (r) =>
          failing && r.operationId === "pulls/update" ? { kind: "server-error", status: 503 } : undefined,
      },
    });
    await planJson(w, "--workload", "todo/backend");
    const pull = pullOf(w, BACKEND);
    personCommitsToMain(w, (t) => t.replace('cpu: "1"', "cpu: 950m"));
    const snapshot = backendRunning({ cpu: "950m" });

    failing = true;
    const r = await w.kopt([
      "plan",
      "--cluster",
      "demo",
      "--workload",
      "todo/backend",
      "--snapshot",
      snapshot,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^kopt: warning: #1: its title and body still describe the previous commit: .*\(HTTP 503\); the next run updates them$/m,
    );
    const rebuilt = pull.headSha;
    expect(pull.body).toMatch(/\| `backend\.resources\.requests\.cpu` \| `1` \|/);

    failing = false;
    const pushed = pushes(w).length;
    const out = await planJson(w, "--workload", "todo/backend", "--snapshot", snapshot);
    expect(out.proposals[0]?.status).toBe("updated");
    expect(out.proposals[0]?.reason).toMatch(
      /^its body described commit [0-9a-f]{7}, not the branch's head [0-9a-f]{7}$/,
    );
    expect(pull.headSha).toBe(rebuilt);
    expect(pushes(w)).toHaveLength(pushed);
    expect(pull.body).toMatch(/\| `backend\.resources\.requests\.cpu` \| `950m` \|/);
    expect(pull.body).toContain(`"head":"${rebuilt}"`);
  });

  it("closes the pull request, saying why, when a person's change on main already did what it proposed", async () => {
    const w = await worldForTest();
    await planJson(w, "--workload", "todo/backend");
    const pull = pullOf(w, BACKEND);
    // A person sized the backend by hand, all the way (past kopt's 50% step), and Argo CD rolled it out.
    personCommitsToMain(w, (t) =>
      t
        .replace('cpu: "1"\n      memory: 2Gi', "cpu: 270m\n      memory: 464Mi")
        .replace('cpu: "2"\n      memory: 4Gi', 'cpu: "2"\n      memory: 560Mi'),
    );
    const snapshot = backendRunning({ cpu: "270m", memory: "464Mi", memoryLimit: "560Mi" });
    const out = await planJson(w, "--workload", "todo/backend", "--snapshot", snapshot);
    // (Its CPU now runs hot enough for an HPA: that is another proposal, on its own branch.)
    expect(out.proposals.map((p) => p.kind)).toEqual(["hpa"]);
    expect(out.closed.map((c) => c.branch)).toEqual([BACKEND]);
    expect(out.closed[0]?.reason).toMatch(/within the minimum-change rule/);
    expect(pull.state).toBe("closed");
    const comment = w.sim.state.comments.find((c) => c.issueNumber === pull.number);
    expect(comment?.body).toContain(
      "kopt closed this pull request: the rightsize recommendation for todo/backend is gone",
    );
  });

  it("leaves a pull request alone when the base moved elsewhere, in the same values file or another file", async () => {
    const w = await worldForTest();
    await planJson(w, "--workload", "todo/backend");
    const pull = pullOf(w, BACKEND);
    const head = pull.headSha;
    personCommitsToMain(w, (t) => t.replace("worker:\n  replicaCount: 2", "worker:\n  replicaCount: 3"));
    personCommitsToMain(w, (t) => `${t}A person's notes.\n`, "NOTES.md");
    const pushed = pushes(w).length;
    const out = await planJson(w, "--workload", "todo/backend");
    expect(out.proposals[0]?.status).toBe("unchanged");
    expect(pull.headSha).toBe(head);
    expect(pushes(w)).toHaveLength(pushed);
  });

  it("leaves a pull request on hold that conflicts alone, and says it conflicts", async () => {
    const w = await worldForTest();
    await planJson(w, "--workload", "todo/backend");
    const pull = pullOf(w, BACKEND);
    const head = pull.headSha;
    await w.octokit("alice").issues.addLabels({
      owner: OWNER,
      repo: REPO,
      issue_number: pull.number,
      labels: ["kopt/hold"],
    });
    personCommitsToMain(w, (t) => t.replace('cpu: "1"', "cpu: 950m"));
    const snapshot = backendRunning({ cpu: "950m" });
    const out = await planJson(w, "--workload", "todo/backend", "--snapshot", snapshot);
    expect(out.proposals[0]?.status).toBe("held");
    expect(out.proposals[0]?.reason).toBe(
      `#${pull.number} has the kopt/hold label; it conflicts with main in ${VALUES}: kopt rebuilds it once the label is removed`,
    );
    expect(pull.headSha).toBe(head);
  });

  it("leaves a pull request a person pushed to alone when it conflicts, and says so", async () => {
    const w = await worldForTest();
    await planJson(w, "--workload", "todo/backend");
    const pull = pullOf(w, BACKEND);
    git(w.person, "fetch", "-q", "origin");
    git(w.person, "checkout", "-q", "-B", "fix", `origin/${BACKEND}`);
    writeFileSync(join(w.person, "NOTES.md"), "why 500m\n");
    git(w.person, "add", "-A");
    git(w.person, "commit", "-q", "-m", "a person's note on kopt's branch");
    git(w.person, "push", "-q", "origin", `HEAD:refs/heads/${BACKEND}`);
    const personHead = git(w.person, "rev-parse", "HEAD");
    personCommitsToMain(w, (t) => t.replace('cpu: "1"', "cpu: 950m"));
    const snapshot = backendRunning({ cpu: "950m" });
    const out = await planJson(w, "--workload", "todo/backend", "--snapshot", snapshot);
    expect(out.proposals[0]?.status).toBe("held");
    expect(out.proposals[0]?.reason).toBe(
      `#${pull.number}'s branch has a commit by person@example.com; kopt leaves pull requests people pushed to alone; it conflicts with main in ${VALUES}: resolve it on the branch`,
    );
    expect(pull.headSha).toBe(personHead);
  });
});
