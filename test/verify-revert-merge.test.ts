// verify.onRegression: revert-and-merge end to end with the real parts: a right-sizing of todo/backend merged
// on the GitHub simulator and recorded; Argo CD's Application and the workload served by the Kubernetes
// simulator; 8% errors after the apply in a real Prometheus; `kopt verify` run through the CLI on that live
// cluster. kopt merges the revert of a medium-tier change itself (gate status set, merged); the revert of a
// critical one is opened and left for a person, and verify says so.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPhrFront } from "../src/formats/phr.ts";
import type { VerifyRun } from "../src/workflows/verify.ts";
import { cleanups } from "./support/cleanups.ts";
import { type World, worldForTest } from "./support/github-world.ts";
import { startKubeSim } from "./support/kube-sim/index.ts";
import { type StartedPrometheus, startPrometheus } from "./support/prometheus/index.ts";
import { git } from "./support/repo.ts";
import {
  backendAfterApply,
  backendSeries,
  MIN,
  mergedBackendChange,
  syncedApplication,
  VERIFY_INGRESS_NGINX,
} from "./support/verify-world.ts";

/** The change is merged at MERGE, Argo CD syncs it a minute later, the new pods start at APPLIED. */
const MERGE = Date.parse("2026-11-20T14:30:00Z") / 1000;
const APPLIED = MERGE + 2 * MIN;
/** One scrape and one rate interval after the first bad sample: inside the 2-minute gate. */
const VERIFY_AT = APPLIED + 90;

let prom: StartedPrometheus;
beforeAll(async () => {
  const span = { start: MERGE - 90 * MIN, end: MERGE + 30 * MIN };
  const series = backendSeries(span, (t) => (t >= APPLIED ? 0.08 : 0.01));
  prom = await startPrometheus({ series, blockHours: 6 });
}, 120_000);
afterAll(async () => {
  await prom?.stop();
});

/** A world whose right-sizings have `tier`, verify set to revert-and-merge; the change merged and recorded. */
async function mergedChange(tier: "medium" | "critical") {
  const world = await worldForTest({
    sim: { now: () => new Date(MERGE * 1000) },
    configExtra: `  tiers:\n    kinds:\n      rightsize: ${tier}\n${VERIFY_INGRESS_NGINX}  onRegression: revert-and-merge\n`,
  });
  // A critical change needs a security reviewer besides the architect.
  const m = await mergedBackendChange(world, MERGE, tier === "critical" ? ["alice", "bob"] : ["alice"]);
  expect(m.proposal.tier).toBe(tier);
  await liveCluster(world, m.head);
  return { world, m, revertBranch: `kopt/demo/rollback/${m.proposal.id}` };
}

/** The Application synced the merge, the backend runs it; the checkout's kopt.yaml reads that cluster. */
async function liveCluster(world: World, head: string): Promise<void> {
  const sim = await startKubeSim({
    objects: [syncedApplication(head, MERGE + MIN), ...backendAfterApply(APPLIED)],
  });
  cleanups.push(() => sim.stop());
  const kubeconfig = sim.writeKubeconfig(world.work);
  const file = join(world.work, "clusters/demo/kopt.yaml");
  const live = `source:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\n  prometheus:\n    url: ${prom.url}\n    retries: 0\n`;
  const text = readFileSync(file, "utf8");
  expect(text).toContain("onRegression: revert-and-merge");
  writeFileSync(file, text.replace("source:\n  snapshot: clusters/demo/snapshot.json.gz\n", live));
  expect(readFileSync(file, "utf8")).toContain("kubernetes:");
}

const verifyAt = (world: World, args: string[] = []) =>
  world.kopt(["verify", ...args], { now: new Date(VERIFY_AT * 1000) });
const phrOnMain = (world: World, path: string) =>
  readPhrFront(git(world.sim.repoDir, "show", `main:${path}`), path);
const approvalStatuses = (world: World, sha: string) =>
  world.sim.state.statuses.filter((s) => s.sha === sha && s.context === "kopt/approval");

