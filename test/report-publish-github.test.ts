// `kopt report security` publishing on the GitHub forge (issue 17): against the simulator (every request and
// response checked against GitHub's OpenAPI) with the demo cluster's config on the github forge, through the
// CLI in-process with stand-in analysis ports. The report PHR lands as a trivial record pull request kopt
// merges; the issue is opened with the kopt/report label; a rerun makes no write at all.
import { describe, expect, it } from "vitest";
import { main } from "../src/cli.ts";
import { ISSUE_BODY_MAX } from "../src/model/report.ts";
import { git } from "./support/git.ts";
import { OWNER, REPO, worldEnv, worldForTest } from "./support/github-world.ts";

const NOW = new Date("2026-11-20T13:00:00Z");

describe("kopt report security on the github forge", () => {
  // Two report runs against the simulator: about 20 s alone, past 30 s when a full suite loads the machine.
  it("lands the PHR through a merged record pull request, opens the issue, and a rerun writes nothing", async () => {
    const w = await worldForTest();
    const run = async () => {
      let out = "";
      let err = "";
      const code = await main(["node", "kopt", "--repo", w.work, "report", "security", "--cluster", "demo"], {
        out: (s) => {
          out += s;
        },
        err: (s) => {
          err += s;
        },
        now: () => NOW,
        env: { ...worldEnv(), GITHUB_STEP_SUMMARY: "" },
      });
      return { code, out, err };
    };
    const first = await run();
    expect(first.err).not.toMatch(/error/);
    expect(first.code).toBe(0);
    expect(first.err).toContain(
      "report PHR phr/demo/reports/2026-W47-security.md: created, pull request created, merged",
    );
    const { data: issues } = await w.octokit().issues.listForRepo({
      owner: OWNER,
      repo: REPO,
      state: "all",
      labels: "kopt/report",
    });
    expect(issues.map((i) => [i.title, i.state, i.user?.login])).toEqual([
      ["kopt security audit: demo, week of 2026-11-16", "open", "kopt-ci"],
    ]);
    expect(issues[0]?.body).toMatch(/^## Summary\n\n\d+ finding\(s\) from \d+ checks/);
    expect(issues[0]?.body).toContain("ClusterRoleBinding ci-deployer-admin");
    expect(issues[0]?.body?.length).toBeLessThanOrEqual(ISSUE_BODY_MAX);
    expect(issues[0]?.body).toContain(
      '<!-- kopt:report {"cluster":"demo","kind":"security","period":"2026-W47"} -->',
    );
    w.sync();
    expect(git(w.work, "show", "main:phr/demo/reports/2026-W47-security.md")).toContain("report: security");

    // A git fetch is a POST too (git-upload-pack), but it reads.
    const writes = () =>
      w.sim.requests
        .filter((r) => r.method !== "GET" && !r.path.endsWith("/git-upload-pack"))
        .map((r) => `${r.method} ${r.path}`);
    const before = writes().length;
    const again = await run();
    expect(again.code).toBe(0);
    expect(again.err).toContain("report issue #");
    expect(again.err).toContain(" unchanged: ");
    expect(writes().slice(before)).toEqual([]);
  }, 120_000);
});
