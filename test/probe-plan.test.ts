// A liveness-probe-kill finding (hand-made, as the classifier builds it) through `kopt plan` on the demo repo:
// decide -> propose on the local forge, with real git. The probe proposal's branch adds a startupProbe to the
// backend's values, its pull request and PHR carry the diagnosis, and a second run changes nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../src/model/finding.ts";
import { lintPhrText } from "../src/workflows/phr-lint.ts";
import { type PlanOutcome, plan } from "../src/workflows/plan.ts";
import { probeKillFinding } from "./support/probe-finding.ts";
import { demoRepo, git, type TempRepo } from "./support/repo.ts";

let repo: TempRepo;
beforeEach(() => {
  repo = demoRepo();
});
afterEach(() => repo.cleanup());

const BACKEND = { namespace: "todo", kind: "Deployment", name: "backend" };
const VALUES = "clusters/demo/values.yaml";

async function planWith(findings: Finding[]): Promise<PlanOutcome> {
  return plan({
    repoDir: repo.dir,
    cluster: "demo",
    dryRun: false,
    forge: "local",
    diagnose: () => findings,
  });
}

function probeOf(out: PlanOutcome) {
  const found = out.proposals.filter((p) => p.kind === "probe");
  expect(found).toHaveLength(1);
  return found[0] as PlanOutcome["proposals"][number];
}

describe("kopt plan with a liveness-probe-kill finding for a mapped workload", () => {
  it("opens a probe proposal: startupProbe in the values file, the diagnosis in the pull request and PHR", async () => {
    const out = await planWith([probeKillFinding(BACKEND, "backend")]);
    const p = probeOf(out);
    expect(p).toMatchObject({
      kind: "probe",
      // The demo's todo namespace is production: a probe change there needs two people.
      tier: "critical",
      status: "created",
      branch: "kopt/demo/todo/backend/probe",
      cost: { monthlyDelta: 0 },
    });
    expect(p.changes.map((c) => [c.path, c.from, c.to])).toEqual([
      ["backend.startupProbe.httpGet.path", undefined, "/actuator/health"],
      ["backend.startupProbe.httpGet.port", undefined, 8080],
      ["backend.startupProbe.periodSeconds", undefined, 10],
      ["backend.startupProbe.failureThreshold", undefined, 8],
    ]);

    // The branch's diff: only the new block, added to the backend's mapping; every other line as it was.
    const diff = git(repo.dir, "diff", "main", p.branch, "--", VALUES);
    const added = diff.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++"));
    const removed = diff.split("\n").filter((l) => l.startsWith("-") && !l.startsWith("---"));
    expect(removed).toEqual([]);
    expect(added).toEqual([
      "+  startupProbe:",
      "+    httpGet:",
      "+      path: /actuator/health",
      "+      port: 8080",
      "+    periodSeconds: 10",
      "+    failureThreshold: 8",
    ]);
    expect(diff).toMatch(/targetCPUUtilizationPercentage: 80\n\+ {2}startupProbe:/);

    const body = readFileSync(join(repo.dir, p.draft), "utf8");
    for (const expected of [
      "Add a startupProbe to todo/backend on demo",
      "### Diagnosis",
      "`liveness-probe-kill` (confidence 90%)",
      "| Last termination | exit 137 (SIGKILL), reason `Error` |",
      "| Restarts | 7, back-off now 160 s (pods `backend-7d4b9c-x2k4q`) |",
      "| Unhealthy events | 21 × 2026-12-01 09:29 UTC → 2026-12-01 09:59 UTC",
      "| Killing events | 7 × 2026-12-01 09:30 UTC → 2026-12-01 10:00 UTC",
      "initialDelaySeconds 10 + periodSeconds 10 × failureThreshold 3 = killed after 40 s",
      "| Observed start | 52.4 s for an instance that got through, of the 40 s the probe allows |",
      "**Expected outcome:**",
      "The new settings allow 80 s for the start",
      "**Cost effect:** none — probes do not change CPU or memory requests or limits",
      "### How to verify after merge",
      "`kubectl -n todo get pods -w`: RESTARTS of the new pods stays at 0 (the old ones reached 7)",
      "the startupProbe passes within 80 s",
      "`backend.startupProbe.failureThreshold` | _(unset)_ | **`8`**",
      "[runbooks/liveness-probe-kill.md](runbooks/liveness-probe-kill.md)",
      "### Roll back",
      "git revert -m 1 <merge-sha>",
      "`kopt/kind:probe`",
    ]) {
      expect(body).toContain(expected);
    }
    // The crash line echoed a password: redacted like every other body.
    expect(body).toContain("Last log line before the kill");
    expect(body).not.toContain("hunter2");

    const phr = git(repo.dir, "show", `${p.branch}:${p.phr}`);
    expect(lintPhrText(phr, p.phr)).toEqual([]);
    expect(phr).toContain("kind: probe");
    expect(phr).toContain("class: liveness-probe-kill");
    expect(phr).toContain("## Diagnosis");
    expect(phr).toContain("## How to verify after merge");
    expect(phr).not.toContain("hunter2");
  });

  it("a second run with the same finding leaves the branch and pull request unchanged", async () => {
    const first = probeOf(await planWith([probeKillFinding(BACKEND, "backend")]));
    const second = probeOf(await planWith([probeKillFinding(BACKEND, "backend")]));
    expect(second.status).toBe("unchanged");
    expect(second.commit).toBe(first.commit);
  });

  it("an unmapped workload gets no proposal, and is listed as skipped with 'not mapped'", async () => {
    const out = await planWith([
      probeKillFinding({ namespace: "todo", kind: "StatefulSet", name: "postgres" }, "postgres"),
    ]);
    expect(out.proposals.filter((p) => p.kind === "probe")).toEqual([]);
    expect(
      out.skipped.filter((s) => s.reason.startsWith("liveness-probe-kill")).map((s) => s.reason),
    ).toEqual([
      "liveness-probe-kill, but todo/postgres is not mapped to a values file in kopt.yaml: add the startupProbe by hand (runbooks/liveness-probe-kill.md)",
    ]);
  });
});
