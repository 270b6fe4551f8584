// `kopt rollback` end to end with real git: the local forge on a demo repo (merge commit, squash merge,
// a conflicting later change, the errors), and the github forge against the simulator (a pull request
// that is not merged, a merged one that is not a kopt change).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readPhrFront } from "../src/formats/phr.ts";
import { lintPhrText } from "../src/workflows/phr-lint.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import type { RollbackOutcome } from "../src/workflows/rollback.ts";
import { OWNER, REPO, type World, worldForTest } from "./support/github-world.ts";
import { demoRepo, git, kopt, koptAt, type RunResult, repoState, type TempRepo } from "./support/repo.ts";

const NOW = new Date("2026-11-25T10:00:00Z");
const VALUES = "clusters/demo/values.yaml";
const PROPOSAL_BRANCH = "kopt/demo/todo/backend/rightsize";

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

type Proposal = PlanOutcome["proposals"][number];

/** A demo repo with kopt's backend right-sizing proposed (not merged yet). */
async function planned(): Promise<{ dir: string; proposal: Proposal }> {
  repo = demoRepo();
  const dir = repo.dir;
  const r = await kopt(
    "--repo",
    dir,
    "plan",
    "--cluster",
    "demo",
    "--workload",
    "todo/backend",
    "--output",
    "json",
  );
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as PlanOutcome;
  expect(out.proposals.map((p) => [p.kind, p.branch])).toEqual([["rightsize", PROPOSAL_BRANCH]]);
  return { dir, proposal: out.proposals[0] as Proposal };
}

/** …and merged into main by a person, with a real merge commit. Returns the merge's SHA. */
async function merged(): Promise<{ dir: string; proposal: Proposal; merge: string }> {
  const { dir, proposal } = await planned();
  git(dir, "merge", "-q", "--no-ff", "-m", "Merge the backend right-sizing", PROPOSAL_BRANCH);
  return { dir, proposal, merge: git(dir, "rev-parse", "HEAD") };
}

function rollbackRun(dir: string, ...args: string[]): Promise<RunResult> {
  return koptAt(NOW, "--repo", dir, "rollback", ...args, "--cluster", "demo", "--output", "json");
}

async function rollbackJson(dir: string, target: string): Promise<RollbackOutcome> {
  const r = await rollbackRun(dir, target);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as RollbackOutcome;
}

const worktrees = (dir: string) => git(dir, "worktree", "list", "--porcelain").split("\n\n").filter(Boolean);

/** Runs a rollback that must fail with exit 2 and leave no branch, draft, checkout change or worktree. */
async function fails(dir: string, target: string, ...extra: string[]): Promise<string> {
  const before = repoState(dir);
  const head = git(dir, "symbolic-ref", "HEAD");
  const r = await rollbackRun(dir, target, ...extra);
  expect(r.stdout).toBe("");
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^kopt: error: /);
  expect(repoState(dir)).toEqual(before);
  expect(git(dir, "symbolic-ref", "HEAD")).toBe(head);
  expect(worktrees(dir)).toHaveLength(1);
  return r.stderr;
}