describe("verify.onRegression: revert-and-merge", () => {
  it("a critical change: the revert is opened but not merged, verify's output says it waits for a person, the PHR stays regressed", async () => {
    const { world, m, revertBranch } = await mergedChange("critical");
    const valuesBefore = git(world.sim.repoDir, "show", "main:clusters/demo/values.yaml");

    const r = await verifyAt(world);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/regressed/);
    expect(r.stderr).toContain(
      `${m.proposal.id}: verify.onRegression is revert-and-merge, but the change's tier is critical: the revert waits for a person`,
    );

    const reverts = world.sim.state.pulls.filter((p) => p.head === revertBranch);
    expect(reverts).toHaveLength(1);
    const revert = reverts[0] as (typeof reverts)[number];
    expect(revert).toMatchObject({ state: "open", merged: false });
    expect(revert.title).toMatch(new RegExp(`^Regression after #${m.pull.number}: error rate`));
    expect(revert.labels).toContain("kopt/regression");
    expect(revert.body).toContain("kopt does not merge this revert itself");
    // kopt did not pass the revert's gate for the person either.
    expect(approvalStatuses(world, revert.headSha).map((s) => s.state)).not.toContain("success");

    // On main the change stays applied and its PHR regressed, naming the revert's branch; the revert
    // branch alone holds it rolled back.
    expect(git(world.sim.repoDir, "show", "main:clusters/demo/values.yaml")).toBe(valuesBefore);
    const phr = phrOnMain(world, m.proposal.phr);
    expect(phr).toMatchObject({ status: "regressed", validation: { outcome: "regressed" } });
    expect(phr.validation?.revert?.branch).toBe(revertBranch);
    expect(phr.rolledBackBy).toBeUndefined();
    const onRevert = readPhrFront(
      git(world.sim.repoDir, "show", `${revert.headSha}:${m.proposal.phr}`),
      m.proposal.phr,
    );
    expect(onRevert.status).toBe("rolled-back");

    // A rerun (the next scheduled verify) converges on the same revert, still unmerged, and says why again.
    world.sync();
    const again = await verifyAt(world, ["--output", "json"]);
    expect(again.code, again.stderr).toBe(0);
    const out = JSON.parse(again.stdout) as VerifyRun;
    expect(out.phrs[0]).toMatchObject({
      result: "reverting",
      revert: { pullRequest: revert.number, merged: false },
    });
    expect(out.warnings.join("\n")).toContain("the revert waits for a person");
    expect(world.sim.state.pulls.filter((p) => p.head === revertBranch)).toHaveLength(1);
    expect(world.sim.state.pulls.find((p) => p.head === revertBranch)?.merged).toBe(false);
  }, 180_000);

  it("a medium change: kopt sets the revert's gate status and merges it; main is back to the values before the change", async () => {
    const { world, m, revertBranch } = await mergedChange("medium");

    const r = await verifyAt(world, ["--output", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as VerifyRun;
    expect(out.warnings).toEqual([]);
    expect(out.phrs[0]).toMatchObject({ result: "regressed", status: "regressed" });
    const reverts = world.sim.state.pulls.filter((p) => p.head === revertBranch);
    expect(reverts).toHaveLength(1);
    const revert = reverts[0] as (typeof reverts)[number];
    expect(out.phrs[0]?.revert).toMatchObject({ pullRequest: revert.number, merged: true });
    expect(revert).toMatchObject({ state: "closed", merged: true });
    expect(revert.labels).toContain("kopt/regression");
    expect(revert.body).not.toContain("kopt does not merge this revert itself");
    expect(approvalStatuses(world, revert.headSha).at(-1)).toMatchObject({
      state: "success",
      description: expect.stringContaining("revert-and-merge"),
    });

    // Main: the values as before the change, its PHR rolled back by the revert's PHR.
    expect(git(world.sim.repoDir, "show", "main:clusters/demo/values.yaml")).toBe(
      git(world.sim.repoDir, "show", `${m.mergeSha}^1:clusters/demo/values.yaml`),
    );
    const phr = phrOnMain(world, m.proposal.phr);
    expect(phr.status).toBe("rolled-back");
    expect(phr.validation?.outcome).toBe("regressed");
    expect(phr.rolledBackBy?.phr).toMatch(/-rollback-/);

    // The next verify finds nothing left to do for it.
    world.sync();
    const again = await verifyAt(world, ["--output", "json"]);
    expect(again.code, again.stderr).toBe(0);
    const next = JSON.parse(again.stdout) as VerifyRun;
    expect(next.phrs.filter((p) => p.id === m.proposal.id)).toEqual([]);
    expect(world.sim.state.pulls.filter((p) => p.head === revertBranch)).toHaveLength(1);
  }, 180_000);
});
