// The learning loop end to end on the local forge with real git: a rolled-back right-sizing makes the next
// plan use a larger margin (the reason in the PR body and the PHR), a person's close is recorded as
// rejected by after-merge once and raises the workload's minimum change, and kopt's own close of an
// obsolete proposal is no rejection.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVAL_CONTEXT } from "../src/decide/approval.ts";
import { readPhrFront, updatePhr } from "../src/formats/phr.ts";
import { parseQuantity } from "../src/model/quantity.ts";
import { openRepository } from "../src/propose/git-repo.ts";
import { LocalForge } from "../src/propose/local-forge.ts";
import { afterMerge } from "../src/workflows/after-merge.ts";
import { type PlannedProposal, plan } from "../src/workflows/plan.ts";
import type { StatsOutcome } from "../src/workflows/stats.ts";
import { gitAt } from "./support/git.ts";
import { demoRepo, git, koptAt, type TempRepo } from "./support/repo.ts";

let repo: TempRepo;
beforeEach(() => {
  repo = demoRepo();
});
afterEach(() => repo.cleanup());

/** The demo snapshot was captured 2026-11-20T12:00Z; plan treats that as now. */
const NOW = new Date("2026-11-20T12:00:00Z");
const DAY = 86400;

function runPlan() {
  return plan({ repoDir: repo.dir, cluster: "demo", dryRun: false, now: NOW });
}

function backendSizing(proposals: readonly PlannedProposal[]): PlannedProposal {
  const p = proposals.find((x) => x.workload.name === "backend" && x.kind === "rightsize");
  if (!p) throw new Error("the demo has no backend right-sizing any more");
  return p;
}

/** Commits `files` on main as a person, dated `at` (Unix seconds), as a merge on the forge would land them. */
function commitOnMain(files: Record<string, string>, at: number, message: string): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo.dir, path)), { recursive: true });
    writeFileSync(join(repo.dir, path), content);
    git(repo.dir, "add", path);
  }
  gitAt(repo.dir, at, "commit", "-q", "-m", message);
}

const requestOf = (p: PlannedProposal, path: string) => p.changes.find((c) => c.path.endsWith(path))?.to;

