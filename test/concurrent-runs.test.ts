// `kopt plan` on the local forge when runs are killed: what they leave behind, the next run removes.
import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ownedName } from "../src/propose/leftovers.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import { demoRepo, kopt, type TempRepo } from "./support/repo.ts";

let repo: TempRepo;
beforeEach(() => {
  repo = demoRepo();
});
afterEach(() => repo.cleanup());

async function planInProcess(dir: string): Promise<PlanOutcome> {
  const r = await kopt("--repo", dir, "plan", "--cluster", "demo", "--output", "json");
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as PlanOutcome;
}

/** What is left in kopt's temp directory inside the git directory. */
function gitTemps(dir: string): string[] {
  const at = join(dir, ".git/kopt-tmp");
  return existsSync(at) ? readdirSync(at) : [];
}

describe("what a killed run leaves behind", () => {
  // Above any pid the kernel hands out, so certainly no running process.
  const deadPid = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;
  const owned = (pid: number) => ownedName().replace(/^\d+/, String(pid));

  it("the next run removes a dead run's private index and draft temp file, and keeps a live run's and anything not kopt's", async () => {
    const dead = owned(deadPid);
    const live = owned(process.pid);
    const elsewhere = `${deadPid}-0123abcd-another-host.example`;
    for (const name of [dead, live, elsewhere, "notes"]) {
      const at = join(repo.dir, ".git/kopt-tmp", name);
      cpSync(join(repo.dir, ".git/index"), join(at, "index"), { recursive: true });
    }
    const pulls = join(repo.dir, ".kopt/pull-requests");
    const draft = "kopt__demo__todo__backend__rightsize.md";
    for (const name of [dead, live]) {
      cpSync(join(repo.dir, "clusters/demo/kopt.yaml"), join(pulls, `${draft}.${name}.tmp`));
    }

    await planInProcess(repo.dir);

    expect(gitTemps(repo.dir).sort()).toEqual([elsewhere, live, "notes"].sort());
    expect(readdirSync(pulls).filter((f) => f.endsWith(".tmp"))).toEqual([`${draft}.${live}.tmp`]);
  });

  it("a run keeps its private index inside the git directory (not /tmp) and removes it when done", async () => {
    await planInProcess(repo.dir);
    expect(existsSync(join(repo.dir, ".git/kopt-tmp"))).toBe(true);
    expect(gitTemps(repo.dir)).toEqual([]);
  });
});
