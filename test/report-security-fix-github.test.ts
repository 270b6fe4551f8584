// `kopt report security` fix pull requests on the GitHub forge (issue 17), against the simulator (every
// request and response checked against GitHub's OpenAPI) with the demo cluster on the github forge and the
// real audit: one pull request per mapped todo workload, labelled tier critical, with an architect and a
// security reviewer requested and the kopt/approval status pending; a rerun writes nothing; one a person
// closed stays closed.
import { describe, expect, it } from "vitest";
import { main } from "../src/cli.ts";
import type { SecurityFixesOutcome } from "../src/workflows/report/security-fixes.ts";
import { OWNER, REPO, worldEnv, worldForTest } from "./support/github-world.ts";

const NOW = new Date("2026-11-20T13:00:00Z");

describe("kopt report security: fix pull requests on the github forge", () => {
  it("opens critical fix pull requests with both reviewers, a rerun writes nothing, a person's close holds", async () => {
    const w = await worldForTest();
    const run = async () => {
      let out = "";
      let err = "";
      const code = await main(
        ["node", "kopt", "--repo", w.work, "report", "security", "--cluster", "demo", "--output", "json"],
        {
          out: (s) => {
            out += s;
          },
          err: (s) => {
            err += s;
          },
          now: () => NOW,
          env: { ...worldEnv(), GITHUB_STEP_SUMMARY: "" },
        },
      );
      expect(err).not.toMatch(/error/i);
      expect(code).toBe(0);
      return { err, fixes: (JSON.parse(out) as { fixes: SecurityFixesOutcome }).fixes };
    };
    const first = await run();
    const names = ["frontend", "backend", "search", "worker", "mailer", "notifier"];
    expect(first.fixes.fixes.map((f) => [f.workload.name, f.status])).toEqual(
      names.map((n) => [n, "created"]),
    );
    const octokit = w.octokit();
    const frontend = first.fixes.fixes[0];
    if (!frontend?.pullRequest) throw new Error("no frontend pull request");
    const { data: pull } = await octokit.pulls.get({
      owner: OWNER,
      repo: REPO,
      pull_number: frontend.pullRequest,
    });
    expect(pull.head.ref).toBe("kopt/demo/todo/frontend/security");
    expect(pull.labels.map((l) => l.name).sort()).toEqual([
      "kopt",
      "kopt/kind:security",
      "kopt/tier:critical",
    ]);
    expect(pull.body).toContain("needs two people: an architect and a security reviewer");
    expect(pull.body).toContain("| `frontend.podSecurityContext.runAsNonRoot` | _(unset)_ | **`true`** |");
    const requested = [
      ...(pull.requested_reviewers ?? []).map((u) => u.login),
      ...(pull.requested_teams ?? []).map((t) => `team:${t.slug}`),
    ];
    // An architect (alice, team architects) and a security reviewer (bob, team security).
    expect(requested.some((r) => r === "alice" || r === "team:architects")).toBe(true);
    expect(requested.some((r) => r === "bob" || r === "team:security")).toBe(true);
    const { data: files } = await octokit.pulls.listFiles({
      owner: OWNER,
      repo: REPO,
      pull_number: frontend.pullRequest,
    });
    expect(files.map((f) => f.filename).sort()).toEqual(["clusters/demo/values.yaml", frontend.phr].sort());
    const { data: status } = await octokit.repos.getCombinedStatusForRef({
      owner: OWNER,
      repo: REPO,
      ref: pull.head.sha,
    });
    expect(status.statuses.find((s) => s.context === "kopt/approval")?.state).toBe("pending");

    // A git fetch is a POST too (git-upload-pack), but it reads.
    const writes = () =>
      w.sim.requests
        .filter((r) => r.method !== "GET" && !r.path.endsWith("/git-upload-pack"))
        .map((r) => `${r.method} ${r.path}`);
    const before = writes().length;
    const again = await run();
    expect(again.fixes.fixes.map((f) => f.status)).toEqual(names.map(() => "unchanged"));
    expect(writes().slice(before)).toEqual([]);

    // A person closes the search fix: the next run does not reopen it.
    const search = first.fixes.fixes.find((f) => f.workload.name === "search");
    if (!search?.pullRequest) throw new Error("no search pull request");
    await w
      .octokit("alice")
      .pulls.update({ owner: OWNER, repo: REPO, pull_number: search.pullRequest, state: "closed" });
    const third = await run();
    expect(third.fixes.fixes.find((f) => f.workload.name === "search")?.status).toBe("held");
    const { data: after } = await octokit.pulls.list({ owner: OWNER, repo: REPO, state: "open" });
    expect(after.map((p) => p.head.ref)).not.toContain("kopt/demo/todo/search/security");
  }, 300_000);
});
