// The local forge: every method of the Forge interface on a repository on disk, and the forge under races and
// crashes: the same input makes the same commit, a compare-and-swap lost
// to a run that did the same work is "unchanged", and anything else a run can meet is a KoptError.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { git } from "../../test/support/git.ts";
import { KoptError } from "../errors.ts";
import type { ChangeRequest } from "./forge.ts";
import { commitFiles, openRepository } from "./git-repo.ts";
import { draftPath, LocalForge } from "./local-forge.ts";

const PROJECT = fileURLToPath(new URL("../../", import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kopt-forge-"));
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(join(dir, "values.yaml"), "cpu: 1\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "base");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const BRANCH = "kopt/demo/todo/backend/rightsize";

function change(cpu: string, date = "2026-11-20T12:00:00Z"): ChangeRequest {
  return {
    branch: BRANCH,
    commitMessage: `Right-size backend: cpu ${cpu}`,
    files: [{ path: "values.yaml", content: `cpu: ${cpu}\n` }],
    pr: { title: `Right-size backend: cpu ${cpu}`, body: "Evidence.\n", labels: ["kopt"], tier: "medium" },
    date,
  };
}

async function openForge(): Promise<LocalForge> {
  return LocalForge.open(await openRepository(dir), "main");
}

/** A forge whose look at the branch predates another run's update: preview reports it absent. */
async function forgeThatLookedBefore(): Promise<LocalForge> {
  const forge = await openForge();
  vi.spyOn(forge, "preview").mockResolvedValue({
    status: "created",
    branch: BRANCH,
    commit: null,
    location: draftPath(BRANCH),
  });
  return forge;
}

function koptError(err: unknown): KoptError {
  if (err instanceof KoptError) return err;
  throw err;
}

describe("LocalForge commits", () => {
  it("dates its commit at the observation time, author and committer, so the same input makes the same commit", async () => {
    const first = await (await openForge()).upsert(change("500m"));
    const log = git(dir, "log", "-1", "--format=%aI %cI %an <%ae>", BRANCH);
    expect(log).toBe("2026-11-20T12:00:00+00:00 2026-11-20T12:00:00+00:00 kopt <kopt@noreply.kopt.dev>");
    // Made again from scratch (the branch deleted, as after a crash before the ref moved), the same SHA.
    git(dir, "update-ref", "-d", `refs/heads/${BRANCH}`);
    const again = await (await openForge()).upsert(change("500m"));
    expect(again).toMatchObject({ status: "created", commit: first.commit });
  });
});

describe("LocalForge on a rerun with new evidence", () => {
  /** The change with its PHR, as plan and the security audit make it: dated, with the run's evidence. */
  function withPhr(cpu: string, day: string, p95: string): ChangeRequest {
    const c = change(cpu, `${day}T12:00:00Z`);
    return {
      ...c,
      files: [...c.files, { path: `phr/demo/${day}-abc-backend.md`, content: `p95 ${p95}\n` }],
      pr: { ...c.pr, body: `Evidence: p95 ${p95}.\n` },
    };
  }

  it("leaves the branch and its draft when only the PHR differs; moves both when a value does", async () => {
    const first = await (await openForge()).upsert(withPhr("500m", "2026-11-20", "410m"));
    const draft = readFileSync(join(dir, draftPath(BRANCH)), "utf8");

    const again = await (await openForge()).upsert(withPhr("500m", "2026-11-21", "415m"));
    expect(again).toMatchObject({ status: "unchanged", commit: first.commit, pullNumber: first.pullNumber });
    expect(git(dir, "rev-parse", BRANCH)).toBe(first.commit);
    expect(readFileSync(join(dir, draftPath(BRANCH)), "utf8")).toBe(draft);

    const moved = await (await openForge()).upsert(withPhr("600m", "2026-11-22", "520m"));
    expect(moved).toMatchObject({ status: "updated", pullNumber: first.pullNumber });
    expect(git(dir, "show", `${BRANCH}:phr/demo/2026-11-22-abc-backend.md`)).toBe("p95 520m");
    expect(readFileSync(join(dir, draftPath(BRANCH)), "utf8")).toContain("Evidence: p95 520m.");
  });

  it("rewrites the draft of an unchanged branch when its title, labels or tier changed", async () => {
    await (await openForge()).upsert(withPhr("500m", "2026-11-20", "410m"));
    const critical = withPhr("500m", "2026-11-21", "415m");
    const result = await (await openForge()).upsert({
      ...critical,
      pr: { ...critical.pr, tier: "critical" },
    });
    expect(result.status).toBe("unchanged");
    const draft = readFileSync(join(dir, draftPath(BRANCH)), "utf8");
    expect(draft).toContain("tier: critical");
    expect(draft).toContain("Evidence: p95 415m.");
  });
});

describe("LocalForge when another run moves the branch meanwhile", () => {
  it("reports unchanged when another run already made the very commit this run would make", async () => {
    const other = await (await openForge()).upsert(change("500m"));
    const draft = readFileSync(join(dir, draftPath(BRANCH)), "utf8");

    const result = await (await forgeThatLookedBefore()).upsert(change("500m"));

    expect(result).toMatchObject({ status: "unchanged", commit: other.commit });
    expect(git(dir, "rev-parse", BRANCH)).toBe(other.commit);
    expect(readFileSync(join(dir, draftPath(BRANCH)), "utf8")).toBe(draft);
    expect(readdirSync(join(dir, ".kopt/pull-requests"))).toEqual([
      "kopt__demo__todo__backend__rightsize.md",
    ]);
  });

  it("refuses with a KoptError, and keeps the other run's branch and draft, when it made another commit", async () => {
    const other = await (await openForge()).upsert(change("400m"));
    const draft = readFileSync(join(dir, draftPath(BRANCH)), "utf8");

    const err = koptError(await (await forgeThatLookedBefore()).upsert(change("500m")).catch((e) => e));

    expect(err.edge).toBe("forge");
    expect(err.message).toBe(
      `the branch ${BRANCH} was moved to ${other.commit?.slice(0, 12)} by another kopt run (or a git command) while this run was writing it`,
    );
    expect(err.hint).toMatch(/^rerun kopt once the other run is done/);
    expect(git(dir, "rev-parse", BRANCH)).toBe(other.commit);
    expect(readFileSync(join(dir, draftPath(BRANCH)), "utf8")).toBe(draft);
    expect(readdirSync(join(dir, ".kopt/pull-requests"))).toHaveLength(1);
  });

  it("a ref lock left by a killed git process: a KoptError naming the lock file to remove", async () => {
    const lock = join(dir, ".git/refs/heads", `${BRANCH}.lock`);
    mkdirSync(join(lock, ".."), { recursive: true });
    writeFileSync(lock, "");

    const err = koptError(await (await openForge()).upsert(change("500m")).catch((e) => e));

    expect(err.message).toMatch(
      /^git update-ref failed in .*: fatal: update_ref failed .*: Unable to create '.*\.lock': File exists\.$/,
    );
    expect(err.hint).toBe(
      `another git process is writing there; if none is running (one was killed), remove ${lock} and rerun kopt`,
    );
    expect(git(dir, "for-each-ref", "refs/heads/kopt")).toBe("");
  });
});

// ---------------------------------------------------------------------------------------------------------
// The whole Forge interface on disk: numbers, reviews, statuses, comments, labels, teams, merges.

const ALICE = { name: "alice", email: "alice@example.com" };
const NOW = new Date("2026-11-21T09:00:00Z");

async function forgeAs(user = ALICE): Promise<LocalForge> {
  return LocalForge.open(await openRepository(dir), "main", { user, now: () => NOW });
}

/** A proposal on its own branch: `name` picks the branch, `cpu` the content. */
function proposal(name: string, cpu = "500m"): ChangeRequest {
  return {
    ...change(cpu),
    branch: `kopt/demo/todo/${name}/rightsize`,
    files: [
      { path: "values.yaml", content: `cpu: ${cpu}\n` },
      { path: `phr/demo/${name}.md`, content: `# ${name}\n` },
    ],
  };
}

/** Approves the head of `number` and sets kopt/approval to success, as `kopt review` and `kopt gate` do. */
async function approveAndPass(forge: LocalForge, number: number): Promise<string> {
  const pr = await forge.pullRequest(number);
  await forge.submitReview(number, { user: "bob", state: "APPROVED", at: "2026-11-21T08:00:00Z" });
  await forge.setStatus(pr.headSha, "kopt/approval", {
    state: "success",
    description: "approved",
    targetUrl: pr.url,
  });
  return pr.headSha;
}

describe("LocalForge pull requests and their numbers", () => {
  it("numbers each branch's pull request once, in the order they are opened, and writes the number into the draft", async () => {
    const forge = await forgeAs();
    const a = await forge.upsert(proposal("backend"));
    const b = await forge.upsert(proposal("frontend"));
    expect([a.pullNumber, b.pullNumber]).toEqual([1, 2]);
    expect(readFileSync(join(dir, draftPath(a.branch)), "utf8")).toMatch(/\ntier: medium\nnumber: 1\n---\n/);
    // Again, unchanged: the same number, no new one.
    expect(await (await forgeAs()).upsert(proposal("backend"))).toMatchObject({
      status: "unchanged",
      pullNumber: 1,
    });
    expect(readdirSync(join(dir, ".kopt/forge/pulls")).sort()).toEqual(["1.yaml", "2.yaml"]);
    // Kept out of `git status`: only the drafts show.
    expect(git(dir, "status", "--porcelain", "--untracked-files=all").split("\n")).toEqual([
      "?? .kopt/pull-requests/kopt__demo__todo__backend__rightsize.md",
      "?? .kopt/pull-requests/kopt__demo__todo__frontend__rightsize.md",
    ]);
  });

  it("reads a pull request: kopt's identity as author, the branch's head, the draft's title and labels", async () => {
    const forge = await forgeAs();
    const { commit } = await forge.upsert(proposal("backend"));
    expect(await forge.pullRequest(1)).toEqual({
      number: 1,
      branch: "kopt/demo/todo/backend/rightsize",
      headSha: commit,
      title: "Right-size backend: cpu 500m",
      author: "kopt",
      labels: ["kopt"],
      state: "open",
      url: ".kopt/pull-requests/kopt__demo__todo__backend__rightsize.md",
      createdAt: "2026-11-21T09:00:00Z",
    });
    expect(await forge.branchHead("kopt/demo/todo/backend/rightsize")).toBe(commit);
    expect(await forge.branchHead("kopt/demo/nothing")).toBeUndefined();
  });

  it("no such number: a KoptError (usage) naming the repository", async () => {
    const err = koptError(await (await forgeAs()).pullRequest(7).catch((e) => e));
    expect(err.edge).toBe("usage");
    expect(err.message).toBe(`no pull request #7 in ${git(dir, "rev-parse", "--show-toplevel")}`);
  });

  it("several forges opening pull requests at once in one process never share a number", async () => {
    const names = ["a", "b", "c", "d", "e", "f"];
    const results = await Promise.all(names.map(async (n) => (await forgeAs()).upsert(proposal(n))));
    expect(results.map((r) => r.pullNumber).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    // The same branch from several runs at once: one pull request, one number.
    const same = await Promise.all(
      [1, 2, 3, 4].map(async () => (await forgeAs()).upsert(proposal("shared"))),
    );
    expect(new Set(same.map((r) => r.pullNumber))).toEqual(new Set([7]));
    expect(readdirSync(join(dir, ".kopt/forge/pulls")).filter((f) => f.endsWith(".yaml"))).toHaveLength(7);
  });

  it("4 processes opening pull requests at once never share a number, nor give one branch two", async () => {
    const run = (me: string) =>
      new Promise<[string, number][]>((resolve, reject) => {
        execFile(
          process.execPath,
          ["--import", "tsx", join(PROJECT, "test/support/local-forge-child.ts"), dir, me],
          { cwd: PROJECT },
          (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))),
        );
      });
    const all = (await Promise.all(["p", "q", "r", "s"].map(run))).flat();
    const byBranch = new Map<string, Set<number>>();
    for (const [name, n] of all) byBranch.set(name, (byBranch.get(name) ?? new Set()).add(n));
    expect(byBranch.get("shared")?.size).toBe(1);
    const numbers = [...byBranch.values()].map((s) => [...s][0]);
    expect(numbers.sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }, 60_000);

  it("lists open pull requests under a prefix, by number", async () => {
    const forge = await forgeAs();
    await forge.upsert(proposal("backend"));
    await forge.upsert(proposal("frontend"));
    await forge.proposeCommit(
      "kopt/other/records",
      git(dir, "rev-parse", "kopt/demo/todo/backend/rightsize"),
      {
        title: "records",
        body: "",
        labels: [],
        tier: "trivial",
      },
    );
    expect((await forge.openPullRequests("kopt/demo/")).map((p) => [p.number, p.branch])).toEqual([
      [1, "kopt/demo/todo/backend/rightsize"],
      [2, "kopt/demo/todo/frontend/rightsize"],
    ]);
    expect((await forge.openPullRequests("kopt/other/")).map((p) => p.number)).toEqual([3]);
  });

  it("lists the files a pull request changes, a rename as the new path and the old one removed", async () => {
    const forge = await forgeAs();
    await forge.upsert(proposal("backend"));
    expect(await forge.changedFiles(1)).toEqual([
      { path: "phr/demo/backend.md", status: "added" },
      { path: "values.yaml", status: "modified" },
    ]);
    const renamed = await commitFiles(
      await openRepository(dir),
      git(dir, "rev-parse", "main"),
      [{ path: "moved.yaml", content: "cpu: 1\n" }],
      "move",
      { remove: ["values.yaml"] },
    );
    await forge.proposeCommit("kopt/demo/move", renamed, {
      title: "move",
      body: "",
      labels: [],
      tier: "low",
    });
    expect(await forge.changedFiles(2)).toEqual([
      { path: "moved.yaml", status: "renamed" },
      { path: "values.yaml", status: "removed" },
    ]);
    expect(await forge.readFileAt("moved.yaml", renamed)).toBe("cpu: 1\n");
    expect(await forge.readFileAt("values.yaml", renamed)).toBeUndefined();
  });
});

describe("LocalForge reviews, statuses, comments, labels and teams", () => {
  it("records a review on the current head, with its time, as the approval rule reads it", async () => {
    const forge = await forgeAs();
    const { commit } = await forge.upsert(proposal("backend"));
    await forge.submitReview(1, { user: "bob", state: "CHANGES_REQUESTED", at: "2026-11-21T08:00:00Z" });
    await forge.submitReview(1, { user: "bob", state: "APPROVED", body: "ok", at: "2026-11-21T08:30:00Z" });
    expect(await (await forgeAs()).reviews(1)).toEqual([
      {
        user: "bob",
        userType: "User",
        state: "CHANGES_REQUESTED",
        commitId: commit,
        submittedAt: "2026-11-21T08:00:00Z",
      },
      {
        user: "bob",
        userType: "User",
        state: "APPROVED",
        commitId: commit,
        submittedAt: "2026-11-21T08:30:00Z",
      },
    ]);
  });

  it("refuses a review by the author (kopt), as GitHub does", async () => {
    const forge = await forgeAs();
    await forge.upsert(proposal("backend"));
    const err = koptError(
      await forge
        .submitReview(1, { user: "kopt", state: "APPROVED", at: "2026-11-21T08:00:00Z" })
        .catch((e) => e),
    );
    expect(err.message).toBe("kopt opened #1 and cannot review it");
    expect(await forge.reviews(1)).toEqual([]);
  });

  it("keeps every status of a commit and reads the latest of a context", async () => {
    const forge = await forgeAs();
    const sha = git(dir, "rev-parse", "main");
    expect(await forge.latestStatus(sha, "kopt/approval")).toBeUndefined();
    const targetUrl = "x.md";
    await forge.setStatus(sha, "kopt/approval", {
      state: "pending",
      description: "1 approval needed",
      targetUrl,
    });
    await forge.setStatus(sha, "ci", { state: "failure", description: "red", targetUrl });
    await forge.setStatus(sha, "kopt/approval", { state: "success", description: "approved", targetUrl });
    expect(await (await forgeAs()).latestStatus(sha, "kopt/approval")).toEqual({
      state: "success",
      description: "approved",
    });
    expect(await forge.latestStatus(sha, "ci")).toEqual({ state: "failure", description: "red" });
  });

  it("comments as kopt and finds a marker; adds labels once", async () => {
    const forge = await forgeAs();
    await forge.upsert(proposal("backend"));
    expect(await forge.hasComment(1, "<!-- kopt:x -->")).toBe(false);
    await forge.comment(1, "escalated\n<!-- kopt:x -->");
    expect(await forge.hasComment(1, "<!-- kopt:x -->", true)).toBe(true);
    expect(await forge.hasComment(1, "<!-- kopt:y -->")).toBe(false);
    await forge.addLabels(1, ["kopt/sla-breached", "kopt"]);
    await forge.addLabels(1, ["kopt/sla-breached"]);
    expect((await forge.pullRequest(1)).labels).toEqual(["kopt", "kopt/sla-breached"]);
  });

  it("reads team members from .kopt/teams.yaml, and says which file to write when a team is not there", async () => {
    const forge = await forgeAs();
    const where = { file: "clusters/demo/kopt.yaml", field: "policy.approval.architects" };
    const missing = koptError(await forge.teamMembers("architects", where).catch((e) => e));
    expect(missing.message).toBe("cannot read the members of team architects: there is no .kopt/teams.yaml");
    expect(missing.hint).toContain("teams.yaml, one line per team (e.g. architects: [alice, bob])");
    expect(missing.hint).toContain("policy.approval.architects: { users: [alice, bob] }");
    mkdirSync(join(dir, ".kopt"), { recursive: true });
    writeFileSync(join(dir, ".kopt/teams.yaml"), "architects: [alice, carol]\n");
    expect(await forge.teamMembers("architects", where)).toEqual(["alice", "carol"]);
    const other = koptError(await forge.teamMembers("security", where).catch((e) => e));
    expect(other.message).toBe(
      "cannot read the members of team security: .kopt/teams.yaml has no team security",
    );
  });

  it("has no labels or branch protection to set up", async () => {
    const err = koptError(await (await forgeAs()).prepare([], {} as never).catch((e) => e));
    expect(err.edge).toBe("usage");
    expect(err.message).toBe(
      "the local forge has no labels or branch protection to set up; kopt setup prepares a GitHub repository (forge.type: github)",
    );
  });
});

describe("LocalForge merges", () => {
  it("merges an approved pull request with a merge commit, moving the checked-out base and its files", async () => {
    const forge = await forgeAs();
    await forge.upsert(proposal("backend"));
    const head = await approveAndPass(forge, 1);
    const base = git(dir, "rev-parse", "main");

    const merged = await forge.merge(1, head);

    const sha = git(dir, "rev-parse", "main");
    expect(merged).toMatchObject({
      state: "merged",
      merged: { at: "2026-11-21T09:00:00Z", by: "alice", sha },
    });
    expect(git(dir, "log", "-1", "--format=%P|%s|%an <%ae>", "main")).toBe(
      `${base} ${head}|Merge pull request #1 from kopt/demo/todo/backend/rightsize|alice <alice@example.com>`,
    );
    // The checkout follows: no staged reverse of the merge, the new files there.
    expect(git(dir, "status", "--porcelain", "--untracked-files=no")).toBe("");
    expect(readFileSync(join(dir, "values.yaml"), "utf8")).toBe("cpu: 500m\n");
    expect(await (await forgeAs()).pullRequest(1)).toMatchObject({ state: "merged", headSha: head });
    expect((await forge.mergedPullRequestOf(sha))?.number).toBe(1);
    expect(await forge.mergedPullRequestOf(base)).toBeUndefined();
    expect(readFileSync(join(dir, draftPath("kopt/demo/todo/backend/rightsize")), "utf8")).toMatch(
      /\nnumber: 1\nstate: merged\n---\n/,
    );
    expect(await forge.openPullRequests("kopt/")).toEqual([]);
    const again = koptError(await forge.merge(1, head).catch((e) => e));
    expect(again.message).toBe("pull request #1 is merged: only open ones can be merged");
  });

  it("moves the base ref alone (compare-and-swap) when no worktree has it checked out", async () => {
    git(dir, "switch", "-q", "--detach");
    const forge = await forgeAs();
    await forge.upsert(proposal("backend"));
    const head = await approveAndPass(forge, 1);
    await forge.merge(1, head);
    expect(git(dir, "rev-parse", "main^2")).toBe(head);
    expect(readFileSync(join(dir, "values.yaml"), "utf8")).toBe("cpu: 1\n");
  });

  it("refuses without a success kopt/approval status on the head: none, then pending", async () => {
    const forge = await forgeAs();
    const { commit } = await forge.upsert(proposal("backend"));
    const base = git(dir, "rev-parse", "main");
    const none = koptError(await forge.merge(1, commit as string).catch((e) => e));
    expect(none.message).toBe(
      `#1 cannot be merged: the required status kopt/approval on ${commit?.slice(0, 7)} is not set`,
    );
    expect(none.hint).toContain("kopt review --pr 1 --approve --as <login>");
    await forge.setStatus(commit as string, "kopt/approval", {
      state: "pending",
      description: "1 approval from architects needed",
      targetUrl: "",
    });
    const pending = koptError(await forge.merge(1, commit as string).catch((e) => e));
    expect(pending.message).toMatch(/is pending \(1 approval from architects needed\)$/);
    expect(git(dir, "rev-parse", "main")).toBe(base);
  });

  it("refuses when the head moved since it was approved", async () => {
    const forge = await forgeAs();
    const first = await approveAndPass(forge, (await forge.upsert(proposal("backend"))).pullNumber as number);
    const moved = await (await forgeAs()).upsert(proposal("backend", "400m"));
    expect(moved).toMatchObject({ status: "updated", pullNumber: 1 });
    const err = koptError(await forge.merge(1, first).catch((e) => e));
    expect(err.message).toBe(
      `the head of #1 moved: it is ${moved.commit?.slice(0, 7)}, not ${first.slice(0, 7)}`,
    );
    expect(err.hint).toBe("run kopt gate --pr 1 on the new head, then merge that");
  });

  it("refuses to move a checked-out base whose worktree has uncommitted changes, and changes nothing", async () => {
    const forge = await forgeAs();
    await forge.upsert(proposal("backend"));
    const head = await approveAndPass(forge, 1);
    const base = git(dir, "rev-parse", "main");
    writeFileSync(join(dir, "values.yaml"), "cpu: 3\n");
    const err = koptError(await forge.merge(1, head).catch((e) => e));
    expect(err.message).toBe(
      `main is checked out in the main worktree ${git(dir, "rev-parse", "--show-toplevel")}, which has uncommitted changes (values.yaml)`,
    );
    expect(err.hint).toMatch(/^commit or stash them/);
    expect(git(dir, "rev-parse", "main")).toBe(base);
    expect(readFileSync(join(dir, "values.yaml"), "utf8")).toBe("cpu: 3\n");
    expect((await forge.pullRequest(1)).state).toBe("open");
  });

  it("finds a pull request a person merged by hand (git merge --no-ff): merged, with the merge's time and author", async () => {
    const forge = await forgeAs();
    const { commit } = await forge.upsert(proposal("backend"));
    git(dir, "merge", "--no-ff", "-q", "-m", "merged by hand", "kopt/demo/todo/backend/rightsize");
    const sha = git(dir, "rev-parse", "main");
    const found = await forge.mergedPullRequestOf(sha);
    expect(found).toMatchObject({
      number: 1,
      state: "merged",
      headSha: commit,
      merged: { sha, by: "Test Person" },
    });
    expect((await forge.pullRequest(1)).state).toBe("merged");
    expect(await forge.openPullRequests("kopt/")).toEqual([]);
  });

  it("pushBase moves the base from the expected commit only", async () => {
    const forge = await forgeAs();
    const base = git(dir, "rev-parse", "main");
    const repo = await openRepository(dir);
    const next = await commitFiles(repo, base, [{ path: "phr/x.md", content: "x\n" }], "record");
    expect(await forge.pushBase(next, "0".repeat(40))).toBe(false);
    expect(git(dir, "rev-parse", "main")).toBe(base);
    expect(await forge.pushBase(next, base)).toBe(true);
    expect(git(dir, "rev-parse", "main")).toBe(next);
    expect(readFileSync(join(dir, "phr/x.md"), "utf8")).toBe("x\n");
  });
});

describe("LocalForge closing obsolete proposals", () => {
  it("closes kopt's proposals not kept: a comment, the draft marked closed, the branch deleted; reverts and records stay", async () => {
    const forge = await forgeAs();
    await forge.upsert(proposal("backend"));
    const gone = await forge.upsert(proposal("frontend"));
    await forge.proposeCommit("kopt/demo/rollback/abc", gone.commit as string, {
      title: "Roll back",
      body: "",
      labels: [],
      tier: "low",
    });
    const keep = new Set(["kopt/demo/todo/backend/rightsize"]);
    const reason = (b: string) => `${b} is no longer recommended`;

    const dry = await forge.closeObsolete("kopt/demo/", keep, reason, true);
    expect(dry.map((c) => c.branch)).toEqual(["kopt/demo/todo/frontend/rightsize"]);
    expect((await forge.pullRequest(2)).state).toBe("open");

    const closed = await forge.closeObsolete("kopt/demo/", keep, reason, false);
    expect(closed).toEqual([
      {
        branch: "kopt/demo/todo/frontend/rightsize",
        location: draftPath("kopt/demo/todo/frontend/rightsize"),
        reason: "kopt/demo/todo/frontend/rightsize is no longer recommended",
      },
    ]);
    expect(await forge.pullRequest(2)).toMatchObject({ state: "closed", headSha: gone.commit });
    expect(await forge.hasComment(2, "is no longer recommended", true)).toBe(true);
    expect(readFileSync(join(dir, draftPath("kopt/demo/todo/frontend/rightsize")), "utf8")).toMatch(
      /\nnumber: 2\nstate: closed\nreason: kopt\/demo\/todo\/frontend\/rightsize is no longer recommended\n---\n/,
    );
    expect(await forge.branchHead("kopt/demo/todo/frontend/rightsize")).toBeUndefined();
    expect((await forge.openPullRequests("kopt/demo/")).map((p) => p.number)).toEqual([1, 3]);
    // The recommendation comes back: a new pull request.
    expect((await forge.upsert(proposal("frontend"))).pullNumber).toBe(4);
  });
});
