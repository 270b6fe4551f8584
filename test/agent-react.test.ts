// The agent's reactions end to end (issue 15): the demo cluster served by the Kubernetes simulator (for logs),
// its objects handed in as the watch's cache, real git, and the GitHub simulator checking every request against
// GitHub's description. A reaction opens the pull request and incident issue `kopt plan` opens over the same
// objects (same branch, same fingerprint), never a second one; hourly limits hold new ones back.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { loadConfigFile } from "../src/config/load.ts";
import type { ClusterSnapshot } from "../src/formats/snapshot.ts";
import { connect } from "../src/observe/kube/connection.ts";
import { createReactor } from "../src/workflows/agent/react.ts";
import { LIMIT_REASON, plan } from "../src/workflows/plan.ts";
import { cleanups } from "./support/cleanups.ts";
import { OWNER, REPO, type World, worldEnv, worldForTest } from "./support/github-world.ts";
import { type KubeSimOptions, startKubeSim } from "./support/kube-sim/index.ts";
import { demoRepo, PROJECT_ROOT } from "./support/repo.ts";

type Raw = Record<string, unknown>;
const DEMO: ClusterSnapshot = JSON.parse(
  gunzipSync(readFileSync(join(PROJECT_ROOT, "clusters/demo/snapshot.json.gz"))).toString("utf8"),
);
const NOW = new Date(DEMO.capturedAt);
const WORKER = { namespace: "todo", kind: "Deployment", name: "worker" };
const MAILER = { namespace: "todo", kind: "Deployment", name: "mailer" };
const PLENTY = { pullRequests: 10, issues: 10 };
const OOM_BRANCH = "kopt/demo/todo/worker/oom";