describe("the learning loop on the local forge", () => {
  it("a rolled-back right-sizing makes the next plan use a larger margin, saying why in the PR body and the PHR", async () => {
    const first = backendSizing((await runPlan()).proposals);
    expect(first.learned).toBeUndefined();
    const phrText = git(repo.dir, "show", `${first.branch}:${first.phr}`);
    const front = readPhrFront(phrText, first.phr);
    const used = Math.max(
      ...front.evidence.flatMap((e) =>
        "sizing" in e && e.sizing ? [e.sizing.cpu.margin, e.sizing.memory.margin] : [],
      ),
    );
    // The same change, merged 30 days ago as #7 and rolled back after OOM kills: its PHR on main says so.
    const at = NOW.getTime() / 1000 - 30 * DAY;
    const path = first.phr.replace("2026-11-20", "2026-10-21");
    const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");
    const past = updatePhr(phrText, path, {
      createdAt: iso(at - DAY),
      status: "rolled-back",
      merge: {
        pullRequest: 7,
        sha: "a".repeat(40),
        at: iso(at),
        by: "alice",
        openedAt: iso(at - DAY),
        approvalLatencyMinutes: 5,
      },
      validation: { outcome: "regressed", checkedAt: iso(at + 3600), reasons: ["3 OOM kills"] },
    });
    commitOnMain({ [path]: past }, at, "Merge #7 (rolled back since)");

    const second = backendSizing((await runPlan()).proposals);
    const margin = Math.max(0.3, Math.round((used + 0.1) * 1000) / 1000);
    const why = `#7 (merged ${iso(at).slice(0, 10)}) was rolled back (3 OOM kills)`;
    const reason = `margin ${Math.round(margin * 1000) / 10}% instead of ${Math.round(used * 1000) / 10}%: ${why}`;
    // One tier above the rolled-back change's, at least medium; the cooldown after the next change doubled.
    const tier = first.tier === "medium" || first.tier === "critical" ? "critical" : "medium";
    expect(second.learned).toEqual([
      reason,
      `cooldown 14 days instead of 7 days: ${why}`,
      `tier at least ${tier}: ${why}`,
    ]);
    expect(second.tier).toBe(tier);
    // The requests come out at least as large as the first plan's (the larger margin), never smaller.
    for (const field of ["requests.cpu", "requests.memory"]) {
      const a = parseQuantity(String(requestOf(first, field)));
      const b = parseQuantity(String(requestOf(second, field)));
      expect(b).toBeGreaterThanOrEqual(a as number);
    }
    const newPhr = readPhrFront(git(repo.dir, "show", `${second.branch}:${second.phr}`), second.phr);
    expect(newPhr.learned).toEqual(second.learned);
    const margins = newPhr.evidence.flatMap((e) =>
      "sizing" in e && e.sizing ? [e.sizing.cpu.margin, e.sizing.memory.margin] : [],
    );
    expect(Math.min(...margins)).toBeGreaterThanOrEqual(margin - 1e-9);
    const body = readFileSync(join(repo.dir, second.draft), "utf8");
    expect(body).toContain("### Learned from past outcomes");
    expect(body).toContain(`- ${reason}`);
  }, 120_000);

  it("records a person's close as rejected once, and the next plan proposes that workload only for a bigger change", async () => {
    const first = backendSizing((await runPlan()).proposals);
    const forge = await LocalForge.open(await openRepository(repo.dir), "main", { now: () => NOW });
    await forge.close(first.pullRequest as number, "alice");

    const [outcome] = await afterMerge({ repoDir: repo.dir, cluster: "demo" });
    expect(outcome?.rejected).toEqual([
      {
        phr: first.phr,
        id: first.id,
        pullRequest: first.pullRequest,
        closedAt: "2026-11-20T12:00:00Z",
        closedBy: "alice",
      },
    ]);
    expect(outcome?.record?.merged).toBe(true);
    const onMain = readPhrFront(git(repo.dir, "show", `main:${first.phr}`), first.phr);
    expect(onMain.status).toBe("rejected");
    expect(onMain.rejection).toEqual({
      pullRequest: first.pullRequest,
      closedAt: "2026-11-20T12:00:00Z",
      closedBy: "alice",
    });

    // A rerun records nothing new.
    const [again] = await afterMerge({ repoDir: repo.dir, cluster: "demo" });
    expect(again?.rejected).toEqual([]);
    expect(again?.record).toBeNull();

    // The next plan: the minimum change for the backend is doubled, and the same change is not reopened.
    const next = await runPlan();
    const backend = next.proposals.find((p) => p.workload.name === "backend" && p.kind === "rightsize");
    const rejection = `changes under 20% not proposed (instead of 10%): #${first.pullRequest} was closed unmerged by alice on 2026-11-20`;
    // The backend's cuts (50%) are above the doubled minimum, so it is still proposed, with the lesson; as
    // the same change a person closed, it is held, not reopened.
    expect(backend?.learned).toEqual([rejection]);
    expect(backend?.status).toBe("held");
    expect(backend?.reason).toBe(
      `#${first.pullRequest} was closed without merging by alice on 2026-11-20; kopt does not reopen it unless the recommendation changes`,
    );
    expect(backend?.pullRequest).toBeUndefined();
    // The rejection is no merged change: no cooldown on the backend.
    expect(next.heldBack.filter((h) => h.workload.name === "backend" && h.rule === "cooldown")).toEqual([]);
  }, 120_000);

  it("kopt's own close of an obsolete proposal is not a rejection", async () => {
    const first = await runPlan();
    expect(first.proposals.length).toBeGreaterThan(0);
    const forge = await LocalForge.open(await openRepository(repo.dir), "main", { now: () => NOW });
    const closed = await forge.closeObsolete(
      "kopt/demo/",
      new Set(),
      () => "the recommendation is gone",
      false,
    );
    expect(closed).toHaveLength(first.proposals.length);
    const [outcome] = await afterMerge({ repoDir: repo.dir, cluster: "demo" });
    expect(outcome?.rejected).toEqual([]);
    expect(outcome?.record).toBeNull();
  }, 120_000);
});

