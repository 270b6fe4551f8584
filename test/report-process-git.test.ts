// The process sections reading a real repository through the local forge: the demo's history of PHRs on
// main (phr/demo: a validated right-sizing on 2026-10-16; on 2026-10-30 a regressed one, its revert and a
// rejected one) and the pull requests `kopt plan` opens, whose PHRs live on their branches only.
import { cpSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadClusterConfig } from "../src/config/load.ts";
import { ISSUE_BODY_MAX, type IsoWeek, type ReportSection } from "../src/model/report.ts";
import { openRepository } from "../src/propose/git-repo.ts";
import { LocalForge } from "../src/propose/local-forge.ts";
import { healthMarkdown } from "../src/propose/report/health-markdown.ts";
import { runPipeline } from "../src/workflows/pipeline.ts";
import type { ReportContext } from "../src/workflows/report/context.ts";
import { buildHealthReport } from "../src/workflows/report/health.ts";
import { processSections } from "../src/workflows/report/process-sections.ts";
import { demoRepo, git, koptAt, PROJECT_ROOT, type TempRepo } from "./support/repo.ts";

const at = (iso: string) => Date.parse(iso) / 1000;
const W44: IsoWeek = { id: "2026-W44", start: at("2026-10-26T00:00:00Z"), end: at("2026-11-02T00:00:00Z") };
const W45: IsoWeek = { id: "2026-W45", start: at("2026-11-02T00:00:00Z"), end: at("2026-11-09T00:00:00Z") };
const PLANNED = new Date("2026-11-03T10:00:00Z");
const NOW = new Date("2026-11-04T10:00:00Z");

let repo: TempRepo;

beforeAll(async () => {
  repo = demoRepo();
  const phrs = join(repo.dir, "phr/demo");
  mkdirSync(phrs, { recursive: true });
  for (const f of readdirSync(join(PROJECT_ROOT, "phr/demo")))
    cpSync(join(PROJECT_ROOT, "phr/demo", f), join(phrs, f));
  writeFileSync(join(repo.dir, ".gitignore"), ".kopt/\n");
  git(repo.dir, "add", "-A");
  git(repo.dir, "commit", "-q", "-m", "the demo's history");
  mkdirSync(join(repo.dir, ".kopt"), { recursive: true });
  writeFileSync(join(repo.dir, ".kopt/teams.yaml"), "architects: [alice]\nsecurity: [bob]\n");
  const plan = await koptAt(PLANNED, "--repo", repo.dir, "plan", "--cluster", "demo");
  if (plan.code !== 0) throw new Error(`kopt plan failed: ${plan.stderr}`);
}, 120_000);

afterAll(() => repo?.cleanup());

async function context(week: IsoWeek, previous: ReportContext["previous"] = null): Promise<ReportContext> {
  const git = await openRepository(repo.dir);
  const loaded = await loadClusterConfig(repo.dir, "demo");
  const forge = await LocalForge.open(git, "main", { now: () => NOW });
  const run = await runPipeline({ root: repo.dir, loaded, env: {}, now: NOW });
  return { cluster: "demo", week, now: NOW, run, loaded, forge, repo: git, env: {}, previous };
}

async function sections(
  week: IsoWeek,
  previous: ReportContext["previous"] = null,
): Promise<Map<string, ReportSection>> {
  return new Map((await processSections(await context(week, previous))).map((s) => [s.id, s]));
}

/** kopt's open pull requests' PHR cost deltas, read with git itself: each kopt/demo/ branch's added PHR. */
function branchDeltas(): Map<string, number> {
  const branches = git(repo.dir, "for-each-ref", "--format=%(refname:short)", "refs/heads/kopt/demo/")
    .split("\n")
    .filter(Boolean);
  return new Map(
    branches.map((b) => {
      const [path] = git(
        repo.dir,
        "diff",
        "--name-only",
        "--diff-filter=A",
        `main...${b}`,
        "--",
        "phr/demo/",
      ).split("\n");
      const text = git(repo.dir, "show", `${b}:${path}`);
      return [b, Number(/^ {2}monthlyDelta: (-?[\d.]+)$/m.exec(text)?.[1])];
    }),
  );
}

const values = (s: ReportSection | undefined) =>
  Object.fromEntries((s?.headlines ?? []).map((h) => [h.id, h.value]));

