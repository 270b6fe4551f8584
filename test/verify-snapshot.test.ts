// `kopt verify --snapshot FILE` on the local forge, the whole lifecycle through the CLI with real git: the
// demo's backend right-sizing planned, approved, merged and recorded; then a snapshot taken after the apply
// (Argo CD's Application synced to main, the backend's new pods, their CPU, memory and HTTP series) is read
// as the live cluster would be. Healthy figures validate the change; 8% errors after the apply regress it
// and open the revert. The snapshot's capture time is verify's now.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readPhrFront } from "../src/formats/phr.ts";
import type { VerifyRun } from "../src/workflows/verify.ts";
import { afterApplySnapshot } from "./demo/after-apply.ts";
import { argoApplication } from "./support/kube-sim/gitops-fixtures.ts";
import { demoRepo, git, koptAt, type TempRepo } from "./support/repo.ts";
import {
  type ClusterSnapshot,
  type KubeObject,
  type PromSeries,
  snapshot,
  usageSeries,
} from "./support/snapshot-builder.ts";
import { backendAfterApply } from "./support/verify-world.ts";

const MIN = 60;
const CAPTURED = Date.parse("2026-11-20T12:00:00Z") / 1000;
const MERGE = CAPTURED + 20 * MIN;
const APPLIED = MERGE + 2 * MIN;
const STEP = 30;
const at = (t: number) => new Date(t * 1000);
const iso = (t: number) =>
  at(t)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");

let repo: TempRepo;
beforeEach(() => {
  repo = demoRepo();
  mkdirSync(join(repo.dir, ".kopt"), { recursive: true });
  writeFileSync(join(repo.dir, ".kopt/teams.yaml"), "architects: [alice]\nsecurity: [bob]\n");
});
afterEach(() => repo.cleanup());

