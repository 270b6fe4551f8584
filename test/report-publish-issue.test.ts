// Report issues on both forges (issue 17, item 1a): publishReportIssue against the local forge in a real git
// repository and against the GitHub forge on the simulator (every request and response checked against
// GitHub's OpenAPI). Created once; a rerun with the same body writes nothing (no PATCH); new data edits the
// body in place; next week's issue closes last week's with a comment linking it; an issue a person opened
// with the same title is not taken for kopt's.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../src/model/policy.ts";
import type { RenderedReport } from "../src/model/report.ts";
import type { Forge } from "../src/propose/forge.ts";
import { openRepository } from "../src/propose/git-repo.ts";
import { GitHubForge } from "../src/propose/github/github-forge.ts";
import { LocalForge } from "../src/propose/local-forge.ts";
import { readReportMarker, reportTitle } from "../src/propose/report/issue-marker.ts";
import { publishReportIssue } from "../src/workflows/report/issue.ts";
import { cleanups } from "./support/cleanups.ts";
import { git } from "./support/git.ts";
import { startGitHubSim } from "./support/github-sim/index.ts";
import { demoRepo } from "./support/repo.ts";

interface Harness {
  forge: Forge;
  /** Every write the forge received so far (files under .kopt/issues, or non-GET API requests). */
  writes(): string;
  /** The comment kopt closed issue `number` with. */
  closingComment(number: number): string | undefined;
  /** A person opens an issue with this title and label (github only; undefined locally). */
  personOpens?(title: string): Promise<void>;
}

async function localHarness(): Promise<Harness> {
  const repo = demoRepo();
  cleanups.push(() => repo.cleanup());
  const forge = await LocalForge.open(await openRepository(repo.dir), "main", {
    now: () => new Date("2026-12-07T00:05:00Z"),
  });
  const dir = join(repo.dir, ".kopt", "issues", "reports");
  const files = () => readdirSync(dir).filter((f) => f.endsWith(".md"));
  return {
    forge,
    writes: () =>
      files()
        .sort()
        .map((f) => `${f}\n${readFileSync(join(dir, f), "utf8")}`)
        .join("\n"),
    closingComment: (n) => {
      const text = files()
        .map((f) => readFileSync(join(dir, f), "utf8"))
        .find((t) => t.includes(`\nnumber: ${n}\n`));
      return /\ncloseComment: (.*)\n/.exec(text ?? "")?.[1];
    },
  };
}

