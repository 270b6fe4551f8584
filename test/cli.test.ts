// The CLI shell itself: how it reports bugs in kopt, command-line mistakes and its help.
import { realpathSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { demoRepo, kopt, type RunResult, runKopt, type TempRepo } from "./support/repo.ts";

let repo: TempRepo;
beforeEach(() => {
  repo = demoRepo();
});
afterEach(() => repo.cleanup());

/** kopt whose clock throws: a stand-in for a bug anywhere in a command. */
function withBrokenClock(env: NodeJS.ProcessEnv, ...args: string[]): Promise<RunResult> {
  const now = () => {
    throw new TypeError("clock is not a function\n    with a second line");
  };
  return runKopt(args, { env, now });
}

describe("a bug in kopt (an unexpected exception)", () => {
  it("prints one line with its message and how to get the stack, exit 1", async () => {
    const r = await withBrokenClock({}, "--repo", repo.dir, "plan", "--cluster", "demo", "--dry-run");
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split("\n")).toEqual([
      "kopt: internal error (please report): TypeError: clock is not a function",
      "  rerun with --debug (or KOPT_DEBUG=1) to print the stack trace, and include it in the report",
    ]);
  });

  it("prints the stack with --debug, anywhere on the command line", async () => {
    const r = await withBrokenClock({}, "--repo", repo.dir, "plan", "--cluster", "demo", "--debug");
    expect(r.code).toBe(1);
    const [first, ...stack] = r.stderr.trimEnd().split("\n");
    expect(first).toBe("kopt: internal error (please report): TypeError: clock is not a function");
    expect(stack.join("\n")).toMatch(/^TypeError: clock is not a function\n {4}with a second line\n {4}at /);
  });

  it("prints the stack with KOPT_DEBUG=1", async () => {
    const r = await withBrokenClock({ KOPT_DEBUG: "1" }, "--repo", repo.dir, "plan", "--cluster", "demo");
    expect(r.code).toBe(1);
    const [first, ...stack] = r.stderr.trimEnd().split("\n");
    expect(first).toBe("kopt: internal error (please report): TypeError: clock is not a function");
    expect(stack.join("\n")).toMatch(/^TypeError: clock is not a function\n {4}with a second line\n {4}at /);
    expect(r.stderr).not.toContain("rerun with --debug");
  });
});

describe("command-line mistakes are bad input: kopt: error, a fix, exit 2", () => {
  it.each([
    [["plan", "--bogus"], "unknown option '--bogus'", "kopt plan"],
    [
      ["codeowners", "check", "--ownr", "acme"],
      "unknown option '--ownr' (Did you mean --owner?)",
      "kopt codeowners check",
    ],
    [["rollback"], "missing required argument 'target'", "kopt rollback"],
    [
      ["plan", "--output", "yaml"],
      "option '--output <format>' argument 'yaml' is invalid. Allowed choices are text, json.",
      "kopt plan",
    ],
    [["plan", "--cluster"], "option '--cluster <name>' argument missing", "kopt plan"],
    [["snapshot"], "required option '--out <file>' not specified", "kopt snapshot"],
    [["gate"], "required option '--pr <number>' not specified", "kopt gate"],
    [
      ["schema", "yaml"],
      "command-argument value 'yaml' is invalid for argument 'format'. Allowed choices are config, snapshot, phr.",
      "kopt schema",
    ],
  ])("kopt %j", async (args, message, command) => {
    const r = await kopt("--repo", repo.dir, ...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`kopt: error: ${message}\n  fix: run \`${command} --help\`\n`);
  });
});

describe("an unknown command is an error, --help or not", () => {
  const COMMANDS =
    "the commands are plan, recommend, diagnose, snapshot, gate, sla, after-merge, verify, rollback, review, merge, agent, setup, codeowners, phr, schema, stats, report, mcp";

  it.each([[["deploy"]], [["deploy", "--help"]], [["--repo", ".", "deploy", "-h"]], [["help", "deploy"]]])(
    "kopt %j",
    async (args) => {
      const r = await kopt(...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        `kopt: error: unknown command 'deploy'\n  fix: run \`kopt --help\`; ${COMMANDS}\n`,
      );
    },
  );

  it("suggests the command meant, and checks subcommands too", async () => {
    const typo = await kopt("plann", "--cluster", "demo");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      `kopt: error: unknown command 'plann'\n  fix: did you mean \`kopt plan\`? run \`kopt --help\`; ${COMMANDS}\n`,
    );
    const sub = await kopt("phr", "check", "--help");
    expect(sub.code).toBe(2);
    expect(sub.stderr).toBe(
      "kopt: error: unknown command 'check'\n  fix: run `kopt phr --help`; the commands are lint\n",
    );
  });

  it("kopt --help, kopt plan --help and kopt help plan still print help and exit 0", async () => {
    for (const args of [
      ["--help"],
      ["plan", "--help"],
      ["help", "plan"],
      ["codeowners", "check", "--help"],
    ]) {
      const r = await kopt(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: kopt/);
      expect(r.stderr).toBe("");
    }
  });
});

describe("--help shows which options are required", () => {
  it("kopt snapshot --help: --out is required", async () => {
    const r = await kopt("snapshot", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: kopt snapshot --out <file> \[options\]\n/);
    expect(r.stdout.replace(/\s+/g, " ")).toContain(
      "--out <file> snapshot file to write: .json, or .json.gz to gzip it (required)",
    );
  });

  it("kopt gate --help: --pr is required; optional options are not marked", async () => {
    const r = await kopt("gate", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: kopt gate --pr <number> \[options\]\n/);
    expect(r.stdout).toMatch(/ {2}--pr <number> +the pull request \(required\)\n/);
    expect(r.stdout.match(/\(required\)/g)).toHaveLength(1);
  });

  it("kopt --help lists --debug", async () => {
    const r = await kopt("--help");
    expect(r.stdout.replace(/\s+/g, " ")).toContain(
      "--debug print the stack trace of an internal error (or set KOPT_DEBUG=1)",
    );
  });
});

describe("kopt phr lint on the command line", () => {
  it("without phr/: a warning that nothing was checked, exit 0", async () => {
    const r = await kopt("--repo", repo.dir, "phr", "lint");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("0 PHR(s) checked, 0 fault(s)\n");
    expect(r.stderr).toBe(
      `kopt: warning: no phr/ directory in ${realpathSync(repo.dir)}, so no PHR was checked (PHRs arrive on the base branch when kopt's pull requests are merged)\n`,
    );
  });

  it("a file that does not exist: exit 2 naming it", async () => {
    const missing = join(repo.dir, "phr/demo/2026-11-20-0badc0de-gone.md");
    const r = await kopt("phr", "lint", missing);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `kopt: error: ${relative(process.cwd(), missing)}: no such file\n  fix: check the path; with no files, \`kopt phr lint\` checks every PHR under phr/\n`,
    );
  });
});
