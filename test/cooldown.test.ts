// The cooldown guardrail end to end: a kopt branch merged into main holds the next change to the same
// workload back (OOM raises exempt), with the merge time read from the PHR's commit on main.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { updatePhr } from "../src/formats/phr.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import { gitAt } from "./support/git.ts";
import { demoRepo, git, koptAt, type TempRepo } from "./support/repo.ts";

let repo: TempRepo;
beforeEach(() => {
  repo = demoRepo();
});
afterEach(() => repo.cleanup());

/** The demo snapshot was captured 2026-11-20T12:00Z; plan treats that as now. */
const NOW = new Date("2026-11-20T12:00:00Z");

async function plan(): Promise<{ out: PlanOutcome; stderr: string }> {
  const r = await koptAt(NOW, "--repo", repo.dir, "plan", "--cluster", "demo", "--output", "json");
  expect(r.code).toBe(0);
  return { out: JSON.parse(r.stdout) as PlanOutcome, stderr: r.stderr };
}

/** Merges a kopt branch into main with a merge commit dated `at` (Unix seconds), as a forge would. */
function merge(branch: string, at: number): void {
  gitAt(repo.dir, at, "merge", "--no-ff", "-q", "-m", `Merge ${branch}`, branch);
}

describe("cooldown after a merged kopt change", () => {
  it("holds the next change to the same workload back for 7 days; OOM raises are exempt", async () => {
    const first = (await plan()).out;
    const backend = first.proposals.find((p) => p.workload.name === "backend" && p.kind === "rightsize");
    const oom = first.proposals.find((p) => p.workload.name === "worker" && p.kind === "oom");
    if (!backend || !oom) throw new Error("demo proposals changed");
    // The backend's capped cut merged two days before the snapshot; the next run wants the rest of the cut.
    merge(backend.branch, NOW.getTime() / 1000 - 2 * 86400);
    const second = (await plan()).out;
    expect(second.proposals.some((p) => p.workload.name === "backend" && p.kind === "rightsize")).toBe(false);
    const held = second.heldBack.find((h) => h.workload.name === "backend");
    expect(held?.rule).toBe("cooldown");
    expect(held?.reason).toMatch(
      /^changed 2 days ago \(rightsize, merged 2026-11-18 12:00 UTC\); cooldown 7 days/,
    );
    // The worker's OOM raise is exempt even right after a change to the worker.
    const workerSizing = first.proposals.find((p) => p.workload.name === "worker" && p.kind === "rightsize");
    if (!workerSizing) throw new Error("demo proposals changed");
    merge(workerSizing.branch, NOW.getTime() / 1000 - 3600);
    const third = (await plan()).out;
    expect(third.proposals.map((p) => `${p.workload.name}/${p.kind}`)).toContain("worker/oom");
    expect(third.heldBack.map((h) => `${h.workload.name}/${h.kind}:${h.rule}`)).toEqual(
      expect.arrayContaining(["backend/rightsize:cooldown"]),
    );
  });

  it("a PHR merged with CRLF line ends (a Windows checkout) still starts the cooldown", async () => {
    const first = (await plan()).out;
    const backend = first.proposals.find((p) => p.workload.name === "backend" && p.kind === "rightsize");
    if (!backend) throw new Error("demo proposals changed");
    git(repo.dir, "switch", "-q", backend.branch);
    const file = join(repo.dir, backend.phr);
    writeFileSync(file, readFileSync(file, "utf8").replace(/\n/g, "\r\n"));
    git(repo.dir, "commit", "-q", "-am", "PHR saved on Windows");
    git(repo.dir, "switch", "-q", "main");
    merge(backend.branch, NOW.getTime() / 1000 - 2 * 86400);
    const { out } = await plan();
    expect(out.warnings.filter((w) => w.includes("no readable front matter"))).toEqual([]);
    expect(out.heldBack.find((h) => h.workload.name === "backend")?.rule).toBe("cooldown");
  });

  it("counts from the merge time the PHR records, not from the commit that carried it to main", async () => {
    const first = (await plan()).out;
    const backend = first.proposals.find((p) => p.workload.name === "backend" && p.kind === "rightsize");
    if (!backend) throw new Error("demo proposals changed");
    const text = git(repo.dir, "show", `${backend.branch}:${backend.phr}`);
    const sha = "a".repeat(40);
    const recorded = (at: string) =>
      updatePhr(text, backend.phr, {
        status: "approved",
        merge: {
          pullRequest: 3,
          sha,
          at,
          by: "alice",
          openedAt: "2026-11-01T00:00:00Z",
          approvalLatencyMinutes: 5,
        },
      });
    // Carried to main a day after the snapshot (a history copied from another repository), merged 20 days before.
    mkdirSync(join(repo.dir, "phr/demo"), { recursive: true });
    writeFileSync(join(repo.dir, backend.phr), recorded("2026-10-31T12:00:00Z"));
    git(repo.dir, "add", "-A");
    gitAt(repo.dir, Date.parse("2026-11-21T12:00:00Z") / 1000, "commit", "-q", "-m", "history");
    expect((await plan()).out.heldBack.find((h) => h.workload.name === "backend")).toBeUndefined();
    // Recorded as merged 2 days before the snapshot: held, whatever the commit's date.
    writeFileSync(join(repo.dir, backend.phr), recorded("2026-11-18T12:00:00Z"));
    git(repo.dir, "commit", "-q", "-am", "history, corrected");
    const held = (await plan()).out.heldBack.find((h) => h.workload.name === "backend");
    expect(held?.reason).toMatch(/^changed 2 days ago \(rightsize, merged 2026-11-18 12:00 UTC\)/);
  });

  it("a PHR on main without readable front matter is a warning, not a silent gap in the cooldown", async () => {
    mkdirSync(join(repo.dir, "phr/demo"), { recursive: true });
    writeFileSync(
      join(repo.dir, "phr/demo/2026-11-18-0badc0de-rightsize-todo-backend.md"),
      "no front matter\n",
    );
    git(repo.dir, "add", "-A");
    git(repo.dir, "commit", "-q", "-m", "a broken PHR");
    const { out, stderr } = await plan();
    expect(out.warnings).toContain(
      "phr/demo/2026-11-18-0badc0de-rightsize-todo-backend.md on main has no readable front matter, so the cooldown cannot see that change: run `kopt phr lint`",
    );
    expect(stderr).toContain("kopt: warning: phr/demo/2026-11-18-0badc0de-rightsize-todo-backend.md on main");
  });
});