async function gitHubHarness(): Promise<Harness> {
  const token = "ghs_kopt_report_token";
  const alice = "ghp_alice_report_token";
  const sim = await startGitHubSim({
    owner: "acme",
    repo: "platform",
    token,
    tokens: { [alice]: "alice" },
    users: ["kopt-ci", "alice"],
  });
  cleanups.push(() => sim.stop());
  cleanups.push(() => expect(sim.violations).toEqual([]));
  const work = mkdtempSync(join(tmpdir(), "kopt-report-issues-"));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  git(work, "clone", "-q", sim.repoDir, ".");
  const forge = await GitHubForge.connect(
    await openRepository(work),
    {
      owner: "acme",
      repo: "platform",
      apiUrl: sim.url,
      auth: { tokenEnv: "GITHUB_TOKEN" },
      maxOpenPullRequests: 10,
      afterMerge: { record: "pull-request" },
    },
    "main",
    {
      env: { GITHUB_TOKEN: token, KOPT_GITHUB_UNPACED: "1" },
      root: work,
      approval: DEFAULT_POLICY.approval,
      materialThreshold: 0.1,
    },
  );
  const person = new Octokit({
    baseUrl: sim.url,
    auth: alice,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  return {
    forge,
    writes: () =>
      sim.requests
        .filter((r) => r.method !== "GET")
        .map((r) => `${r.method} ${r.path}`)
        .join("\n"),
    closingComment: (n) => sim.state.comments.find((c) => c.issueNumber === n && c.user === "kopt-ci")?.body,
    async personOpens(title) {
      await person.issues.create({
        owner: "acme",
        repo: "platform",
        title,
        body: "mine",
        labels: ["kopt/report"],
      });
    },
  };
}

function report(period: string, monday: string, body: string): RenderedReport {
  return {
    kind: "health",
    cluster: "demo",
    period,
    title: reportTitle("health", "demo", monday),
    body,
    record: { headlines: { "pods.failing": 2 } },
    critical: 0,
  };
}

const W49 = () => report("2026-W49", "2026-11-30", "## Summary\n\n2 pods failing.\n");
const W50 = () => report("2026-W50", "2026-12-07", "## Summary\n\nAll pods running.\n");

describe.each([
  ["local", localHarness],
  ["github", gitHubHarness],
])("report issues on the %s forge", (name, start) => {
  it("creates the week's issue once; a rerun with the same body writes nothing", async () => {
    const h = await start();
    if (h.personOpens) await h.personOpens("kopt health report: demo, week of 2026-11-30");
    const first = await publishReportIssue(h.forge, W49());
    expect(first.status).toBe("created");
    expect(first.closed).toEqual([]);
    expect(first.issue.title).toBe("kopt health report: demo, week of 2026-11-30");
    expect(first.issue.labels).toEqual(["kopt", "kopt/report"]);
    expect(first.issue.state).toBe("open");
    expect(first.issue.body).toContain("2 pods failing.");
    expect(readReportMarker(first.issue.body)).toEqual({
      cluster: "demo",
      kind: "health",
      period: "2026-W49",
    });
    const writes = h.writes();
    const again = await publishReportIssue(h.forge, W49());
    expect(again.status).toBe("unchanged");
    expect(again.issue.number).toBe(first.issue.number);
    expect(h.writes()).toBe(writes);
    if (name === "github") expect(writes).not.toMatch(/PATCH/);
    // The person's issue of the same title is not kopt's: the list holds kopt's one only.
    expect((await h.forge.reportIssues("demo", "health")).map((i) => i.number)).toEqual([first.issue.number]);
    expect(await h.forge.reportIssues("demo", "security")).toEqual([]);
    expect(await h.forge.reportIssues("other", "health")).toEqual([]);
  });

  it("edits the body in place when the data changed", async () => {
    const h = await start();
    const first = await publishReportIssue(h.forge, W49());
    const changed = { ...W49(), body: "## Summary\n\n3 pods failing.\n" };
    const second = await publishReportIssue(h.forge, changed);
    expect(second.status).toBe("updated");
    expect(second.issue.number).toBe(first.issue.number);
    expect(second.issue.body).toContain("3 pods failing.");
    expect(second.issue.body).not.toContain("2 pods failing.");
    const all = await h.forge.reportIssues("demo", "health");
    expect(all).toHaveLength(1);
    expect(all[0]?.body).toBe(second.issue.body);
  });

  it("next week's issue closes last week's with a comment linking the new one", async () => {
    const h = await start();
    const last = await publishReportIssue(h.forge, W49());
    const next = await publishReportIssue(h.forge, W50());
    expect(next.status).toBe("created");
    expect(next.issue.number).not.toBe(last.issue.number);
    expect(next.closed).toEqual([last.issue.number]);
    const all = await h.forge.reportIssues("demo", "health");
    expect(all.map((i) => [i.period, i.state])).toEqual([
      ["2026-W49", "closed"],
      ["2026-W50", "open"],
    ]);
    const comment = h.closingComment(last.issue.number) ?? "";
    expect(comment).toContain("kopt health report: demo, week of 2026-12-07");
    expect(comment).toContain(next.issue.url);
    // A rerun of last week's report finds its (closed) issue and leaves next week's alone.
    const rerun = await publishReportIssue(h.forge, W49());
    expect(rerun.status).toBe("unchanged");
    expect(rerun.closed).toEqual([]);
  });
});
