// The whole approval loop, end to end against the GitHub simulator and real git: kopt plan opens a pull
// request with labels and reviewers; the gate's status is pending until the tier's approvals arrive, then
// success; the pull request is merged; kopt after-merge records the approvals and the merge in the PHR (a
// trivial record pull request kopt merges itself); kopt rollback opens the revert pull request.
import { expect, it } from "vitest";
import type { PhrFrontMatter } from "../src/formats/phr.ts";
import { readPhrFront } from "../src/formats/phr.ts";
import type { AfterMergeOutcome } from "../src/workflows/after-merge.ts";
import type { GateOutcome } from "../src/workflows/gate.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import type { RollbackOutcome } from "../src/workflows/rollback.ts";
import { mergeAs, type World, worldForTest } from "./support/github-world.ts";
import { git } from "./support/repo.ts";

let w: World | undefined;

async function json<T>(world: World, args: string[]): Promise<T> {
  const r = await world.kopt([...args, "--output", "json"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const statusOf = (world: World, sha: string) =>
  world.sim.state.statuses.filter((s) => s.sha === sha && s.context === "kopt/approval").at(-1);

it("plan -> PR with labels and reviewers -> approvals -> gate pending then success -> merge -> after-merge record -> rollback PR", async () => {
  // Critical for right-sizing, so the gate needs an architect and a security reviewer.
  w = await worldForTest({ configExtra: "  tiers:\n    kinds:\n      rightsize: critical\n" });
  const world = w;
  const planned = await json<PlanOutcome>(world, ["plan", "--cluster", "demo", "--workload", "todo/backend"]);
  expect(planned.proposals.map((p) => [p.kind, p.tier, p.status])).toEqual([
    ["rightsize", "critical", "created"],
  ]);
  const proposal = planned.proposals[0] as PlanOutcome["proposals"][number];
  const pull = world.sim.state.pulls.find((p) => p.head === proposal.branch);
  if (!pull) throw new Error("no pull request opened");
  expect(pull.labels.sort()).toEqual(["kopt", "kopt/kind:rightsize", "kopt/tier:critical"]);
  expect(pull.requestedTeams.sort()).toEqual(["architects", "security"]);

  // plan already set the gate's status on the new head (a PR opened by Actions' token triggers no workflow).
  expect(proposal.pullRequest).toBe(pull.number);
  expect(statusOf(world, pull.headSha)?.state).toBe("pending");
  // No approvals yet: pending, and the status says what is missing.
  const gate = () => json<GateOutcome>(world, ["gate", "--pr", String(pull.number)]);
  let g = await gate();
  expect(g.state).toBe("pending");
  expect(statusOf(world, pull.headSha)?.state).toBe("pending");
  expect(g.description).toMatch(/^critical: /);
  expect(g.description).toContain("@acme/security");

  // One architect: still pending (critical needs two people, one of them security).
  await world.sim.addReview(pull.number, { user: "alice", state: "APPROVED" });
  g = await gate();
  expect(g.state).toBe("pending");
  expect(g.description).toContain("@acme/security");
  // Security too: success.
  await world.sim.addReview(pull.number, { user: "bob", state: "APPROVED" });
  g = await gate();
  expect(g.state).toBe("success");
  expect(statusOf(world, pull.headSha)?.state).toBe("success");

  // Merge as alice would in the UI.
  const merged = await mergeAs(world, "alice", pull.number);

  // After merge: the PHR records the approvals, the merge and the latency, through a trivial PR kopt merges.
  const [recorded] = await json<AfterMergeOutcome[]>(world, ["after-merge"]);
  expect(recorded?.recorded.map((r) => [r.id, r.pullRequest, r.mergeSha])).toEqual([
    [proposal.id, pull.number, merged.sha],
  ]);
  expect(recorded?.record?.merged).toBe(true);
  const recordPull = world.sim.state.pulls.find((p) => p.head === "kopt/demo/records");
  expect(recordPull?.labels).toContain("kopt/tier:trivial");
  expect(recordPull?.merged).toBe(true);
  world.sync();
  const phr = readPhrFront(git(world.work, "show", `HEAD:${proposal.phr}`), proposal.phr) as PhrFrontMatter;
  expect(phr.status).toBe("approved");
  expect(phr.approvals?.map((a) => [a.user, a.as])).toEqual([
    ["alice", ["architects"]],
    ["bob", ["security"]],
  ]);
  expect(phr.merge).toMatchObject({ pullRequest: pull.number, sha: merged.sha, by: "alice" });
  expect(phr.merge?.approvalLatencyMinutes).toBeGreaterThanOrEqual(0);
  // A second run finds nothing left to record.
  const [again] = await json<AfterMergeOutcome[]>(world, ["after-merge"]);
  expect(again?.recorded).toEqual([]);
  expect(again?.record).toBeNull();

  // Rollback by PR number: a revert PR (a real git revert of the merge), its own PHR, a comment on the original.
  const rb = await json<RollbackOutcome>(world, ["rollback", String(pull.number)]);
  expect(rb.original).toMatchObject({ id: proposal.id, pullRequest: pull.number, mergeSha: merged.sha });
  expect(rb.rollback.status).toBe("created");
  const revert = world.sim.state.pulls.find((p) => p.number === rb.rollback.pullNumber);
  expect(revert?.head).toBe(`kopt/demo/rollback/${proposal.id}`);
  expect(revert?.labels.sort()).toEqual(["kopt", "kopt/kind:rollback", "kopt/tier:low"]);
  git(world.work, "fetch", "-q", "origin");
  const head = `origin/${revert?.head}`;
  // The values are back to what they were before the merge; the PHRs stay.
  expect(git(world.work, "show", `${head}:clusters/demo/values.yaml`)).toBe(
    git(world.work, "show", `${merged.sha}^1:clusters/demo/values.yaml`),
  );
  expect(git(world.work, "log", "-1", "--format=%s", head)).toMatch(
    /^Revert "Right-size todo\/backend on demo/,
  );
  const original = readPhrFront(git(world.work, "show", `${head}:${proposal.phr}`), proposal.phr);
  expect(original.status).toBe("rolled-back");
  expect(original.rolledBackBy?.id).toBe(rb.rollback.id);
  const rollbackPhr = readPhrFront(git(world.work, "show", `${head}:${rb.rollback.phr}`), rb.rollback.phr);
  expect(rollbackPhr).toMatchObject({ kind: "rollback", tier: "low", status: "proposed" });
  expect(rollbackPhr.rollbackOf).toMatchObject({
    id: proposal.id,
    pullRequest: pull.number,
    mergeSha: merged.sha,
  });
  expect(rollbackPhr.changes.map((c) => [c.path, c.from, c.to])).toEqual(
    phr.changes.map((c) => [c.path, c.to, c.from]),
  );
  const comment = world.sim.state.comments.filter((c) => c.issueNumber === pull.number).at(-1);
  expect(comment?.body).toContain(`Rollback opened: #${rb.rollback.pullNumber}`);
  // Running it again opens nothing new and comments once.
  const rb2 = await json<RollbackOutcome>(world, ["rollback", proposal.id]);
  expect(rb2.rollback.status).toBe("unchanged");
  expect(rb2.commented).toBe(false);
  expect(world.sim.state.pulls.filter((p) => p.head === revert?.head)).toHaveLength(1);
  // The revert PR is low: one reviewer is enough for the gate.
  await world.sim.addReview(revert?.number as number, { user: "carol", state: "APPROVED" });
  const rg = await json<GateOutcome>(world, ["gate", "--pr", String(revert?.number)]);
  expect([rg.tier, rg.state]).toEqual(["low", "success"]);
}, 120_000);
