// `kopt verify` end to end with the real parts: a right-sizing of todo/backend opened, approved and merged on
// the GitHub simulator and recorded by after-merge; Argo CD's Application and the workload served by the
// Kubernetes simulator (read through client-node, the merge placed with git); the rollout's figures from a
// real Prometheus backfilled with ingress-nginx and kube-state-metrics series. Scenarios: a healthy apply is
// validated with its figures; 8% errors after the apply give a revert pull request in the gate; an
// Application that never syncs the merge is reported not applied at the timeout. Reruns add nothing.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPhrFront } from "../src/formats/phr.ts";
import type { VerifySources } from "../src/workflows/verify/ports.ts";
import { type VerifyRun, verify } from "../src/workflows/verify.ts";
import { cleanups } from "./support/cleanups.ts";
import { type World, worldEnv, worldForTest } from "./support/github-world.ts";
import { argoApplication } from "./support/kube-sim/gitops-fixtures.ts";
import { startKubeSim } from "./support/kube-sim/index.ts";
import { type StartedPrometheus, startPrometheus } from "./support/prometheus/index.ts";
import { git } from "./support/repo.ts";
import {
  backendAfterApply,
  backendSeries,
  iso,
  MIN,
  mergedBackendChange,
  realVerifySources,
  syncedApplication,
  VERIFY_INGRESS_NGINX,
} from "./support/verify-world.ts";

type Obj = Record<string, unknown>;
const unix = (text: string) => Date.parse(text) / 1000;

/** The healthy change is merged at HEALTHY, the regressing one at REGRESS; each applied 2 minutes later. */
const HEALTHY = unix("2026-11-20T12:30:00Z");
const REGRESS = unix("2026-11-20T14:30:00Z");
const APPLY_DELAY = 2 * MIN;
/** The memory cut merged at OOM: the new pod is OOM-killed 3 minutes after its apply. */
const OOM = unix("2026-11-20T16:30:00Z");
const SPAN = { start: HEALTHY - 90 * MIN, end: OOM + 30 * MIN };

let prom: StartedPrometheus;
beforeAll(async () => {
  // 1% errors, 8% for an hour from the regressing change's apply on; an OOM kill after the memory cut's apply.
  const bad = (t: number) => t >= REGRESS + APPLY_DELAY && t < REGRESS + 60 * MIN;
  const series = backendSeries(SPAN, (t) => (bad(t) ? 0.08 : 0.01), [
    { at: OOM + APPLY_DELAY + 3 * MIN, reason: "OOMKilled" },
  ]);
  prom = await startPrometheus({ series, blockHours: 6 });
}, 120_000);
afterAll(async () => {
  await prom?.stop();
});

/** A world whose GitHub clock stands at `at` (the merge time), verify configured for ingress-nginx. */
function worldAt(at: number): Promise<World> {
  return worldForTest({ sim: { now: () => new Date(at * 1000) }, configExtra: VERIFY_INGRESS_NGINX });
}

const mergedChange = mergedBackendChange;

/** A world at `at` whose backend change is merged, recorded, synced by Argo CD a minute later, rolled out at 2. */
async function appliedChange(at: number) {
  const world = await worldAt(at);
  const m = await mergedChange(world, at);
  const appliedAt = at + APPLY_DELAY;
  return {
    world,
    m,
    appliedAt,
    objects: [syncedApplication(m.head, at + MIN), ...backendAfterApply(appliedAt)],
  };
}
const realSources = (world: World, objects: Obj[]) =>
  realVerifySources(world, objects, prom.url, (stop) => cleanups.push(stop));

const runVerify = (world: World, at: number, sources: VerifySources) =>
  verify({ repoDir: world.work, cluster: "demo", env: worldEnv(), now: new Date(at * 1000) }, sources);

const phrOnMain = (world: World, path: string) =>
  readPhrFront(git(world.sim.repoDir, "show", `main:${path}`), path);
const commentsOn = (world: World, number: number) =>
  world.sim.state.comments.filter((c) => c.issueNumber === number).map((c) => c.body);