describe("kopt rollback, local forge", () => {
  it("reverts the merge commit on its own branch, keeps the PHRs, writes a draft and leaves the checkout alone; again: unchanged", async () => {
    const { dir, proposal, merge } = await merged();
    const statusBefore = git(dir, "status", "--porcelain", "--untracked-files=all");
    // Only the plan's drafts are untracked; the checkout is otherwise clean.
    expect(statusBefore.split("\n").every((l) => l.startsWith("?? .kopt/pull-requests/"))).toBe(true);

    const rb = await rollbackJson(dir, proposal.id);
    const branch = `kopt/demo/rollback/${proposal.id}`;
    expect(rb.original).toEqual({
      id: proposal.id,
      phr: proposal.phr,
      title: proposal.title,
      mergeSha: merge,
    });
    expect(rb.rollback).toMatchObject({ status: "created", branch });
    expect(rb.commented).toBe(false);
    expect(git(dir, "rev-parse", `refs/heads/${branch}`)).toBe(rb.rollback.commit);
    // One commit on top of main (the merge), by kopt, a real revert.
    expect(git(dir, "rev-parse", `${branch}^`)).toBe(git(dir, "rev-parse", "main"));
    expect(git(dir, "rev-parse", "main")).toBe(merge);
    expect(git(dir, "log", "-1", "--format=%an <%ae>", branch)).toBe("kopt <kopt@noreply.kopt.dev>");
    expect(git(dir, "log", "-1", "--format=%s", branch)).toBe(`Revert "${proposal.title}"`);
    expect(git(dir, "log", "-1", "--format=%B", branch)).toContain(`This reverts the merge ${merge}.`);
    // The values are what they were before the merge.
    expect(git(dir, "show", `${branch}:${VALUES}`)).toBe(git(dir, "show", `${merge}^1:${VALUES}`));
    // Exactly the values file and the two PHRs change; the original PHR is kept.
    expect(git(dir, "diff", "--name-only", "main", branch).split("\n").sort()).toEqual(
      [VALUES, proposal.phr, rb.rollback.phr].sort(),
    );
    const original = readPhrFront(git(dir, "show", `${branch}:${proposal.phr}`), proposal.phr);
    expect(original.status).toBe("rolled-back");
    expect(original.rolledBackBy).toEqual({ id: rb.rollback.id, phr: rb.rollback.phr });
    const originalText = `${git(dir, "show", `${branch}:${proposal.phr}`)}\n`;
    expect(lintPhrText(originalText, proposal.phr)).toEqual([]);
    expect(originalText).toContain("| Status | rolled-back |");
    expect(originalText).toContain(`## Rolled back\nRolled back by [${rb.rollback.phr}]`);

    expect(rb.rollback.phr).toMatch(
      new RegExp(`^phr/demo/2026-11-25-${rb.rollback.id}-rollback-rightsize-todo-backend\\.md$`),
    );
    const rollbackText = `${git(dir, "show", `${branch}:${rb.rollback.phr}`)}\n`;
    expect(lintPhrText(rollbackText, rb.rollback.phr)).toEqual([]);
    const front = readPhrFront(rollbackText, rb.rollback.phr);
    expect(front).toMatchObject({
      id: rb.rollback.id,
      kind: "rollback",
      tier: "low",
      status: "proposed",
      cluster: "demo",
      createdAt: "2026-11-25T10:00:00Z",
    });
    expect(front.rollbackOf).toEqual({ id: proposal.id, phr: proposal.phr, mergeSha: merge });
    expect(front.changes.map((c) => [c.path, c.from, c.to])).toEqual(
      proposal.changes.map((c) => [c.path, c.to, c.from]),
    );
    expect(front.cost.monthlyDelta).toBeCloseTo(-proposal.cost.monthlyDelta, 2);

    // The draft, under .kopt/pull-requests.
    expect(rb.rollback.location).toBe(`.kopt/pull-requests/${branch.replaceAll("/", "__")}.md`);
    const draft = readFileSync(join(dir, rb.rollback.location), "utf8");
    expect(draft).toContain(`branch: ${branch}`);
    expect(draft).toContain(`head: ${rb.rollback.commit}`);
    expect(draft).toMatch(/labels:\n {2}- kopt\n {2}- kopt\/tier:low\n {2}- kopt\/kind:rollback/);
    expect(draft).toContain(`## Roll back: ${proposal.title}`);

    // The user's checkout, index and working tree: untouched but for the new draft; no worktree left.
    expect(git(dir, "symbolic-ref", "HEAD")).toBe("refs/heads/main");
    expect(git(dir, "rev-parse", "HEAD")).toBe(merge);
    expect(git(dir, "diff", "--cached", "--name-only")).toBe("");
    expect(git(dir, "status", "--porcelain", "--untracked-files=all")).toBe(
      [...statusBefore.split("\n"), `?? ${rb.rollback.location}`].sort().join("\n"),
    );
    expect(worktrees(dir)).toHaveLength(1);

    // Again: nothing new.
    const state = repoState(dir);
    const again = await rollbackJson(dir, proposal.id);
    expect(again.rollback).toEqual({ ...rb.rollback, status: "unchanged" });
    expect(repoState(dir)).toEqual(state);
    expect(readFileSync(join(dir, rb.rollback.location), "utf8")).toBe(draft);
    expect(worktrees(dir)).toHaveLength(1);
  });

  it("reverts a squash merge (a single-parent commit) too", async () => {
    const { dir, proposal } = await planned();
    const before = git(dir, "rev-parse", "main");
    git(dir, "merge", "-q", "--squash", PROPOSAL_BRANCH);
    git(dir, "commit", "-q", "-m", "Right-size the backend (squashed)");
    const squash = git(dir, "rev-parse", "HEAD");
    expect(git(dir, "rev-list", "--parents", "-n", "1", squash).split(" ")).toHaveLength(2);

    const rb = await rollbackJson(dir, proposal.id);
    expect(rb.original.mergeSha).toBe(squash);
    expect(rb.rollback.status).toBe("created");
    const branch = rb.rollback.branch;
    expect(git(dir, "rev-parse", `${branch}^`)).toBe(squash);
    expect(git(dir, "show", `${branch}:${VALUES}`)).toBe(git(dir, "show", `${before}:${VALUES}`));
    expect(readPhrFront(git(dir, "show", `${branch}:${proposal.phr}`), proposal.phr).status).toBe(
      "rolled-back",
    );
    const front = readPhrFront(git(dir, "show", `${branch}:${rb.rollback.phr}`), rb.rollback.phr);
    expect(front.rollbackOf?.mergeSha).toBe(squash);
    expect(worktrees(dir)).toHaveLength(1);
    expect(git(dir, "status", "--porcelain", "--untracked-files=no")).toBe("");
  });

  it("fails without writing anything when a later change edited the same lines", async () => {
    const { dir, proposal, merge } = await merged();
    const file = join(dir, VALUES);
    const values = readFileSync(file, "utf8");
    // The merged right-sizing set backend.resources.requests.cpu to 500m; a person changes it again.
    const edited = values.replace(/^(\s+cpu: )"?500m"?$/m, "$1400m");
    expect(edited).not.toBe(values);
    writeFileSync(file, edited);
    git(dir, "commit", "-q", "-am", "backend: cpu 400m");

    const err = await fails(dir, proposal.id);
    expect(err).toContain(
      `the revert of ${merge.slice(0, 7)} conflicts with later changes in clusters/demo/values.yaml`,
    );
    expect(err).toContain(
      `\n  fix: a later change edited the same lines: revert by hand (git revert -m 1 ${merge.slice(0, 7)},`,
    );
    expect(git(dir, "branch", "--list", "kopt/demo/rollback/*")).toBe("");
    expect(readFileSync(file, "utf8")).toBe(edited);
  });

  it("a conflicting squash merge: the hint's revert command has no -m (git refuses it for a non-merge)", async () => {
    const { dir, proposal } = await planned();
    git(dir, "merge", "-q", "--squash", PROPOSAL_BRANCH);
    git(dir, "commit", "-q", "-m", "Right-size the backend (squashed)");
    const squash = git(dir, "rev-parse", "HEAD");
    const file = join(dir, VALUES);
    writeFileSync(file, readFileSync(file, "utf8").replace(/^(\s+cpu: )"?500m"?$/m, "$1400m"));
    git(dir, "commit", "-q", "-am", "backend: cpu 400m");
    const err = await fails(dir, proposal.id);
    expect(err).toContain(`conflicts with later changes in ${VALUES}`);
    expect(err).toContain(`revert by hand (git revert ${squash.slice(0, 7)}, resolve`);
  });

  it("keeps later changes: another merged proposal in the same file, and a person's edit of the PHR", async () => {
    const { dir, proposal, merge } = await merged();
    // A reviewer's note in the merged PHR: the revert would delete a modified file (a conflict in phr/).
    const phrFile = join(dir, proposal.phr);
    writeFileSync(phrFile, `${readFileSync(phrFile, "utf8")}\nA reviewer's note.\n`);
    git(dir, "commit", "-q", "-am", "note on the backend PHR");
    const fe = await kopt("--repo", dir, "plan", "--cluster", "demo", "--workload", "todo/frontend");
    expect(fe.code).toBe(0);
    git(dir, "merge", "-q", "--no-ff", "-m", "Merge the frontend", "kopt/demo/todo/frontend/rightsize");
    const frontendPhr = git(dir, "diff", "--name-only", "--diff-filter=A", "HEAD^1", "HEAD", "--", "phr/");
    expect(frontendPhr).toMatch(/-rightsize-todo-frontend\.md$/);

    const rb = await rollbackJson(dir, proposal.id);
    expect(rb.original.mergeSha).toBe(merge);
    const branch = rb.rollback.branch;
    // Only the backend's lines go back; the frontend's merged values stay.
    const diff = git(dir, "diff", "-U0", "main", branch, "--", VALUES);
    const removed = diff.split("\n").filter((l) => l.startsWith("-") && !l.startsWith("---"));
    expect(removed).toHaveLength(proposal.changes.length);
    const added = diff.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++"));
    expect(added.map((l) => l.trim().split(": ")[1]?.replaceAll('"', ""))).toEqual(
      proposal.changes.map((c) => String(c.from)),
    );
    // Not simply the file before the backend's merge: the frontend's change is still there.
    expect(git(dir, "show", `${branch}:${VALUES}`)).not.toBe(git(dir, "show", `${merge}^1:${VALUES}`));
    expect(git(dir, "diff", "--name-only", "main", branch).split("\n").sort()).toEqual(
      [VALUES, proposal.phr, rb.rollback.phr].sort(),
    );
    // The PHRs stay: the frontend's untouched, the backend's with the note and its new status.
    expect(git(dir, "show", `${branch}:${frontendPhr}`)).toBe(git(dir, "show", `main:${frontendPhr}`));
    const original = git(dir, "show", `${branch}:${proposal.phr}`);
    expect(original).toContain("A reviewer's note.");
    expect(readPhrFront(original, proposal.phr).status).toBe("rolled-back");
    expect(worktrees(dir)).toHaveLength(1);
  });

  describe("errors: exit 2, a message, nothing written", () => {
    it("an unknown PHR id", async () => {
      const { dir } = await merged();
      const err = await fails(dir, "deadbeef");
      expect(err).toContain("no PHR with id deadbeef on main");
      expect(err).toContain("fix: only merged changes can be rolled back");
    });

    it("a PHR that is only proposed, not merged", async () => {
      const { dir, proposal } = await planned();
      expect(await fails(dir, proposal.id)).toContain(`no PHR with id ${proposal.id} on main`);
    });

    it("a target that is neither a PHR id nor a number", async () => {
      const { dir } = await merged();
      const err = await fails(dir, "backend");
      expect(err).toContain("rollback target backend is neither a PHR id nor a pull request number");
      expect(err).toContain("fix: e.g. kopt rollback");
    });

    it("a pull request number the local forge does not have", async () => {
      // Pull request numbers work with any forge (issue 13): the local one answers that it has no #42.
      const { dir } = await merged();
      for (const target of ["42", "#42"]) {
        const err = await fails(dir, target);
        expect(err).toMatch(/no pull request #42\b/);
        expect(err).toMatch(/fix: give the PHR id /);
      }
    });

    it("a PHR already rolled back, and a rollback PHR", async () => {
      const { dir, proposal } = await merged();
      const rb = await rollbackJson(dir, proposal.id);
      git(dir, "merge", "-q", "--no-ff", "-m", "Merge the rollback", rb.rollback.branch);
      // The rollback branch is merged, so the branch itself no longer matters to the answer.
      git(dir, "branch", "-q", "-D", rb.rollback.branch);
      const again = await fails(dir, proposal.id);
      expect(again).toContain(`${proposal.phr} is already rolled back by ${rb.rollback.phr}`);
      const ofRollback = await fails(dir, rb.rollback.id);
      expect(ofRollback).toContain(`${rb.rollback.phr} is itself a rollback`);
      expect(ofRollback).toContain("fix: ");
    });
  });
});

describe("kopt rollback, github forge", () => {
  let w: World | undefined;

  it("refuses a pull request that is not merged, then one that adds no PHR", async () => {
    w = await worldForTest();
    const world = w;
    writeFileSync(join(world.person, "NOTES.md"), "notes\n");
    git(world.person, "add", "NOTES.md");
    git(world.person, "commit", "-q", "-m", "notes");
    git(world.person, "push", "-q", "origin", "HEAD:refs/heads/notes");
    const { data: pull } = await world.octokit("alice").pulls.create({
      owner: OWNER,
      repo: REPO,
      head: "notes",
      base: "main",
      title: "Add notes",
      body: "by hand",
    });
    const run = async (target: string) => {
      const r = await world.kopt(["rollback", target, "--output", "json"]);
      expect(r.stdout).toBe("");
      expect(r.code).toBe(2);
      return r.stderr;
    };
    const refs = () => git(world.work, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/kopt");
    const pullsBefore = world.sim.state.pulls.length;

    expect(await run(String(pull.number))).toContain(`pull request #${pull.number} is not merged`);

    const { data: m } = await world.octokit("alice").pulls.merge({
      owner: OWNER,
      repo: REPO,
      pull_number: pull.number,
      merge_method: "merge",
    });
    expect(m.merged).toBe(true);
    const before = refs();
    const err = await run(`#${pull.number}`);
    expect(err).toContain(`pull request #${pull.number} adds no PHR: it is not a kopt change`);
    expect(err).toContain("fix: revert it by hand");
    expect(refs()).toBe(before);
    expect(world.sim.state.pulls).toHaveLength(pullsBefore);
    expect(world.sim.state.comments).toEqual([]);

    // A merged pull request that adds a PHR, but into another branch: its PHR is not on main.
    git(world.person, "push", "-q", "origin", "HEAD:refs/heads/release");
    git(world.person, "switch", "-q", "-c", "stray");
    const phr = "phr/demo/2026-11-20-0badc0de-rightsize-todo-backend.md";
    mkdirSync(join(world.person, "phr/demo"), { recursive: true });
    writeFileSync(join(world.person, phr), "---\nid: 0badc0de\n---\n");
    git(world.person, "add", phr);
    git(world.person, "commit", "-q", "-m", "a PHR");
    git(world.person, "push", "-q", "origin", "HEAD:refs/heads/stray");
    const { data: stray } = await world.octokit("alice").pulls.create({
      owner: OWNER,
      repo: REPO,
      head: "stray",
      base: "release",
      title: "A PHR on release",
      body: "by hand",
    });
    await world.octokit("alice").pulls.merge({
      owner: OWNER,
      repo: REPO,
      pull_number: stray.number,
      merge_method: "merge",
    });
    const off = await run(String(stray.number));
    expect(off).toContain(`${phr} (added by pull request #${stray.number}) is not on main`);
    expect(off).toContain("fix: ");
  }, 60_000);
});
