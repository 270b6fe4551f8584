// `kopt plan` on the local forge when runs overlap or are killed: real child processes (in-process runs would
// share process.exitCode), real git. Every run on the same input ends with the same branches and drafts as a
// single run alone, and a killed run leaves nothing the next one does not finish or remove.
import { spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ownedName } from "../src/propose/leftovers.ts";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import { demoRepo, git, kopt, PROJECT_ROOT, type TempRepo } from "./support/repo.ts";

const RUNS = 8;
// Each child starts TypeScript through tsx (2-3 s alone); eight at once on a small machine take a while.
const SLOW = 180_000;

let repo: TempRepo;
let clean: string;
beforeEach(() => {
  repo = demoRepo();
  // A copy with the same base commit, for a run nobody interferes with.
  clean = `${repo.dir}-clean`;
  cpSync(repo.dir, clean, { recursive: true });
});
afterEach(() => {
  repo.cleanup();
  rmSync(clean, { recursive: true, force: true });
});

interface Child {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `node bin/kopt.js --repo <dir> plan --cluster demo --output json` as a child process. */
function planProcess(dir: string): Promise<Child> {
  const args = [
    join(PROJECT_ROOT, "bin/kopt.js"),
    "--repo",
    dir,
    "plan",
    "--cluster",
    "demo",
    "--output",
    "json",
  ];
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ pid: child.pid, code, signal, stdout, stderr }));
  });
}

async function planInProcess(dir: string): Promise<PlanOutcome> {
  const r = await kopt("--repo", dir, "plan", "--cluster", "demo", "--output", "json");
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as PlanOutcome;
}

/** Branch -> commit, for kopt's branches and the base. */
function refs(dir: string): Record<string, string> {
  const out = git(dir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads");
  return Object.fromEntries(out.split("\n").map((l) => l.split(" ") as [string, string]));
}

/** Every file under .kopt/pull-requests, with its content: temp files would show up here too. */
function drafts(dir: string): Record<string, string> {
  const at = join(dir, ".kopt/pull-requests");
  if (!existsSync(at)) return {};
  return Object.fromEntries(readdirSync(at).map((f) => [f, readFileSync(join(at, f), "utf8")]));
}

/** What is left in kopt's temp directory inside the git directory. */
function gitTemps(dir: string): string[] {
  const at = join(dir, ".git/kopt-tmp");
  return existsSync(at) ? readdirSync(at) : [];
}

describe("concurrent kopt plan runs on one repository", () => {
  it(
    `${RUNS} runs at once all exit 0, each branch created by exactly one of them, and the branches and drafts are those of one run alone`,
    async () => {
      const alone = await planInProcess(clean);
      expect(alone.proposals.length).toBeGreaterThanOrEqual(5);

      const runs = await Promise.all(Array.from({ length: RUNS }, () => planProcess(repo.dir)));

      for (const run of runs) {
        expect(run.stderr, run.stderr).toBe("");
        expect(run.code).toBe(0);
      }
      const outcomes = runs.map((r) => JSON.parse(r.stdout) as PlanOutcome);
      for (const p of alone.proposals) {
        const seen = outcomes.map((o) => o.proposals.find((q) => q.branch === p.branch));
        // Every run reports the commit the lone run made; the compare-and-swap lets exactly one create it.
        expect(seen.map((q) => q?.commit)).toEqual(Array(RUNS).fill(p.commit));
        expect(seen.map((q) => q?.status).sort()).toEqual(["created", ...Array(RUNS - 1).fill("unchanged")]);
      }
      expect(refs(repo.dir)).toEqual(refs(clean));
      expect(drafts(repo.dir)).toEqual(drafts(clean));
      expect(Object.keys(drafts(repo.dir))).toHaveLength(alone.proposals.length);
      expect(gitTemps(repo.dir)).toEqual([]);
    },
    SLOW,
  );

  it(
    "a run killed (SIGKILL) right after its first branch moved, then run again, ends like a run never interrupted",
    async () => {
      const alone = await planInProcess(clean);
      // git runs the reference-transaction hook while update-ref holds the new ref; the hook kills kopt
      // (git's parent) once, after the first kopt branch is committed and before its draft is placed.
      const once = join(repo.dir, ".git/kill-kopt-once");
      writeFileSync(once, "");
      const hook = join(repo.dir, ".git/hooks/reference-transaction");
      writeFileSync(
        hook,
        [
          "#!/bin/sh",
          '[ "$1" = committed ] || exit 0',
          "grep -q ' refs/heads/kopt/' || exit 0",
          `[ -f '${once}' ] || exit 0`,
          `rm -f '${once}'`,
          `kill -9 "$(cut -d' ' -f4 /proc/$PPID/stat)"`,
          "",
        ].join("\n"),
      );
      chmodSync(hook, 0o755);

      const killed = await planProcess(repo.dir);
      expect(killed.signal).toBe("SIGKILL");
      const first = alone.proposals[0];
      // Exactly the first branch, at the commit the lone run made, and its draft only staged (a temp file).
      expect(refs(repo.dir)).toEqual({
        "refs/heads/main": refs(clean)["refs/heads/main"],
        [`refs/heads/${first?.branch}`]: first?.commit,
      });
      const staged = Object.keys(drafts(repo.dir));
      expect(staged).toHaveLength(1);
      expect(staged[0]).toMatch(
        new RegExp(
          `^${basename(first?.draft ?? "").replaceAll(".", "\\.")}\\.${killed.pid}-[0-9a-f]{8}-.+\\.tmp$`,
        ),
      );

      const rerun = await planInProcess(repo.dir);

      expect(rerun.proposals.map((p) => [p.branch, p.status, p.commit])).toEqual(
        alone.proposals.map((p, n) => [p.branch, n === 0 ? "unchanged" : "created", p.commit]),
      );
      expect(refs(repo.dir)).toEqual(refs(clean));
      expect(drafts(repo.dir)).toEqual(drafts(clean));
    },
    SLOW,
  );
});

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
