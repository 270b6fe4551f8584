// `kopt setup` end to end against the GitHub simulator: the dry run only says what it would set; the real run
// creates kopt's labels and protects main so that the simulator (enforcing protection as GitHub does) refuses
// to merge a pull request until kopt/approval is success and it has an approval. Running it twice is fine.
import { expect, it } from "vitest";
import { allLabels } from "../src/propose/labels.ts";
import { APPROVAL_CONTEXT } from "../src/workflows/gate.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import { OWNER, REPO, type World, worldForTest } from "./support/github-world.ts";

let w: World | undefined;

const writes = (world: World) => world.sim.requests.filter((r) => r.method !== "GET");

async function setup(world: World, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const r = await world.kopt(["setup", "--cluster", "demo", ...extra], { env });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
}

it("--dry-run prints the labels and the protection it would set and sends no write request", async () => {
  w = await worldForTest();
  // No token needed: the dry run talks to nobody.
  const out = await setup(w, ["--dry-run"], { GITHUB_TOKEN: undefined });
  expect(out).toContain(`kopt setup · ${OWNER}/${REPO} · dry run: nothing changed`);
  for (const l of allLabels()) expect(out).toContain(l.name);
  expect(out).toContain("Branch protection on main (would set):");
  expect(out).toContain(`required status checks: ${APPROVAL_CONTEXT}`);
  expect(out).toContain("1 approval, code owners must review, stale approvals dismissed on push");
  expect(writes(w)).toEqual([]);
  expect(w.sim.requests).toEqual([]);
  expect(w.sim.state.labels).toEqual([]);
  expect(w.sim.state.branchProtection).toEqual({});
});

it("creates every label and protects main; the simulator then refuses merges until the gate and an approval allow them", async () => {
  w = await worldForTest();
  const world = w;
  const out = await setup(world);
  expect(out).not.toContain("dry run");
  expect(out).toContain("Labels ensured:");

  // Every kopt label, with its colour and description.
  const specs = allLabels();
  expect(specs.length).toBeGreaterThan(5);
  // The weekly reports' label and the security fixes' kind are created up front like the others.
  expect(specs.map((l) => l.name)).toEqual(expect.arrayContaining(["kopt/report", "kopt/kind:security"]));
  for (const spec of specs) {
    const l = world.sim.state.labels.find((x) => x.name === spec.name);
    expect(l, spec.name).toBeDefined();
    expect(l?.color).toBe(spec.color);
    expect(l?.description).toBe(spec.description);
  }
  expect(world.sim.state.labels).toHaveLength(specs.length);

  const prot = world.sim.state.branchProtection.main;
  expect(prot?.requiredStatusChecks?.contexts).toEqual([APPROVAL_CONTEXT]);
  expect(prot?.requiredPullRequestReviews).toMatchObject({
    requireCodeOwnerReviews: true,
    dismissStaleReviews: true,
    requiredApprovingReviewCount: 1,
  });
  expect(prot?.enforceAdmins).toBe(false);
  // GitHub renders it back the same way.
  const { data: rendered } = await world
    .octokit()
    .repos.getBranchProtection({ owner: OWNER, repo: REPO, branch: "main" });
  expect(rendered.required_status_checks?.contexts).toEqual([APPROVAL_CONTEXT]);
  expect(rendered.required_pull_request_reviews?.required_approving_review_count).toBe(1);

  // Twice is fine: nothing new, the same protection.
  const labelsBefore = world.sim.state.labels.map((l) => l.name);
  await setup(world);
  expect(world.sim.state.labels.map((l) => l.name)).toEqual(labelsBefore);
  expect(world.sim.state.branchProtection.main).toEqual(prot);

  // A pull request kopt opens; merging it as alice (not an admin) goes through protection.
  const r = await world.kopt(["plan", "--cluster", "demo", "--workload", "todo/backend", "--output", "json"]);
  expect(r.code).toBe(0);
  const [proposal] = (JSON.parse(r.stdout) as PlanOutcome).proposals;
  const pull = world.sim.state.pulls.find((p) => p.head === proposal?.branch);
  if (!pull) throw new Error("no pull request opened");
  const ci = world.octokit();
  const alice = world.octokit("alice");
  const setStatus = (state: "pending" | "success") =>
    ci.repos.createCommitStatus({
      owner: OWNER,
      repo: REPO,
      sha: pull.headSha,
      state,
      context: APPROVAL_CONTEXT,
    });
  const merge = () =>
    alice.pulls.merge({ owner: OWNER, repo: REPO, pull_number: pull.number, merge_method: "merge" });
  const refused = async (message: RegExp) => {
    const e = (await merge().catch((x: unknown) => x)) as {
      status?: number;
      response?: { data?: { message?: string } };
    };
    expect(e.status).toBe(405);
    expect(e.response?.data?.message).toMatch(message);
  };

  // The gate is green but nobody approved: refused.
  await setStatus("success");
  await refused(/At least 1 approving review is required/);
  // Approved, but the gate says pending: refused.
  await world.sim.addReview(pull.number, { user: "alice", state: "APPROVED" });
  await setStatus("pending");
  await refused(/Required status check "kopt\/approval" is expected/);
  expect(world.sim.state.pulls.find((p) => p.number === pull.number)?.merged).toBe(false);
  // Approved and success: merged.
  await setStatus("success");
  const { data: merged } = await merge();
  expect(merged.merged).toBe(true);
  expect(world.sim.state.pulls.find((p) => p.number === pull.number)?.merged).toBe(true);
}, 60_000);
