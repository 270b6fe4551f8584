// The agent's periodic `kopt verify` end to end with the real parts: a right-sizing of todo/backend merged on
// the GitHub simulator and recorded by after-merge; an agent started in-process as `kopt agent --config`
// runs it (real informers, Lease, forge, an empty repository directory it initializes itself) against the
// Kubernetes simulator serving Argo CD's synced Application and the backend, and a real Prometheus with the
// backend's traffic. With agent.verify.every at 1 s the agent records the outcome by itself, no CLI call:
// a healthy apply is validated; 8% errors after the apply make the PHR regressed and open the revert.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { readPhrFront } from "../src/formats/phr.ts";
import { jsonLog } from "../src/workflows/agent/log.ts";
import { AGENT_PARTS, startAgentFromConfig } from "../src/workflows/agent/start.ts";
import { type AgentLine, FAST_AGENT, until } from "./support/agent-world.ts";
import { cleanups } from "./support/cleanups.ts";
import { type World, worldEnv, worldForTest } from "./support/github-world.ts";
import { type KubeSim, startKubeSim } from "./support/kube-sim/index.ts";
import { type StartedPrometheus, startPrometheus } from "./support/prometheus/index.ts";
import { git } from "./support/repo.ts";
import { namespace } from "./support/snapshot-builder.ts";
import {
  backendAfterApply,
  backendSeries,
  iso,
  MIN,
  mergedBackendChange,
  syncedApplication,
  VERIFY_INGRESS_NGINX,
} from "./support/verify-world.ts";

/** The healthy change is merged at HEALTHY, the regressing one at REGRESS; each applied 2 minutes later. */
const HEALTHY = Date.parse("2026-11-20T12:30:00Z") / 1000;
const REGRESS = Date.parse("2026-11-20T14:30:00Z") / 1000;
const APPLY_DELAY = 2 * MIN;
/** Deadline for what the agent does within a few seconds alone; generous for a loaded 2-CPU machine. */
const AGENT_DEADLINE_MS = 60_000;

let prom: StartedPrometheus;
beforeAll(async () => {
  // 1% errors, 8% for an hour from the regressing change's apply on.
  const bad = (t: number) => t >= REGRESS + APPLY_DELAY && t < REGRESS + 60 * MIN;
  const span = { start: HEALTHY - 90 * MIN, end: REGRESS + 30 * MIN };
  prom = await startPrometheus({ series: backendSeries(span, (t) => (bad(t) ? 0.08 : 0.01)), blockHours: 6 });
}, 120_000);
afterAll(async () => {
  await prom?.stop();
});

/** The backend change merged and recorded at `at`; the cluster as it runs once Argo CD applied it. */
async function appliedChange(at: number) {
  const world = await worldForTest({
    sim: { now: () => new Date(at * 1000) },
    configExtra: VERIFY_INGRESS_NGINX,
  });
  const m = await mergedBackendChange(world, at);
  const created = iso(at - 30 * 24 * 60 * MIN);
  const kube = await startKubeSim({
    objects: [
      ...["todo", "kopt", "argocd"].map((name) => namespace({ name, created })),
      syncedApplication(m.head, at + MIN),
      ...backendAfterApply(at + APPLY_DELAY),
    ],
    // A healthy watch is never silent for the agent's 1 s watchdog.
    bookmarkIntervalMs: 250,
  });
  cleanups.push(() => kube.stop());
  return { world, m, kube };
}

/**
 * Starts an agent as `kopt agent --config FILE --repo-dir EMPTY` does: the world's kopt.yaml with the live
 * cluster and Prometheus as its source, FAST_AGENT's durations and verify every second; its clock runs from
 * `now` (Unix seconds). Stopped after the test.
 */
