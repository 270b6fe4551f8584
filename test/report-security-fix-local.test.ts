// `kopt report security` fix pull requests on the local forge (issue 17), end to end in a real git repository
// with the demo cluster, through the CLI in-process with the real audit (REPORT_PORTS): one pull request per
// mapped todo workload, tier critical, that writes its findings' values fixes into clusters/demo/values.yaml
// with a PHR `kopt phr lint` accepts; a rerun leaves them unchanged; one a person closed is not reopened;
// --no-publish opens none; `kopt plan` does not close them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main } from "../src/cli.ts";
import { readPhrFront } from "../src/formats/phr.ts";
import { openRepository } from "../src/propose/git-repo.ts";
import { LocalForge } from "../src/propose/local-forge.ts";
import { lintPhrs } from "../src/workflows/phr-lint.ts";
import type { SecurityFixesOutcome } from "../src/workflows/report/security-fixes.ts";
import { git } from "./support/git.ts";
import { demoRepo, type TempRepo } from "./support/repo.ts";

const NOW = new Date("2026-11-20T13:00:00Z");
const TODO = ["frontend", "backend", "search", "worker", "mailer", "notifier"];

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

async function cli(dir: string, ...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "kopt", "--repo", dir, ...args], {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
    now: () => NOW,
    env: { GITHUB_STEP_SUMMARY: "" },
  });
  return { code, out, err };
}

async function security(dir: string, ...extra: string[]) {
  const r = await cli(dir, "report", "security", "--cluster", "demo", "--output", "json", ...extra);
  expect(r.err).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  const json = JSON.parse(r.out) as { fixes: SecurityFixesOutcome | null };
  return { ...r, fixes: json.fixes };
}

