// phr/demo/, the demo's history of past changes, must be what test/demo/history.ts makes with kopt's own
// commands today: the same PHRs (commit SHAs aside: they hash the scratch repository, so any edit of the chart
// changes them), ending at today's values file. And the history is the case a PHR id cannot name one change:
// both backend right-sizings have id 6ea4683a.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PHR_FILE_NAME, readPhrFront } from "../../src/formats/phr.ts";
import { gitAt } from "../support/git.ts";
import { git, koptAt, PROJECT_ROOT } from "../support/repo.ts";
import { HISTORY_DIR, historyOf, makeHistory } from "./history.ts";

interface PlannedProposal {
  kind: string;
  tier: string;
  learned?: string[];
  changes: { path: string }[];
}

let repo: string;
beforeAll(async () => {
  repo = await makeHistory();
}, 240_000);
afterAll(() => rmSync(repo, { recursive: true, force: true }));

/** The text with every commit SHA (and its 7-character abbreviation) replaced by <sha>. */
function withoutShas(text: string): string {
  let out = text;
  for (const sha of new Set(text.match(/\b[0-9a-f]{40}\b/g) ?? [])) {
    out = out.replaceAll(sha, "<sha>").replaceAll(sha.slice(0, 7), "<sha>");
  }
  return out;
}

const committed = () =>
  readdirSync(join(PROJECT_ROOT, HISTORY_DIR))
    .filter((f) => PHR_FILE_NAME.test(f))
    .sort();

describe("the demo's history (phr/demo)", () => {
  it("is what the script makes now, and ends at today's values file", () => {
    const { phrs, values } = historyOf(repo);
    expect(values).toBe(readFileSync(join(PROJECT_ROOT, "clusters/demo/values.yaml"), "utf8"));
    expect([...phrs.keys()]).toEqual(committed());
    for (const [file, text] of phrs) {
      const mine = readFileSync(join(PROJECT_ROOT, HISTORY_DIR, file), "utf8");
      expect(withoutShas(mine), `${file} differs: run npm run demo:history`).toBe(withoutShas(text));
    }
  });

  it("holds one validated change, one rolled back with its rollback, one closed unmerged", () => {
    const fronts = committed().map((f) =>
      readPhrFront(readFileSync(join(PROJECT_ROOT, HISTORY_DIR, f), "utf8"), f),
    );
    expect(fronts.map((f) => [f.createdAt.slice(0, 10), f.kind, f.workloads[0]?.name, f.status])).toEqual([
      ["2026-10-16", "rightsize", "backend", "validated"],
      ["2026-10-30", "rightsize", "frontend", "rejected"],
      ["2026-10-30", "rightsize", "backend", "rolled-back"],
      ["2026-10-30", "rollback", "backend", "approved"],
    ]);
    const [validated, rejected, rolledBack] = fronts;
    expect(validated?.validation?.after?.errorRate).toBe(0.01);
    expect(rolledBack?.validation?.reasons).toEqual(["error rate 8% > 5% (1% before the change)"]);
    expect(rolledBack?.rolledBackBy?.phr).toBe(`${HISTORY_DIR}/${committed()[3]}`);
    expect(rejected?.rejection).toMatchObject({ closedBy: "carol", closedAt: "2026-10-30T17:00:00Z" });
  });

  it("today's plan learns from it: the backend's next step with a larger margin and tier critical, the frontend's small change dropped", async () => {
    const at = new Date("2026-11-20T12:00:00Z");
    const snapshot = "clusters/demo/snapshot.json.gz";
    writeFileSync(join(repo, snapshot), readFileSync(join(PROJECT_ROOT, snapshot)));
    gitAt(repo, at.getTime() / 1000 - 3600, "commit", "-q", "-am", "demo as recorded on 2026-11-20");
    const plan = async (workload: string) => {
      const r = await koptAt(
        at,
        "--repo",
        repo,
        "plan",
        "--cluster",
        "demo",
        "--workload",
        workload,
        "--output",
        "json",
      );
      expect(r.stderr).toBe("");
      const out = JSON.parse(r.stdout) as { proposals: PlannedProposal[] };
      return out.proposals.find((p) => p.kind === "rightsize") as PlannedProposal;
    };
    const backend = await plan("todo/backend");
    const why = "#4 (merged 2026-10-30) was rolled back (error rate 8% > 5% (1% before the change))";
    expect(backend.tier).toBe("critical");
    expect(backend.learned).toEqual([
      `margin 30% instead of 10.5%: ${why}`,
      `cooldown 14 days instead of 7 days: ${why}`,
      `tier at least critical: ${why}`,
    ]);
    const frontend = await plan("todo/frontend");
    expect(frontend.learned).toEqual([
      "changes under 20% not proposed (instead of 10%): #5 was closed unmerged by carol on 2026-10-30",
    ]);
    expect(frontend.changes.map((c) => c.path)).not.toContain("frontend.resources.limits.memory");
  });

  it("after-merge and verify read the PHRs beside phr/demo/README.md and leave the README alone", async () => {
    const at = new Date("2026-11-20T12:00:00Z");
    writeFileSync(
      join(repo, HISTORY_DIR, "README.md"),
      readFileSync(join(PROJECT_ROOT, HISTORY_DIR, "README.md")),
    );
    gitAt(repo, at.getTime() / 1000, "add", "-A");
    gitAt(repo, at.getTime() / 1000, "commit", "-q", "-m", "phr/demo/README.md");
    const r = await koptAt(at, "--repo", repo, "after-merge", "--cluster", "demo");
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Nothing to record");
  });

  it("a rollback by the shared id is refused; by path it reverts that change, not the one on the old rollback branch", async () => {
    const at = new Date("2026-11-20T12:00:00Z");
    const head = git(repo, "rev-parse", "main");
    const refused = await koptAt(at, "--repo", repo, "rollback", "6ea4683a", "--cluster", "demo");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("2 PHRs on main have id 6ea4683a");
    expect(refused.stderr).toContain("kopt rollback <PHR path>");

    // kopt/demo/rollback/6ea4683a still holds the merged revert of 2026-10-30's change.
    const first = `${HISTORY_DIR}/${committed()[0]}`;
    const r = await koptAt(at, "--repo", repo, "rollback", first, "--cluster", "demo", "--output", "json");
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { original: { phr: string }; rollback: { branch: string } };
    expect(out.original.phr).toBe(first);
    const values = (ref: string) => git(repo, "show", `${ref}:clusters/demo/values.yaml`);
    const launch =
      'requests:\n      cpu: "2"\n      memory: 4Gi\n    limits:\n      cpu: "2"\n      memory: 8Gi';
    // Back to the launch sizing the first right-sizing changed; the rest of the file as on main.
    expect(values(out.rollback.branch)).toContain(`  resources:\n    ${launch}`);
    expect(values(head)).not.toContain(launch);
    expect(git(repo, "diff", "--stat", head, out.rollback.branch, "--", "clusters/")).toMatch(
      /1 file changed/,
    );
  });
});