async function startAgent(world: World, kube: KubeSim, now: number) {
  const dir = mkdtempSync(join(tmpdir(), "kopt-agent-verify-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = kube.writeKubeconfig(dir);
  const config = parse(readFileSync(join(world.work, "clusters/demo/kopt.yaml"), "utf8")) as Record<
    string,
    unknown
  >;
  config.source = {
    kubernetes: { kubeconfig, namespaces: { include: ["todo"] } },
    prometheus: { url: prom.url, retries: 0 },
  };
  config.agent = { ...FAST_AGENT, verify: { every: "1s" } };
  const configFile = join(dir, "kopt.yaml");
  writeFileSync(configFile, stringify(config));

  const lines: AgentLine[] = [];
  const started = Date.now();
  const agent = await startAgentFromConfig(
    {
      configFile,
      repoDir: join(dir, "repo"),
      listen: "127.0.0.1:0",
      identity: "agent-verify",
      forge: "github",
      env: worldEnv(),
      log: jsonLog((line) => lines.push(JSON.parse(line) as AgentLine)),
      clock: () => now * 1000 + (Date.now() - started),
    },
    AGENT_PARTS,
  );
  cleanups.push(() => agent.stop("test over"));
  return { agent, lines };
}

const phrOnMain = (world: World, path: string) =>
  readPhrFront(git(world.sim.repoDir, "show", `main:${path}`), path);
const commentsOn = (world: World, number: number) =>
  world.sim.state.comments.filter((c) => c.issueNumber === number).map((c) => c.body);
/** The PHR's status on main once it is `status`; undefined before. */
const statusReached = (world: World, path: string, status: string) => () => {
  return phrOnMain(world, path).status === status ? status : undefined;
};

describe("the agent's periodic verify on a live cluster", () => {
  it("records a healthy apply as validated by itself, figures in the PHR, one comment on the pull request", async () => {
    const { world, m, kube } = await appliedChange(HEALTHY);
    // Past the apply, the gate and the one-hour stability window.
    const { lines } = await startAgent(world, kube, HEALTHY + 65 * MIN);

    await until(
      "the PHR validated on main",
      statusReached(world, m.proposal.phr, "validated"),
      AGENT_DEADLINE_MS,
    );
    const phr = phrOnMain(world, m.proposal.phr);
    expect(phr.applied).toMatchObject({ revision: m.head, at: iso(HEALTHY + APPLY_DELAY) });
    expect(phr.validation?.outcome).toBe("validated");
    expect(phr.validation?.after?.errorRate).toBeCloseTo(0.01, 3);
    expect(phr.validation?.after?.restarts).toBe(0);
    await until("the outcome comment", () =>
      commentsOn(world, m.pull.number).some((c) => c.includes("kopt verify: `validated`")),
    );
    // Later runs find nothing more to do: one comment, no revert, and the agent logged its runs as done.
    await until(
      "two more verify runs",
      () => lines.filter((l) => l.event === "verify" && l.done).length >= 3,
      AGENT_DEADLINE_MS,
    );
    expect(commentsOn(world, m.pull.number).filter((c) => c.includes("kopt verify"))).toHaveLength(1);
    expect(world.sim.state.pulls.filter((p) => p.head.includes("/rollback/"))).toEqual([]);
    expect(lines.filter((l) => l.event === "verify.failed")).toEqual([]);
  }, 150_000);

  it("records 8% errors in the gate as regressed and opens the revert by itself", async () => {
    const { world, m, kube } = await appliedChange(REGRESS);
    // One scrape and one rate interval after the first bad sample: inside the 2-minute gate.
    const { lines } = await startAgent(world, kube, REGRESS + APPLY_DELAY + 90);

    const branch = `kopt/demo/rollback/${m.proposal.id}`;
    // Labels are added once the pull request exists: waited for with it.
    const revert = await until(
      "the revert pull request, labelled kopt/regression",
      () => world.sim.state.pulls.find((p) => p.head === branch && p.labels.includes("kopt/regression")),
      AGENT_DEADLINE_MS,
    );
    expect(revert.title).toMatch(new RegExp(`^Regression after #${m.pull.number}: error rate`));
    expect(revert.body).toContain("@alice");
    const phr = phrOnMain(world, m.proposal.phr);
    expect(phr).toMatchObject({
      status: "regressed",
      validation: { outcome: "regressed", revert: { branch } },
    });
    expect(phr.validation?.reasons[0]).toMatch(/^error rate \d+(\.\d)?% > 5%/);

    // Later runs converge on the one revert.
    const done = lines.filter((l) => l.event === "verify" && l.done).length;
    await until(
      "two more verify runs",
      () => lines.filter((l) => l.event === "verify" && l.done).length >= done + 2,
      AGENT_DEADLINE_MS,
    );
    expect(world.sim.state.pulls.filter((p) => p.head === branch)).toHaveLength(1);
    expect(lines.filter((l) => l.event === "verify.failed")).toEqual([]);
  }, 150_000);
});