describe("kopt report security: fix pull requests on the local forge", () => {
  it("opens one critical pull request per todo workload with its values fixes and PHR, and a rerun changes nothing", async () => {
    repo = demoRepo();
    const first = await security(repo.dir);
    const fixes = first.fixes as SecurityFixesOutcome;
    expect(fixes.fixes.map((f) => [f.workload.name, f.status, f.tier, f.branch])).toEqual(
      TODO.map((n) => [n, "created", "critical", `kopt/demo/todo/${n}/security`]),
    );
    // todo/postgres is not mapped in kopt.yaml: its findings give no pull request.
    expect(git(repo.dir, "branch", "--list", "kopt/demo/todo/postgres/*")).toBe("");
    expect(first.err).toMatch(
      /security fix todo\/frontend: created, 8 values change\(s\) for 6 finding\(s\), tier critical: #\d+ \.kopt\/pull-requests\/kopt__demo__todo__frontend__security\.md/,
    );

    // The frontend's pull request: the values file gains exactly the fixes, under the frontend's prefix.
    const frontend = fixes.fixes[0];
    if (!frontend) throw new Error("no frontend fix");
    const values = parse(git(repo.dir, "show", `${frontend.branch}:clusters/demo/values.yaml`));
    const base = parse(git(repo.dir, "show", "main:clusters/demo/values.yaml"));
    expect(values.frontend.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(values.frontend.podSecurityContext).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(values.frontend.livenessProbe).toEqual({ httpGet: { path: "/", port: "http" } });
    expect(values.backend).toEqual(base.backend);
    const changed = git(repo.dir, "diff", "--name-only", `main...${frontend.branch}`).trim().split("\n");
    expect(changed).toEqual(["clusters/demo/values.yaml", frontend.phr]);
    // Only added lines: the comments and every other value stay as they were.
    const diff = git(repo.dir, "diff", "main", frontend.branch, "--", "clusters/demo/values.yaml");
    expect(diff.split("\n").filter((l) => /^-[^-]/.test(l))).toEqual([]);

    const phr = readPhrFront(git(repo.dir, "show", `${frontend.branch}:${frontend.phr}`), frontend.phr);
    expect([phr.kind, phr.tier, phr.status, phr.cost.monthlyDelta]).toEqual([
      "security",
      "critical",
      "proposed",
      0,
    ]);
    expect(phr.changes).toContainEqual({
      file: "clusters/demo/values.yaml",
      path: "frontend.securityContext.allowPrivilegeEscalation",
      to: false,
    });
    // A list of scalars is written whole, as one line a person would write.
    expect(phr.changes).toContainEqual({
      file: "clusters/demo/values.yaml",
      path: "frontend.securityContext.capabilities.drop",
      to: ["ALL"],
    });
    expect(diff).toMatch(/^\+ +drop: \[ALL\]$/m);
    expect(phr.evidence.map((e) => ("finding" in e ? e.finding.check : null))).toEqual([
      "pss-allow-privilege-escalation",
      "pss-capabilities-drop-all",
      "pss-run-as-non-root",
      "pss-seccomp-missing",
      "rel-liveness-probe-missing",
      "rel-readiness-probe-missing",
    ]);
    git(repo.dir, "checkout", "-q", frontend.branch);
    expect((await lintPhrs(repo.dir)).faults).toEqual([]);
    git(repo.dir, "checkout", "-q", "main");

    // The body: what changes, the evidence with runbooks, the tier and why, no cost, the rollback.
    const draft = readFileSync(join(repo.dir, frontend.location), "utf8");
    expect(draft).toContain("  - kopt/tier:critical\n  - kopt/kind:security\n");
    expect(draft).toContain("needs two people: an architect and a security reviewer");
    expect(draft).toContain(
      "| `frontend.securityContext.allowPrivilegeEscalation` | _(unset)_ | **`false`** |",
    );
    expect(draft).toContain("[pss-run-as-non-root](runbooks/security/pod-security.md#pss-run-as-non-root)");
    expect(draft).toContain("**Cost:** none");
    expect(draft).toContain("### Rollback");
    expect(draft).toContain('| `frontend.securityContext.capabilities.drop` | _(unset)_ | **`["ALL"]`** |');
    expect(frontend.unwritten).toEqual([]);

    const heads = git(repo.dir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/kopt/");
    const again = await security(repo.dir);
    expect(again.fixes?.fixes.map((f) => f.status)).toEqual(TODO.map(() => "unchanged"));
    expect(git(repo.dir, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/kopt/")).toBe(
      heads,
    );

    // `kopt plan` proposes its own kinds and leaves the security fixes open.
    const plan = await cli(repo.dir, "plan", "--cluster", "demo", "--output", "json");
    expect(plan.code).toBe(0);
    const closed = (JSON.parse(plan.out) as { closed: { branch: string }[] }).closed;
    expect(closed.filter((c) => c.branch.endsWith("/security"))).toEqual([]);
  }, 240_000);

  it("does not reopen a fix a person closed, and --no-publish opens nothing", async () => {
    repo = demoRepo();
    const quiet = await cli(
      repo.dir,
      "report",
      "security",
      "--cluster",
      "demo",
      "--no-publish",
      "--output",
      "json",
    );
    expect(quiet.code).toBe(0);
    expect((JSON.parse(quiet.out) as { fixes: unknown }).fixes).toBeNull();
    expect(git(repo.dir, "branch", "--list", "kopt/*")).toBe("");

    const first = await security(repo.dir);
    const search = first.fixes?.fixes.find((f) => f.workload.name === "search");
    if (!search?.pullRequest) throw new Error("no search fix");
    const forge = await LocalForge.open(await openRepository(repo.dir), "main", { now: () => NOW });
    await forge.close(search.pullRequest, "alice");

    const again = await security(repo.dir);
    const held = again.fixes?.fixes.find((f) => f.workload.name === "search");
    expect(held?.status).toBe("held");
    expect(held?.reason).toContain("closed without merging by alice");
    expect(again.err).toMatch(/security fix todo\/search: held \(#\d+ was closed without merging by alice/);
    expect((await forge.pullRequest(search.pullRequest)).state).toBe("closed");
  }, 240_000);
});
