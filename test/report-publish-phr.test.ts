// Report PHRs (issue 17, item 4): `phr/<cluster>/reports/<period>-<kind>.md` with their own front matter.
// `kopt phr lint` checks them by their own schema and path; the gate sees a report-only pull request as a
// trivial record; merged-changes (cooldown, learning, stats) and after-merge never take one for a change.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gateTier } from "../src/decide/approval.ts";
import { isReportPhrPath, reportPhrPath } from "../src/formats/phr.ts";
import type { RenderedReport } from "../src/model/report.ts";
import { openRepository } from "../src/propose/git-repo.ts";
import { mergedChanges } from "../src/propose/merged-changes.ts";
import { afterMerge } from "../src/workflows/after-merge.ts";
import { lintPhr, lintPhrs } from "../src/workflows/phr-lint.ts";
import { reportPhr, reportPhrId } from "../src/workflows/report/record.ts";
import { cleanups } from "./support/cleanups.ts";
import { git } from "./support/git.ts";
import { demoRepo } from "./support/repo.ts";

const REPORT: RenderedReport = {
  kind: "security",
  cluster: "demo",
  period: "2026-W49",
  title: "kopt security audit: demo, week of 2026-11-30",
  body: "## Summary\n\n1 finding.\n",
  record: { findings: ["pss-privileged:Deployment/shop/web/app"] },
  critical: 1,
};

describe("report PHR format", () => {
  it("is written where its path says and passes lint", () => {
    const { path, content } = reportPhr(REPORT, "2026-12-04T00:05:00Z");
    expect(path).toBe("phr/demo/reports/2026-W49-security.md");
    expect(isReportPhrPath(path)).toBe(true);
    expect(isReportPhrPath("phr/demo/2026-11-20-0123abcd-rightsize-todo-api.md")).toBe(false);
    expect(content).toBe(
      [
        "---",
        `id: ${reportPhrId("demo", "security", "2026-W49")}`,
        "cluster: demo",
        "kind: report",
        "report: security",
        "period: 2026-W49",
        "createdAt: 2026-12-04T00:05:00Z",
        'title: "kopt security audit: demo, week of 2026-11-30"',
        "record:",
        "  findings:",
        "    - pss-privileged:Deployment/shop/web/app",
        "  critical: 1",
        "---",
        "# kopt security audit: demo, week of 2026-11-30",
        "",
        "## Summary",
        "",
        "1 finding.",
        "",
      ].join("\n"),
    );
    expect(lintPhr(content, path)).toEqual({ faults: [] });
    expect(reportPhrId("demo", "security", "2026-W49")).toMatch(/^[0-9a-f]{8}$/);
    expect(reportPhrId("demo", "health", "2026-W49")).not.toBe(reportPhrId("demo", "security", "2026-W49"));
  });

  it("lint names what disagrees with the path, and what the schema refuses", () => {
    const { content } = reportPhr(REPORT, "2026-12-04T00:05:00Z");
    expect(lintPhr(content, "phr/demo/reports/2026-W50-security.md").faults.map((f) => f.field)).toEqual([
      "period",
    ]);
    expect(lintPhr(content, "phr/demo/reports/2026-W49-health.md").faults.map((f) => f.field)).toEqual([
      "report",
    ]);
    expect(lintPhr(content, "phr/prod/reports/2026-W49-security.md").faults).toEqual([
      {
        file: "phr/prod/reports/2026-W49-security.md",
        field: "cluster",
        message: "cluster demo but the file is under phr/prod/reports/",
      },
    ]);
    const broken = content.replace("kind: report\n", "kind: rightsize\n").replace("  critical: 1\n", "");
    const faults = lintPhr(broken, "phr/demo/reports/2026-W49-security.md").faults;
    expect(faults.map((f) => f.field).sort()).toEqual(["kind", "record.critical"]);
  });

  it("a pull request that only adds a report PHR is a trivial record for the gate", () => {
    const path = reportPhrPath("demo", "health", "2026-W49");
    expect(gateTier({ labels: [], phrTiers: [], changedFiles: [{ path, status: "added" }] })).toEqual({
      tier: "trivial",
      reasons: ["only PHRs change: trivial"],
    });
  });
});

describe("readers of change PHRs skip report PHRs", () => {
  it("merged-changes, after-merge and phr lint over a repository holding one", async () => {
    const repo = demoRepo();
    cleanups.push(() => repo.cleanup());
    const { path, content } = reportPhr(REPORT, "2026-12-04T00:05:00Z");
    mkdirSync(join(repo.dir, "phr/demo/reports"), { recursive: true });
    writeFileSync(join(repo.dir, path), content);
    git(repo.dir, "add", "-A");
    git(repo.dir, "commit", "-qm", "a report PHR");
    const merged = await mergedChanges(await openRepository(repo.dir), "main", "demo");
    expect(merged).toEqual({ changes: [], unreadable: [], history: [] });
    const [outcome] = await afterMerge({ repoDir: repo.dir, cluster: "demo", forge: "local" });
    expect(outcome?.warnings).toEqual([]);
    expect(outcome?.record).toBeNull();
    const lint = await lintPhrs(repo.dir);
    expect(lint).toEqual({ checked: 1, faults: [], warnings: [] });
  });
});