async function kopt(t: number, ...args: string[]) {
  const r = await koptAt(at(t), "--repo", repo.dir, ...args);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/** Plan, approve, gate, merge and record the backend right-sizing (#1); its PHR path. */
async function mergedBackend(): Promise<string> {
  const planned = await kopt(
    CAPTURED,
    "plan",
    "--cluster",
    "demo",
    "--workload",
    "todo/backend",
    "--output",
    "json",
  );
  const phr = (JSON.parse(planned.stdout) as { proposals: { phr: string }[] }).proposals[0]?.phr as string;
  await kopt(MERGE - 10 * MIN, "review", "--pr", "1", "--approve", "--as", "alice");
  await kopt(MERGE - 5 * MIN, "gate", "--pr", "1");
  await kopt(MERGE, "merge", "--pr", "1");
  await kopt(MERGE + 30, "after-merge", "--cluster", "demo");
  return phr;
}

/** Two pods per side of the apply: old ones until APPLIED + 1 min, new ones (of revision 2) from APPLIED. */
function afterApply(errorRateAfter: number, capturedAt: number): ClusterSnapshot {
  const head = git(repo.dir, "rev-parse", "main");
  const [backend, rs, ...pods] = backendAfterApply(APPLIED) as unknown as KubeObject[];
  const app = argoApplication({
    phase: "Succeeded",
    revision: head,
    history: [{ revision: head, deployedAt: iso(MERGE + MIN) }],
  }) as unknown as KubeObject;
  const range = { start: MERGE - 60 * MIN, end: capturedAt, step: STEP };
  const names = {
    old: ["backend-5d8f7c9b4-a1b2c", "backend-5d8f7c9b4-d3e4f"],
    new: pods.map((p) => p.metadata.name),
  };
  const alive = (side: "old" | "new", t: number) => (side === "old" ? t <= APPLIED + MIN : t >= APPLIED);
  const each = (f: (podName: string, side: "old" | "new") => PromSeries) =>
    (["old", "new"] as const).flatMap((side) => names[side].map((n) => f(n, side)));
  const container = (podName: string) => ({ namespace: "todo", pod: podName, container: "backend" });
  const cpu = each((n, side) => usageSeries(container(n), range, (t) => (alive(side, t) ? 0.2 : undefined)));
  const memory = each((n, side) =>
    usageSeries(container(n), range, (t) => (alive(side, t) ? 400 * 2 ** 20 : undefined)),
  );
  const http = (rate: (t: number) => number) =>
    each((n, side) => {
      const s = usageSeries(container(n), range, (t) => (alive(side, t) ? rate(t) : undefined));
      return { ...s, metric: { namespace: "todo", pod: n } as PromSeries["metric"] };
    });
  const snap = snapshot({
    cluster: "demo",
    capturedAt: iso(capturedAt),
    objects: [app, backend, rs, ...pods] as KubeObject[],
    cpu,
    memory,
  });
  const usage = snap.usage as Record<string, unknown>;
  usage.httpRequests = { resultType: "matrix", result: http(() => 20) };
  usage.httpErrors = {
    resultType: "matrix",
    result: http((t) => 20 * (t >= APPLIED ? errorRateAfter : 0.01)),
  };
  return snap;
}

async function verifyWith(snap: ClusterSnapshot, t: number): Promise<VerifyRun> {
  const file = join(repo.dir, "..", `after-${t}.json`);
  writeFileSync(file, JSON.stringify(snap));
  const r = await kopt(t + 3600, "verify", "--cluster", "demo", "--snapshot", file, "--output", "json");
  return JSON.parse(r.stdout) as VerifyRun;
}

const phrOnMain = (path: string) => readPhrFront(git(repo.dir, "show", `main:${path}`), path);

describe("kopt verify --snapshot on the local forge", () => {
  it("validates the merged change from a snapshot taken an hour after the apply, with its figures", async () => {
    const phr = await mergedBackend();
    const captured = APPLIED + 65 * MIN;
    const out = await verifyWith(afterApply(0.01, captured), captured);
    expect(out.via).toBe("Argo CD Application argocd/todo-chatbot");
    expect(out.phrs[0]).toMatchObject({ result: "validated", status: "validated" });
    const front = phrOnMain(phr);
    expect(front.applied?.at).toBe(iso(APPLIED));
    expect(front.validation?.after?.errorRate).toBeCloseTo(0.01, 6);
    expect(front.validation?.after?.cpuUsageOverRequest).toBeCloseTo(0.4, 6);
    expect(front.validation?.baseline?.errorRate).toBeCloseTo(0.01, 6);

    const again = await verifyWith(afterApply(0.01, captured + 5 * MIN), captured + 5 * MIN);
    expect(again.phrs).toEqual([]);
    expect(again.record).toBeNull();
  });

  it("regresses it when the snapshot shows 8% errors after the apply, and opens the revert", async () => {
    const phr = await mergedBackend();
    const captured = APPLIED + 4 * MIN;
    const out = await verifyWith(afterApply(0.08, captured), captured);
    expect(out.phrs[0]).toMatchObject({ result: "regressed", status: "regressed" });
    expect(out.phrs[0]?.reasons[0]).toBe("error rate 8% > 5% (1% before the change)");
    expect(phrOnMain(phr).status).toBe("regressed");
    const revert = out.phrs[0]?.revert;
    expect(revert?.branch).toMatch(/^kopt\/demo\/rollback\//);
    expect(git(repo.dir, "rev-parse", "--verify", "-q", revert?.branch as string)).toMatch(/^[0-9a-f]{40}$/);
  });

  it("reads the walkthrough's simulated snapshot (npm run demo:after-apply): the worker's raise validated, the backend's cut regressed by 8% errors", async () => {
    const planned = await kopt(CAPTURED, "plan", "--cluster", "demo", "--output", "json");
    const numberOf = (branch: string) =>
      (JSON.parse(planned.stdout) as { proposals: { branch: string; pullRequest: number }[] }).proposals.find(
        (p) => p.branch === branch,
      )?.pullRequest as number;
    const land = async (n: number, t: number) => {
      await kopt(t, "review", "--pr", String(n), "--approve", "--as", "alice");
      await kopt(t, "gate", "--pr", String(n));
      await kopt(t, "merge", "--pr", String(n));
      await kopt(t + 30, "after-merge", "--cluster", "demo");
    };
    await land(numberOf("kopt/demo/todo/worker/oom"), MERGE);
    const healthy = afterApplySnapshot(repo.dir, {
      errorsPercent: 1,
      minutes: 65,
    }) as unknown as ClusterSnapshot;
    const first = await verifyWith(healthy, Date.parse(healthy.capturedAt) / 1000);
    expect(first.phrs.map((p) => [p.title.slice(0, 35), p.result])).toEqual([
      ["Raise the memory limit of todo/work", "validated"],
    ]);
    // The pods before the change are judged against their own request (the old ReplicaSet's template).
    const worker = readPhrFront(
      git(repo.dir, "show", `main:${first.phrs[0]?.phr}`),
      first.phrs[0]?.phr as string,
    );
    expect(worker.validation?.after?.memoryUsageOverRequest).not.toBeNull();

    await land(numberOf("kopt/demo/todo/backend/rightsize"), Date.parse(healthy.capturedAt) / 1000 + MIN);
    const bad = afterApplySnapshot(repo.dir, { errorsPercent: 8, minutes: 5 }) as unknown as ClusterSnapshot;
    const second = await verifyWith(bad, Date.parse(bad.capturedAt) / 1000);
    expect(second.phrs.map((p) => [p.title.slice(0, 22), p.result, p.reasons[0]])).toEqual([
      ["Right-size todo/backen", "regressed", "error rate 8% > 5% (1% before the change)"],
    ]);
    const backend = readPhrFront(
      git(repo.dir, "show", `main:${second.phrs[0]?.phr}`),
      second.phrs[0]?.phr as string,
    );
    // Before: the old pods at 1 CPU requested; after: the new ones at 500m.
    const before = backend.validation?.baseline?.cpuUsageOverRequest as number;
    const after = backend.validation?.after?.cpuUsageOverRequest as number;
    expect(after / before).toBeCloseTo(2, 1);
  });

  it("refuses --prometheus-url beside --snapshot (the snapshot holds the figures), writing nothing", async () => {
    const refs = git(repo.dir, "for-each-ref", "--format=%(refname)");
    const r = await koptAt(
      at(CAPTURED),
      "--repo",
      repo.dir,
      "verify",
      "--cluster",
      "demo",
      "--snapshot",
      join(repo.dir, "clusters/demo/snapshot.json.gz"),
      "--prometheus-url",
      "http://127.0.0.1:9",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("kopt: error: --prometheus-url has no effect with --snapshot");
    expect(git(repo.dir, "for-each-ref", "--format=%(refname)")).toBe(refs);
  });
});
