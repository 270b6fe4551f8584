// The CLI shell itself: how it reports bugs in kopt, command-line mistakes and its help.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../src/cli.ts";
import { demoRepo, type RunResult, type TempRepo } from "./support/repo.ts";

let repo: TempRepo;
beforeEach(() => {
  repo = demoRepo();
});
afterEach(() => repo.cleanup());

/** kopt whose clock throws: a stand-in for a bug anywhere in a command. */
async function withBrokenClock(env: NodeJS.ProcessEnv, ...args: string[]): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(["node", "kopt", ...args], {
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    now: () => {
      throw new TypeError("clock is not a function\n    with a second line");
    },
    env,
  });
  return { code, stdout, stderr };
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
