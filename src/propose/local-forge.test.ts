// The local forge under races and crashes: the same input makes the same commit, a compare-and-swap lost
// to a run that did the same work is "unchanged", and anything else a run can meet is a KoptError.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { git } from "../../test/support/git.ts";
import { KoptError } from "../errors.ts";
import type { ChangeRequest } from "./forge.ts";
import { openRepository } from "./git-repo.ts";
import { draftPath, LocalForge } from "./local-forge.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kopt-forge-"));
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(join(dir, "values.yaml"), "cpu: 1\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "base");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const BRANCH = "kopt/demo/todo/backend/rightsize";

function change(cpu: string, date = "2026-11-20T12:00:00Z"): ChangeRequest {
  return {
    branch: BRANCH,
    commitMessage: `Right-size backend: cpu ${cpu}`,
    files: [{ path: "values.yaml", content: `cpu: ${cpu}\n` }],
    pr: { title: `Right-size backend: cpu ${cpu}`, body: "Evidence.\n", labels: ["kopt"], tier: "medium" },
    date,
  };
}

async function openForge(): Promise<LocalForge> {
  return LocalForge.open(await openRepository(dir), "main");
}

/** A forge whose look at the branch predates another run's update: preview reports it absent. */
async function forgeThatLookedBefore(): Promise<LocalForge> {
  const forge = await openForge();
  vi.spyOn(forge, "preview").mockResolvedValue({
    status: "created",
    branch: BRANCH,
    commit: null,
    location: draftPath(BRANCH),
  });
  return forge;
}

function koptError(err: unknown): KoptError {
  if (err instanceof KoptError) return err;
  throw err;
}

describe("LocalForge commits", () => {
  it("dates its commit at the observation time, author and committer, so the same input makes the same commit", async () => {
    const first = await (await openForge()).upsert(change("500m"));
    const log = git(dir, "log", "-1", "--format=%aI %cI %an <%ae>", BRANCH);
    expect(log).toBe("2026-11-20T12:00:00+00:00 2026-11-20T12:00:00+00:00 kopt <kopt@noreply.kopt.dev>");
    // Made again from scratch (the branch deleted, as after a crash before the ref moved), the same SHA.
    git(dir, "update-ref", "-d", `refs/heads/${BRANCH}`);
    const again = await (await openForge()).upsert(change("500m"));
    expect(again).toMatchObject({ status: "created", commit: first.commit });
  });
});

describe("LocalForge when another run moves the branch meanwhile", () => {
  it("reports unchanged when another run already made the very commit this run would make", async () => {
    const other = await (await openForge()).upsert(change("500m"));
    const draft = readFileSync(join(dir, draftPath(BRANCH)), "utf8");

    const result = await (await forgeThatLookedBefore()).upsert(change("500m"));

    expect(result).toMatchObject({ status: "unchanged", commit: other.commit });
    expect(git(dir, "rev-parse", BRANCH)).toBe(other.commit);
    expect(readFileSync(join(dir, draftPath(BRANCH)), "utf8")).toBe(draft);
    expect(readdirSync(join(dir, ".kopt/pull-requests"))).toEqual([
      "kopt__demo__todo__backend__rightsize.md",
    ]);
  });

  it("refuses with a KoptError, and keeps the other run's branch and draft, when it made another commit", async () => {
    const other = await (await openForge()).upsert(change("400m"));
    const draft = readFileSync(join(dir, draftPath(BRANCH)), "utf8");

    const err = koptError(await (await forgeThatLookedBefore()).upsert(change("500m")).catch((e) => e));

    expect(err.edge).toBe("forge");
    expect(err.message).toBe(
      `the branch ${BRANCH} was moved to ${other.commit?.slice(0, 12)} by another kopt run (or a git command) while this run was writing it`,
    );
    expect(err.hint).toMatch(/^rerun kopt once the other run is done/);
    expect(git(dir, "rev-parse", BRANCH)).toBe(other.commit);
    expect(readFileSync(join(dir, draftPath(BRANCH)), "utf8")).toBe(draft);
    expect(readdirSync(join(dir, ".kopt/pull-requests"))).toHaveLength(1);
  });

  it("a ref lock left by a killed git process: a KoptError naming the lock file to remove", async () => {
    const lock = join(dir, ".git/refs/heads", `${BRANCH}.lock`);
    mkdirSync(join(lock, ".."), { recursive: true });
    writeFileSync(lock, "");

    const err = koptError(await (await openForge()).upsert(change("500m")).catch((e) => e));

    expect(err.message).toMatch(
      /^git update-ref failed in .*: fatal: update_ref failed .*: Unable to create '.*\.lock': File exists\.$/,
    );
    expect(err.hint).toBe(
      `another git process is writing there; if none is running (one was killed), remove ${lock} and rerun kopt`,
    );
    expect(git(dir, "for-each-ref", "refs/heads/kopt")).toBe("");
  });
});
