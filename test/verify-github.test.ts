// `kopt verify` against the GitHub simulator: a change approved by alice, merged in GitHub's UI and recorded
// by after-merge; its rollout shows an 8% error rate in the gate. The PHR is set regressed through the
// record pull request, the revert is opened with the regression title and label, alice is mentioned, the
// original pull request is commented; a rerun adds nothing. With afterMerge.record: commit, the record is a
// direct push and the revert still sits on top of it.
import { expect, it } from "vitest";
import { readPhrFront } from "../src/formats/phr.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import type { VerifySources } from "../src/workflows/verify/ports.ts";
import { type VerifyRun, verify } from "../src/workflows/verify.ts";
import { mergeAs, type World, worldEnv, worldForTest } from "./support/github-world.ts";
import { git } from "./support/repo.ts";

const MIN = 60_000;
const TARGET = { tool: "argocd", name: "todo-chatbot", namespace: "argocd" } as const;

/** Argo CD applied the merge a minute after it, the new pods started a minute later; 8% errors since. */
function regressingSources(mergeAt: number): VerifySources {
  const appliedAt = mergeAt + 2 * MIN;
  return {
    gitops: {
      applied: async (_t, sha) => ({
        state: "applied",
        revision: sha,
        at: new Date(mergeAt + MIN).toISOString(),
        reason: "Synced, Healthy",
      }),
    },
    rollout: {
      rollout: async () => ({
        state: "rolled-out",
        startedAt: new Date(appliedAt).toISOString(),
        reason: "2/2 pods updated",
      }),
    },
    metrics: {
      measure: async (_w, window) => {
        const after = window.start.getTime() >= appliedAt;
        return {
          errorRate: after ? 0.082 : 0.004,
          errorRateMean: after ? 0.07 : 0.002,
          p99LatencySeconds: 0.2,
          restarts: 0,
          oomKills: 0,
          maxUnreadyPods: 0,
          cpuThrottledShare: 0,
          cpuUsageOverRequest: 0.5,
          memoryUsageOverRequest: 0.6,
          samples: 10,
          start: window.start.toISOString(),
          end: window.end.toISOString(),
        };
      },
    },
  };
}

async function mergedAndRecorded(world: World) {
  const r = await world.kopt(["plan", "--cluster", "demo", "--workload", "todo/backend", "--output", "json"]);
  expect(r.code).toBe(0);
  const proposal = (JSON.parse(r.stdout) as PlanOutcome).proposals[0] as PlanOutcome["proposals"][number];
  const pull = world.sim.state.pulls.find((p) => p.head === proposal.branch);
  if (!pull) throw new Error("no pull request opened");
  await world.sim.addReview(pull.number, { user: "alice", state: "APPROVED" });
  const merged = await mergeAs(world, "alice", pull.number);
  const am = await world.kopt(["after-merge", "--output", "json"]);
  expect(am.code).toBe(0);
  world.sync();
  const front = readPhrFront(git(world.work, "show", `HEAD:${proposal.phr}`), proposal.phr);
  expect(front.status).toBe("approved");
  return { proposal, pull, mergeSha: merged.sha as string, mergeAt: Date.parse(front.merge?.at as string) };
}

const runVerify = (world: World, now: number, sources: VerifySources): Promise<VerifyRun> =>
  verify(
    { repoDir: world.work, cluster: "demo", now: new Date(now), env: worldEnv(), target: TARGET },
    sources,
  );

async function regressionScenario(world: World, recordMode: "pull-request" | "commit") {
  const { proposal, pull, mergeSha, mergeAt } = await mergedAndRecorded(world);
  const sources = regressingSources(mergeAt);
  const out = await runVerify(world, mergeAt + 3 * MIN, sources);
  expect(out.warnings).toEqual([]);
  expect(out.record).toMatchObject({ mode: recordMode, merged: true });
  const line = out.phrs[0];
  expect(line).toMatchObject({ result: "regressed", status: "regressed", commented: true });
  expect(line?.reasons).toEqual(["error rate 8.2% > 5% (0.2% before the change)"]);

  const main = git(world.sim.repoDir, "rev-parse", "refs/heads/main");
  const phr = readPhrFront(git(world.sim.repoDir, "show", `main:${proposal.phr}`), proposal.phr);
  expect(phr).toMatchObject({ status: "regressed", validation: { outcome: "regressed" } });

  const branch = `kopt/demo/rollback/${proposal.id}`;
  const reverts = world.sim.state.pulls.filter((p) => p.head === branch);
  expect(reverts).toHaveLength(1);
  const revert = reverts[0] as (typeof reverts)[number];
  expect(line?.revert?.pullRequest).toBe(revert.number);
  expect(revert.title).toBe(`Regression after #${pull.number}: error rate 8.2% > 5%`);
  expect(revert.labels).toEqual(expect.arrayContaining(["kopt", "kopt/kind:rollback", "kopt/regression"]));
  expect(revert.body).toContain("@alice");
  expect(revert.body).toContain("| Error rate (highest) | 0.4% | 8.2% |");
  // Built on the main that holds the regressed PHR: merging it conflicts with nothing.
  expect(git(world.sim.repoDir, "rev-parse", `${revert.headSha}^`)).toBe(main);
  expect(git(world.sim.repoDir, "show", `${revert.headSha}:clusters/demo/values.yaml`)).toBe(
    git(world.sim.repoDir, "show", `${mergeSha}^1:clusters/demo/values.yaml`),
  );
  const comments = () =>
    world.sim.state.comments.filter((c) => c.issueNumber === pull.number).map((c) => c.body);
  expect(comments()).toHaveLength(2);
  expect(comments()[0]).toContain("kopt verify: `regressed`");
  expect(comments()[1]).toContain(`Rollback opened: #${revert.number}`);

  // A rerun: no new record, pull request or comment.
  const pulls = world.sim.state.pulls.length;
  world.sync();
  const again = await runVerify(world, mergeAt + 4 * MIN, sources);
  expect(again.record).toBeNull();
  expect(again.phrs[0]).toMatchObject({
    result: "reverting",
    commented: false,
    revert: { pullRequest: revert.number },
  });
  expect(world.sim.state.pulls).toHaveLength(pulls);
  expect(comments()).toHaveLength(2);
  expect(git(world.sim.repoDir, "rev-parse", "refs/heads/main")).toBe(main);
}

it("an 8% error rate in the gate: PHR regressed, revert PR with title, label and approvers, original commented; rerun adds nothing", async () => {
  const world = await worldForTest();
  await regressionScenario(world, "pull-request");
}, 120_000);

it("with afterMerge.record: commit the regressed record is pushed to main and the revert sits on it", async () => {
  const world = await worldForTest({ githubExtra: "    afterMerge:\n      record: commit\n" });
  await regressionScenario(world, "commit");
}, 120_000);