describe("kopt verify with Argo CD, the workload and Prometheus", () => {
  it("validates a healthy apply (Argo CD synced a later commit holding the merge), figures in the PHR; a rerun adds nothing", async () => {
    const { world, m, appliedAt, objects } = await appliedChange(HEALTHY);
    const sources = await realSources(world, objects);

    const out = await runVerify(world, HEALTHY + 65 * MIN, sources);
    expect(out.warnings).toEqual([]);
    expect(out.via).toBe("Argo CD Application argocd/todo-chatbot");
    expect(out.phrs[0]).toMatchObject({ result: "validated", status: "validated", commented: true });
    const phr = phrOnMain(world, m.proposal.phr);
    expect(phr.status).toBe("validated");
    expect(phr.applied).toMatchObject({ revision: m.head, at: iso(appliedAt) });
    expect(phr.validation?.outcome).toBe("validated");
    expect(phr.validation?.baseline?.errorRate).toBeCloseTo(0.01, 3);
    expect(phr.validation?.after?.errorRate).toBeCloseTo(0.01, 3);
    expect(phr.validation?.after?.cpuUsageOverRequest).toBeCloseTo(0.4, 2);
    expect(phr.validation?.after?.restarts).toBe(0);
    expect(commentsOn(world, m.pull.number).filter((c) => c.includes("kopt verify"))).toHaveLength(1);

    const pulls = world.sim.state.pulls.length;
    world.sync();
    const again = await runVerify(world, HEALTHY + 70 * MIN, sources);
    expect(again.record).toBeNull();
    expect(world.sim.state.pulls).toHaveLength(pulls);
    expect(commentsOn(world, m.pull.number).filter((c) => c.includes("kopt verify"))).toHaveLength(1);
  }, 180_000);

  it("opens the revert in the gate when the error rate jumps to 8% after the apply; PHR regressed; a rerun adds nothing", async () => {
    const { world, m, appliedAt, objects } = await appliedChange(REGRESS);
    const sources = await realSources(world, objects);

    // One scrape (15 s) plus one 1-minute rate interval after the first bad sample: the gate sees it.
    const out = await runVerify(world, appliedAt + 90, sources);
    expect(out.phrs[0]).toMatchObject({ result: "regressed", status: "regressed" });
    expect(out.phrs[0]?.reasons[0]).toMatch(/^error rate \d+(\.\d)?% > 5%/);
    expect(phrOnMain(world, m.proposal.phr)).toMatchObject({
      status: "regressed",
      validation: { outcome: "regressed" },
    });
    const reverts = world.sim.state.pulls.filter((p) => p.head === `kopt/demo/rollback/${m.proposal.id}`);
    expect(reverts).toHaveLength(1);
    expect(reverts[0]?.title).toMatch(new RegExp(`^Regression after #${m.pull.number}: error rate`));
    expect(reverts[0]?.labels).toContain("kopt/regression");
    expect(reverts[0]?.body).toContain("@alice");

    const pulls = world.sim.state.pulls.length;
    const comments = commentsOn(world, m.pull.number).length;
    world.sync();
    const again = await runVerify(world, appliedAt + 3 * MIN, sources);
    expect(again.record).toBeNull();
    expect(world.sim.state.pulls).toHaveLength(pulls);
    expect(commentsOn(world, m.pull.number)).toHaveLength(comments);
  }, 180_000);

  it("reports a change Argo CD never synced as not applied once the apply timeout has passed", async () => {
    const world = await worldAt(HEALTHY);
    const before = git(world.work, "rev-parse", "HEAD");
    const m = await mergedChange(world, HEALTHY);
    const app = argoApplication({ phase: "Succeeded", revision: before });
    const sources = await realSources(world, [app, ...backendAfterApply(HEALTHY - 3 * 60 * MIN)]);

    const waiting = await runVerify(world, HEALTHY + 30 * MIN, sources);
    expect(waiting.phrs[0]).toMatchObject({ result: "waiting" });
    expect(waiting.record).toBeNull();

    world.sync();
    const out = await runVerify(world, HEALTHY + 2 * 60 * MIN + 1, sources);
    expect(out.phrs[0]).toMatchObject({ result: "not-applied", status: "not-applied" });
    const phr = phrOnMain(world, m.proposal.phr);
    expect(phr.validation?.reasons.join(" ")).toMatch(/before the merge|not applied/i);
    expect(commentsOn(world, m.pull.number).some((c) => c.includes("not-applied"))).toBe(true);
  }, 180_000);

  it("reverts the memory cut when the new pod is OOM-killed in the stability window", async () => {
    const { world, m, appliedAt, objects } = await appliedChange(OOM);
    const sources = await realSources(world, objects);
    // The gate (2 minutes) passed clean; the kill came at minute 3.
    const out = await runVerify(world, appliedAt + 6 * MIN, sources);
    expect(out.phrs[0]).toMatchObject({ result: "regressed", status: "regressed" });
    expect(out.phrs[0]?.reasons).toContain("1 OOM kill");
    const reverts = world.sim.state.pulls.filter((p) => p.head === `kopt/demo/rollback/${m.proposal.id}`);
    expect(reverts.map((p) => p.title)).toEqual([`Regression after #${m.pull.number}: 1 OOM kill`]);
  }, 180_000);

  it("`kopt verify` on a live cluster: kopt.yaml's source.kubernetes and source.prometheus, through the CLI", async () => {
    const { world, m, appliedAt, objects } = await appliedChange(REGRESS);
    const sim = await startKubeSim({ objects });
    cleanups.push(() => sim.stop());
    const kubeconfig = sim.writeKubeconfig(world.work);
    // The checkout's config reads the live cluster (as the agent's does); the change is on the base already.
    const file = join(world.work, "clusters/demo/kopt.yaml");
    const live = `source:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\n  prometheus:\n    url: ${prom.url}\n    retries: 0\n`;
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace("source:\n  snapshot: clusters/demo/snapshot.json.gz\n", live),
    );
    expect(readFileSync(file, "utf8")).toContain("kubernetes:");

    const r = await world.kopt(["verify", "--output", "json"], { now: new Date((appliedAt + 90) * 1000) });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as VerifyRun;
    expect(out.phrs[0]).toMatchObject({ result: "regressed", status: "regressed" });
    expect(out.phrs[0]?.reasons[0]).toMatch(/^error rate \d+(\.\d)?% > 5%/);
    expect(
      world.sim.state.pulls.filter((p) => p.head === `kopt/demo/rollback/${m.proposal.id}`),
    ).toHaveLength(1);
    // The cluster was read through the API: the Application and the Deployment.
    const paths = sim.requests.map((q) => q.path);
    expect(paths).toContain("/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/todo-chatbot");
    expect(paths).toContain("/apis/apps/v1/namespaces/todo/deployments/backend");
  }, 180_000);
});