/** The demo's logs, keyed as the simulator serves them (the kubelet gives a dead instance's log as both). */
function demoLogs(): KubeSimOptions["logs"] {
  const out: NonNullable<KubeSimOptions["logs"]> = {};
  for (const [key, text] of Object.entries(DEMO.logs ?? {})) out[key] = { current: text, previous: text };
  for (const [key, text] of Object.entries(DEMO.previousLogs ?? {}))
    out[key] = { current: out[key]?.current ?? text, previous: text };
  return out;
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Setup {
  world: World;
  objects: Raw[];
  reactor: ReturnType<typeof createReactor>;
}

async function setup(opts: { objects?: Raw[]; repoDir?: string; forge?: "local" | "github" } = {}) {
  const world = await worldForTest();
  const objects = opts.objects ?? (structuredClone(DEMO.objects.items) as Raw[]);
  const sim = await startKubeSim({ objects, logs: demoLogs() });
  cleanups.push(() => sim.stop());
  const conn = connect({ kubeconfig: sim.writeKubeconfig(tempDir("kopt-agent-kube-")) });
  const loaded = await loadConfigFile(join(world.work, "clusters/demo/kopt.yaml"));
  const reactor = createReactor({
    repoDir: opts.repoDir ?? world.work,
    loaded,
    conn,
    forge: opts.forge ?? "github",
    env: worldEnv(),
  });
  return { world, objects, reactor } satisfies Setup;
}

/** What `kopt plan` does over the same objects (the demo snapshot the config names), in the world's clone. */
function planOverSnapshot(world: World, dryRun: boolean) {
  return plan({ repoDir: world.work, cluster: "demo", dryRun, forge: "github", env: worldEnv(), now: NOW });
}

async function openPullHeads(world: World): Promise<string[]> {
  const { data } = await world
    .octokit()
    .pulls.list({ owner: OWNER, repo: REPO, state: "open", per_page: 100 });
  return data.map((p) => p.head.ref).sort();
}

async function issueTitles(world: World): Promise<string[]> {
  const { data } = await world
    .octokit()
    .issues.listForRepo({ owner: OWNER, repo: REPO, state: "all", per_page: 100 });
  return data
    .filter((i) => !i.pull_request)
    .map((i) => `${i.state} ${i.title}`)
    .sort();
}

describe("createReactor on the GitHub forge", () => {
  it("an OOM-killed Deployment gets the OOM pull request, on the branch kopt plan gives over the same objects", async () => {
    const { world, objects, reactor } = await setup();
    const out = await reactor.react({ workload: WORKER }, objects, NOW, PLENTY);
    expect(out.pullRequests).toEqual([
      expect.objectContaining({ branch: OOM_BRANCH, status: "created", number: expect.any(Number) }),
    ]);
    expect(out.findings.map((f) => f.class)).toContain("oom-killed");
    expect(await openPullHeads(world)).toEqual([OOM_BRANCH]);

    const planned = await planOverSnapshot(world, true);
    const oom = planned.proposals.find((p) => p.kind === "oom");
    expect(oom?.branch).toBe(OOM_BRANCH);
    expect(oom?.status).not.toBe("created");
  });

  it("a CreateContainerConfigError (missing Secret key) gets one incident issue, with plan's fingerprint", async () => {
    const { world, objects, reactor } = await setup();
    const out = await reactor.react({ workload: MAILER }, objects, NOW, PLENTY);
    expect(out.pullRequests).toEqual([]);
    expect(out.issues).toEqual([expect.objectContaining({ action: "created", number: expect.any(Number) })]);
    const fingerprint = out.issues[0]?.fingerprint;
    expect(out.findings).toEqual([
      { fingerprint: expect.any(String), class: "create-container-config-error" },
    ]);

    const planned = await planOverSnapshot(world, true);
    const same = planned.incidentIssues.find((i) => i.fingerprint === fingerprint);
    expect(same?.status).not.toBe("created");
    expect(same?.number).toBe(out.issues[0]?.number);
  });

  it("reacting twice, then a scheduled plan over the same state: no second pull request or issue", async () => {
    const { world, objects, reactor } = await setup();
    for (let i = 0; i < 2; i++) {
      await reactor.react({ workload: WORKER }, objects, NOW, PLENTY);
      await reactor.react({ workload: MAILER }, objects, NOW, PLENTY);
    }
    const again = await reactor.react({ workload: MAILER }, objects, NOW, PLENTY);
    expect(again.issues.map((i) => i.action)).toEqual(["unchanged"]);
    const heads = await openPullHeads(world);
    const titles = await issueTitles(world);
    expect(heads).toEqual([OOM_BRANCH]);

    world.sync();
    const planned = await planOverSnapshot(world, false);
    expect(planned.proposals.find((p) => p.kind === "oom")?.status).not.toBe("created");
    const after = await openPullHeads(world);
    expect(after.filter((h) => h === OOM_BRANCH)).toHaveLength(1);
    expect(new Set(after).size).toBe(after.length);
    // Every issue the agent opened is still there once, and plan opened none for the same failure.
    const afterTitles = await issueTitles(world);
    for (const t of titles) expect(afterTitles.filter((x) => x === t)).toHaveLength(1);
    const openTitles = afterTitles.filter((t) => t.startsWith("open "));
    expect(new Set(openTitles).size).toBe(openTitles.length);
  });

  it("with no budget left, nothing is opened: the pull request and the issue are reported held", async () => {
    const { world, objects, reactor } = await setup();
    const none = { pullRequests: 0, issues: 0 };
    const oom = await reactor.react({ workload: WORKER }, objects, NOW, none);
    const mailer = await reactor.react({ workload: MAILER }, objects, NOW, none);
    expect(oom.pullRequests).toEqual([expect.objectContaining({ branch: OOM_BRANCH, status: "held" })]);
    expect(mailer.issues).toEqual([expect.objectContaining({ action: "held" })]);
    expect(oom.issues.every((i) => i.action === "held")).toBe(true);
    expect(await openPullHeads(world)).toEqual([]);
    expect(await issueTitles(world)).toEqual([]);
  });

  it("50 failing pods of one Deployment are one incident issue and no more than one pull request", async () => {
    const objects = structuredClone(DEMO.objects.items) as Raw[];
    const mailerPod = objects.find(
      (o) => o.kind === "Pod" && String((o.metadata as Raw).name).startsWith("mailer-"),
    ) as Raw;
    for (let i = 0; i < 49; i++) {
      const copy = structuredClone(mailerPod);
      const meta = copy.metadata as Raw;
      meta.name = `mailer-tr6brx2589-b${String(i).padStart(3, "0")}`;
      delete meta.uid;
      objects.push(copy);
    }
    const { world, reactor } = await setup({ objects });
    const out = await reactor.react({ workload: MAILER }, objects, NOW, PLENTY);
    expect(out.issues).toEqual([expect.objectContaining({ action: "created" })]);
    expect(out.pullRequests.length).toBeLessThanOrEqual(1);
    expect(await issueTitles(world)).toHaveLength(1);
  });

  it("a repository directory that is empty (or not there yet) is initialized, and the base branch fetched into it", async () => {
    const dir = join(tempDir("kopt-agent-repo-"), "repo");
    const { world, objects, reactor } = await setup({ repoDir: dir });
    const out = await reactor.react({ workload: WORKER }, objects, NOW, PLENTY);
    expect(out.pullRequests).toEqual([expect.objectContaining({ branch: OOM_BRANCH, status: "created" })]);
    expect(await openPullHeads(world)).toEqual([OOM_BRANCH]);
    // A second reaction in the same directory finds its pull request: nothing new.
    const again = await reactor.react({ workload: WORKER }, objects, NOW, PLENTY);
    expect(again.pullRequests.map((p) => p.status)).toEqual(["unchanged"]);
  });

  it("node pressure (the whole cache): the fast-path pull requests and the incident issues, nothing closed", async () => {
    const { world, objects, reactor } = await setup();
    const out = await reactor.react({ cluster: true }, objects, NOW, PLENTY);
    expect(out.pullRequests.map((p) => [p.branch, p.status]).sort()).toEqual([
      ["kopt/demo/todo/search/probe", "created"],
      [OOM_BRANCH, "created"],
    ]);
    expect(out.issues.length).toBeGreaterThanOrEqual(2);
    expect(out.issues.every((i) => i.action === "created")).toBe(true);
    expect(await openPullHeads(world)).toEqual(["kopt/demo/todo/search/probe", OOM_BRANCH].sort());

    // A week later, the mailer's failure gone: plan would close its issue by now, the agent closes nothing.
    const healed = objects.filter((o) => !String((o.metadata as Raw).name).startsWith("mailer-"));
    const later = new Date(NOW.getTime() + 7 * 86_400_000);
    const again = await reactor.react({ cluster: true }, healed, later, PLENTY);
    expect(again.issues.some((i) => i.action === "closed")).toBe(false);
    expect((await issueTitles(world)).every((t) => t.startsWith("open "))).toBe(true);
  });

  it("a bare pod (no Deployment to edit) gets its incident issue and no pull request", async () => {
    const objects = structuredClone(DEMO.objects.items) as Raw[];
    const notifier = objects.find(
      (o) => o.kind === "Pod" && String((o.metadata as Raw).name).startsWith("notifier-"),
    ) as Raw;
    const meta = notifier.metadata as Raw;
    delete meta.ownerReferences;
    const { world, reactor } = await setup({ objects });
    const target = { namespace: "todo", kind: "Pod", name: String(meta.name) };
    const out = await reactor.react({ workload: target }, objects, NOW, PLENTY);
    expect(out.pullRequests).toEqual([]);
    expect(out.findings.map((f) => f.class)).toEqual(["app-exit"]);
    expect(out.issues).toEqual([expect.objectContaining({ action: "created" })]);
    expect(await issueTitles(world)).toHaveLength(1);
    expect(await openPullHeads(world)).toEqual([]);
  });

  it("with the local forge, a directory that is not the repository is refused with what to do", async () => {
    const { objects, reactor } = await setup({ repoDir: tempDir("kopt-agent-notrepo-"), forge: "local" });
    await expect(reactor.react({ workload: WORKER }, objects, NOW, PLENTY)).rejects.toThrow(
      /is not a git repository/,
    );
  });
});

describe("plan's limits on new pull requests and issues", () => {
  it("opens up to the limit, holds the rest with the agent's reason; updating an existing one costs nothing", async () => {
    const repo = demoRepo();
    cleanups.push(() => repo.cleanup());
    const run = (limits: { pullRequests: number; issues: number }) =>
      plan({ repoDir: repo.dir, cluster: "demo", dryRun: false, forge: "local", limits });
    const first = await run({ pullRequests: 1, issues: 1 });
    expect(first.proposals.filter((p) => p.status === "created")).toHaveLength(1);
    const held = first.proposals.filter((p) => p.status === "held");
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((p) => p.reason === LIMIT_REASON && p.commit === null)).toBe(true);
    expect(first.incidentIssues.filter((i) => i.status === "created")).toHaveLength(1);
    const heldIssues = first.incidentIssues.filter((i) => i.status === "held");
    expect(heldIssues.length).toBeGreaterThan(0);
    expect(heldIssues.every((i) => i.reason === LIMIT_REASON)).toBe(true);

    const second = await run({ pullRequests: 0, issues: 0 });
    const opened = first.proposals.find((p) => p.status === "created")?.branch;
    expect(second.proposals.find((p) => p.branch === opened)?.status).toBe("unchanged");
    expect(second.proposals.filter((p) => p.status === "created")).toEqual([]);
    expect(second.incidentIssues.filter((i) => i.status === "created")).toEqual([]);
    expect(second.incidentIssues.filter((i) => i.status === "unchanged")).toHaveLength(1);
  });
});