describe("kopt stats on a small history", () => {
  it("counts a merged and a rejected proposal, and says what it cannot compute", async () => {
    // Approvers named in kopt.yaml (no teams file): after-merge reads who counted.
    const file = join(repo.dir, "clusters/demo/kopt.yaml");
    const approval =
      "policy:\n  approval:\n    architects: { users: [alice] }\n    security: { users: [bob] }\n";
    writeFileSync(file, `${readFileSync(file, "utf8")}\n${approval}`);
    git(repo.dir, "commit", "-qam", "approvers");
    const out = await runPlan();
    const [a, b] = out.proposals;
    if (!a?.pullRequest || !b?.pullRequest || !a.commit)
      throw new Error("the demo proposes fewer than two changes");
    // An hour later alice merges the first (the gate's status set as the gate would), and closes the second.
    const opened = (
      await (await LocalForge.open(await openRepository(repo.dir), "main")).pullRequest(a.pullRequest)
    ).createdAt;
    const later = new Date(Date.parse(opened) + 3_600_000);
    const forge = await LocalForge.open(await openRepository(repo.dir), "main", {
      now: () => later,
      user: { name: "alice", email: "alice@example.com" },
    });
    await forge.setStatus(a.commit, APPROVAL_CONTEXT, {
      state: "success",
      description: "ok",
      targetUrl: a.draft,
    });
    await forge.merge(a.pullRequest, a.commit);
    await forge.close(b.pullRequest, "alice");
    await afterMerge({ repoDir: repo.dir, cluster: "demo" });

    const r = await koptAt(
      new Date(later.getTime() + DAY * 1000),
      "--repo",
      repo.dir,
      "stats",
      "--cluster",
      "demo",
      "--output",
      "json",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as StatsOutcome;
    expect(s.proposals).toEqual({ merged: 1, rejected: 1 });
    expect(s.acceptanceRate).toBe(0.5);
    expect(s.timeToMergeHours).toEqual({ count: 1, median: 1, p90: 1 });
    expect(s.outcomes).toEqual([
      expect.objectContaining({ kind: a.kind, tier: a.tier, merged: 1, validated: 0, regressed: 0 }),
    ]);
    expect(s.savings.realizedMonthly).toBe(0);
    expect(s.savings.proposedMonthly).toBeCloseTo(a.cost.monthlyDelta + b.cost.monthlyDelta, 2);
    expect(s.notes).toContain("savings realized: no merged change has been validated yet (kopt verify)");
    // plan opened incident issues for the demo's failing pods; none is resolved yet.
    expect(s.incidents.count).toBeGreaterThan(0);
    expect(s.incidents.mttdMinutes?.count).toBe(s.incidents.count);
    expect(s.incidents.mttrMinutes).toBeNull();
    expect(s.notes).toContain(
      `MTTR: ${s.incidents.count} incident issue(s) still open (not resolved): left out`,
    );

    const text = await koptAt(
      new Date(later.getTime() + DAY * 1000),
      "--repo",
      repo.dir,
      "stats",
      "--cluster",
      "demo",
      "--since",
      "7d",
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("Acceptance rate:  50% (1 merged, 1 rejected)");
    expect(text.stdout).toContain("Not computed or partial:");
    const bad = await koptAt(NOW, "--repo", repo.dir, "stats", "--cluster", "demo", "--since", "a month");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since a month is not a duration");
  }, 120_000);
});