describe("process sections on a real repository", () => {
  it("reads the week of 2026-10-30 from the PHRs on main: merges, the rejection, the regression and its revert", async () => {
    const s = await sections(W44);
    const pulls = s.get("pull-requests");
    expect(pulls?.data).toMatchObject({ merged: [4, 9], closedUnmerged: [5] });
    expect(values(pulls)).toMatchObject({
      "pullRequests.merged": 2,
      "pullRequests.closedUnmerged": 1,
      "pullRequests.approvalLatency.medium": 120,
      "pullRequests.approvalLatency.low": 20,
      "pullRequests.approvalLatency.critical": null,
    });
    expect(values(s.get("outcomes"))).toEqual({
      "outcomes.validated": 0,
      "outcomes.regressed": 1,
      "outcomes.rolledBack": 1,
      "outcomes.notApplied": 0,
      "outcomes.awaiting": 0,
    });
    // Rolled back: nothing left to flag.
    expect(s.get("outcomes")?.flags).toEqual([]);
    expect(s.get("outcomes")?.markdown).toContain(
      "| rightsize | medium | regressed | 2026-10-30 14:09 UTC | #4 | −$43.90 |",
    );
    // Only the 2026-10-16 change was validated: its saving is realized; the regressed one's is not.
    expect(s.get("savings")?.data).toMatchObject({
      realizedMonthly: 87.78,
      realizedThisWeekMonthly: 0,
      validatedChanges: 1,
    });
  });

  it("reads the savings waiting in the open pull requests from their branches, and which wait past their SLA", async () => {
    const deltas = branchDeltas();
    expect(deltas.size).toBeGreaterThan(0);
    const s = await sections(W45, { headlines: { "savings.realizedMonthly": 80 } });
    const savings = s.get("savings")?.data as {
      waiting: { monthlyDelta: number }[];
      waitingMonthly: number;
      monthlyRequestsNow: number;
      baselineMonthly: number;
      goalProgress: number;
    };
    const expected = -[...deltas.values()].reduce((a, b) => a + b, 0);
    expect(savings.waiting.map((w) => w.monthlyDelta).sort()).toEqual([...deltas.values()].sort());
    expect(savings.waitingMonthly).toBeCloseTo(expected, 2);
    expect(savings.baselineMonthly).toBeCloseTo(savings.monthlyRequestsNow + 87.78, 2);
    expect(savings.goalProgress).toBeCloseTo(87.78 / savings.baselineMonthly, 3);
    expect(s.get("savings")?.headlines[0]).toMatchObject({
      id: "savings.realizedMonthly",
      value: 87.78,
      previous: 80,
    });

    // Opened on 2026-11-03, unapproved a day later: every one past its tier's SLA (none is trivial).
    const pulls = s.get("pull-requests");
    const opened = (pulls?.data as { opened: number[] } | undefined)?.opened ?? [];
    expect(opened).toHaveLength(deltas.size);
    expect(values(pulls)).toMatchObject({
      "pullRequests.opened": deltas.size,
      "pullRequests.open": deltas.size,
      "pullRequests.pastSla": deltas.size,
      "pullRequests.merged": 0,
    });
    expect(pulls?.flags.map((f) => f.subject).sort()).toEqual(opened.map((n) => `Pull request #${n}`).sort());
    expect(pulls?.notes).toEqual([]);
    expect(s.get("savings")?.notes).toEqual([]);
  });

  it("renders the week as an issue body: the late pull requests flagged, each section under its heading", async () => {
    const report = await buildHealthReport(await context(W45), [processSections]);
    const md = healthMarkdown(report, { maxChars: ISSUE_BODY_MAX });
    const late = report.flags.find((f) => f.subject.startsWith("Pull request #"));
    expect(late?.severity).toBe("high");
    expect(md).toContain(`${late?.subject}: ${late?.finding}. Recommendation: ${late?.recommendation}`);
    // Most severe first: no medium flag before a high one.
    const ranks = report.flags.map((f) => ["critical", "high", "medium", "low"].indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    for (const title of ["Incidents", "kopt's pull requests", "Outcomes of merged changes", "Savings"]) {
      expect(md).toContain(`\n## ${title}\n`);
    }
    expect(md).toContain("| Savings realized (USD/month) | 87.78 | — | — |");
  });
});
