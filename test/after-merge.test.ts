// `kopt after-merge` with forge.github.afterMerge.record: commit, end to end against the GitHub simulator:
// the PHR update is pushed straight to main (no record pull request), a second run records nothing, and a
// PHR that reached main without a pull request is a warning, never recorded as approved.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";
import type { PhrFrontMatter } from "../src/formats/phr.ts";
import { readPhrFront } from "../src/formats/phr.ts";
import { type AfterMergeOutcome, RECORD_BRANCH } from "../src/workflows/after-merge.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import { mergeAs, OWNER, REPO, type World, worldForTest } from "./support/github-world.ts";
import { git } from "./support/repo.ts";

let w: World | undefined;

const COMMIT_MODE = "    afterMerge:\n      record: commit\n";

async function planOne(world: World): Promise<PlanOutcome["proposals"][number]> {
  const r = await world.kopt(["plan", "--cluster", "demo", "--workload", "todo/backend", "--output", "json"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const [proposal] = (JSON.parse(r.stdout) as PlanOutcome).proposals;
  if (!proposal) throw new Error("nothing proposed");
  expect(proposal.tier).toBe("medium");
  return proposal;
}

async function afterMergeJson(world: World): Promise<{ outcome: AfterMergeOutcome; stderr: string }> {
  const r = await world.kopt(["after-merge", "--output", "json"]);
  expect(r.code).toBe(0);
  const [outcome] = JSON.parse(r.stdout) as AfterMergeOutcome[];
  if (!outcome) throw new Error("no outcome");
  return { outcome, stderr: r.stderr };
}

const mainSha = (world: World) => git(world.sim.repoDir, "rev-parse", "refs/heads/main");

it("record: commit pushes the PHR update straight to main; a second run records nothing", async () => {
  w = await worldForTest({ githubExtra: COMMIT_MODE });
  const world = w;
  const proposal = await planOne(world);
  const pull = world.sim.state.pulls.find((p) => p.head === proposal.branch);
  if (!pull) throw new Error("no pull request opened");
  // medium: one architect.
  await world.sim.addReview(pull.number, { user: "alice", state: "APPROVED" });
  const merged = await mergeAs(world, "alice", pull.number);
  expect(mainSha(world)).toBe(merged.sha);

  const { outcome, stderr } = await afterMergeJson(world);
  expect(stderr).toBe("");
  expect(outcome.warnings).toEqual([]);
  expect(outcome.recorded.map((r) => [r.id, r.pullRequest, r.mergeSha])).toEqual([
    [proposal.id, pull.number, merged.sha],
  ]);
  expect(outcome.record).toMatchObject({ mode: "commit", status: "created", merged: true });
  // main moved to the record commit, a child of the merge, pushed by kopt's token.
  const head = mainSha(world);
  expect(outcome.record?.location).toBe(head);
  expect(git(world.sim.repoDir, "rev-parse", `${head}^`)).toBe(merged.sha);
  expect(git(world.sim.repoDir, "diff", "--name-only", merged.sha, head)).toBe(proposal.phr);
  const pushes = world.sim.requests.filter(
    (r) => r.git && r.path.endsWith("/git-receive-pack") && r.status === 200,
  );
  expect(pushes.at(-1)?.login).toBe("kopt-ci");
  // No record pull request, no record branch.
  expect(world.sim.state.pulls.filter((p) => p.head === RECORD_BRANCH("demo"))).toEqual([]);
  expect(world.sim.state.pulls).toHaveLength(1);
  expect(git(world.sim.repoDir, "branch", "--list", RECORD_BRANCH("demo"))).toBe("");

  world.sync();
  const phr = readPhrFront(git(world.work, "show", `HEAD:${proposal.phr}`), proposal.phr) as PhrFrontMatter;
  expect(phr.status).toBe("approved");
  expect(phr.approvals?.map((a) => [a.user, a.as])).toEqual([["alice", ["architects"]]]);
  expect(phr.merge).toMatchObject({ pullRequest: pull.number, sha: merged.sha, by: "alice" });

  // A second run finds nothing to record and pushes nothing.
  const again = await afterMergeJson(world);
  expect(again.stderr).toBe("");
  expect(again.outcome.recorded).toEqual([]);
  expect(again.outcome.record).toBeNull();
  expect(mainSha(world)).toBe(head);
}, 60_000);

it("a PHR committed straight to main without a pull request is a warning, not recorded as approved", async () => {
  w = await worldForTest({ githubExtra: COMMIT_MODE });
  const world = w;
  const proposal = await planOne(world);
  // Someone copies the PHR from kopt's branch onto main by hand, bypassing the pull request.
  const dir = world.person;
  git(dir, "fetch", "-q", "origin");
  const text = git(dir, "show", `origin/${proposal.branch}:${proposal.phr}`);
  expect(readPhrFront(text, proposal.phr).status).toBe("proposed");
  mkdirSync(dirname(join(dir, proposal.phr)), { recursive: true });
  writeFileSync(join(dir, proposal.phr), `${text}\n`);
  git(dir, "add", proposal.phr);
  git(dir, "commit", "-q", "-m", "add a PHR by hand");
  const handSha = git(dir, "rev-parse", "HEAD");
  git(dir, "push", "-q", "origin", "HEAD:refs/heads/main");

  const { outcome, stderr } = await afterMergeJson(world);
  expect(outcome.recorded).toEqual([]);
  expect(outcome.record).toBeNull();
  expect(outcome.warnings).toHaveLength(1);
  expect(outcome.warnings[0]).toContain(proposal.phr);
  expect(outcome.warnings[0]).toContain("without a merged pull request");
  expect(outcome.warnings[0]).toContain(handSha.slice(0, 7));
  expect(stderr).toContain(proposal.phr);
  expect(stderr).toContain("without a merged pull request");
  // main is untouched and the PHR still says proposed.
  expect(mainSha(world)).toBe(handSha);
  expect(readPhrFront(git(world.sim.repoDir, "show", `main:${proposal.phr}`), proposal.phr).status).toBe(
    "proposed",
  );
}, 60_000);

it("records a pull request a person closed unmerged as rejected (who, when), once", async () => {
  w = await worldForTest();
  const world = w;
  const proposal = await planOne(world);
  const pull = world.sim.state.pulls.find((p) => p.head === proposal.branch);
  if (!pull) throw new Error("no pull request opened");
  await world
    .octokit("alice")
    .pulls.update({ owner: OWNER, repo: REPO, pull_number: pull.number, state: "closed" });
  const closedAt = pull.closedAt as string;

  const { outcome, stderr } = await afterMergeJson(world);
  expect(stderr).toBe("");
  expect(outcome.recorded).toEqual([]);
  expect(outcome.rejected).toEqual([
    { phr: proposal.phr, id: proposal.id, pullRequest: pull.number, closedAt, closedBy: "alice" },
  ]);
  // The trivial record pull request, merged by kopt.
  expect(outcome.record).toMatchObject({ mode: "pull-request", merged: true });
  const record = world.sim.state.pulls.find((p) => p.head === RECORD_BRANCH("demo"));
  expect(record?.title).toBe(`kopt: record the rejection of #${pull.number}`);
  const phr = readPhrFront(git(world.sim.repoDir, "show", `main:${proposal.phr}`), proposal.phr);
  expect(phr.status).toBe("rejected");
  expect(phr.rejection).toEqual({ pullRequest: pull.number, closedAt, closedBy: "alice" });

  // A second run records nothing new.
  const head = mainSha(world);
  const again = await afterMergeJson(world);
  expect(again.outcome.rejected).toEqual([]);
  expect(again.outcome.record).toBeNull();
  expect(mainSha(world)).toBe(head);
}, 60_000);
