// kopt's whole lifecycle on the local forge, offline, through the CLI: plan opens pull request #1, the gate
// holds it (pending), an architect approves it with `kopt review` (and a security reviewer when the tier is
// critical), the gate passes it, `kopt merge` merges it, after-merge records the approvals in its PHR, and
// rollback opens the revert; a second after-merge and rollback change nothing. The steps run in order on one
// repository, each building on the one before: a failing step names the part of the lifecycle that broke.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AfterMergeOutcome } from "../src/workflows/after-merge.ts";
import type { GateOutcome } from "../src/workflows/gate.ts";
import type { MergeOutcome } from "../src/workflows/merge.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import type { ReviewOutcome } from "../src/workflows/review.ts";
import type { RollbackOutcome } from "../src/workflows/rollback.ts";
import { demoRepo, git, kopt, type TempRepo } from "./support/repo.ts";

let repo: TempRepo;
beforeAll(() => {
  repo = demoRepo();
  // Approvers named in kopt.yaml (no teams needed): alice is an architect, bob a security reviewer.
  const file = join(repo.dir, "clusters/demo/kopt.yaml");
  const approval =
    "policy:\n  approval:\n    architects: { users: [alice] }\n    security: { users: [bob] }\n";
  writeFileSync(file, `${readFileSync(file, "utf8")}\n${approval}`);
  git(repo.dir, "commit", "-qam", "approvers");
});
afterAll(() => repo.cleanup());

