// `kopt codeowners check` end to end: a git repository with cluster configs and a CODEOWNERS file.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { codeownersCheckText } from "../src/cli-output.ts";
import { KoptError } from "../src/errors.ts";
import { codeownersCheck } from "../src/workflows/codeowners-check.ts";
import { git, koptEnv, PROJECT_ROOT } from "./support/repo.ts";

const PROD = `apiVersion: kopt.dev/v1alpha1
kind: ClusterConfig
cluster: prod
source:
  snapshot: clusters/prod/snapshot.json.gz
forge:
  type: github
  github:
    owner: acme
    repo: gitops
workloads:
  - workload: payments/api
    valuesFile: clusters/prod/payments.yaml
  - workload: shop/web
    valuesFile: clusters/prod/shop.yaml
policy:
  tiers:
    criticalNamespaces: [payments]
  approval:
    criticalPaths: [clusters/prod/secrets/]
`;

const GOOD = `# acme's GitOps repository
/clusters/ @acme/architects
/clusters/*/kopt.yaml @acme/architects @acme/security
/clusters/prod/payments.yaml @acme/architects @acme/security
/clusters/prod/secrets/ @acme/architects @acme/security
/.github/ @acme/architects @acme/security
`;

let dir: string;

function write(path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kopt-codeowners-"));
  write("clusters/prod/kopt.yaml", PROD);
  write("clusters/prod/payments.yaml", "api: {}\n");
  write("clusters/prod/shop.yaml", "web: {}\n");
  write("clusters/prod/secrets/db.yaml", "x: 1\n");
  write(".github/workflows/kopt-plan.yml", "on: push\n");
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "init");
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("codeownersCheck", () => {
  it("passes a CODEOWNERS file that gives every critical path both teams", async () => {
    write(".github/CODEOWNERS", GOOD);
    const result = await codeownersCheck({ repoDir: dir });
    expect(result.findings).toEqual([]);
    expect(result.file).toBe(".github/CODEOWNERS");
    expect(result.checked).toEqual([
      "clusters/prod/kopt.yaml",
      ".github/workflows/",
      ".github/workflows/kopt-plan.yml",
      ".github/CODEOWNERS",
      "clusters/prod/payments.yaml",
      "clusters/prod/secrets/",
      "clusters/prod/secrets/db.yaml",
    ]);
    expect(codeownersCheckText(result)).toBe("7 path(s) checked, 0 finding(s)");
  });

  it("names the line of a later, broader rule that leaves a critical path to one team", async () => {
    write(".github/CODEOWNERS", `${GOOD}# added later\nclusters/prod/ @acme/architects\n`);
    const result = await codeownersCheck({ repoDir: dir });
    expect(result.findings.map((f) => `${f.file}:${f.line}: ${f.path}`)).toEqual([
      ".github/CODEOWNERS:8: clusters/prod/kopt.yaml",
      ".github/CODEOWNERS:8: clusters/prod/payments.yaml",
      ".github/CODEOWNERS:8: clusters/prod/secrets/",
      ".github/CODEOWNERS:8: clusters/prod/secrets/db.yaml",
    ]);
    expect(codeownersCheckText(result).split("\n").slice(0, 2)).toEqual([
      ".github/CODEOWNERS:8: clusters/prod/kopt.yaml: owned by @acme/architects only (line 8 `clusters/prod/ @acme/architects` is its last match); critical paths need @acme/architects and @acme/security",
      "  fix: add `/clusters/prod/kopt.yaml @acme/architects @acme/security` after line 8 (the last matching rule wins)",
    ]);
    expect(codeownersCheckText(result).split("\n").at(-1)).toBe("7 path(s) checked, 4 finding(s)");
  });

  it("fails without a CODEOWNERS file", async () => {
    const result = await codeownersCheck({ repoDir: dir });
    expect(result.file).toBeUndefined();
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      file: ".github/CODEOWNERS",
      path: ".github/CODEOWNERS",
      problem: expect.stringContaining("there is no CODEOWNERS file"),
    });
  });

  it("uses GitHub's first location, and requires the ones that would take precedence", async () => {
    write("docs/CODEOWNERS", "* @acme/architects @acme/security\n");
    write("CODEOWNERS", GOOD);
    const result = await codeownersCheck({ repoDir: dir });
    expect(result.file).toBe("CODEOWNERS");
    expect(result.checked).toEqual(expect.arrayContaining([".github/CODEOWNERS", "CODEOWNERS"]));
    expect(result.checked).not.toContain("docs/CODEOWNERS");
    expect(result.findings.map((f) => f.path)).toEqual(["CODEOWNERS"]);
  });

  it("resolves { users } groups, and needs the organization for { team } groups", async () => {
    const local = PROD.replace(/forge:\n( {2}.*\n)+?workloads:/, "forge:\n  type: local\nworkloads:").replace(
      "    criticalPaths: [clusters/prod/secrets/]\n",
      "    criticalPaths: [clusters/prod/secrets/]\n    security: { users: [alice, bob] }\n",
    );
    write("clusters/prod/kopt.yaml", local);
    write(".github/CODEOWNERS", GOOD.replaceAll("@acme/security", "@bob"));
    const unknown = await codeownersCheck({ repoDir: dir, env: {} });
    expect(unknown.findings).toEqual([
      {
        file: "clusters/prod/kopt.yaml",
        line: 6,
        path: "clusters/prod/kopt.yaml",
        problem:
          'policy.approval.architects is the team "architects", whose CODEOWNERS handle is @<organization>/architects, but kopt cannot tell which organization owns the repository: no kopt.yaml sets forge.github.owner, GITHUB_REPOSITORY is not set, and no git remote "origin" on github.com names it.',
        fix: "pass --owner <organization> or set forge.github.owner in kopt.yaml; .github/CODEOWNERS names teams of acme: if acme owns the repository, run `kopt codeowners check --owner acme`",
      },
    ]);
    expect((await codeownersCheck({ repoDir: dir, owner: "acme", env: {} })).findings).toEqual([]);
  });

  describe("without --owner or forge.github.owner, the organization comes from where the repository lives", () => {
    beforeEach(() => {
      write(
        "clusters/prod/kopt.yaml",
        PROD.replace(/forge:\n( {2}.*\n)+?workloads:/, "forge:\n  type: local\nworkloads:"),
      );
      write(".github/CODEOWNERS", GOOD);
    });

    it("GITHUB_REPOSITORY's owner (GitHub Actions)", async () => {
      expect((await codeownersCheck({ repoDir: dir, env: {} })).findings).toHaveLength(1);
      const r = await codeownersCheck({ repoDir: dir, env: { GITHUB_REPOSITORY: "acme/gitops" } });
      expect(r.findings).toEqual([]);
      expect(r.checked).toContain("clusters/prod/payments.yaml");
    });

    it("the owner in the URL of the git remote origin on github.com", async () => {
      git(dir, "remote", "add", "origin", "https://github.com/acme/gitops.git");
      expect((await codeownersCheck({ repoDir: dir, env: {} })).findings).toEqual([]);
      git(dir, "remote", "set-url", "origin", "git@github.com:acme/gitops.git");
      expect((await codeownersCheck({ repoDir: dir, env: {} })).findings).toEqual([]);
      git(dir, "remote", "set-url", "origin", "https://gitlab.example.com/acme/gitops.git");
      expect((await codeownersCheck({ repoDir: dir, env: {} })).findings).toHaveLength(1);
    });

    it("another cluster's forge.github.owner: one repository has one owner", async () => {
      write(
        "clusters/staging/kopt.yaml",
        PROD.replace("cluster: prod", "cluster: staging")
          .replace("clusters/prod/snapshot.json.gz", "clusters/staging/snapshot.json.gz")
          .replace(/workloads:\n[\s\S]*$/, "workloads: []\n"),
      );
      expect((await codeownersCheck({ repoDir: dir, cluster: "prod", env: {} })).findings).toEqual([]);
    });
  });

  it("fails clearly on a cluster that does not exist", async () => {
    await expect(codeownersCheck({ repoDir: dir, cluster: "nope" })).rejects.toBeInstanceOf(KoptError);
  });

  it("kopt codeowners check on this repository's files without --owner: a complete sentence and the --owner to pass", async () => {
    // A copy without git, so the checkout's own remote cannot name the owner.
    const copy = mkdtempSync(join(tmpdir(), "kopt-self-"));
    try {
      cpSync(join(PROJECT_ROOT, "clusters"), join(copy, "clusters"), { recursive: true });
      cpSync(join(PROJECT_ROOT, ".github"), join(copy, ".github"), { recursive: true });
      const r = await koptEnv({ env: {} }, "--repo", copy, "codeowners", "check");
      expect(r.code).toBe(1);
      const [problem, fix] = r.stdout.split("\n");
      expect(problem).toMatch(
        /^clusters\/demo-prometheus\/kopt\.yaml:\d+: clusters\/demo-prometheus\/kopt\.yaml: policy\.approval\.architects and policy\.approval\.security are the teams "architects" and "security", whose CODEOWNERS handles are @<organization>\/architects and @<organization>\/security, but kopt cannot tell which organization owns the repository: .*names it\.$/,
      );
      expect(fix).toBe(
        "  fix: pass --owner <organization> or set forge.github.owner in kopt.yaml; .github/CODEOWNERS names teams of kopt-dev: if kopt-dev owns the repository, run `kopt codeowners check --owner kopt-dev`",
      );
      // In GitHub Actions the repository names its owner: no --owner needed.
      const actions = await koptEnv(
        { env: { GITHUB_REPOSITORY: "kopt-dev/kopt" } },
        "--repo",
        copy,
        "codeowners",
        "check",
      );
      expect(actions.stdout).toMatch(/^\d+ path\(s\) checked, 0 finding\(s\)\n$/);
      expect(actions.code).toBe(0);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("this repository's own CODEOWNERS passes against its own clusters", async () => {
    const result = await codeownersCheck({ repoDir: PROJECT_ROOT, owner: "kopt-dev" });
    expect(codeownersCheckText(result)).toMatch(/ 0 finding\(s\)$/);
    expect(result.file).toBe(".github/CODEOWNERS");
    expect(result.clusters).toEqual(["demo", "demo-prometheus"]);
    // The same file under another organization's teams owns nothing critical: the check bites.
    expect((await codeownersCheck({ repoDir: PROJECT_ROOT, owner: "acme" })).findings.length).toBeGreaterThan(
      0,
    );
    expect(result.checked).toEqual(
      expect.arrayContaining([
        "clusters/demo/kopt.yaml",
        ".github/workflows/kopt-gate.yml",
        ".github/CODEOWNERS",
      ]),
    );
  });
});