/** `kopt --repo <dir> <args> --output json`, which must succeed quietly. */
async function json<T>(...args: string[]): Promise<T> {
  const r = await kopt("--repo", repo.dir, ...args, "--output", "json");
  expect(r.stderr, r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

let proposal: PlanOutcome["proposals"][number];
let head: string;
let mergeSha: string;
let rolledBack: RollbackOutcome;

describe("the whole lifecycle on the local forge", () => {
  it("plan opens pull requests numbered from 1", async () => {
    const out = await json<PlanOutcome>("plan", "--cluster", "demo");
    expect(out.proposals.map((p) => p.pullRequest)).toEqual(out.proposals.map((_, i) => i + 1));
    proposal = out.proposals[0] as PlanOutcome["proposals"][number];
    head = proposal.commit as string;
    expect(proposal.pullRequest).toBe(1);
  });

  it("the gate holds #1: pending, naming the approval it lacks", async () => {
    const gate = await json<GateOutcome>("gate", "--pr", "1");
    expect(gate).toMatchObject({ pr: 1, headSha: head, cluster: "demo", state: "pending", changed: true });
    expect(gate.tier).toBe(proposal.tier);
    expect(gate.description).toContain("architects (alice)");
  });

  it("kopt merge refuses while the status is not success", async () => {
    const r = await kopt("--repo", repo.dir, "merge", "--pr", "1");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `#1 cannot be merged: the required status kopt/approval on ${head.slice(0, 7)} is pending`,
    );
  });

  it("an architect approves with kopt review (and a security reviewer, were the tier critical)", async () => {
    const alice = await json<ReviewOutcome>("review", "--pr", "1", "--approve", "--as", "alice");
    expect(alice).toMatchObject({ pr: 1, user: "alice", state: "APPROVED", headSha: head });
    if (proposal.tier === "critical") {
      await json<ReviewOutcome>("review", "--pr", "1", "--approve", "--as", "bob", "--body", "security ok");
    }
  });

  it("the gate passes #1: success, counting alice as an architect", async () => {
    const gate = await json<GateOutcome>("gate", "--pr", "1");
    expect(gate).toMatchObject({ pr: 1, headSha: head, state: "success", changed: true });
    expect(gate.approval?.counted.map((c) => [c.user, c.as])).toEqual(
      expect.arrayContaining([["alice", ["architects"]]]),
    );
  });

  it("kopt merge makes a merge commit on main and the checkout follows", async () => {
    const before = git(repo.dir, "rev-parse", "main");
    const merged = await json<MergeOutcome>("merge", "--pr", "1");
    mergeSha = git(repo.dir, "rev-parse", "main");
    expect(merged).toMatchObject({
      pr: 1,
      branch: proposal.branch,
      headSha: head,
      merged: { sha: mergeSha },
    });
    expect(git(repo.dir, "rev-parse", "main^1", "main^2")).toBe(`${before}\n${head}`);
    expect(git(repo.dir, "log", "-1", "--format=%s", "main")).toBe(
      `Merge pull request #1 from ${proposal.branch}`,
    );
    expect(git(repo.dir, "status", "--porcelain", "--untracked-files=no")).toBe("");
    expect(readFileSync(join(repo.dir, proposal.phr), "utf8")).toContain(`id: ${proposal.id}`);
  });

  it("after-merge records the approvals and the merge in the PHR: status approved", async () => {
    const [out] = await json<AfterMergeOutcome[]>("after-merge", "--cluster", "demo");
    expect(out?.recorded.map((r) => [r.phr, r.pullRequest, r.mergeSha])).toEqual([
      [proposal.phr, 1, mergeSha],
    ]);
    expect(out?.recorded[0]?.approvals?.map((a) => [a.user, a.as])).toEqual([["alice", ["architects"]]]);
    expect(out?.record).toMatchObject({ merged: true });
    const phr = git(repo.dir, "show", `main:${proposal.phr}`);
    expect(phr).toMatch(/\nstatus: approved\n/);
    expect(phr).toContain("- Approved by: alice (architects)");
  });

  it("rollback <phr-id> opens the revert pull request", async () => {
    rolledBack = await json<RollbackOutcome>("rollback", proposal.id, "--cluster", "demo");
    expect(rolledBack.original).toMatchObject({
      id: proposal.id,
      phr: proposal.phr,
      pullRequest: 1,
      mergeSha,
    });
    expect(rolledBack.rollback).toMatchObject({
      status: "created",
      branch: `kopt/demo/rollback/${proposal.id}`,
    });
    const revert = rolledBack.rollback.commit as string;
    // The values go back: the revert's values file is main's before the merge.
    expect(git(repo.dir, "show", `${revert}:clusters/demo/values.yaml`)).toBe(
      git(repo.dir, "show", `${mergeSha}^1:clusters/demo/values.yaml`),
    );
  });

  it("a second after-merge and rollback change nothing", async () => {
    const refs = git(repo.dir, "for-each-ref", "--format=%(refname) %(objectname)");
    const [again] = await json<AfterMergeOutcome[]>("after-merge", "--cluster", "demo");
    expect(again?.recorded).toEqual([]);
    expect(again?.record).toBeNull();
    const rb = await json<RollbackOutcome>("rollback", proposal.id, "--cluster", "demo");
    expect(rb.rollback).toEqual({ ...rolledBack.rollback, status: "unchanged" });
    expect(git(repo.dir, "for-each-ref", "--format=%(refname) %(objectname)")).toBe(refs);
  });
});

describe("kopt review and kopt merge refuse what they cannot do", () => {
  let other: TempRepo;
  beforeAll(async () => {
    other = demoRepo();
    const r = await kopt("--repo", other.dir, "plan", "--cluster", "demo");
    expect(r.code).toBe(0);
  });
  afterAll(() => other.cleanup());

  const refused = async (args: string[], message: string) => {
    const r = await kopt("--repo", other.dir, ...args);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")[0]).toBe(`kopt: error: ${message}`);
    expect(r.code).toBe(2);
    return r.stderr;
  };

  it("a review needs a verdict, one of them", async () => {
    const none = await refused(["review", "--pr", "1", "--as", "alice"], "kopt review needs a verdict");
    expect(none).toContain("fix: add --approve or --request-changes");
    await refused(
      ["review", "--pr", "1", "--approve", "--request-changes", "--as", "alice"],
      "option '--approve' cannot be used with option '--request-changes'",
    );
  });

  it("the reviewer must be a plain login, and not kopt, the author", async () => {
    const name = await refused(
      ["review", "--pr", "1", "--approve", "--as", "Test Person"],
      'not a plain login: "Test Person"',
    );
    expect(name).toContain("fix: pass --as <login>");
    await refused(
      ["review", "--pr", "1", "--approve", "--as", "kopt"],
      "kopt opened #1 and cannot review it",
    );
  });

  it("a pull request that does not exist, for review and merge alike", async () => {
    const root = git(other.dir, "rev-parse", "--show-toplevel");
    await refused(["review", "--pr", "9", "--approve", "--as", "alice"], `no pull request #9 in ${root}`);
    await refused(["merge", "--pr", "9"], `no pull request #9 in ${root}`);
  });

  it("a request for changes is recorded, and merge still refuses without the gate's success", async () => {
    const r = await kopt("--repo", other.dir, "review", "--pr", "2", "--request-changes", "--as", "bob");
    const head = /^bob requested changes on #2 \(kopt\/demo\/todo\/\S+\) at ([0-9a-f]{7}), /.exec(
      r.stdout,
    )?.[1];
    expect(head).toBeDefined();
    await refused(
      ["merge", "--pr", "2"],
      `#2 cannot be merged: the required status kopt/approval on ${head} is not set`,
    );
  });
});
